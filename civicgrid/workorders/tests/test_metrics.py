"""The 三率 and the other figures on a hand-built March 2025, with every number worked out here.

Unit 城管 (D-CG), orders in 恩县路第一网格 (street 1):
  o1 dispatched 3-03 10:00, accepted 12:00 (in time), resolved 3-05 10:00 (48 h), closed 3-06 (on time)
  o2 dispatched 3-03 10:00, accepted 3-05 (late), resolved 3-07 10:00 (96 h), closed 3-08 (after 3-06 due)
  o3 dispatched 3-10, never accepted, due 3-15: overdue
  o4 dispatched in February, in progress, due 3-20: overdue (not dispatched in the period)
  callbacks: 解决/满意, 解决/基本满意, 未解决/不满意, 解决/满意, plus one unreached (not counted)
  events: o1 and o2 closed, o2 reopened
Unit 住建 (D-ZJ), an order in 上四方第一网格 (street 2):
  o5 dispatched 3-12 10:00, accepted in time, resolved 3-13 10:00 (24 h), closed 3-15 on time
  callback 解决/满意; o6 dispatched in April (outside)

城管: response 1/3; resolution 3/4 = 0.75; satisfaction (2 + 0.9) / 4 = 0.725;
      score 10/3 + 37.5 + 29 = 69.83; on time 1/2; overdue 2; reopen 1/2; handling (48 + 96) / 2 = 72 h
住建: every rate 1.0, score 100, overdue 0, reopen 0, handling 24 h
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from civicgrid.people.jurisdiction import jurisdiction_for
from civicgrid.workorders import metrics
from civicgrid.workorders.models import Callback, MetricScheme, OrderEvent, Status
from civicgrid.workorders.testing import make_order, make_world

pytestmark = pytest.mark.django_db


def at(month, day, hour=10):
    return timezone.make_aware(datetime(2025, month, day, hour), timezone.get_fixed_timezone(8 * 60))


START, END = at(3, 1, 0), at(4, 1, 0)


def callback(order, round_, resolution="", satisfaction="", reached=True, when=None):
    cb = Callback.objects.create(order=order, round=round_, reached=reached, resolution=resolution,
                                 satisfaction=satisfaction, channel="phone", unit=order.unit, area_path=order.area_path)
    Callback.objects.filter(pk=cb.pk).update(created_at=when or at(3, 20))


def event(order, action, when):
    e = OrderEvent.objects.create(order=order, action=action, unit=order.unit)
    OrderEvent.objects.filter(pk=e.pk).update(created_at=when)


@pytest.fixture
def w():
    w = make_world()
    cg, zj = w.units["cg"], w.units["zj"]
    g1, g4 = w.tree.grid1, w.tree.grid4
    o1 = make_order(w, status=Status.CLOSED, unit=cg, area=g1, dispatched_at=at(3, 3), response_due=at(3, 4),
                    accepted_at=at(3, 3, 12), resolved_at=at(3, 5), handle_due=at(3, 10), closed_at=at(3, 6))
    o2 = make_order(w, status=Status.CLOSED, unit=cg, area=g1, dispatched_at=at(3, 3), response_due=at(3, 4),
                    accepted_at=at(3, 5), resolved_at=at(3, 7), handle_due=at(3, 6), closed_at=at(3, 8))
    make_order(w, status=Status.DISPATCHED, unit=cg, area=g1, dispatched_at=at(3, 10), response_due=at(3, 11),
               handle_due=at(3, 15))
    make_order(w, status=Status.IN_PROGRESS, unit=cg, area=g1, dispatched_at=at(2, 20), response_due=at(2, 21),
               accepted_at=at(2, 20, 12), handle_due=at(3, 20))
    # Suspended (挂账): its clock is stopped, so it is not overdue.
    make_order(w, status=Status.SUSPENDED, unit=cg, area=g1, dispatched_at=at(2, 1), handle_due=at(2, 10))
    o5 = make_order(w, status=Status.CLOSED, unit=zj, area=g4, dispatched_at=at(3, 12), response_due=at(3, 13),
                    accepted_at=at(3, 12, 15), resolved_at=at(3, 13), handle_due=at(3, 19), closed_at=at(3, 15))
    o6 = make_order(w, status=Status.CLOSED, unit=zj, area=g4, dispatched_at=at(4, 2), response_due=at(4, 3),
                    accepted_at=at(4, 2, 11), resolved_at=at(4, 3), handle_due=at(4, 9), closed_at=at(4, 4))
    callback(o1, 0, "resolved", "satisfied")
    callback(o2, 0, "resolved", "basically")
    callback(o2, 1, "unresolved", "unsatisfied")
    callback(o1, 1, "resolved", "satisfied")
    callback(o1, 2, reached=False)
    callback(o5, 0, "resolved", "satisfied")
    callback(o6, 0, "unresolved", "unsatisfied", when=at(4, 5))
    event(o1, "close", at(3, 6))
    event(o2, "close", at(3, 8))
    event(o2, "reopen", at(3, 21))
    event(o5, "close", at(3, 15))
    event(o6, "close", at(4, 4))
    return w


CG = {"key": "D-CG", "label": "市北区城市管理局", "response_rate": 0.3333, "resolution_rate": 0.75,
      "satisfaction_rate": 0.725, "score": 69.83, "on_time_rate": 0.5, "overdue": 2, "reopen_rate": 0.5,
      "avg_handling_hours": 72.0, "dispatched": 3, "callbacks": 4, "closed": 2}
ZJ = {"key": "D-ZJ", "label": "市北区住房和城乡建设局", "response_rate": 1.0, "resolution_rate": 1.0,
      "satisfaction_rate": 1.0, "score": 100.0, "on_time_rate": 1.0, "overdue": 0, "reopen_rate": 0.0,
      "avg_handling_hours": 24.0, "dispatched": 1, "callbacks": 1, "closed": 1}


def test_units_ranked_with_exact_figures(w):
    rows = [m.as_dict() for m in metrics.rank_units(jurisdiction_for(w.users["admin"]), START, END)]
    assert rows == [{**ZJ, "rank": 1}, {**CG, "rank": 2}]


def test_one_unit(w):
    m = metrics.metrics_for_unit(jurisdiction_for(w.users["admin"]), w.units["cg"], START, END)
    assert m.as_dict() == {**CG, "rank": None}


def test_streets_ranked_each_with_its_subtree(w):
    rows = metrics.rank_areas(jurisdiction_for(w.users["district"]), "street", START, END)
    assert [(m.key, m.label, m.rank, m.score) for m in rows] == [
        ("370203028000", "四方街道", 1, 100.0), ("370203020000", "即墨路街道", 2, 69.83)]
    street1 = rows[1].as_dict()
    assert {k: street1[k] for k in CG if k not in ("key", "label")} == {k: v for k, v in CG.items() if k not in ("key", "label")}


def test_areas_without_figures_are_listed_unranked_last(w):
    rows = metrics.rank_areas(jurisdiction_for(w.users["admin"]), "community", START, END)
    assert [(m.label, m.rank, m.score, m.response_rate, m.overdue) for m in rows] == [
        ("上四方社区", 1, 100.0, 1.0, 0), ("恩县路社区", 2, 69.83, 0.3333, 2), ("上海路社区", None, None, None, 0)]


def test_ranking_within_an_area(w):
    rows = metrics.rank_areas(jurisdiction_for(w.users["admin"]), "grid", START, END, within=w.tree.community1)
    assert [(m.label, m.rank) for m in rows] == [("恩县路第一网格", 1), ("恩县路第二网格", None)]


def test_a_jurisdiction_scheme_overrides_the_default(w):
    MetricScheme.objects.create(area=None, response_weight=Decimal(10), resolution_weight=Decimal(50),
                                satisfaction_weight=Decimal(40), basically_satisfied_value=Decimal("0.5"))
    MetricScheme.objects.create(area=w.tree.street1, response_weight=Decimal(20), resolution_weight=Decimal(40),
                                satisfaction_weight=Decimal(40), basically_satisfied_value=Decimal("0.8"))
    street1 = metrics.metrics_for_area(jurisdiction_for(w.users["admin"]), w.tree.street1, START, END)
    # (2 + 0.8) / 4 = 0.7; 20/3 + 40 × 0.75 + 40 × 0.7 = 64.67
    assert (street1.satisfaction_rate, street1.score) == (0.7, 64.67)
    # Units serve the whole district: the default row applies. (2 + 0.5) / 4 = 0.625; 10/3 + 37.5 + 25 = 65.83
    cg = metrics.metrics_for_unit(jurisdiction_for(w.users["admin"]), w.units["cg"], START, END)
    assert (cg.satisfaction_rate, cg.score) == (0.625, 65.83)


def test_score_uses_only_rates_with_data(w):
    m = metrics.Metrics(key="x", label="x", figures=metrics.Figures(dispatched=4, responded=3),
                        scheme=metrics.scheme_for(""))
    assert (m.response_rate, m.resolution_rate, m.satisfaction_rate, m.score) == (0.75, None, None, 75.0)
    empty = metrics.Metrics(key="y", label="y", figures=metrics.Figures(), scheme=metrics.scheme_for(""))
    assert (empty.score, empty.on_time_rate, empty.reopen_rate, empty.avg_handling_hours) == (None, None, None, None)


def test_a_street_sees_only_its_own(w):
    j = jurisdiction_for(w.users["street2"])
    assert [m.as_dict() for m in metrics.rank_units(j, START, END)] == [{**ZJ, "rank": 1}]
    assert [m.key for m in metrics.rank_areas(j, "street", START, END)] == ["370203028000"]
    assert metrics.metrics_for_area(j, w.tree.street1, START, END) is None


def test_a_department_sees_its_unit_only(w):
    j = jurisdiction_for(w.users["dept"])
    assert [m.key for m in metrics.rank_units(j, START, END)] == ["D-CG"]
    assert metrics.rank_areas(j, "street", START, END) == []
    # Another unit's figures are empty for it, not leaked.
    assert metrics.metrics_for_unit(j, w.units["zj"], START, END).as_dict()["dispatched"] == 0


def test_a_resident_sees_nothing(w):
    j = jurisdiction_for(w.users["resident"])
    assert metrics.rank_units(j, START, END) == []
