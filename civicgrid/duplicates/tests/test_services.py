"""Merge from a suggestion, "me too", and the log of suggestions shown and taken."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from civicgrid.core.models import AuditEvent
from civicgrid.duplicates import selectors, services
from civicgrid.duplicates.models import MeToo, SuggestionShown
from civicgrid.notifications.models import OutboxMessage
from civicgrid.people.jurisdiction import jurisdiction_for
from civicgrid.workorders.errors import TransitionForbidden
from civicgrid.workorders.models import Appeal, OrderEvent, Status, WorkOrder
from civicgrid.workorders.testing import make_order

from .conftest import placed

pytestmark = pytest.mark.django_db


def state(order):
    order.refresh_from_db()
    return order.status, order.appeals_count, order.merged_into_id, order.appeals.count()


# --- merge from a suggestion -------------------------------------------------------------------
def test_merge_from_a_suggestion_moves_the_appeals_and_marks_it_taken(w, crafted):
    street = w.users["street"]
    new = placed(make_order(w, title="门口路面有坑", text="恩县路门前路面有个大坑，下雨积水"), 0.0001)
    found = selectors.for_order(jurisdiction_for(street), new)
    assert found[0].order == crafted["near"]
    shown = services.record_shown(street, found, surface="order", for_order=new)
    # Shown again while the dispatcher reloads: still one display per suggested order.
    assert services.record_shown(street, found, surface="order", for_order=new) == shown

    services.merge_from_suggestion(street, new, crafted["near"], surface="order")

    assert state(new) == (Status.MERGED, 1, crafted["near"].pk, 0)
    assert state(crafted["near"]) == (Status.NEW, 2, None, 2)
    assert OrderEvent.objects.filter(order=new, action="merge").values_list("data", flat=True).get()["into"] == \
        crafted["near"].number
    assert AuditEvent.objects.filter(action="order.merge", object_id=str(new.pk)).count() == 1
    taken = SuggestionShown.objects.filter(surface="order", for_order=new).order_by("rank")
    assert [(r.suggested_id, r.taken) for r in taken] == [(crafted["near"].pk, "merge"), (crafted["parent"].pk, "")]


def test_merge_is_authorised_like_the_merge_move(w, crafted):
    new = placed(make_order(w), 0.0001)
    with pytest.raises(TransitionForbidden):
        services.merge_from_suggestion(w.users["dept"], new, crafted["near"])
    assert state(new) == (Status.NEW, 1, None, 1)
    assert state(crafted["near"]) == (Status.NEW, 1, None, 1)
    assert not SuggestionShown.objects.exists()


def test_merge_into_a_closed_order_is_refused(w, crafted):
    new = placed(make_order(w), 0.0001)
    with pytest.raises(ValidationError):
        services.merge_from_suggestion(w.users["street"], new, crafted["closed"])
    assert state(new) == (Status.NEW, 1, None, 1)


# --- me too -----------------------------------------------------------------------------------------
def test_me_too_adds_an_appeal_counts_it_audits_and_notifies(w, crafted):
    resident = w.users["resident2"]
    order = crafted["near"]
    OutboxMessage.objects.all().delete()

    appeal = services.join_me_too(resident, order, text="我家门口也是")

    assert state(order)[1:] == (2, None, 2)
    assert (appeal.order_id, appeal.reporter, appeal.text, appeal.reporter_phone, appeal.area_path, appeal.category) == (
        order.pk, resident, "我家门口也是", "13900000002", order.area_path, order.category)
    assert list(MeToo.objects.values_list("order", "appeal", "user")) == [(order.pk, appeal.pk, resident.pk)]
    assert selectors.me_too_count(order) == 1
    audit = AuditEvent.objects.get(action="order.me_too")
    assert audit.changes["appeals_count"] == [1, 2] and audit.changes["appeal"] == appeal.tracking_number
    assert OrderEvent.objects.filter(order=order, action="me_too").count() == 1
    # The same messages as intake: the tracking number to the inbox and by SMS.
    assert sorted(OutboxMessage.objects.values_list("channel", "event")) == [
        ("inbox", "appeal.received"), ("sms", "appeal.received")]
    assert appeal.tracking_number in OutboxMessage.objects.get(channel="sms").body
    # Taken without a logged display (no hint was rendered): the log still counts it.
    assert list(SuggestionShown.objects.values_list("suggested", "taken")) == [(order.pk, "me_too")]


def test_a_second_me_too_is_refused_and_changes_nothing(w, crafted):
    resident = w.users["resident2"]
    order = crafted["near"]
    services.join_me_too(resident, order)
    before = (Appeal.objects.count(), MeToo.objects.count(), AuditEvent.objects.count(), OutboxMessage.objects.count())
    with pytest.raises(ValidationError) as refused:
        services.join_me_too(resident, order, text="again")
    assert refused.value.code == "already_joined"
    assert state(order)[1] == 2
    assert (Appeal.objects.count(), MeToo.objects.count(), AuditEvent.objects.count(),
            OutboxMessage.objects.count()) == before
    # The original reporter (resident) already has an appeal on it too.
    with pytest.raises(ValidationError):
        services.join_me_too(w.users["resident"], order)


@pytest.mark.parametrize("status", [Status.CLOSED, Status.MERGED, Status.WITHDRAWN])
def test_me_too_on_an_order_no_longer_open_is_refused(w, crafted, status):
    order = crafted["near"]
    WorkOrder.objects.filter(pk=order.pk).update(status=status)
    with pytest.raises(ValidationError) as refused:
        services.join_me_too(w.users["resident2"], order)
    assert refused.value.code == "closed"
    assert state(order)[1:] == (1, None, 1) and not MeToo.objects.exists()


def test_me_too_needs_a_signed_in_resident(w, crafted):
    from django.contrib.auth.models import AnonymousUser

    for actor, code in ((AnonymousUser(), "login_required"), (w.users["street"], "forbidden")):
        with pytest.raises(ValidationError) as refused:
            services.join_me_too(actor, crafted["near"])
        assert refused.value.code == code
    assert state(crafted["near"])[1] == 1


def test_submit_and_merge_takes_the_appeal_in_and_merges_it(w, crafted):
    from civicgrid.core.testing import make_building

    make_building("B1", w.tree.grid1, "青岛市市北区恩县路12号", 120.3000, 36.0501)
    result = services.submit_and_merge(
        w.users["hotline"], crafted["near"], channel="hotline", title="路面坑", text="恩县路12号门前路面有坑",
        building_code="B1", reporter_phone="13700001234", category_code="010101")
    assert state(result.order) == (Status.MERGED, 1, crafted["near"].pk, 0)
    assert state(crafted["near"]) == (Status.NEW, 2, None, 2)
    assert result.appeal.order_id == crafted["near"].pk
    assert SuggestionShown.objects.get().taken == "merge"


def test_submit_and_merge_refused_writes_nothing(w, crafted):
    from civicgrid.core.testing import make_building

    make_building("B1", w.tree.grid1, "青岛市市北区恩县路12号", 120.3000, 36.0501)
    orders, appeals = WorkOrder.objects.count(), Appeal.objects.count()
    with pytest.raises(ValidationError):
        services.submit_and_merge(w.users["hotline"], crafted["closed"], channel="hotline", title="路面坑",
                                  text="恩县路12号门前路面有坑", building_code="B1", reporter_phone="13700001234")
    assert (WorkOrder.objects.count(), Appeal.objects.count()) == (orders, appeals)


def test_merging_an_order_carries_its_me_too_residents_to_the_target(w, crafted):
    from civicgrid.people.models import User

    street, target = w.users["street"], crafted["near"]
    new = placed(make_order(w, title="门口路面有坑", text="恩县路门前路面有个大坑，下雨积水"), 0.0001)
    third = User.objects.create_user("resident3", phone="13900000003")
    services.join_me_too(w.users["resident2"], new)
    services.join_me_too(third, new)
    services.join_me_too(third, target)  # joined both: keeps one row on the target

    services.merge_from_suggestion(street, new, target, surface="order")

    assert selectors.me_too_count(target) == 2
    assert sorted(MeToo.objects.filter(order=target).values_list("user__username", flat=True)) == [
        "resident2", "resident3"]
    assert list(MeToo.objects.filter(order=new).values_list("user__username", flat=True)) == ["resident3"]
    assert OrderEvent.objects.get(order=new, action="merge").data["me_too_moved"] == 1
