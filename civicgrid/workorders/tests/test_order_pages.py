"""The tracking page and the staff order page: scoped, and moves only through the table."""

import re

import pytest
from django.utils import translation
from django.utils.translation import gettext

from civicgrid.core.models import AuditEvent
from civicgrid.core.sms import LogSmsGateway
from civicgrid.workorders import services
from civicgrid.workorders.models import Channel, OrderEvent, Status, WorkOrder
from civicgrid.workorders.testing import make_order, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return make_world()


def _tracked(client, number: str, phone: str, capture) -> str:
    """The tracking page after the phone step and the texted code (the portal's tests cover the
    refusals in detail)."""
    with capture(execute=True):
        client.post(f"/orders/track/{number}/", {"action": "send", "phone": phone}, follow=True)
    code = re.search(r"\b(\d{6})\b", LogSmsGateway.sent[-1][1]).group(1)
    return client.post(f"/orders/track/{number}/", {"action": "verify", "code": code}, follow=True).content.decode()


def test_tracking_needs_the_reporters_phone_and_the_texted_code(client, w, django_capture_on_commit_callbacks):
    order = make_order(w)
    appeal = order.appeals.get()
    url = f"/orders/track/{appeal.tracking_number}/"
    assert "恩县路路面坑洼" not in client.get(url).content.decode()
    # The phone alone shows nothing, right or wrong, and a wrong phone gets no text.
    with django_capture_on_commit_callbacks(execute=True):
        wrong = client.post(url, {"action": "send", "phone": "13900000009"}, follow=True).content.decode()
    assert "恩县路路面坑洼" not in wrong and LogSmsGateway.sent == []
    with translation.override("zh-hans"):
        new_status = str(Status.NEW.label)
    right = _tracked(client, appeal.tracking_number, "139-0000-0001", django_capture_on_commit_callbacks)
    assert [p for p, _m in LogSmsGateway.sent] == ["13900000001"]
    assert "恩县路路面坑洼" in right
    assert new_status in right


def test_tracking_shows_only_public_moves(client, w, django_capture_on_commit_callbacks):
    order = make_order(w)
    services.transition(order, "report_up", w.users["grid"], reason="内部：需要社区协调物业")
    services.transition(order, "dispatch", w.users["street"], unit=w.units["cg"])
    page = _tracked(client, order.appeals.get().tracking_number, "13900000001", django_capture_on_commit_callbacks)
    assert "市北区城市管理局" in page  # the public dispatch is there
    assert "内部：需要社区协调物业" not in page


def test_staff_order_page_offers_exactly_the_allowed_moves(client, w):
    order = make_order(w)
    client.force_login(w.users["street"])
    page = client.get(f"/orders/{order.number}/").content.decode()
    actions = sorted(set(part.split('"')[0] for part in page.split('name="action" value="')[1:]))
    assert actions == sorted(t.name for t in services.allowed_moves(w.users["street"], order))
    assert "dispatch" in actions and "accept" not in actions


def test_a_move_from_the_page_goes_through_the_service(client, w):
    order = make_order(w)
    client.force_login(w.users["street"])
    response = client.post(f"/orders/{order.number}/move/",
                           {"action": "dispatch", "unit": "D-CG", "version": "1"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.status, order.unit.code, order.version) == (Status.DISPATCHED, "D-CG", 2)
    assert AuditEvent.objects.filter(action="order.dispatch").count() == 1


def test_a_refused_move_from_the_page_changes_nothing(client, w):
    order = make_order(w)
    client.force_login(w.users["dept"])
    before = (WorkOrder.objects.filter(pk=order.pk).values().get(), OrderEvent.objects.count(), AuditEvent.objects.count())
    # The department cannot see a new order at all: the page answers like a missing one.
    assert client.post(f"/orders/{order.number}/move/", {"action": "dispatch", "unit": "D-CG"}).status_code == 404
    client.force_login(w.users["street"])
    response = client.post(f"/orders/{order.number}/move/", {"action": "close"})
    assert response.status_code == 400
    assert "结案" in response.content.decode()
    assert (WorkOrder.objects.filter(pk=order.pk).values().get(), OrderEvent.objects.count(), AuditEvent.objects.count()) == before


def test_order_page_outside_the_jurisdiction_is_like_a_missing_one(client, w):
    order = make_order(w)
    client.force_login(w.users["community2"])
    assert client.get(f"/orders/{order.number}/").status_code == 404
    assert client.get("/orders/GD00000000000000/").status_code == 404


def test_history_and_channels_read_as_words_not_codes(client, w):
    order = make_order(w)
    services.transition(order, "report_up", w.users["grid"], reason="需社区协调")
    client.force_login(w.users["community"])
    page = client.get(f"/orders/{order.number}/").content.decode()
    with translation.override("zh-hans"):
        report_up = str(services.TRANSITIONS["report_up"].label)
        web = str(Channel.WEB.label)
    assert f"{report_up} · grid" in page
    assert f"· {web}</li>" in page
