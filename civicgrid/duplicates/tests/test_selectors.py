"""Which open orders the engine suggests, from the database, for whom, under which rule."""

from __future__ import annotations

import pytest

from civicgrid.duplicates import selectors
from civicgrid.duplicates.models import DuplicateRule
from civicgrid.people.jurisdiction import jurisdiction_for

from .conftest import LAT, LON, QUERY

pytestmark = pytest.mark.django_db


def names(crafted, found):
    by_pk = {o.pk: k for k, o in crafted.items()}
    return [(by_pk[s.order.pk], s.score, s.similarity, s.metres, s.age_days) for s in found]


def find_as(w, user, **kw):
    scope = selectors.staff_orders(jurisdiction_for(w.users[user]))
    return selectors.find(scope, **{"text": QUERY, "lon": LON, "lat": LAT, "category": w.categories["road"], **kw})


def test_default_rule_is_in_the_database():
    assert list(DuplicateRule.objects.values_list("category", "radius_m", "window_days", "min_similarity")) == [
        (None, 50, 7, 0.2)]


def test_suggestions_are_near_recent_open_same_category_alike_and_visible(w, crafted):
    # The street dispatcher of 即墨路街道 does not see 四方街道's order at the same spot; the
    # far (100 m), old (9 days), gas (other leaf), closed and unlike orders are never suggested.
    assert names(crafted, find_as(w, "street")) == [
        ("near", 0.6208, 0.649, 22, 1.0), ("parent", 0.5373, 0.625, 33, 2.0)]
    assert names(crafted, find_as(w, "district")) == [
        ("other_street", 0.681, 0.64, 11, 0.0), ("near", 0.6208, 0.649, 22, 1.0), ("parent", 0.5373, 0.625, 33, 2.0)]


def test_merged_orders_and_a_missing_point_give_nothing(w, crafted):
    crafted["near"].__class__.objects.filter(pk=crafted["near"].pk).update(merged_into=crafted["parent"])
    assert [n for n, *_ in names(crafted, find_as(w, "street"))] == ["parent"]
    assert find_as(w, "street", lon=None) == []


def test_the_most_specific_rule_wins(w, crafted):
    DuplicateRule.objects.create(category=w.categories["sub"], radius_m=150, window_days=10, min_similarity=0.1)
    assert selectors.rule_for(w.categories["road"]).radius_m == 150
    assert [n for n, *_ in names(crafted, find_as(w, "street"))] == ["old", "near", "parent", "far"]
    DuplicateRule.objects.create(category=w.categories["road"], radius_m=25, window_days=2, min_similarity=0.1)
    assert (selectors.rule_for(w.categories["road"]).radius_m, selectors.rule_for(w.categories["gas"]).radius_m) == (25, 150)
    assert [n for n, *_ in names(crafted, find_as(w, "street"))] == ["near"]
    DuplicateRule.objects.filter(category=w.categories["road"]).update(is_active=False)
    assert selectors.rule_for(w.categories["road"]).radius_m == 150
    DuplicateRule.objects.all().delete()
    assert selectors.rule_for(w.categories["road"]) == selectors.FALLBACK


def test_a_parent_category_matches_its_subtree(w, crafted):
    # The resident picked only 市政管理 (the leaf unknown): road and gas orders both qualify.
    found = names(crafted, find_as(w, "street", category=w.categories["sub"]))
    assert [n for n, *_ in found] == ["near", "parent", "gas"]


def test_for_a_new_order_older_orders_only(w, crafted):
    found = selectors.for_order(jurisdiction_for(w.users["street"]), crafted["near"])
    # "parent" is older than "near"; "gas" is of another leaf; "near" itself is left out.
    assert [(s.order.pk, s.metres) for s in found] == [(crafted["parent"].pk, 11)]


def test_the_public_hint_is_masked_and_skips_private_categories(w, crafted):
    from civicgrid.workorders.models import WorkOrder

    WorkOrder.objects.filter(pk=crafted["near"].pk).update(title="张三门口路面坑洼 13900000001")
    shown, found = selectors.public_similar(lon=LON, lat=LAT, text=QUERY, category_code="010101")
    assert [(p.number, p.title, p.metres) for p in shown][:2] == [
        (crafted["other_street"].number, "恩县路路面坑洼", 11), (crafted["near"].number, "张*门口路面坑洼 139****0001", 22)]
    WorkOrder.objects.filter(pk=crafted["near"].pk).update(category=w.categories["private"])
    shown, _found = selectors.public_similar(lon=LON, lat=LAT, text=QUERY, category_code="010101")
    assert crafted["near"].number not in [p.number for p in shown]
