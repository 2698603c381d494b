"""The outbox: rows commit with the change, delivery per channel, retries with backoff, giving up,
claims that time out when a worker dies, and signed webhooks to a real local HTTP server."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from civicgrid.core.models import AuditEvent
from civicgrid.core.sms import LogSmsGateway
from civicgrid.core.wechat import LogWechatGateway
from civicgrid.notifications import services
from civicgrid.notifications.models import InboxMessage, OutboxMessage, WebhookEndpoint, WechatBinding
from civicgrid.people.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_wechat():
    LogWechatGateway.sent.clear()
    yield
    LogWechatGateway.sent.clear()


@pytest.fixture
def user():
    return User.objects.create_user("u1", password="x", email="u1@example.org")


@pytest.fixture
def now():
    # A moment after the rows a test queues (they are due from the time they are queued).
    return timezone.now() + timedelta(seconds=5)


def test_a_rolled_back_change_leaves_no_outbox_row(user):
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            services.notify_user(user, event="order.dispatch", title="t", body="b")
            raise RuntimeError("the change failed")
    assert OutboxMessage.objects.count() == 0


def test_inbox_delivery_creates_the_message_once(user, now):
    row, = services.notify_user(user, event="order.dispatch", title="新工单", body="请签收", link="/orders/T1/")
    report = services.deliver_due(now=now)
    assert (report.claimed, report.sent, report.failed, report.dead) == (1, 1, 0, 0)
    row.refresh_from_db()
    assert (row.status, row.attempts, row.sent_at, row.claimed_until) == ("sent", 1, now, None)
    message = InboxMessage.objects.get()
    assert (message.user, message.title, message.body, message.link, message.event, message.read_at) == (
        user, "新工单", "请签收", "/orders/T1/", "order.dispatch", None)
    assert services.deliver_due(now=now).claimed == 0
    assert InboxMessage.objects.count() == 1


def test_a_bound_wechat_account_also_gets_the_message(user, now):
    WechatBinding.objects.create(user=user, openid="oABCDEF123")
    rows = services.notify_user(user, event="order.accept", title="已签收", body="正在办理", link="/x/")
    assert [r.channel for r in rows] == ["inbox", "wechat"]
    services.deliver_due(now=now)
    assert LogWechatGateway.sent == [("oABCDEF123", "已签收", "正在办理", "http://127.0.0.1:8000/x/")]


def test_inactive_users_are_not_notified(user):
    user.is_active = False
    user.save()
    assert services.notify_user(user, event="e", title="t") == []
    assert OutboxMessage.objects.count() == 0


def test_email_and_sms_delivery(user, now):
    services.send_email("u1@example.org", "主题", "正文", event="test")
    services.send_sms("13900000001", "您的诉求已受理", event="test")
    report = services.deliver_due(now=now)
    assert report.sent == 2
    assert [(m.subject, m.body, m.to) for m in mail.outbox] == [("主题", "正文", ["u1@example.org"])]
    assert LogSmsGateway.sent == [("13900000001", "您的诉求已受理")]


def test_nothing_is_queued_without_an_address():
    assert services.send_sms("", "x") is None
    assert services.send_email("", "s", "b") is None
    assert OutboxMessage.objects.count() == 0


class FailingGateway:
    def send(self, phone, message):
        raise ConnectionError("gateway down")


def test_failures_retry_with_exponential_backoff_then_give_up(settings, now):
    settings.SMS_GATEWAY = "civicgrid.notifications.tests.test_outbox.FailingGateway"
    settings.OUTBOX_MAX_ATTEMPTS = 4
    settings.OUTBOX_BACKOFF_SECONDS = 30
    row = services.send_sms("13900000001", "x")
    waits = []
    t = now
    for attempt in range(1, 4):
        report = services.deliver_due(now=t)
        assert (report.claimed, report.failed, report.dead) == (1, 1, 0)
        row.refresh_from_db()
        assert (row.status, row.attempts, row.last_error) == ("failed", attempt, "ConnectionError: gateway down")
        waits.append(row.next_attempt_at - t)
        # Not due before its time.
        assert services.deliver_due(now=row.next_attempt_at - timedelta(seconds=1)).claimed == 0
        t = row.next_attempt_at
    assert waits == [timedelta(seconds=30), timedelta(seconds=60), timedelta(seconds=120)]
    report = services.deliver_due(now=t)
    assert (report.claimed, report.failed, report.dead) == (1, 0, 1)
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("dead", 4)
    assert services.deliver_due(now=t + timedelta(days=30)).claimed == 0


def test_backoff_is_capped(settings):
    settings.OUTBOX_BACKOFF_SECONDS = 30
    settings.OUTBOX_BACKOFF_MAX_SECONDS = 3600
    assert [services.backoff(n).total_seconds() for n in (1, 2, 7, 8, 20)] == [30, 60, 1920, 3600, 3600]


def test_an_administrator_can_send_a_dead_row_again(user, now):
    row = services.send_sms("13900000001", "x")
    OutboxMessage.objects.filter(pk=row.pk).update(status="dead", attempts=8, last_error="boom")
    services.retry_dead(user, row)
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("pending", 0, "")
    assert AuditEvent.objects.filter(action="outbox.retry", object_id=str(row.pk)).count() == 1
    # A row that is not dead is left alone, without an audit row.
    services.retry_dead(user, row)
    assert AuditEvent.objects.filter(action="outbox.retry").count() == 1


def test_a_claim_of_a_dead_worker_times_out_back_to_the_queue(settings, user, now):
    settings.OUTBOX_CLAIM_SECONDS = 300
    services.notify_user(user, event="e", title="t")
    claimed = services.claim_due(now, 10)
    assert [(m.status, m.attempts, m.claimed_until) for m in claimed] == [("sending", 1, now + timedelta(seconds=300))]
    # The worker dies here. Others do not take the row while the claim holds...
    assert services.deliver_due(now=now + timedelta(seconds=299)).claimed == 0
    # ...and take it once it has expired.
    report = services.deliver_due(now=now + timedelta(seconds=300))
    assert (report.claimed, report.sent) == (1, 1)
    row = OutboxMessage.objects.get()
    assert (row.status, row.attempts) == ("sent", 2)
    assert InboxMessage.objects.count() == 1


def test_a_worker_that_outlived_its_claim_does_not_overwrite_the_new_one(user, now):
    services.notify_user(user, event="e", title="t")
    stale, = services.claim_due(now, 10)
    services.claim_due(now + timedelta(hours=1), 10)  # another worker re-claims after the timeout
    assert services._mark_sent(stale, now) == 0
    assert OutboxMessage.objects.get().status == "sending"


def test_limit_caps_one_run(user, now):
    for i in range(5):
        services.notify_user(user, event="e", title=f"t{i}")
    assert services.deliver_due(now=now, limit=2).sent == 2
    assert services.deliver_due(now=now, limit=10).sent == 3
    assert sorted(InboxMessage.objects.values_list("title", flat=True)) == ["t0", "t1", "t2", "t3", "t4"]


# --- webhooks ---------------------------------------------------------------------------------
class Receiver:
    """A real HTTP server on 127.0.0.1 that records what it receives and answers ``status``."""

    def __init__(self, status=200):
        self.status = status
        self.requests: list[tuple[dict, bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.requests.append(({k: v for k, v in self.headers.items()}, body))
                self.send_response(outer.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def test_webhook_is_signed_and_the_signature_verifies(receiver, now):
    endpoint = WebhookEndpoint.objects.create(name="城管系统", url=receiver.url, secret="s3cret", event_types="order.*")
    rows = services.emit_webhooks("order.close", {"number": "T1", "status": "closed"})
    assert [r.endpoint for r in rows] == [endpoint]
    assert services.deliver_due(now=now).sent == 1
    (headers, body), = receiver.requests
    timestamp = headers["X-Civicgrid-Timestamp"]
    expected = "sha256=" + hmac.new(b"s3cret", timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Civicgrid-Signature"], expected)
    assert headers["X-Civicgrid-Event"] == "order.close"
    assert headers["X-Civicgrid-Delivery"] == str(rows[0].pk)
    payload = json.loads(body)
    assert (payload["event"], payload["data"]) == ("order.close", {"number": "T1", "status": "closed"})
    # A tampered body does not verify.
    forged = "sha256=" + hmac.new(b"s3cret", timestamp.encode() + b"." + body + b" ", hashlib.sha256).hexdigest()
    assert forged != headers["X-Civicgrid-Signature"]


def test_webhook_errors_are_retried_until_the_receiver_accepts(now):
    receiver = Receiver(status=500)
    try:
        WebhookEndpoint.objects.create(name="x", url=receiver.url, secret="k", event_types="order.close")
        row, = services.emit_webhooks("order.close", {"n": 1})
        report = services.deliver_due(now=now)
        assert (report.sent, report.failed) == (0, 1)
        row.refresh_from_db()
        assert (row.status, row.last_error) == ("failed", f"DeliveryError: HTTP 500 from {receiver.url}")
        receiver.status = 204
        assert services.deliver_due(now=row.next_attempt_at).sent == 1
        assert len(receiver.requests) == 2
        # Each attempt carries the same delivery id, so the receiver can drop duplicates.
        assert {h["X-Civicgrid-Delivery"] for h, _ in receiver.requests} == {str(row.pk)}
    finally:
        receiver.close()


def test_unreachable_webhook_fails_and_is_retried(now):
    receiver = Receiver()
    url = receiver.url
    receiver.close()
    WebhookEndpoint.objects.create(name="x", url=url, secret="k")
    row, = services.emit_webhooks("order.close", {})
    assert services.deliver_due(now=now).failed == 1
    row.refresh_from_db()
    assert row.status == "failed"
    assert row.last_error.startswith(f"DeliveryError: {url} unreachable")


def test_a_deactivated_endpoint_gets_nothing_more(receiver, now):
    endpoint = WebhookEndpoint.objects.create(name="x", url=receiver.url, secret="k")
    row, = services.emit_webhooks("order.close", {})
    endpoint.is_active = False
    endpoint.save()
    assert services.deliver_due(now=now).failed == 1
    assert receiver.requests == []
    assert services.emit_webhooks("order.close", {}) == []


def test_event_patterns_and_area_decide_who_gets_an_event(now):
    from civicgrid.core.testing import make_tree

    t = make_tree()
    all_orders = WebhookEndpoint.objects.create(name="all", url="http://127.0.0.1:9/a", secret="k", event_types="order.*")
    closing = WebhookEndpoint.objects.create(name="close", url="http://127.0.0.1:9/b", secret="k",
                                             event_types="order.close, order.close_on_spot")
    street2 = WebhookEndpoint.objects.create(name="s2", url="http://127.0.0.1:9/c", secret="k", event_types="*",
                                             area=t.street2)
    WebhookEndpoint.objects.create(name="off", url="http://127.0.0.1:9/d", secret="k", event_types="*", is_active=False)
    assert services.endpoints_for("order.close", t.grid1.path) == [all_orders, closing]
    assert services.endpoints_for("order.dispatch", t.grid4.path) == [all_orders, street2]
    assert services.endpoints_for("whistle.called", t.grid4.path) == [street2]
    assert services.endpoints_for("whistle.called", t.grid1.path) == []


@pytest.mark.parametrize("url", ["ftp://example.org/x", "file:///etc/passwd", "javascript:alert(1)", "http://"])
def test_only_http_urls_can_receive_webhooks(url):
    endpoint = WebhookEndpoint(name="bad", url=url, secret="k")
    with pytest.raises(ValidationError):
        endpoint.full_clean()


def test_saving_an_endpoint_generates_a_secret_and_audits_without_it(user):
    endpoint = services.save_endpoint(user, WebhookEndpoint(name="x", url="https://example.org/hook"), created=True,
                                      changed=["name", "url"])
    assert len(endpoint.secret) >= 40
    audit = AuditEvent.objects.get(action="webhook.create")
    assert audit.changes == {"fields": ["name", "url"], "url": "https://example.org/hook", "active": True}
    assert endpoint.secret not in json.dumps(audit.changes)


def test_saving_a_bad_endpoint_writes_nothing(user):
    with pytest.raises(ValidationError):
        services.save_endpoint(user, WebhookEndpoint(name="x", url="ftp://example.org/"), created=True)
    assert (WebhookEndpoint.objects.count(), AuditEvent.objects.count()) == (0, 0)
