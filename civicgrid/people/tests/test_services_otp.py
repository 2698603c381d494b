"""Residents' phone sign-in codes at the service level: hashing, expiry, single use, limits."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone, translation

from civicgrid.core.models import AuditEvent
from civicgrid.core.sms import LogSmsGateway
from civicgrid.people import services
from civicgrid.people.models import Membership, OneTimeCode, User

pytestmark = pytest.mark.django_db
PHONE = "13812345678"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """Request a code and return it as read from the SMS outbox."""

    def _send(phone=PHONE):
        before = len(LogSmsGateway.sent)
        with django_capture_on_commit_callbacks(execute=True):
            services.request_login_code(phone)
        assert len(LogSmsGateway.sent) == before + 1
        return re.search(r"\b(\d{6})\b", LogSmsGateway.sent[-1][1]).group(1)

    return _send


def age_codes(seconds):
    """Move every code's creation back in time (as if requested earlier)."""
    for otc in OneTimeCode.objects.all():
        OneTimeCode.objects.filter(pk=otc.pk).update(
            created_at=otc.created_at - timedelta(seconds=seconds), expires_at=otc.expires_at - timedelta(seconds=seconds)
        )


def test_request_stores_only_a_hash_and_sends_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        otc = services.request_login_code("+86 138 1234 5678")
    assert LogSmsGateway.sent == []  # nothing leaves before the transaction commits
    assert len(callbacks) == 1
    callbacks[0]()
    phone, message = LogSmsGateway.sent[0]
    code = re.search(r"\b(\d{6})\b", message).group(1)
    assert phone == PHONE
    assert message == f"Your civicgrid sign-in code is {code}. It expires in 5 minutes. Never tell it to anyone."
    otc.refresh_from_db()
    assert otc.phone == PHONE
    assert code not in otc.code_hash
    assert len(otc.code_hash) == 64
    assert round((otc.expires_at - otc.created_at).total_seconds()) == 300
    event = AuditEvent.objects.get()
    assert (event.action, event.kind, event.changes) == ("otp.request", "auth", {"phone": "138****5678"})
    assert PHONE not in event.object_repr


@pytest.mark.parametrize("phone", ["", "1381234567", "23812345678", "12812345678", "138123456789", "abc"])
def test_request_refuses_invalid_numbers(phone):
    with pytest.raises(ValidationError) as info:
        services.request_login_code(phone)
    assert info.value.error_dict["phone"][0].code == "invalid_phone"
    assert OneTimeCode.objects.count() == 0
    assert AuditEvent.objects.count() == 0
    assert LogSmsGateway.sent == []


def test_resend_waits_for_the_resend_interval(send):
    send()
    with pytest.raises(ValidationError) as info:
        services.request_login_code(PHONE)
    assert info.value.error_dict["phone"][0].code == "too_soon"
    assert re.fullmatch(
        r"A code was sent a moment ago\. Please wait (59|60) seconds before asking for another\.",
        info.value.messages[0],
    )
    assert OneTimeCode.objects.count() == 1
    assert AuditEvent.objects.count() == 1
    age_codes(61)
    send()
    assert OneTimeCode.objects.count() == 2


@override_settings(OTP_DAILY_LIMIT=3, OTP_RESEND_SECONDS=0)
def test_daily_limit(send):
    for _ in range(3):
        send()
    with pytest.raises(ValidationError) as info:
        services.request_login_code(PHONE)
    assert info.value.error_dict["phone"][0].code == "daily_limit"
    assert info.value.messages == ["Too many codes were sent to this number today. Please try again tomorrow."]
    assert OneTimeCode.objects.count() == 3
    assert len(LogSmsGateway.sent) == 3
    # Another number is not affected.
    send("13912345678")


def test_first_sign_in_creates_the_resident(send):
    code = send()
    user = services.verify_login_code(PHONE, code)
    assert (user.username, user.phone, user.has_usable_password(), user.is_staff) == (f"r{PHONE}", PHONE, False, False)
    assert list(Membership.objects.filter(user=user).values_list("role", "area", "unit")) == [("resident", None, None)]
    assert OneTimeCode.objects.get().used_at is not None
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "otp.request", "user.create", "otp.verify"
    ]
    create = AuditEvent.objects.get(action="user.create")
    assert create.changes == {"username": f"r{PHONE}", "phone": "138****5678", "role": "resident", "via": "phone_code"}


def test_second_sign_in_finds_the_same_account(send):
    first = services.verify_login_code(PHONE, send())
    age_codes(61)
    second = services.verify_login_code(PHONE, send())
    assert first.pk == second.pk
    assert User.objects.count() == 1
    assert Membership.objects.count() == 1


def test_wrong_code_counts_an_attempt(send):
    code = send()
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    assert services.verify_login_code(PHONE, wrong) is None
    otc = OneTimeCode.objects.get()
    assert (otc.attempts, otc.used_at) == (1, None)
    assert User.objects.count() == 0
    failed = AuditEvent.objects.get(action="otp.verify_failed")
    assert failed.changes == {"phone": "138****5678", "reason": "wrong_code"}
    # The right code still works after a wrong one.
    assert services.verify_login_code(PHONE, code) is not None


def test_too_many_attempts_kill_the_code(send, settings):
    code = send()
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    for _ in range(settings.OTP_MAX_ATTEMPTS):
        assert services.verify_login_code(PHONE, wrong) is None
    assert services.verify_login_code(PHONE, code) is None
    assert OneTimeCode.objects.get().attempts == settings.OTP_MAX_ATTEMPTS
    assert User.objects.count() == 0
    assert AuditEvent.objects.filter(action="otp.verify_failed").order_by("id").last().changes["reason"] == "too_many_attempts"


def test_expired_code_is_refused(send):
    code = send()
    OneTimeCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert services.verify_login_code(PHONE, code) is None
    assert User.objects.count() == 0
    assert AuditEvent.objects.get(action="otp.verify_failed").changes["reason"] == "expired"


def test_code_is_single_use(send):
    code = send()
    assert services.verify_login_code(PHONE, code) is not None
    assert services.verify_login_code(PHONE, code) is None
    assert AuditEvent.objects.get(action="otp.verify_failed").changes["reason"] == "used"


def test_a_new_code_retires_the_old_one(send):
    old = send()
    age_codes(61)
    new = send()
    if old != new:
        assert services.verify_login_code(PHONE, old) is None
    assert services.verify_login_code(PHONE, new) is not None


def test_code_of_another_number_does_not_work(send):
    code = send()
    assert services.verify_login_code("13912345678", code) is None
    assert OneTimeCode.objects.get().attempts == 0
    assert User.objects.count() == 0


def test_staff_numbers_cannot_use_codes():
    User.objects.create_user("staff", password="Grid-Work2024", phone=PHONE, is_staff=True)
    with pytest.raises(ValidationError) as info:
        services.request_login_code(PHONE)
    assert info.value.error_dict["phone"][0].code == "staff_account"
    assert OneTimeCode.objects.count() == 0
    assert LogSmsGateway.sent == []


@override_settings(OTP_IP_HOURLY_LIMIT=2, OTP_RESEND_SECONDS=0)
def test_one_address_cannot_ask_for_codes_to_many_numbers(django_capture_on_commit_callbacks):
    from civicgrid.core import context

    office = context.RequestContext(ip_address="203.0.113.7")
    with context.bind(office), django_capture_on_commit_callbacks(execute=True):
        services.request_login_code("13900000011")
        services.request_login_code("13900000012")
    before = (OneTimeCode.objects.count(), AuditEvent.objects.count(), len(LogSmsGateway.sent))
    with context.bind(office), pytest.raises(ValidationError) as info:
        services.request_login_code("13900000013")
    assert info.value.error_dict["phone"][0].code == "ip_limit"
    assert (OneTimeCode.objects.count(), AuditEvent.objects.count(), len(LogSmsGateway.sent)) == before == (2, 2, 2)
    # Another address is not affected.
    with context.bind(context.RequestContext(ip_address="198.51.100.9")), django_capture_on_commit_callbacks(execute=True):
        services.request_login_code("13900000013")
    assert OneTimeCode.objects.count() == 3
