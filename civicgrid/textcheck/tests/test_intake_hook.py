"""Intake: urgent text gets the urgent priority and SLA; the operator's choice wins; a failing
detector or flag writer never stops an intake."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

import pytest
from django.db import DatabaseError
from django.utils import timezone

from civicgrid.core.models import AuditEvent
from civicgrid.core.testing import make_building
from civicgrid.sla.models import Priority, SlaPolicy
from civicgrid.textcheck import services as tc_services
from civicgrid.textcheck import urgency
from civicgrid.textcheck.models import UrgencyFlag
from civicgrid.workorders.intake import submit_appeal, submit_appeals
from civicgrid.workorders.models import Channel, WorkOrder
from civicgrid.workorders.testing import make_world

pytestmark = pytest.mark.django_db

IN_G1 = (120.305, 36.055)
# A Wednesday, so that no working-day rule can move the natural-hour deadlines.
NOW = datetime(2026, 11, 25, 2, 0, tzinfo=dt_timezone.utc)
GAS = "楼道里煤气味很浓，请赶紧派人来"


@pytest.fixture
def w(monkeypatch):
    world = make_world()
    make_building("B1", world.tree.grid1, "青岛市市北区恩县路12号", 120.302, 36.052)
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    urgency.clear_lexicon_cache()
    return world


def hotline(w, **kw):
    args = dict(channel=Channel.HOTLINE, actor=w.users["hotline"], title="", text=GAS, address="恩县路12号",
                reporter_name="李四", reporter_phone="13700000009", category_code="010102")
    args.update(kw)
    return submit_appeal(**args)


def test_urgent_text_gets_the_urgent_priority_and_the_urgent_sla(w):
    order = hotline(w).order
    urgent_policy = SlaPolicy.objects.get(name="紧急诉求（1小时派单）")
    order.refresh_from_db()
    assert (order.priority, order.sla_policy) == (Priority.URGENT, urgent_policy)
    assert order.dispatch_due == NOW + timedelta(hours=1)
    flag = UrgencyFlag.objects.get(order=order)
    assert (flag.reasons, flag.score, flag.applied, flag.appeal) == (["煤气味"], 1.3, True, order.appeals.get())
    assert AuditEvent.objects.filter(action="textcheck.urgency_flag", object_id=str(order.pk)).count() == 1


def test_ordinary_text_keeps_the_category_default_and_no_flag(w):
    order = hotline(w, text="恩县路12号门前路面有坑，雨天积水。").order
    assert order.priority == Priority.NORMAL
    assert order.dispatch_due == NOW + timedelta(hours=2)
    assert not UrgencyFlag.objects.exists()


def test_the_operators_explicit_priority_wins(w):
    order = hotline(w, priority=Priority.NORMAL).order
    assert order.priority == Priority.NORMAL
    assert order.dispatch_due == NOW + timedelta(hours=2)
    flag = UrgencyFlag.objects.get(order=order)
    assert (flag.applied, flag.reasons) == (False, ["煤气味"])


def test_a_failing_detector_falls_back_to_normal(w, monkeypatch, caplog):
    def broken(*a, **kw):
        raise RuntimeError("lexicon exploded")

    monkeypatch.setattr(urgency, "assess_appeal", broken)
    with caplog.at_level(logging.ERROR, logger="civicgrid.textcheck.hooks"):
        order = hotline(w).order
    assert order.priority == Priority.NORMAL and WorkOrder.objects.count() == 1
    assert not UrgencyFlag.objects.exists()
    assert "urgency detector failed" in caplog.text


def test_a_failing_flag_writer_does_not_stop_the_intake(w, monkeypatch):
    def broken(triples):
        urgency_, order, appeal = triples[0]
        UrgencyFlag.objects.create(order=order, score=1, reasons=["x"])  # half written, then it fails
        raise DatabaseError("disk full")

    monkeypatch.setattr(tc_services, "record_urgency_flags", broken)
    order = hotline(w).order
    order.refresh_from_db()
    assert (order.priority, order.appeals.count()) == (Priority.URGENT, 1)
    assert not UrgencyFlag.objects.exists()


def test_batch_intake_flags_the_urgent_ones(w):
    items = [dict(title="", text=t, lon=IN_G1[0], lat=IN_G1[1], reporter_phone="13700000009",
                  category_code="010102", external_id=str(i), source="feed")
             for i, t in enumerate([GAS, "路灯不亮", "电梯困人，里面有老人，已经20分钟了"])]
    items[1]["priority"] = None
    result = submit_appeals(items, channel=Channel.IMPORT, actor=w.users["hotline"])
    assert result.created == 3 and not result.errors
    orders = [r.order for r in result.results]
    assert [o.priority for o in orders] == [Priority.URGENT, Priority.NORMAL, Priority.URGENT]
    assert [o.dispatch_due for o in orders] == [NOW + timedelta(hours=1), NOW + timedelta(hours=2),
                                                NOW + timedelta(hours=1)]
    assert sorted(UrgencyFlag.objects.values_list("order_id", flat=True)) == sorted([orders[0].pk, orders[2].pk])
