"""The demo's sixty days of orders: created through intake, moved along with consistent times,
counted by the rollups, and removed again by --reset."""

import pytest
from django.utils import timezone

from civicgrid.dashboard import rollups
from civicgrid.demo import builder
from civicgrid.workorders.models import Callback, OrderEvent, Status, WorkOrder

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

    builder.build(scale="small", orders=0, reset=True)
    assert WorkOrder.objects.count() == 0
    assert rollups.differences() == []
