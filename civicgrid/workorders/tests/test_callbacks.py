"""回访: the resident online or the hotline on the phone; once per closing round; unreachable
residents; unsatisfied verdicts reopen while reopens remain. Every refusal changes nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from civicgrid.core.models import AuditEvent
from civicgrid.notifications.models import OutboxMessage
from civicgrid.sla.models import SlaPolicy
from civicgrid.workorders import services
from civicgrid.workorders.callbacks import DuplicateCallback, record_callback
from civicgrid.workorders.errors import IllegalTransition, TransitionForbidden
from civicgrid.workorders.models import Callback, OrderEvent, Status, WorkOrder
from civicgrid.workorders.testing import make_order, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return make_world()


def close(order, w):
    services.transition(order, "dispatch", w.users["street"], unit=w.units["cg"])
    services.transition(order, "accept", w.users["dept"])
    services.transition(order, "resolve", w.users["dept"], answer="已修补。")
    services.transition(order, "verify", w.users["grid"])
    return services.transition(order, "close", w.users["street"])


@pytest.fixture
def closed(w):
    return close(make_order(w), w)


def state(order):
    order = WorkOrder.objects.get(pk=order.pk)
    return (order.status, order.reopen_count, order.version, Callback.objects.count(),
            OrderEvent.objects.filter(order=order).count(), AuditEvent.objects.count(), OutboxMessage.objects.count())


def test_the_resident_rates_online(w, closed):
    callback = record_callback(w.users["resident"], closed, resolution="resolved", satisfaction="satisfied",
                               comment="  很及时 ", channel="web")
    assert (callback.round, callback.reached, callback.resolution, callback.satisfaction, callback.comment,
            callback.channel, callback.recorded_by, callback.unit, callback.area_path, callback.appeal) == (
        0, True, "resolved", "satisfied", "很及时", "web", w.users["resident"], w.units["cg"], closed.area_path,
        closed.appeals.get())
    closed.refresh_from_db()
    assert closed.status == Status.CLOSED
    audit = AuditEvent.objects.get(action="order.callback")
    assert audit.changes == {"round": 0, "reached": True, "resolution": "resolved", "satisfaction": "satisfied",
                             "channel": "web", "outcome": "recorded"}


def test_the_hotline_records_a_phone_callback(w, closed):
    callback = record_callback(w.users["hotline"], closed, resolution="resolved", satisfaction="basically",
                               channel="phone")
    assert (callback.channel, callback.recorded_by, callback.satisfaction) == ("phone", w.users["hotline"], "basically")


def test_an_unreachable_resident_is_recorded_and_can_be_called_again(w, closed):
    first = record_callback(w.users["hotline"], closed, reached=False, channel="phone", comment="无人接听")
    second = record_callback(w.users["hotline"], closed, reached=False, channel="phone")
    assert [(c.reached, c.resolution, c.satisfaction) for c in (first, second)] == [(False, "", "")] * 2
    third = record_callback(w.users["district"], closed, resolution="resolved", satisfaction="satisfied", channel="phone")
    assert third.reached is True
    assert Callback.objects.filter(order=closed, round=0).count() == 3
    closed.refresh_from_db()
    assert closed.status == Status.CLOSED


def test_unsatisfied_reopens_through_the_state_machine(w, closed):
    with translation.override("en"):
        record_callback(w.users["resident"], closed, resolution="resolved", satisfaction="unsatisfied", comment="又坏了")
    closed.refresh_from_db()
    assert (closed.status, closed.reopen_count, closed.unit, closed.published_at, closed.closed_at) == (
        Status.DISPATCHED, 1, w.units["cg"], None, None)
    event = closed.events.last()
    assert (event.action, event.actor, event.reason) == (
        "reopen", None, "Callback: Resolved (解决), Unsatisfied (不满意). 又坏了")
    assert AuditEvent.objects.get(action="order.callback").changes["outcome"] == "reopened"


def test_unresolved_but_satisfied_also_reopens(w, closed):
    record_callback(w.users["hotline"], closed, resolution="unresolved", satisfaction="satisfied", channel="phone")
    closed.refresh_from_db()
    assert (closed.status, closed.reopen_count) == (Status.DISPATCHED, 1)


def test_each_closing_round_gets_its_own_callback_until_reopens_run_out(w):
    SlaPolicy.objects.update(is_active=False)
    SlaPolicy.objects.create(name="one reopen", max_reopens=1)
    order = close(make_order(w), w)
    first = record_callback(w.users["resident"], order, resolution="unresolved", satisfaction="unsatisfied")
    order.refresh_from_db()
    assert (first.round, order.status, order.reopen_count) == (0, Status.DISPATCHED, 1)
    services.transition(order, "accept", w.users["dept"])
    services.transition(order, "resolve", w.users["dept"], answer="再次修补。")
    services.transition(order, "verify", w.users["grid"])
    services.transition(order, "close", w.users["street"])
    second = record_callback(w.users["resident"], order, resolution="unresolved", satisfaction="unsatisfied")
    order.refresh_from_db()
    # No reopen left: the order stays closed with the verdict.
    assert (second.round, order.status, order.reopen_count) == (1, Status.CLOSED, 1)
    assert AuditEvent.objects.filter(action="order.callback").order_by("id").last().changes["outcome"] == "no_reopens_left"


def test_refused_before_closing(w):
    order = make_order(w)
    services.transition(order, "dispatch", w.users["street"], unit=w.units["cg"])
    before = state(order)
    with pytest.raises(IllegalTransition):
        record_callback(w.users["resident"], order, resolution="resolved", satisfaction="satisfied")
    assert state(order) == before


def test_refused_for_someone_else(w, closed):
    before = state(closed)
    for who, channel in [("resident2", "web"), ("dept", "phone"), ("street2", "phone"), ("hotline", "web")]:
        with pytest.raises(TransitionForbidden):
            record_callback(w.users[who], closed, resolution="resolved", satisfaction="satisfied", channel=channel)
    assert state(closed) == before


def test_refused_twice_in_a_round(w, closed):
    record_callback(w.users["resident"], closed, resolution="resolved", satisfaction="satisfied")
    before = state(closed)
    with pytest.raises(DuplicateCallback):
        record_callback(w.users["hotline"], closed, resolution="resolved", satisfaction="basically", channel="phone")
    with pytest.raises(DuplicateCallback):
        record_callback(w.users["hotline"], closed, reached=True, resolution="unresolved", satisfaction="unsatisfied",
                        channel="phone")
    assert state(closed) == before


@pytest.mark.parametrize("kwargs,field", [
    ({"resolution": "", "satisfaction": "satisfied"}, "resolution"),
    ({"resolution": "resolved", "satisfaction": "great"}, "satisfaction"),
    ({"resolution": "resolved", "satisfaction": "satisfied", "channel": "fax"}, "channel"),
    ({"resolution": "resolved", "satisfaction": "satisfied", "comment": "长" * 1001}, "comment"),
    ({"reached": False}, "reached"),  # online, the resident is evidently reached
    ({"reached": False, "channel": "phone", "resolution": "resolved"}, "reached"),
])
def test_bad_input_is_refused_with_the_field(w, closed, kwargs, field):
    before = state(closed)
    actor = w.users["hotline"] if kwargs.get("channel") == "phone" else w.users["resident"]
    with pytest.raises(ValidationError) as info:
        record_callback(actor, closed, **kwargs)
    assert list(info.value.message_dict) == [field]
    assert state(closed) == before
