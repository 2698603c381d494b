"""The command center's figures from the rollups: exact counts per area, the jurisdiction's limits,
and the 三率 rankings equal to workorders.metrics over the same months."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from civicgrid.dashboard import selectors
from civicgrid.people.jurisdiction import jurisdiction_for
from civicgrid.sla.services import blow_whistle
from civicgrid.workorders import metrics, services
from civicgrid.workorders.callbacks import record_callback
from civicgrid.workorders.models import Status
from civicgrid.workorders.testing import make_order, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return make_world()


def close(order, w, unit="cg", handler="dept", verifier="grid"):
    services.transition(order, "dispatch", w.users["street"], unit=w.units[unit])
    services.transition(order, "accept", w.users[handler])
    services.transition(order, "resolve", w.users[handler], answer="已处理。")
    services.transition(order, "verify", w.users[verifier])
    return services.transition(order, "close", w.users["street"])


@pytest.fixture
def busy(w):
    """street1: 3 orders (one closed, one overdue in progress, one new); street2: 1 new order."""
    now = timezone.now()
    closed = close(make_order(w), w)
    late = make_order(w, area=w.tree.grid2, status=Status.IN_PROGRESS, unit=w.units["c1"], level="community",
                      dispatched_at=now - timedelta(days=9), handle_due=now - timedelta(days=1), is_overdue=True,
                      supervision_level="street")
    fresh = make_order(w, area=w.tree.grid3)
    other = make_order(w, area=w.tree.grid4)
    return {"closed": closed, "late": late, "fresh": fresh, "other": other}


def test_who_sees_the_center_and_where_they_land(w):
    j = {name: jurisdiction_for(w.users[name]) for name in ("district", "street", "community", "grid", "dept", "resident")}
    assert [name for name, jj in j.items() if selectors.can_see_center(jj)] == ["district", "street", "community"]
    assert selectors.center_area(j["district"], None) == w.tree.district
    assert selectors.center_area(j["street"], None) == w.tree.street1
    assert selectors.center_area(j["community"], None) == w.tree.community1
    assert selectors.center_area(j["street"], w.tree.community1.code) == w.tree.community1
    assert selectors.center_area(j["street"], w.tree.street2.code) is None
    assert selectors.center_area(j["street"], "000") is None
    assert selectors.center_area(j["grid"], None) is None
    assert [a.code for a in selectors.breadcrumbs(w.tree.grid1)] == [
        w.tree.district.code, w.tree.street1.code, w.tree.community1.code, w.tree.grid1.code]


def test_summary_counts_per_area(w, busy):
    j = jurisdiction_for(w.users["district"])
    s = selectors.summary(j, w.tree.district)
    assert {k: s[k] for k in ("in_today", "open", "overdue", "closed_today", "escalated", "whistles_waiting")} == {
        "in_today": 4, "open": 3, "overdue": 1, "closed_today": 1, "escalated": 1, "whistles_waiting": 0}
    assert s["on_time_rate"] == 1.0
    street2 = selectors.summary(j, w.tree.street2)
    assert (street2["in_today"], street2["open"], street2["overdue"], street2["closed_today"]) == (1, 1, 0, 0)
    blow_whistle(w.users["street"], busy["late"], units=[w.units["cg"], w.units["zj"]], reason="联合整治")
    assert selectors.summary(j, w.tree.street1)["whistles_waiting"] == 2
    assert selectors.summary(j, w.tree.street2)["whistles_waiting"] == 0
    waiting = selectors.whistles_waiting(j, w.tree.district)
    assert [(r["order_number"], r["unit"]) for r in waiting] == [
        (busy["late"].number, "市北区城市管理局"), (busy["late"].number, "市北区住房和城乡建设局")]
    assert [o.number for o in selectors.escalated_orders(j, w.tree.district)] == [busy["late"].number]
    assert [o.number for o in selectors.overdue_orders(j, w.tree.district)] == [busy["late"].number]
    assert selectors.overdue_orders(j, w.tree.street2) == []


def test_trend_categories_and_map(w, busy):
    j = jurisdiction_for(w.users["district"])
    trend = selectors.trend(j, w.tree.district, days=7)
    assert len(trend) == 7 and trend[-1]["day"] == timezone.localdate()
    assert (trend[-1]["created"], trend[-1]["closed"], trend[-1]["closed_on_time"]) == (4, 1, 1)
    assert sum(d["created"] for d in trend[:-1]) == 0
    assert selectors.categories(j, w.tree.district) == [{"code": "01", "name": "城乡建设", "open": 3, "created": 4}]
    features = selectors.load_map(j, w.tree.district)["features"]
    props = {f["properties"]["code"]: f["properties"] for f in features}
    assert {code: (p["open"], p["overdue"], p["created_30d"], p["drill"]) for code, p in props.items()} == {
        w.tree.street1.code: (2, 1, 3, True), w.tree.street2.code: (1, 0, 1, True)}
    grid = selectors.load_map(j, w.tree.grid2)["features"]
    assert [(f["properties"]["code"], f["properties"]["open"], f["properties"]["drill"]) for f in grid] == [
        (w.tree.grid2.code, 1, False)]


def test_rankings_equal_the_metrics_over_the_same_month(w):
    for unit, handler in (("cg", "dept"), ("cg", "dept"), ("zj", "dept2")):
        order = close(make_order(w), w, unit=unit, handler=handler)
        record_callback(w.users["resident"], order, resolution="resolved", satisfaction="satisfied")
    order = close(make_order(w, area=w.tree.grid3), w, unit="zj", handler="dept2", verifier="grid3")
    record_callback(w.users["resident"], order, resolution="resolved", satisfaction="basically")
    j = jurisdiction_for(w.users["district"])
    now = timezone.localtime()
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (start + timedelta(days=32)).replace(day=1)
    got = selectors.rankings(j, w.tree.district, "department", start, end)
    expected = metrics.rank_units(j, start, end)
    assert [(r["code"], r["rank"], r["score"]) for r in got["rows"]] == [
        (m.key, m.rank, m.score) for m in expected if m.key in ("D-CG", "D-ZJ")]
    assert [r["code"] for r in got["rows"]] == ["D-CG", "D-ZJ"]
    assert ([r["code"] for r in got["red"]], [r["code"] for r in got["black"]]) == (["D-CG"], ["D-ZJ"])
    assert got["rows"][0]["satisfaction_rate"] == 1.0 and got["rows"][1]["satisfaction_rate"] == 0.95
    communities = selectors.rankings(j, w.tree.district, "community", start, end)
    expected_areas = metrics.rank_areas(j, "community", start, end)
    assert [(r["code"], r["rank"], r["score"]) for r in communities["rows"]] == [
        (m.key, m.rank, m.score) for m in expected_areas]
