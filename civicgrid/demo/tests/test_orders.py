"""The demo's sixty days of orders: created through intake, moved along with consistent times,
counted by the rollups, and removed again by --reset."""

import pytest
from django.utils import timezone

from civicgrid.dashboard import rollups
from civicgrid.demo import builder
from civicgrid.demo.orders import ANSWERS
from civicgrid.duplicates.models import MeToo
from civicgrid.textcheck.models import ReplyCheck, ReplyState
from civicgrid.workorders.models import OPEN_STATUSES, Appeal, Callback, OrderEvent, Status, WorkOrder

pytestmark = pytest.mark.django_db(transaction=True)


def test_small_demo_with_orders_then_reset():
    result = builder.build(scale="small", orders=120)
    counts = result["counts"]["orders"]
    assert counts["orders"] == WorkOrder.objects.count() == 120
    assert counts["closed"] == WorkOrder.objects.filter(status=Status.CLOSED).count()
    assert counts["callbacks"] == Callback.objects.count()
    now = timezone.now()
    for order in WorkOrder.objects.exclude(status=Status.NEW):
        events = list(OrderEvent.objects.filter(order=order).order_by("created_at", "id").values_list("action", "created_at"))
        assert events[0][0] == "intake" and events[0][1] == order.created_at
        assert [t for _a, t in events] == sorted(t for _a, t in events)
        assert all(t <= now for _a, t in events)
    assert min(WorkOrder.objects.values_list("created_at", flat=True)) < now - timezone.timedelta(days=7)
    assert rollups.differences() == []
    # A number carries its order's intake day, also for the backdated ones; the appeal that opened
    # the order has the same digits; each day's numbers run 1, 2, 3… in order of intake, and a new
    # order of today goes on from there.
    days: dict[str, list] = {}
    for order in WorkOrder.objects.order_by("created_at", "pk"):
        day = timezone.localtime(order.created_at).strftime("%Y%m%d")
        assert order.number[2:10] == day
        assert order.appeals.filter(tracking_number="SQ" + order.number[2:]).count() == 1
        days.setdefault(day, []).append(int(order.number[10:]))
    assert len(days) > 10 and all(n == list(range(1, len(n) + 1)) for n in days.values())
    from civicgrid.workorders.numbering import next_numbers

    today = timezone.localtime(now).strftime("%Y%m%d")
    # Today's "me too" appeals (each its own number, after the orders') came after the renumbering.
    drawn = sorted(int(t[10:]) for t in Appeal.objects.filter(tracking_number__startswith=f"SQ{today}")
                   .values_list("tracking_number", flat=True))
    assert drawn == list(range(1, len(days.get(today, [])) + counts["me_too"] + 1))
    # The receipts intake queued name the numbers the appeals now have.
    import re

    from civicgrid.notifications.models import OutboxMessage

    texted = [n for body in OutboxMessage.objects.filter(channel="sms").values_list("body", flat=True)
              for n in re.findall(r"SQ\d{14}", body)]
    assert len(texted) >= 100 and set(texted) <= set(Appeal.objects.values_list("tracking_number", flat=True))
    assert any(n[2:10] != today for n in texted)
    assert next_numbers() == (f"GD{today}{len(drawn) + 1:06d}", f"SQ{today}{len(drawn) + 1:06d}")
    # "Me too" appeals through the duplicates service, and answers held by the reply check.
    joined = sum(WorkOrder.objects.values_list("appeals_count", flat=True)) - WorkOrder.objects.count()
    assert counts["me_too"] == joined == MeToo.objects.count() > 0
    assert all(WorkOrder.objects.get(pk=m.order_id).status in OPEN_STATUSES for m in MeToo.objects.all())
    held = ReplyCheck.objects.filter(state=ReplyState.FLAGGED)
    vague = WorkOrder.objects.filter(status=Status.RESOLVED, answer=ANSWERS["resolved"])
    assert counts["answers_held"] == held.count() == vague.count()
    assert set(held.values_list("order_id", flat=True)) == set(vague.values_list("pk", flat=True))
    if WorkOrder.objects.filter(status=Status.RESOLVED).exists():
        assert vague.exists()  # the first answer waiting for verification is always a vague one

    # Someone tried the demo: their sign-in is in the append-only audit log; reset still works.
    from civicgrid.core.models import AuditEvent
    from civicgrid.people.models import User
    from civicgrid.people.services import record_sign_in

    record_sign_in(User.objects.get(username="district"), "password")
    before = set(AuditEvent.objects.values_list("pk", flat=True))
    builder.build(scale="small", orders=0, reset=True)
    assert WorkOrder.objects.count() == 0 and MeToo.objects.count() == 0
    assert rollups.differences() == []
    # No row touched: every earlier row is still there; the rebuild adds its own row (and the rows
    # of the apps that seed through their audited services, e.g. deliberation topics).
    after = set(AuditEvent.objects.values_list("pk", flat=True))
    assert before <= after
    assert AuditEvent.objects.filter(pk__in=after - before, action="demo.build").count() == 1
