"""Tracking an appeal by its number and a code texted to the phone on record."""

from __future__ import annotations

import re

import pytest
from django.utils import translation
from django.utils.translation import gettext

from civicgrid.core.models import AuditEvent
from civicgrid.core.sms import LogSmsGateway
from civicgrid.people.models import OneTimeCode
from civicgrid.workorders import services as order_services
from civicgrid.workorders.models import Status
from civicgrid.workorders.testing import make_order, make_world

pytestmark = pytest.mark.django_db

@pytest.fixture
def w():
    return make_world()


@pytest.fixture
def order(w):
    return make_order(w, reporter=None)


def zh(msgid: str) -> str:
    with translation.override("zh-hans"):
        return gettext(msgid)


def ask(client, capture, number: str, phone: str):
    with capture(execute=True):
        return client.post(f"/orders/track/{number}/", {"action": "send", "phone": phone}, follow=True)


def sent_code() -> str:
    return re.search(r"\b(\d{6})\b", LogSmsGateway.sent[-1][1]).group(1)


def test_right_phone_gets_a_code_and_the_right_code_shows_the_timeline(client, order, django_capture_on_commit_callbacks):
    number = order.appeals.get().tracking_number
    page = client.get(f"/orders/track/{number}/").content.decode()
    assert 'id="phone"' in page and "恩县路路面坑洼" not in page

    page = ask(client, django_capture_on_commit_callbacks, number, "139-0000-0001").content.decode()
    assert [phone for phone, _text in LogSmsGateway.sent] == ["13900000001"]
    assert number in LogSmsGateway.sent[0][1]
    assert zh("If the tracking number and the phone belong to one appeal, a code has been sent to that phone by SMS. "
              "No text? Check both and ask again in a minute.") in page
    assert 'id="code"' in page and "恩县路路面坑洼" not in page

    response = client.post(f"/orders/track/{number}/", {"action": "verify", "code": sent_code()})
    assert (response.status_code, response["Location"]) == (302, f"/orders/track/{number}/")
    page = client.get(f"/orders/track/{number}/").content.decode()
    assert "恩县路路面坑洼" in page
    assert zh("New, to dispatch") in page
    assert AuditEvent.objects.filter(action="otp.verify").get().changes == {
        "phone": "139****0001", "purpose": "track", "tracking_number": number}
    # The session remembers: a reload needs no new code.
    assert "恩县路路面坑洼" in client.get(f"/orders/track/{number}/").content.decode()


def test_wrong_phone_and_wrong_number_answer_alike_and_send_nothing(client, order, django_capture_on_commit_callbacks):
    number = order.appeals.get().tracking_number
    wrong_phone = ask(client, django_capture_on_commit_callbacks, number, "13900000009")
    wrong_number = ask(client, django_capture_on_commit_callbacks, "A99999999", "13900000001")
    assert LogSmsGateway.sent == []
    assert OneTimeCode.objects.count() == 0
    for response in (wrong_phone, wrong_number):
        body = response.content.decode()
        assert response.status_code == 200
        assert zh("If the tracking number and the phone belong to one appeal, a code has been sent to that phone by "
                  "SMS. No text? Check both and ask again in a minute.") in body
        assert 'id="code"' in body and "恩县路路面坑洼" not in body
    # Every request is counted for the per-address budget, matched or not.
    assert AuditEvent.objects.filter(action="portal.track_code_asked").count() == 2


def test_three_wrong_codes_lock_even_the_right_one(client, order, django_capture_on_commit_callbacks):
    number = order.appeals.get().tracking_number
    ask(client, django_capture_on_commit_callbacks, number, "13900000001")
    right = sent_code()
    wrong = f"{(int(right) + 1) % 1000000:06d}"
    first = client.post(f"/orders/track/{number}/", {"action": "verify", "code": wrong})
    assert first.status_code == 400
    assert zh("The code is wrong or has expired. %(left)d tries left.") % {"left": 2} in first.content.decode()
    client.post(f"/orders/track/{number}/", {"action": "verify", "code": wrong})
    third = client.post(f"/orders/track/{number}/", {"action": "verify", "code": wrong}).content.decode()
    assert zh("Three wrong codes: this code is locked. Ask for a new code.") in third
    fourth = client.post(f"/orders/track/{number}/", {"action": "verify", "code": right})
    assert fourth.status_code == 400
    assert "恩县路路面坑洼" not in client.get(f"/orders/track/{number}/").content.decode()
    assert OneTimeCode.objects.get().attempts == 3


def test_the_code_row_locks_even_without_the_session(client, order, django_capture_on_commit_callbacks):
    """Dropping the cookie does not buy more guesses: the code itself counts them."""
    from civicgrid.portal.services import verify_track_code

    number = order.appeals.get().tracking_number
    ask(client, django_capture_on_commit_callbacks, number, "13900000001")
    right = sent_code()
    wrong = f"{(int(right) + 1) % 1000000:06d}"
    assert [verify_track_code(number, wrong)[1] for _ in range(3)] == ["wrong_code", "wrong_code", "locked"]
    assert verify_track_code(number, right) == (None, "locked")


def test_unknown_number_locks_after_three_wrong_codes_like_a_real_one(client, w):
    for _ in range(3):
        response = client.post("/orders/track/A99999999/", {"action": "verify", "code": "123456"})
    assert zh("Three wrong codes: this code is locked. Ask for a new code.") in response.content.decode()


def test_signed_in_reporter_needs_no_code(client, w, django_capture_on_commit_callbacks):
    order = make_order(w)
    number = order.appeals.get().tracking_number
    client.force_login(w.users["resident"])
    response = client.post(f"/orders/track/{number}/", {"action": "send", "phone": "13900000001"}, follow=True)
    assert "恩县路路面坑洼" in response.content.decode()
    assert LogSmsGateway.sent == []


def test_tracking_shows_only_public_moves_and_the_answer_when_closed(client, w, django_capture_on_commit_callbacks):
    order = make_order(w, reporter=None)
    order_services.transition(order, "report_up", w.users["grid"], reason="内部：需要社区协调物业")
    number = order.appeals.get().tracking_number
    ask(client, django_capture_on_commit_callbacks, number, "13900000001")
    client.post(f"/orders/track/{number}/", {"action": "verify", "code": sent_code()})
    page = client.get(f"/orders/track/{number}/").content.decode()
    assert "内部：需要社区协调物业" not in page
    assert 'action="verify"' not in page


def test_closed_order_of_an_account_offers_rating_through_sign_in(client, w, django_capture_on_commit_callbacks):
    order = make_order(w, status=Status.CLOSED, answer="已修补路面。")
    number = order.appeals.get().tracking_number
    ask(client, django_capture_on_commit_callbacks, number, "13900000001")
    client.post(f"/orders/track/{number}/", {"action": "verify", "code": sent_code()})
    page = client.get(f"/orders/track/{number}/").content.decode()
    assert "已修补路面。" in page
    assert f'href="/accounts/resident/?next=%2Finbox%2Frate%2F{order.number}%2F"' in page


def test_the_code_limits_are_those_of_sign_in(client, order, settings, django_capture_on_commit_callbacks):
    settings.OTP_IP_HOURLY_LIMIT = 2
    number = order.appeals.get().tracking_number
    ask(client, django_capture_on_commit_callbacks, "A1", "13900000001")
    ask(client, django_capture_on_commit_callbacks, "A2", "13900000001")
    refused = ask(client, django_capture_on_commit_callbacks, number, "13900000001")
    assert refused.status_code == 400
    assert zh("Too many codes were asked for from this network. Please try again later.") in refused.content.decode()
    assert LogSmsGateway.sent == []


def test_a_second_code_too_soon_is_not_sent_and_not_told(client, order, django_capture_on_commit_callbacks):
    number = order.appeals.get().tracking_number
    ask(client, django_capture_on_commit_callbacks, number, "13900000001")
    again = ask(client, django_capture_on_commit_callbacks, number, "13900000001")
    assert len(LogSmsGateway.sent) == 1
    assert again.status_code == 200 and 'id="code"' in again.content.decode()


def test_a_bad_phone_is_refused_before_anything(client, order):
    response = client.post(f"/orders/track/{order.appeals.get().tracking_number}/", {"action": "send", "phone": "123"})
    assert response.status_code == 400
    assert zh("Enter a mainland China mobile number of 11 digits, such as 13812345678.") in response.content.decode()
    assert AuditEvent.objects.filter(action="portal.track_code_asked").count() == 0


def test_portal_track_form_sends_the_code_and_opens_the_tracking_page(client, order, django_capture_on_commit_callbacks):
    number = order.appeals.get().tracking_number
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/portal/track/", {"tracking_number": number.lower(), "phone": "13900000001"})
    assert (response.status_code, response["Location"]) == (302, f"/orders/track/{number}/")
    assert len(LogSmsGateway.sent) == 1
    assert 'id="code"' in client.get(response["Location"]).content.decode()


def test_login_codes_and_tracking_codes_do_not_mix(client, order, django_capture_on_commit_callbacks):
    from civicgrid.people import services as people_services

    number = order.appeals.get().tracking_number
    ask(client, django_capture_on_commit_callbacks, number, "13900000001")
    code = sent_code()
    assert people_services.verify_login_code("13900000001", code) is None
    assert sorted(OneTimeCode.objects.values_list("purpose", flat=True)) == ["track"]


def test_login_and_tracking_codes_share_the_per_address_budget(client, order, settings, django_capture_on_commit_callbacks):
    settings.OTP_IP_HOURLY_LIMIT = 1
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/resident/", {"step": "phone", "phone": "13800000077"})
    assert [p for p, _m in LogSmsGateway.sent] == ["13800000077"]
    page = ask(client, django_capture_on_commit_callbacks, order.appeals.get().tracking_number, "13900000001")
    # The same answer as ever, but no second text from this address within the hour.
    assert page.status_code == 200 and 'id="code"' in page.content.decode()
    assert [p for p, _m in LogSmsGateway.sent] == ["13800000077"]
    assert list(OneTimeCode.objects.values_list("purpose", flat=True)) == ["login"]
