"""The sweep: reminders at fractions, overdue marking, supervision up the chain, catching up after
downtime, idempotency, and that nothing is loaded when nothing is due."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from civicgrid.core.models import AuditEvent
from civicgrid.sla.models import Pressure, SlaPolicy
from civicgrid.sla.sweep import next_supervision_level, run_sweep, stamp
from civicgrid.workorders.models import OrderEvent, Status, WorkOrder
from civicgrid.workorders.testing import make_order, make_world

pytestmark = pytest.mark.django_db

T0 = timezone.make_aware(datetime(2026, 11, 23, 9, 0))  # a Monday, Beijing time
H = timedelta(hours=1)


@pytest.fixture
def w():
    return make_world()


@pytest.fixture
def policy():
    # Hours everywhere, so that the expected times need no calendar.
    return SlaPolicy.objects.create(
        name="test hours", dispatch_limit=2, dispatch_unit="hours", response_limit=4, response_unit="hours",
        handle_limit=10, handle_unit="hours", remind_at=[0.5, 0.8], escalate_every=2, escalate_unit="hours",
    )


def in_progress(w, policy, **kw):
    fields = dict(status=Status.IN_PROGRESS, unit=w.units["c1"], level="community", sla_policy=policy,
                  dispatched_at=T0, handle_due=T0 + 10 * H, response_due=T0 + 4 * H)
    fields.update(kw)
    return make_order(w, **fields)


def pressures(order):
    return list(Pressure.objects.filter(order=order).order_by("scheduled_at", "pk").values_list(
        "kind", "stage", "key", "level", "scheduled_at", "created_at"))


def test_nothing_due_changes_nothing(w, policy):
    order = in_progress(w, policy)
    summary = run_sweep(T0 + 4 * H)
    assert summary.changes == 0
    assert Pressure.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_reminders_at_each_fraction_then_overdue_and_supervision(w, policy):
    order = in_progress(w, policy, level="grid", unit=w.units["c1"])
    assert run_sweep(T0 + 5 * H).reminders == 1
    assert pressures(order) == [("remind", "handle", f"0.5@{stamp(T0 + 10 * H)}", "", T0 + 5 * H, T0 + 5 * H)]
    assert run_sweep(T0 + 5 * H).changes == 0
    assert run_sweep(T0 + 7 * H).changes == 0
    s = run_sweep(T0 + 8 * H)
    assert (s.reminders, s.overdue, s.supervised) == (1, 0, 0)
    assert pressures(order)[-1] == ("remind", "handle", f"0.8@{stamp(T0 + 10 * H)}", "", T0 + 8 * H, T0 + 8 * H)

    s = run_sweep(T0 + 10 * H)
    assert (s.reminders, s.overdue, s.orders_marked_overdue, s.supervised) == (0, 1, 1, 1)
    order.refresh_from_db()
    assert (order.is_overdue, order.supervision_level, order.status) == (True, "community", Status.IN_PROGRESS)
    supervise = Pressure.objects.get(order=order, kind="supervise")
    assert (supervise.level, supervise.target_area, supervise.target_unit, supervise.due_at) == (
        "community", w.tree.community1, w.units["c1"], T0 + 10 * H)
    event = OrderEvent.objects.get(order=order, action="supervise")
    assert (event.is_public, event.from_status, event.to_status, event.data["level"], event.data["from_level"]) == (
        False, "in_progress", "in_progress", "community", "")
    audit = AuditEvent.objects.get(action="order.supervise")
    assert (audit.object_id, audit.changes["supervision_level"]) == (str(order.pk), ["", "community"])
    assert AuditEvent.objects.get(action="order.overdue").changes["is_overdue"] == [False, True]

    # Escalate again each further 2 hours while still overdue: street, then the district, then stop.
    assert run_sweep(T0 + 11 * H).changes == 0
    assert run_sweep(T0 + 12 * H).supervised == 1
    order.refresh_from_db()
    assert order.supervision_level == "street"
    street = Pressure.objects.get(order=order, kind="supervise", level="street")
    assert (street.target_area, street.target_unit, street.scheduled_at) == (w.tree.street1, w.units["s1"], T0 + 12 * H)
    assert run_sweep(T0 + 14 * H).supervised == 1
    order.refresh_from_db()
    assert order.supervision_level == "district"
    district = Pressure.objects.get(order=order, kind="supervise", level="district")
    assert (district.target_area, district.target_unit) == (w.tree.district, None)
    assert run_sweep(T0 + 100 * H).changes == 0
    assert [e.data["level"] for e in OrderEvent.objects.filter(order=order, action="supervise")] == [
        "community", "street", "district"]


def test_rerun_creates_no_duplicates(w, policy):
    orders = [in_progress(w, policy, handle_due=T0 + k * H) for k in range(1, 12)]
    first = run_sweep(T0 + 6 * H)
    assert first.changes > 0
    counts = (Pressure.objects.count(), OrderEvent.objects.count(), AuditEvent.objects.count())
    fields = list(WorkOrder.objects.order_by("pk").values_list("is_overdue", "supervision_level", "version"))
    second = run_sweep(T0 + 6 * H)
    assert second.changes == 0
    assert (Pressure.objects.count(), OrderEvent.objects.count(), AuditEvent.objects.count()) == counts
    assert list(WorkOrder.objects.order_by("pk").values_list("is_overdue", "supervision_level", "version")) == fields
    assert len(orders) == 11


def test_catch_up_after_downtime_sends_exactly_what_fell_due(w, policy):
    late = in_progress(w, policy, level="grid")          # due T0+10h: long overdue at T0+3d
    running = in_progress(w, policy, handle_due=T0 + 3 * 24 * H + H, dispatched_at=T0 + 3 * 24 * H - 9 * H)
    early = in_progress(w, policy, handle_due=T0 + 3 * 24 * H + 9 * H, dispatched_at=T0 + 3 * 24 * H - H)
    assert run_sweep(T0 + H).changes == 0
    now = T0 + 3 * 24 * H
    s = run_sweep(now)
    # The late order: no reminders for a deadline already passed; the overdue notice and every
    # missed supervision step, each when it fell due.
    assert pressures(late) == [
        ("overdue", "handle", stamp(T0 + 10 * H), "", T0 + 10 * H, now),
        ("supervise", "handle", "community", "community", T0 + 10 * H, now),
        ("supervise", "handle", "street", "street", T0 + 12 * H, now),
        ("supervise", "handle", "district", "district", T0 + 14 * H, now),
    ]
    # The running order passed 0.5 (at due-5h) and 0.8 (at due-2h) unseen: only the latest is sent.
    due = T0 + 3 * 24 * H + H
    assert pressures(running) == [("remind", "handle", f"0.8@{stamp(due)}", "", due - 2 * H, now)]
    assert pressures(early) == []
    assert (s.reminders, s.overdue, s.supervised) == (1, 1, 3)
    # A lower fraction is never sent after a higher one.
    assert run_sweep(now + H / 2).changes == 0


def test_latest_reminder_only_when_both_fractions_passed(w, policy):
    order = in_progress(w, policy)
    s = run_sweep(T0 + 9 * H)
    assert s.reminders == 1
    assert pressures(order) == [("remind", "handle", f"0.8@{stamp(T0 + 10 * H)}", "", T0 + 8 * H, T0 + 9 * H)]


def test_a_new_deadline_gets_its_own_reminders(w, policy):
    order = in_progress(w, policy)
    run_sweep(T0 + 5 * H)
    WorkOrder.objects.filter(pk=order.pk).update(handle_due=T0 + 20 * H)  # an approved extension
    assert run_sweep(T0 + 6 * H).changes == 0
    assert run_sweep(T0 + 15 * H).reminders == 1
    assert Pressure.objects.filter(order=order, kind="remind").count() == 2


def test_response_and_dispatch_limits(w, policy):
    dispatched = make_order(w, status=Status.DISPATCHED, unit=w.units["cg"], level="district", sla_policy=policy,
                            dispatched_at=T0, response_due=T0 + 4 * H, handle_due=T0 + 10 * H)
    new = make_order(w, status=Status.NEW, sla_policy=policy, dispatch_due=T0 + 2 * H, area=w.tree.grid4)
    suspended = make_order(w, status=Status.SUSPENDED, sla_policy=policy, handle_due=T0 + H, unit=w.units["cg"])
    s = run_sweep(T0 + 4 * H)
    assert [p[:4] for p in pressures(dispatched)] == [
        ("overdue", "response", stamp(T0 + 4 * H), ""), ("supervise", "response", "district", "district")]
    # A department's order is supervised by the district command center at once: the top.
    supervise = Pressure.objects.get(order=dispatched, kind="supervise")
    assert (supervise.target_area, supervise.target_unit) == (w.tree.district, None)
    assert [p[:4] for p in pressures(new)] == [
        ("overdue", "dispatch", stamp(T0 + 2 * H), ""), ("supervise", "dispatch", "community", "community"),
        ("supervise", "dispatch", "street", "street")]
    assert Pressure.objects.get(order=new, level="street").target_area == w.tree.street2
    assert pressures(suspended) == []
    assert s.supervised == 3


def test_orders_without_a_policy_use_the_shandong_defaults(w):
    SlaPolicy.objects.all().delete()
    order = make_order(w, status=Status.DISPATCHED, unit=w.units["cg"], dispatched_at=T0, response_due=T0 + 24 * H)
    assert run_sweep(T0 + 11 * H).changes == 0
    assert run_sweep(T0 + 12 * H).reminders == 1
    assert Pressure.objects.get(order=order).key == f"0.5@{stamp(T0 + 24 * H)}"


def test_only_due_orders_are_loaded(w, policy, django_assert_max_num_queries):
    for k in range(3):
        in_progress(w, policy, handle_due=T0 + (20 + k) * H)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    run_sweep(T0)  # warm the per-process caches
    with CaptureQueriesContext(connection) as few:
        run_sweep(T0)
    for k in range(30):
        in_progress(w, policy, handle_due=T0 + (20 + k) * H)
    with CaptureQueriesContext(connection) as many:
        assert run_sweep(T0).changes == 0
    assert len(many) == len(few)


@pytest.mark.parametrize(("level", "supervised", "expected"), [
    ("grid", "", "community"), ("community", "", "street"), ("street", "", "district"),
    ("district", "", "district"), ("grid", "community", "street"), ("grid", "street", "district"),
    ("street", "community", "district"), ("grid", "district", None), ("district", "district", None),
])
def test_next_supervision_level(level, supervised, expected):
    assert next_supervision_level(level, supervised) == expected
