"""The rollups equal a recount after every kind of change: intake (one and batched), each move,
the sweep's overdue flags and supervision, callbacks with reopening, merges; a rolled-back move
leaves them untouched; rebuild repairs them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from civicgrid.dashboard import rollups
from civicgrid.dashboard.models import DailyTally, MonthlyTally, OrderTally
from civicgrid.sla.services import blow_whistle
from civicgrid.sla.sweep import run_sweep
from civicgrid.workorders import services
from civicgrid.workorders.callbacks import record_callback
from civicgrid.workorders.intake import submit_appeal, submit_appeals
from civicgrid.workorders.models import Status, WorkOrder
from civicgrid.workorders.testing import make_order, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return make_world()


def agree():
    assert rollups.differences() == []


def open_count(path=""):
    return sum(OrderTally.objects.filter(area_path__startswith=path, status__in=["new", "dispatched", "accepted",
                                                                                 "in_progress", "returned", "suspended"])
               .values_list("count", flat=True))


def close(order, w):
    services.transition(order, "dispatch", w.users["street"], unit=w.units["cg"])
    agree()
    services.transition(order, "accept", w.users["dept"])
    agree()
    services.transition(order, "resolve", w.users["dept"], answer="已修补。")
    agree()
    services.transition(order, "verify", w.users["grid"])
    agree()
    return services.transition(order, "close", w.users["street"])


def test_intake_one_and_batched_are_counted(w):
    p = w.tree.grid1.centroid_lon, w.tree.grid1.centroid_lat
    submit_appeal(channel="web", actor=None, title="", text="楼道灯坏了", lon=p[0], lat=p[1],
                  reporter_name="李四", reporter_phone="13900000009")
    agree()
    batch = submit_appeals([{"text": f"路灯不亮{i}", "lon": p[0], "lat": p[1], "reporter_phone": "13900000009"}
                            for i in range(3)], channel="api", actor=w.users["hotline"])
    assert batch.created == 3
    agree()
    assert open_count(w.tree.grid1.path) == 4
    today = timezone.localdate()
    assert sum(DailyTally.objects.filter(day=today).values_list("created", flat=True)) == 4


def test_every_move_of_the_loop_keeps_them_equal(w):
    order = make_order(w)
    agree()
    closed = close(order, w)
    agree()
    assert OrderTally.objects.get(status=Status.CLOSED).count == 1
    record_callback(w.users["resident"], closed, resolution="unresolved", satisfaction="unsatisfied", comment="又坏了")
    agree()
    assert WorkOrder.objects.get(pk=order.pk).status == Status.DISPATCHED
    # The reopened order left its closing day: nothing counts as closed any more.
    assert sum(DailyTally.objects.values_list("closed", flat=True)) == 0
    month = MonthlyTally.objects.get(unit=w.units["cg"].pk)
    assert (month.dispatched, month.callbacks, month.resolved_verdicts, month.satisfied, month.closed) == (1, 1, 0, 0, 0)


def test_returns_redispatch_merge_reject_withdraw(w):
    a, b, c, d = (make_order(w) for _ in range(4))
    services.transition(a, "dispatch", w.users["street"], unit=w.units["cg"])
    services.transition(a, "return", w.users["dept"], reason="不属于本单位")
    agree()
    services.transition(a, "dispatch", w.users["street"], unit=w.units["zj"])
    services.transition(a, "redispatch", w.users["street"], unit=w.units["cg"], reason="改派")
    agree()
    services.transition(b, "merge", w.users["street"], target_order=c)
    agree()
    services.transition(c, "reject", w.users["street"], reason="重复诉求")
    agree()
    services.transition(d, "withdraw", w.users["resident"])
    agree()
    statuses = dict(OrderTally.objects.filter(count__gt=0).values_list("status", "count"))
    assert statuses == {"dispatched": 1, "merged": 1, "rejected": 1, "withdrawn": 1}


def test_sweep_overdue_and_supervision_and_whistles(w):
    now = timezone.now()
    late = make_order(w, status=Status.IN_PROGRESS, unit=w.units["c1"], level="community",
                      dispatched_at=now - timedelta(days=20), handle_due=now - timedelta(days=10),
                      response_due=now - timedelta(days=19))
    fine = make_order(w, status=Status.IN_PROGRESS, unit=w.units["c1"], level="community",
                      dispatched_at=now, handle_due=now + timedelta(days=10), response_due=now + timedelta(days=1))
    agree()
    run_sweep(now)
    agree()
    late.refresh_from_db()
    assert late.is_overdue is True and late.supervision_level != ""
    assert OrderTally.objects.get(is_overdue=True, supervised=True).count == 1
    blow_whistle(w.users["street"], fine, units=[w.units["cg"]], reason="联合处置")
    agree()


def test_a_rolled_back_move_changes_nothing(w):
    order = make_order(w)
    before = rollups.stored()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.transition(order, "dispatch", w.users["street"], unit=w.units["cg"])
        raise RuntimeError("the caller fails after the move")
    assert rollups.stored() == before
    agree()


def test_rebuild_repairs_drift(w):
    for _ in range(3):
        make_order(w)
    OrderTally.objects.update(count=99)
    DailyTally.objects.all().delete()
    assert len(rollups.differences()) == 2
    written = rollups.rebuild()
    assert written == {"order": 1, "daily": 1, "category": 1, "monthly": 0}
    agree()
