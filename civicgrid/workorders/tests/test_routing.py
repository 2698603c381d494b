"""Routing: the most specific responsibility rule wins (deeper category, then deeper area); a rule
without a category is the default of its level; the demo routes every category."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from civicgrid.core.models import AuditEvent
from civicgrid.workorders import routing
from civicgrid.workorders.models import Category, Responsibility
from civicgrid.workorders.testing import make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return make_world()


def rule(w, category, area, unit, level):
    return Responsibility.objects.create(category=w.categories[category] if category else None, area=area,
                                         area_path=area.path, unit=w.units[unit], level=level)


def test_most_specific_wins(w):
    t = w.tree
    district_default = rule(w, None, t.district, "cg", "district")
    street_default = rule(w, None, t.street1, "s1", "street")
    community_default = rule(w, None, t.community1, "c1", "community")
    district_sub = rule(w, "sub", t.district, "zj", "district")
    district_gas = rule(w, "gas", t.district, "cg", "district")
    street_sub = rule(w, "sub", t.street1, "s1", "street")
    road, gas = w.categories["road"], w.categories["gas"]

    # deeper category first: gas at the district beats the street's rule for its parent category
    assert routing.resolve_unit(gas, t.grid1) == (w.units["cg"], routing.resolve_rule(gas.path, t.grid1.path))
    assert routing.resolve_rule(gas.path, t.grid1.path).pk == district_gas.pk
    # same category depth: the deeper area wins
    assert routing.resolve_rule(road.path, t.grid1.path).pk == street_sub.pk
    assert routing.resolve_rule(road.path, t.grid4.path).pk == district_sub.pk
    # defaults per level, the deepest default where no category rule applies
    other = Category.objects.get(code="04")
    assert routing.resolve_rule(other.path, t.grid1.path).pk == community_default.pk
    assert routing.resolve_rule(other.path, t.grid3.path).pk == street_default.pk
    assert routing.resolve_rule(other.path, t.grid4.path).pk == district_default.pk
    assert routing.resolve_unit(None, t.grid4)[0] == w.units["cg"]


def test_no_rule_and_inactive_rules(w):
    assert routing.resolve_unit(w.categories["road"], w.tree.grid1) == (None, None)
    r = rule(w, "road", w.tree.district, "cg", "district")
    r.is_active = False
    r.save()
    assert routing.resolve_unit(w.categories["road"], w.tree.grid1) == (None, None)
    rule(w, "sub", w.tree.district, "zj", "district")
    w.units["zj"].is_active = False
    w.units["zj"].save()
    assert routing.resolve_unit(w.categories["road"], w.tree.grid1) == (None, None)


def test_save_rule_sets_the_path_and_audits(w):
    r = Responsibility(category=w.categories["road"], area=w.tree.street1, unit=w.units["s1"], level="street")
    routing.save_rule(w.users["admin"], r)
    assert r.area_path == w.tree.street1.path
    assert AuditEvent.objects.get(action="responsibility.create").object_id == str(r.pk)


def test_every_demo_category_routes_in_every_demo_grid(settings):
    settings.CATALOGUE_CHECK_SECONDS = 60  # one snapshot for the thousands of lookups below
    routing.forget()
    call_command("demo", "--scale", "small", "--no-progress", stdout=io.StringIO(), stderr=io.StringIO())
    from civicgrid.geo.models import Area

    grids = list(Area.objects.filter(kind="grid"))
    leaves = list(Category.objects.filter(is_active=True, level=3))
    assert grids and len(leaves) > 400
    unrouted = [(c.code, g.code) for g in grids for c in leaves if routing.resolve_rule(c.path, g.path) is None]
    assert unrouted == []
    gas = Category.objects.get(code="010213")
    assert routing.resolve_unit(gas, grids[0])[0].short_name == "燃气"
    grid_matter = Category.objects.get(code="160101")
    assert routing.resolve_unit(grid_matter, grids[0])[0].kind == "community_office"
