"""Sign-in over HTTP: staff passwords with lockout, residents' phone codes, sessions, CSRF."""

import re
import time
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone, translation

from civicgrid.core.models import AuditEvent
from civicgrid.core.sms import LogSmsGateway
from civicgrid.people.middleware import SESSION_STARTED_KEY
from civicgrid.people.models import Membership, OneTimeCode, Role, User
from civicgrid.people.views import RESIDENT_PHONE_KEY

pytestmark = pytest.mark.django_db

PASSWORD = "Grid-Work2024"
PHONE = "13812345678"
LOGIN = "/accounts/login/"
RESIDENT = "/accounts/resident/"


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def staff():
    return User.objects.create_user("zhang.wei", password=PASSWORD, real_name="张伟")


def signed_in_user_id(client):
    return client.session.get("_auth_user_id")


def post_login(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


# --- staff password sign-in ---------------------------------------------------------------------
def test_urls():
    assert (reverse("people:login"), reverse("people:resident_login"), reverse("people:logout"),
            reverse("people:change_password")) == (LOGIN, RESIDENT, "/accounts/logout/", "/accounts/password/")


def test_staff_sign_in(client, staff):
    page = client.get(LOGIN)
    assert page.status_code == 200
    assert b'name="username"' in page.content and b'name="password"' in page.content
    response = post_login(client, "zhang.wei", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert signed_in_user_id(client) == str(staff.pk)
    assert isinstance(client.session[SESSION_STARTED_KEY], int)
    event = AuditEvent.objects.get(action="auth.login")
    assert (event.actor_id, event.kind, event.changes) == (staff.pk, "auth", {"method": "password"})


def test_wrong_password_is_refused_with_a_clear_message(client, staff):
    response = post_login(client, "zhang.wei", "wrong")
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert signed_in_user_id(client) is None
    assert not AuditEvent.objects.filter(action="auth.login").exists()


def test_lockout_after_five_failures(client, staff, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(4):
        assert post_login(client, "zhang.wei", "wrong").status_code == 200
    fifth = post_login(client, "zhang.wei", "wrong")
    assert fifth.status_code == 429
    # The sixth attempt, with the right password, is refused too.
    sixth = post_login(client, "zhang.wei", PASSWORD)
    assert sixth.status_code == 429
    assert "people/locked_out.html" in [t.name for t in sixth.templates]
    text = sixth.content.decode()
    assert "Account locked" in text
    assert "This account is locked for 30 minutes; even the right password is refused until then." in text
    assert signed_in_user_id(client) is None
    # The account stays locked, from any browser.
    assert post_login(Client(), "zhang.wei", PASSWORD).status_code == 429
    assert not AuditEvent.objects.filter(action="auth.login").exists()


def test_lockout_is_per_account(client, staff):
    other = User.objects.create_user("li.na", password=PASSWORD)
    for _ in range(5):
        post_login(client, "zhang.wei", "wrong")
    assert post_login(client, "li.na", PASSWORD).status_code == 302
    assert signed_in_user_id(client) == str(other.pk)


def test_lockout_ends_after_the_cool_off(client, staff, settings):
    for _ in range(5):
        post_login(client, "zhang.wei", "wrong")
    assert post_login(client, "zhang.wei", PASSWORD).status_code == 429
    from axes.models import AccessAttempt

    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1))
    assert post_login(client, "zhang.wei", PASSWORD).status_code == 302


def test_success_before_the_limit_resets_the_counter(client, staff):
    for _ in range(4):
        post_login(client, "zhang.wei", "wrong")
    assert post_login(client, "zhang.wei", PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    for _ in range(4):
        assert post_login(client, "zhang.wei", "wrong").status_code == 200
    assert post_login(client, "zhang.wei", PASSWORD).status_code == 302
    assert signed_in_user_id(client) == str(staff.pk)


def test_demo_accounts_sign_in_in_test_mode_only(client):
    demo = User.objects.create_user("district", password="demo", is_demo=True)
    assert post_login(client, "district", "demo").status_code == 302
    assert signed_in_user_id(client) == str(demo.pk)


@override_settings(MODE="production")
def test_demo_accounts_are_refused_in_production(client):
    User.objects.create_user("district", password="demo", is_demo=True)
    response = post_login(client, "district", "demo")
    assert response.status_code == 200
    assert signed_in_user_id(client) is None
    assert not AuditEvent.objects.filter(action="auth.login").exists()


@pytest.mark.parametrize("mode, allowed", [("production", False), ("demo", True), ("dev", True)])
def test_demo_resident_by_phone_follows_the_mode(client, django_capture_on_commit_callbacks, mode, allowed):
    User.objects.create_user("resident", phone=PHONE, is_demo=True)
    with override_settings(MODE=mode):
        code = request_code(client, django_capture_on_commit_callbacks)
        response = client.post(RESIDENT, {"step": "code", "code": code})
    assert (response.status_code == 302) is allowed
    assert (signed_in_user_id(client) is not None) is allowed


def test_inactive_staff_cannot_sign_in(client, staff):
    staff.is_active = False
    staff.save()
    post_login(client, "zhang.wei", PASSWORD)
    assert signed_in_user_id(client) is None


def test_sign_out_needs_post(client, staff):
    client.force_login(staff)
    assert client.get("/accounts/logout/").status_code == 405
    assert signed_in_user_id(client) == str(staff.pk)
    response = client.post("/accounts/logout/")
    assert (response.status_code, response["Location"]) == (302, "/")
    assert signed_in_user_id(client) is None
    assert AuditEvent.objects.get(action="auth.logout").actor_id == staff.pk


def test_unsafe_next_is_ignored(client, staff):
    response = client.post(LOGIN, {"username": "zhang.wei", "password": PASSWORD, "next": "https://evil.example/"})
    assert response["Location"] == "/"
    client.post("/accounts/logout/")
    response = client.post(LOGIN, {"username": "zhang.wei", "password": PASSWORD, "next": "/areas/"})
    assert response["Location"] == "/areas/"


# --- CSRF ---------------------------------------------------------------------------------------
def test_sign_in_without_csrf_token_is_refused(staff):
    client = Client(enforce_csrf_checks=True)
    response = post_login(client, "zhang.wei", PASSWORD)
    assert response.status_code == 403
    assert signed_in_user_id(client) is None
    assert User.objects.get(pk=staff.pk).last_login is None
    assert not AuditEvent.objects.filter(action="auth.login").exists()


def test_sign_in_with_csrf_token_works(staff):
    client = Client(enforce_csrf_checks=True)
    page = client.get(LOGIN)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    response = client.post(LOGIN, {"username": "zhang.wei", "password": PASSWORD, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert signed_in_user_id(client) == str(staff.pk)


def test_resident_code_request_without_csrf_token_is_refused():
    client = Client(enforce_csrf_checks=True)
    response = client.post(RESIDENT, {"step": "phone", "phone": PHONE})
    assert response.status_code == 403
    assert OneTimeCode.objects.count() == 0
    assert LogSmsGateway.sent == []


# --- sessions -----------------------------------------------------------------------------------
def session_row(client):
    return Session.objects.get(session_key=client.session.session_key)


def test_session_cookie_is_short_lived_and_renewed_on_each_request(client, staff, settings):
    assert (settings.SESSION_COOKIE_AGE, settings.SESSION_SAVE_EVERY_REQUEST) == (30 * 60, True)
    response = post_login(client, "zhang.wei", PASSWORD)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == 1800
    assert cookie["httponly"] is True
    Session.objects.filter(session_key=client.session.session_key).update(expire_date=timezone.now() + timedelta(minutes=5))
    client.get("/")
    remaining = session_row(client).expire_date - timezone.now()
    assert timedelta(minutes=29) < remaining <= timedelta(minutes=30)


def test_idle_session_expires(client, staff):
    post_login(client, "zhang.wei", PASSWORD)
    assert signed_in_user_id(client) == str(staff.pk)
    # 31 minutes without a request: the stored session has expired.
    Session.objects.filter(session_key=client.session.session_key).update(expire_date=timezone.now() - timedelta(minutes=1))
    response = client.get("/accounts/password/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_absolute_session_lifetime(client, staff, settings):
    post_login(client, "zhang.wei", PASSWORD)
    session = client.session
    session[SESSION_STARTED_KEY] = int(time.time()) - settings.SESSION_MAX_AGE_SECONDS + 60
    session.save()
    assert client.get("/accounts/password/").status_code == 200  # busy, and under the maximum
    session = client.session
    session[SESSION_STARTED_KEY] = int(time.time()) - settings.SESSION_MAX_AGE_SECONDS - 1
    session.save()
    response = client.get("/accounts/password/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert signed_in_user_id(client) is None


@override_settings(SESSION_MAX_AGE_SECONDS=5)
def test_absolute_lifetime_follows_the_setting(client, staff):
    post_login(client, "zhang.wei", PASSWORD)
    session = client.session
    session[SESSION_STARTED_KEY] = int(time.time()) - 6
    session.save()
    assert client.get("/accounts/password/").status_code == 302


def test_password_change_ends_other_sessions(client, staff):
    other = Client()
    post_login(other, "zhang.wei", PASSWORD)
    post_login(client, "zhang.wei", PASSWORD)
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password": "Better-Pass-2025", "new_password_again": "Better-Pass-2025"},
    )
    assert response.status_code == 302
    assert client.get("/accounts/password/").status_code == 200  # this session stays
    assert other.get("/accounts/password/").status_code == 302  # the other one ended


# --- change password page -----------------------------------------------------------------------
def test_change_password_page(client, staff):
    assert client.get("/accounts/password/")["Location"] == f"{LOGIN}?next=/accounts/password/"
    client.force_login(staff)
    page = client.get("/accounts/password/")
    assert page.status_code == 200
    assert "at least 10 characters" in page.content.decode()
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password": "Better-Pass-2025", "new_password_again": "Better-Pass-2025"},
    )
    assert (response.status_code, response["Location"]) == (302, "/")
    staff.refresh_from_db()
    assert staff.check_password("Better-Pass-2025")
    assert AuditEvent.objects.get(action="user.password_change").actor_id == staff.pk


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"old_password": "nope", "new_password": "Better-Pass-2025", "new_password_again": "Better-Pass-2025"},
         "old_password", "Your current password was entered incorrectly."),
        ({"old_password": PASSWORD, "new_password": "Better-Pass-2025", "new_password_again": "Better-Pass-2026"},
         "new_password_again", "The two new passwords differ."),
        ({"old_password": PASSWORD, "new_password": "short1A!", "new_password_again": "short1A!"},
         "new_password", "This password is too short. It must contain at least 10 characters."),
        ({"old_password": PASSWORD, "new_password": "alllowercase", "new_password_again": "alllowercase"},
         "new_password", "The password must mix at least 3 kinds of characters: lower-case letters, "
                         "upper-case letters, digits, symbols."),
    ],
)
def test_change_password_refusals(client, staff, data, field, message):
    client.force_login(staff)
    hash_before = User.objects.get(pk=staff.pk).password
    response = client.post("/accounts/password/", data)
    assert response.status_code == 400
    assert message in response.context["form"].errors[field]
    assert User.objects.get(pk=staff.pk).password == hash_before
    assert not AuditEvent.objects.filter(action="user.password_change").exists()


# --- residents: phone and code ------------------------------------------------------------------
def request_code(client, capture, phone=PHONE, **extra):
    before = len(LogSmsGateway.sent)
    with capture(execute=True):
        response = client.post(RESIDENT, {"step": "phone", "phone": phone}, **extra)
    assert response.status_code == 200, response.content.decode()
    assert len(LogSmsGateway.sent) == before + 1
    return re.search(r"\b(\d{6})\b", LogSmsGateway.sent[-1][1]).group(1)


def test_resident_sign_in_in_two_steps(client, django_capture_on_commit_callbacks):
    page = client.get(RESIDENT)
    assert page.status_code == 200
    assert b'name="phone"' in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(RESIDENT, {"step": "phone", "phone": "138 1234 5678"})
    assert response.status_code == 200
    assert "Enter the code sent to 138****5678." in response.content.decode()
    assert b'name="code"' in response.content
    assert client.session[RESIDENT_PHONE_KEY] == PHONE
    code = re.search(r"\b(\d{6})\b", LogSmsGateway.sent[0][1]).group(1)
    assert LogSmsGateway.sent[0][0] == PHONE
    response = client.post(RESIDENT, {"step": "code", "code": code})
    assert (response.status_code, response["Location"]) == (302, "/")
    user = User.objects.get(phone=PHONE)
    assert signed_in_user_id(client) == str(user.pk)
    assert list(Membership.objects.filter(user=user).values_list("role", flat=True)) == [Role.RESIDENT]
    assert AuditEvent.objects.get(action="auth.login").changes == {"method": "phone_code"}
    assert isinstance(client.session[SESSION_STARTED_KEY], int)


def test_resident_wrong_code(client, django_capture_on_commit_callbacks):
    code = request_code(client, django_capture_on_commit_callbacks)
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    response = client.post(RESIDENT, {"step": "code", "code": wrong})
    assert response.status_code == 400
    assert response.context["form"].errors["code"] == [
        "The code is wrong, has expired or was already used. Check the text message, or ask for a new code."
    ]
    assert signed_in_user_id(client) is None
    assert User.objects.count() == 0
    assert OneTimeCode.objects.get().attempts == 1


def test_resident_malformed_code(client, django_capture_on_commit_callbacks):
    request_code(client, django_capture_on_commit_callbacks)
    response = client.post(RESIDENT, {"step": "code", "code": "12ab"})
    assert response.status_code == 400
    assert response.context["form"].errors["code"] == ["The code is the digits from the text message."]
    assert OneTimeCode.objects.get().attempts == 0


def test_resident_expired_code(client, django_capture_on_commit_callbacks):
    code = request_code(client, django_capture_on_commit_callbacks)
    OneTimeCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.post(RESIDENT, {"step": "code", "code": code})
    assert response.status_code == 400
    assert signed_in_user_id(client) is None
    assert User.objects.count() == 0


def test_resident_code_cannot_be_reused(client, django_capture_on_commit_callbacks):
    code = request_code(client, django_capture_on_commit_callbacks)
    assert client.post(RESIDENT, {"step": "code", "code": code}).status_code == 302
    thief = Client()
    session = thief.session
    session[RESIDENT_PHONE_KEY] = PHONE
    session.save()
    response = thief.post(RESIDENT, {"step": "code", "code": code})
    assert response.status_code == 400
    assert signed_in_user_id(thief) is None


def test_resident_too_many_attempts(client, django_capture_on_commit_callbacks, settings):
    code = request_code(client, django_capture_on_commit_callbacks)
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    for _ in range(settings.OTP_MAX_ATTEMPTS):
        assert client.post(RESIDENT, {"step": "code", "code": wrong}).status_code == 400
    response = client.post(RESIDENT, {"step": "code", "code": code})
    assert response.status_code == 400
    assert signed_in_user_id(client) is None
    assert User.objects.count() == 0


def test_resident_rate_limit(client, django_capture_on_commit_callbacks):
    request_code(client, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(RESIDENT, {"step": "phone", "phone": PHONE})
    assert response.status_code == 400
    assert "Please wait" in response.context["form"].errors["phone"][0]
    with django_capture_on_commit_callbacks(execute=True):
        resend = client.post(RESIDENT, {"step": "resend"})
    assert resend.status_code == 400
    assert "Please wait" in resend.context["error"]
    assert len(LogSmsGateway.sent) == 1
    assert OneTimeCode.objects.count() == 1


def test_resident_resend_after_the_interval(client, django_capture_on_commit_callbacks):
    first = request_code(client, django_capture_on_commit_callbacks)
    OneTimeCode.objects.update(created_at=timezone.now() - timedelta(seconds=61))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(RESIDENT, {"step": "resend"})
    assert response.status_code == 200
    assert response.context["notice"] == "A new code was sent to 138****5678."
    second = re.search(r"\b(\d{6})\b", LogSmsGateway.sent[-1][1]).group(1)
    if first != second:
        assert client.post(RESIDENT, {"step": "code", "code": first}).status_code == 400
    assert client.post(RESIDENT, {"step": "code", "code": second}).status_code == 302


def test_resident_invalid_phone(client):
    response = client.post(RESIDENT, {"step": "phone", "phone": "12345"})
    assert response.status_code == 400
    assert response.context["form"].errors["phone"] == [
        "Enter a mainland China mobile number of 11 digits, such as 13812345678."
    ]
    assert OneTimeCode.objects.count() == 0


def test_code_step_without_phone_goes_back(client):
    response = client.post(RESIDENT, {"step": "code", "code": "123456"})
    assert response.status_code == 400
    assert b'name="phone"' in response.content
    assert response.context["error"] == "Enter your mobile number first."


def test_resident_flow_with_htmx(client, django_capture_on_commit_callbacks):
    code = request_code(client, django_capture_on_commit_callbacks, HTTP_HX_REQUEST="true")
    fragment = client.post(RESIDENT, {"step": "code", "code": "000000" if code != "000000" else "000001"},
                           HTTP_HX_REQUEST="true")
    assert fragment.status_code == 400
    assert not fragment.content.lstrip().startswith(b"<!doctype")
    assert b'id="resident-login"' in fragment.content
    response = client.post(RESIDENT, {"step": "code", "code": code}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/"
    assert signed_in_user_id(client) is not None


def test_resident_without_password_has_no_password_page(client, django_capture_on_commit_callbacks):
    code = request_code(client, django_capture_on_commit_callbacks)
    client.post(RESIDENT, {"step": "code", "code": code})
    assert client.get("/accounts/password/")["Location"] == "/"


def test_password_login_does_not_open_resident_accounts(client, django_capture_on_commit_callbacks):
    code = request_code(client, django_capture_on_commit_callbacks)
    client.post(RESIDENT, {"step": "code", "code": code})
    client.post("/accounts/logout/")
    post_login(client, f"r{PHONE}", "")
    post_login(client, f"r{PHONE}", "anything-Else1")
    assert signed_in_user_id(client) is None
