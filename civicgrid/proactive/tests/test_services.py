"""Findings on crafted appeals become tasks and proactive work orders; dedupe and scoping."""

from __future__ import annotations

import pytest

from civicgrid.core.models import AuditEvent
from civicgrid.proactive import selectors, services
from civicgrid.proactive.models import ProactiveTask
from civicgrid.people.jurisdiction import jurisdiction_for
from civicgrid.workorders.models import Responsibility, Status, WorkOrder
from civicgrid.workorders.testing import make_world

from .helpers import NOW, appeal, at, spike_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    world = make_world()
    Responsibility.objects.create(category=world.categories["root"], area=world.tree.district,
                                  area_path=world.tree.district.path, unit=world.units["cg"], level="district")
    spike_world(world)
    return world


def test_the_spike_in_grid_1_is_found_and_the_normal_grid_is_not(w):
    found = selectors.scan_area(w.tree.district, now=NOW, kinds=["spike"])
    assert [(f.area_code, f.category_code, f.count, f.expected) for f in found] == [
        (w.tree.grid1.code, "01", 10, 2.0)]
    f = found[0]
    assert f.key == f"spike:{w.tree.grid1.code}:01:2026-W48"
    assert f.title == "恩县路第一网格城乡建设诉求激增（7天10件，预期2.0件）"
    assert len(f.sample_orders) == 10 and f.p_value == pytest.approx(4.6498e-05, rel=1e-3)


def test_findings_for_takes_an_area_code_and_a_window(w):
    from datetime import timedelta
    found = selectors.findings_for(w.tree.district.code, NOW - timedelta(days=6, hours=12), NOW, kinds=["spike"])
    assert [f.count for f in found] == [10]
    assert selectors.findings_for(w.tree.street2, NOW - timedelta(days=7), NOW, kinds=["spike"]) == []


def test_a_finding_becomes_a_task_and_a_proactive_order_routed_like_any_other(w):
    f = selectors.scan_area(w.tree.district, now=NOW, kinds=["spike"])[0]
    audits = AuditEvent.objects.count()
    task = services.create_task_from_finding(actor=w.users["street"], finding=f)
    order = task.order
    # Counted on 城乡建设, opened on 道路破损: all ten appeals of the spike have that leaf category.
    assert (order.channel, order.status, order.category.code, order.area) == ("proactive", Status.NEW, "010101", w.tree.grid1)
    assert order.suggested_unit == w.units["cg"]
    assert order.dispatch_due is not None
    assert order.appeals.get().taken_by == w.users["street"]
    assert (task.kind, task.key, task.count, task.area, task.created_by) == ("spike", f.key, 10, w.tree.grid1, w.users["street"])
    assert task.evidence["expected"] == 2.0 and len(task.evidence["sample_orders"]) == 10
    assert set(AuditEvent.objects.values_list("action", flat=True)[audits:]) >= {"order.intake", "proactive.task.create"}
    # The task is no longer offered, and a second attempt changes nothing.
    assert selectors.scan_area(w.tree.district, now=NOW, kinds=["spike"]) == []
    before = (WorkOrder.objects.count(), ProactiveTask.objects.count(), AuditEvent.objects.count())
    with pytest.raises(services.AlreadyTasked):
        services.create_task_from_finding(actor=w.users["district"], finding=f)
    assert (WorkOrder.objects.count(), ProactiveTask.objects.count(), AuditEvent.objects.count()) == before


def test_a_spike_task_is_routed_as_its_appeals_were_not_as_the_rolled_up_category(w):
    """The district's list gives 城乡建设 as a whole to one unit and 道路破损 to another: the ten road
    appeals of the spike went to the second, and so must the task made of them (it went to the first)."""
    Responsibility.objects.create(category=w.categories["road"], area=w.tree.district,
                                  area_path=w.tree.district.path, unit=w.units["zj"], level="district")
    f = selectors.scan_area(w.tree.district, now=NOW, kinds=["spike"])[0]
    assert (f.category_code, f.evidence["main_category"]) == ("01", {"name": "道路破损", "code": "010101", "count": 10})
    order = services.create_task_from_finding(actor=w.users["district"], finding=f).order
    assert (order.category.code, order.suggested_unit) == ("010101", w.units["zj"])
    assert order.description.splitlines()[:3] == [
        "恩县路第一网格城乡建设诉求激增（7天10件，预期2.0件）",
        "由“突增”分析发现（2026-11-17 – 2026-11-23）：涉及10件诉求。",
        "以往同期约2.0件。"]


@pytest.mark.parametrize("who", ["street2", "grid", "resident", "dept"])
def test_people_outside_the_area_or_without_a_center_may_not(w, who):
    f = selectors.scan_area(w.tree.district, now=NOW, kinds=["spike"])[0]
    before = (WorkOrder.objects.count(), ProactiveTask.objects.count(), AuditEvent.objects.count())
    with pytest.raises(services.ProactiveForbidden):
        services.create_task_from_finding(actor=w.users[who], finding=f)
    assert (WorkOrder.objects.count(), ProactiveTask.objects.count(), AuditEvent.objects.count()) == before


def test_scoping_of_current_findings_and_tasks(w):
    street = jurisdiction_for(w.users["street"])
    street2 = jurisdiction_for(w.users["street2"])
    resident = jurisdiction_for(w.users["resident"])
    assert [f.count for f in selectors.current_findings(street, w.tree.street1, now=NOW, kinds=["spike"])] == [10]
    assert selectors.current_findings(street2, w.tree.street1, now=NOW, kinds=["spike"]) == []
    assert selectors.area_for(street2, w.tree.street1.code) is None
    assert selectors.area_for(resident, None) is None
    f = selectors.find_finding(street, selectors.scan_area(w.tree.district, now=NOW, kinds=["spike"])[0].key,
                               area=w.tree.street1, now=NOW)
    task = services.create_task_from_finding(actor=w.users["street"], finding=f)
    assert list(selectors.tasks_for(street)) == [task]
    assert list(selectors.tasks_for(street2)) == []
    assert list(selectors.tasks_for(resident)) == []
    assert selectors.get_task(street2, task.pk) is None


def test_a_cluster_becomes_a_task_placed_at_its_centre(w):
    for i in range(6):
        appeal(w, days_ago=1, area=w.tree.grid2, point=at(120.315, 36.055, 8 * i, 5 * (i % 2)))
    found = selectors.scan_area(w.tree.district, now=NOW, kinds=["cluster"])
    assert [(f.area_code, f.count) for f in found] == [(w.tree.grid2.code, 6)]
    assert found[0].evidence["grids"] == [w.tree.grid2.code] and found[0].evidence["radius_m"] < 50
    task = services.create_task_from_finding(actor=w.users["district"], finding=found[0])
    assert task.order.area == w.tree.grid2 and task.order.channel == "proactive"


def test_recurring_at_one_building_counts_reopenings(w):
    from civicgrid.core.testing import make_building
    b = make_building("B9", w.tree.grid3, "青岛市市北区上海路9号", 120.322, 36.052)
    appeal(w, days_ago=3, area=w.tree.grid3, building=b, category=w.categories["gas"])
    appeal(w, days_ago=10, area=w.tree.grid3, building=b, category=w.categories["gas"], reopen_count=1)
    found = selectors.scan_area(w.tree.district, now=NOW, kinds=["recurring"])
    gas = [f for f in found if f.category_code == "010102"]
    assert [(f.count, f.evidence["building"], f.evidence["reopened"]) for f in gas] == [(3, "B9", 1)]
    task = services.create_task_from_finding(actor=w.users["district"], finding=gas[0])
    assert task.order.building == b


def test_monthly_top_problem_and_its_confirmation(w):
    top = selectors.monthly_top_problem(w.tree.district, "2026-11")
    # Street 1 has 8 + 10 road orders in November... counted by the month of receipt.
    assert (top.kind, top.area_code, top.category_code) == ("category_area", w.tree.street1.code, "010101")
    assert top.task_order is None
    task = services.confirm_monthly_problem(actor=w.users["district"], area=w.tree.district, month="2026-11")
    assert task.kind == "monthly" and task.key == f"monthly:{w.tree.district.code}:2026-11"
    assert selectors.monthly_top_problem(w.tree.district, "2026-11").task_order == task.order.number
    with pytest.raises(services.AlreadyTasked):
        services.confirm_monthly_problem(actor=w.users["district"], area=w.tree.district, month="2026-11")
    with pytest.raises(services.ProactiveForbidden):
        services.confirm_monthly_problem(actor=w.users["street2"], area=w.tree.district, month="2026-10")
    assert selectors.monthly_top_problem(w.tree.district, "2020-01") is None


def test_the_command_center_scan_is_cached_and_tasks_are_filtered_at_read_time(w, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: NOW)
    street = jurisdiction_for(w.users["street"])
    # The panel's scan (every kind) is the one cached and the one a confirmation looks in.
    first = [f for f in selectors.current_findings(street, w.tree.street1) if f.kind == "spike"]
    assert [f.count for f in first] == [10]
    appeal(w, days_ago=1)
    assert [f.count for f in selectors.current_findings(street, w.tree.street1) if f.kind == "spike"] == [10]
    assert [f.count for f in selectors.scan_area(w.tree.street1, now=NOW, kinds=["spike"])] == [11]
    found = selectors.find_finding(street, first[0].key, area=w.tree.street1)
    assert found == first[0]
    services.create_task_from_finding(actor=w.users["street"], finding=found)
    assert [f for f in selectors.current_findings(street, w.tree.street1) if f.kind == "spike"] == []


def test_recurring_points_without_a_building_are_named_by_the_nearest_one(w):
    from civicgrid.core.testing import make_building

    from .helpers import at

    make_building("B8", w.tree.grid3, "青岛市市北区上海路8号", 120.322, 36.052)
    # Three reports 12 m apart on a line (a 30 m square would split some of them), none linked to
    # the building: the place is named after it, not by coordinates.
    for i in range(3):
        appeal(w, days_ago=i + 1, area=w.tree.grid3, category=w.categories["gas"],
               point=at(120.322, 36.052, -12 + 12 * i, 3))
    gas = [f for f in selectors.scan_area(w.tree.district, now=NOW, kinds=["recurring"])
           if f.category_code == "010102"]
    assert [(f.count, f.evidence["building"], f.evidence["place"]) for f in gas] == [(3, None, "青岛市市北区上海路8号附近")]
