"""Deadlines set by the moves of an order come from the default SLA policies (data): Beijing's
dispatch limits for urgent and utility orders, the Shandong handling limit in working days."""

from __future__ import annotations

from datetime import timedelta

import pytest

from civicgrid.sla.calendar import add_workdays
from civicgrid.sla.models import SlaPolicy
from civicgrid.workorders import services
from civicgrid.workorders.models import Status
from civicgrid.workorders.testing import make_order, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return make_world()


def dispatch(w, order):
    return services.transition(order, "dispatch", w.users["street"], unit=w.units["cg"])


@pytest.mark.parametrize(("priority", "category", "policy", "dispatch_h", "response_h"), [
    ("normal", "road", "默认时限（山东省规定）", 2, 24),
    ("urgent", "road", "紧急诉求（1小时派单）", 1, 2),
    ("normal", "gas", "水电气热（2小时派单）", 2, 2),
    ("urgent", "gas", "紧急诉求（1小时派单）", 1, 2),
])
def test_limits_follow_the_policy(w, priority, category, policy, dispatch_h, response_h):
    order = make_order(w, priority=priority, category=w.categories[category])
    services.set_intake_deadlines(order, order.created_at)
    assert order.sla_policy.name == policy
    assert order.dispatch_due == order.created_at + timedelta(hours=dispatch_h)
    order.save()
    order = dispatch(w, order)
    assert order.response_due == order.dispatched_at + timedelta(hours=response_h)


def test_handling_limit_is_five_working_days(w):
    order = dispatch(w, make_order(w))
    assert order.sla_policy.name == "默认时限（山东省规定）"
    assert order.handle_due == add_workdays(order.dispatched_at.astimezone(order.handle_due.tzinfo), 5)
    assert order.return_due == add_workdays(order.dispatched_at.astimezone(order.return_due.tzinfo), 2)


def test_urgent_handling_limit_is_24_hours(w):
    order = dispatch(w, make_order(w, priority="urgent"))
    assert order.handle_due == order.dispatched_at + timedelta(hours=24)


def test_an_edited_policy_applies_from_the_next_dispatch(w):
    policy = SlaPolicy.objects.get(priority="", utilities_only=False)
    policy.response_limit = 12
    policy.save()
    order = dispatch(w, make_order(w))
    assert order.status == Status.DISPATCHED
    assert order.response_due == order.dispatched_at + timedelta(hours=12)
