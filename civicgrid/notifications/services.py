"""Writes of the notifications app: queueing outbox rows, delivering them, the inbox, endpoints.

Queue functions only insert rows: call them inside the transaction of the change they report (the
outbox pattern), so the message exists exactly when the change does. ``deliver_due`` runs later, in
a worker, the in-process job runner or ``civicgrid run-jobs``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fnmatch import fnmatchcase

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from civicgrid.core import sms, wechat
from civicgrid.core.services import record_event

from .models import (
    InboxMessage,
    OutboxChannel,
    OutboxMessage,
    OutboxStatus,
    WebhookEndpoint,
    WechatBinding,
    validate_http_url,
)

logger = logging.getLogger("civicgrid.notifications")

SIGNATURE_HEADER = "X-Civicgrid-Signature"
TIMESTAMP_HEADER = "X-Civicgrid-Timestamp"
EVENT_HEADER = "X-Civicgrid-Event"
DELIVERY_HEADER = "X-Civicgrid-Delivery"


# --- queueing (inside the caller's transaction) ----------------------------------------------
def enqueue(channel: str, *, event: str = "", recipient=None, address: str = "", subject: str = "",
            body: str = "", link: str = "", payload: dict | None = None, endpoint=None,
            now: datetime | None = None) -> OutboxMessage:
    message = build(channel, event=event, recipient=recipient, address=address, subject=subject, body=body,
                    link=link, payload=payload, endpoint=endpoint, now=now)
    message.save(force_insert=True)
    transaction.on_commit(_wake_runner)
    return message


def build(channel: str, *, event: str = "", recipient=None, address: str = "", subject: str = "", body: str = "",
          link: str = "", payload: dict | None = None, endpoint=None, now: datetime | None = None) -> OutboxMessage:
    """An unsaved row, for ``enqueue_many`` (batch intake)."""
    if channel not in OutboxChannel.values:
        raise ValueError(f"unknown outbox channel {channel!r}")
    return OutboxMessage(
        channel=channel, event=event[:40], recipient=recipient, address=address[:500], endpoint=endpoint,
        subject=subject[:200], body=body, link=link[:300], payload=payload or {},
        next_attempt_at=now or timezone.now(),
    )


def enqueue_many(rows: list[OutboxMessage]) -> list[OutboxMessage]:
    """Insert many rows at once (one statement per batch), in the caller's transaction."""
    if not rows:
        return []
    created = OutboxMessage.objects.bulk_create(rows, batch_size=500)
    transaction.on_commit(_wake_runner)
    return created


def _wake_runner() -> None:
    from civicgrid.core import jobs

    jobs.wake()


def notify_user(user, *, event: str, title: str, body: str = "", link: str = "") -> list[OutboxMessage]:
    """Tell a user in their inbox, and on WeChat when they bound an account."""
    if user is None or not user.is_active:
        return []
    rows = [enqueue(OutboxChannel.INBOX, event=event, recipient=user, subject=title, body=body, link=link)]
    openid = WechatBinding.objects.filter(user=user).values_list("openid", flat=True).first()
    if openid:
        rows.append(enqueue(OutboxChannel.WECHAT, event=event, recipient=user, address=openid, subject=title,
                            body=body, link=link))
    return rows


def notify_users(users, **kwargs) -> list[OutboxMessage]:
    rows: list[OutboxMessage] = []
    seen: set[int] = set()
    for user in users:
        if user is not None and user.pk not in seen:
            seen.add(user.pk)
            rows.extend(notify_user(user, **kwargs))
    return rows


def send_sms(phone: str, body: str, *, event: str = "", recipient=None) -> OutboxMessage | None:
    if not phone:
        return None
    return enqueue(OutboxChannel.SMS, event=event, recipient=recipient, address=phone, body=body)


def send_email(address: str, subject: str, body: str, *, event: str = "", recipient=None) -> OutboxMessage | None:
    if not address:
        return None
    return enqueue(OutboxChannel.EMAIL, event=event, recipient=recipient, address=address, subject=subject, body=body)


def endpoints_for(event: str, area_path: str = "") -> list[WebhookEndpoint]:
    found = []
    for endpoint in WebhookEndpoint.objects.filter(is_active=True).select_related("area"):
        if endpoint.area_id and not area_path.startswith(endpoint.area.path):
            continue
        if any(fnmatchcase(event, pattern) for pattern in endpoint.patterns):
            found.append(endpoint)
    return found


def webhook_rows(event: str, data: dict, *, area_path: str = "", endpoints=None) -> list[OutboxMessage]:
    """Unsaved rows for the endpoints (of ``endpoints``, else all active ones) that want ``event``."""
    rows = []
    for endpoint in endpoints if endpoints is not None else WebhookEndpoint.objects.filter(is_active=True).select_related("area"):
        if endpoint.area_id and not area_path.startswith(endpoint.area.path):
            continue
        if not any(fnmatchcase(event, pattern) for pattern in endpoint.patterns):
            continue
        rows.append(build(
            OutboxChannel.WEBHOOK, event=event, endpoint=endpoint, address=endpoint.url,
            payload={"event": event, "created_at": timezone.now().isoformat(), "data": data},
        ))
    return rows


def emit_webhooks(event: str, data: dict, *, area_path: str = "") -> list[OutboxMessage]:
    """One outbox row per active endpoint that subscribed to ``event`` (and covers the area)."""
    rows = []
    for endpoint in endpoints_for(event, area_path):
        rows.append(enqueue(
            OutboxChannel.WEBHOOK, event=event, endpoint=endpoint, address=endpoint.url,
            payload={"event": event, "created_at": timezone.now().isoformat(), "data": data},
        ))
    return rows


# --- delivery ---------------------------------------------------------------------------------
class DeliveryError(Exception):
    """A channel could not deliver; the row is retried later."""


@dataclass
class DeliveryReport:
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    dead: int = 0
    errors: list[str] = field(default_factory=list)


def backoff(attempts: int) -> timedelta:
    """Wait before attempt ``attempts + 1``: base × 2^(attempts − 1), capped."""
    seconds = settings.OUTBOX_BACKOFF_SECONDS * (2 ** max(attempts - 1, 0))
    return timedelta(seconds=min(seconds, settings.OUTBOX_BACKOFF_MAX_SECONDS))


def _due_q(now: datetime) -> Q:
    return (
        Q(status__in=(OutboxStatus.PENDING, OutboxStatus.FAILED), next_attempt_at__lte=now)
        | Q(status=OutboxStatus.SENDING, claimed_until__lte=now)
    )


def claim_due(now: datetime, limit: int) -> list[OutboxMessage]:
    """Take up to ``limit`` due rows for this worker until the claim expires.

    PostgreSQL: rows another worker holds are skipped (SKIP LOCKED), so workers never wait on each
    other. SQLite takes its database write lock at BEGIN (IMMEDIATE), which serialises claims.
    """
    lease = now + timedelta(seconds=settings.OUTBOX_CLAIM_SECONDS)
    with transaction.atomic():
        qs = OutboxMessage.objects.filter(_due_q(now)).order_by("next_attempt_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True)
        ids = list(qs.values_list("id", flat=True)[:limit])
        if not ids:
            return []
        OutboxMessage.objects.filter(pk__in=ids).update(
            status=OutboxStatus.SENDING, claimed_until=lease, attempts=F("attempts") + 1,
        )
    return list(OutboxMessage.objects.filter(pk__in=ids).select_related("recipient", "endpoint").order_by("next_attempt_at", "id"))


def deliver_due(now: datetime | None = None, limit: int = 100) -> DeliveryReport:
    """Deliver the rows that are due. Safe to run in several workers at once."""
    now = now or timezone.now()
    report = DeliveryReport()
    claimed = claim_due(now, limit)
    report.claimed = len(claimed)
    for message in claimed:
        try:
            _deliver(message, now)
        except Exception as exc:  # any channel failure, even a bug, must not lose the row
            status = _record_failure(message, exc, now)
            report.errors.append(f"{message.pk}: {exc}")
            if status == OutboxStatus.DEAD:
                report.dead += 1
            else:
                report.failed += 1
        else:
            report.sent += 1
    return report


def _finish_q(message: OutboxMessage) -> Q:
    # The claim is a fencing token: a worker that outlived its lease must not overwrite the row a
    # later worker claimed again (attempts moved on).
    return Q(pk=message.pk, status=OutboxStatus.SENDING, attempts=message.attempts)


def _mark_sent(message: OutboxMessage, now: datetime) -> int:
    return OutboxMessage.objects.filter(_finish_q(message)).update(
        status=OutboxStatus.SENT, sent_at=now, claimed_until=None, last_error="",
    )


def _record_failure(message: OutboxMessage, exc: Exception, now: datetime) -> str:
    if message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        status, next_at = OutboxStatus.DEAD, message.next_attempt_at
        logger.error("outbox %s (%s %s) gave up after %d attempts: %s", message.pk, message.channel,
                     message.event, message.attempts, exc)
    else:
        status, next_at = OutboxStatus.FAILED, now + backoff(message.attempts)
        logger.warning("outbox %s (%s %s) attempt %d failed: %s", message.pk, message.channel, message.event,
                       message.attempts, exc)
    OutboxMessage.objects.filter(_finish_q(message)).update(
        status=status, next_attempt_at=next_at, claimed_until=None, last_error=f"{type(exc).__name__}: {exc}"[:2000],
    )
    return status


def _absolute(link: str) -> str:
    if link.startswith("/"):
        return settings.SITE_URL + link
    return link


def _deliver(message: OutboxMessage, now: datetime) -> None:
    channel = message.channel
    if channel == OutboxChannel.INBOX:
        # The inbox row and the "sent" mark commit together: a crash leaves neither.
        with transaction.atomic():
            if message.recipient_id is None:
                raise DeliveryError("an inbox message needs a recipient")
            InboxMessage.objects.get_or_create(
                source=message,
                defaults={"user_id": message.recipient_id, "event": message.event, "title": message.subject or message.body[:200],
                          "body": message.body, "link": message.link},
            )
            _mark_sent(message, now)
        return
    if channel == OutboxChannel.EMAIL:
        text = message.body + (f"\n\n{_absolute(message.link)}" if message.link else "")
        send_mail(message.subject, text, settings.DEFAULT_FROM_EMAIL, [message.address], fail_silently=False)
    elif channel == OutboxChannel.SMS:
        text = message.body + (f" {_absolute(message.link)}" if message.link else "")
        sms.get_gateway().send(message.address, text)
    elif channel == OutboxChannel.WECHAT:
        wechat.get_gateway().send(message.address, message.subject, message.body, _absolute(message.link))
    elif channel == OutboxChannel.WEBHOOK:
        _post_webhook(message)
    else:
        raise DeliveryError(f"unknown channel {channel!r}")
    _mark_sent(message, now)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 over "<timestamp>.<body>", hex; the receiver recomputes it with the shared secret
    and rejects old timestamps, which stops replays."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A webhook answering with a redirect could point the platform at an internal address.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _post_webhook(message: OutboxMessage) -> None:
    endpoint = message.endpoint
    if endpoint is None or not endpoint.is_active:
        raise DeliveryError("the webhook endpoint was removed or deactivated")
    validate_http_url(endpoint.url)
    body = json.dumps(message.payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    timestamp = str(int(time.time()))
    request = urllib.request.Request(endpoint.url, data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "civicgrid-webhook/1",
        EVENT_HEADER: message.event,
        DELIVERY_HEADER: str(message.pk),
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(endpoint.secret, timestamp, body),
    })
    try:
        with _opener.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"HTTP {exc.code} from {endpoint.url}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise DeliveryError(f"{endpoint.url} unreachable: {getattr(exc, 'reason', exc)}") from None
    if not 200 <= status < 300:
        raise DeliveryError(f"HTTP {status} from {endpoint.url}")


def retry_dead(actor, message: OutboxMessage) -> OutboxMessage:
    """An administrator sends a dead row again (after fixing the endpoint)."""
    with transaction.atomic():
        updated = OutboxMessage.objects.filter(pk=message.pk, status=OutboxStatus.DEAD).update(
            status=OutboxStatus.PENDING, attempts=0, next_attempt_at=timezone.now(), last_error="",
        )
        if updated:
            record_event(actor=actor, action="outbox.retry", obj=message, changes={"status": ["dead", "pending"]})
    message.refresh_from_db()
    return message


# --- the inbox --------------------------------------------------------------------------------
def mark_read(user, *, ids: list[int] | None = None, now: datetime | None = None) -> int:
    """Mark the user's own messages read (all unread when ``ids`` is None); returns how many."""
    now = now or timezone.now()
    with transaction.atomic():
        qs = InboxMessage.objects.filter(user=user, read_at__isnull=True)
        if ids is not None:
            qs = qs.filter(pk__in=ids)
        marked = list(qs.values_list("pk", flat=True))
        if not marked:
            return 0
        InboxMessage.objects.filter(pk__in=marked).update(read_at=now)
        record_event(actor=user, action="inbox.read", obj=None, changes={"messages": marked})
    return len(marked)


# --- webhook endpoints (admin) ----------------------------------------------------------------
def new_secret() -> str:
    return secrets.token_urlsafe(32)


def save_endpoint(actor, endpoint: WebhookEndpoint, *, created: bool, changed: list[str] | None = None) -> WebhookEndpoint:
    """Create or update an endpoint (validated by the caller's form), audited; the secret itself is
    never written to the audit log."""
    with transaction.atomic():
        if not endpoint.secret:
            endpoint.secret = new_secret()
        endpoint.full_clean()
        endpoint.save()
        fields = sorted(changed or [])
        record_event(actor=actor, action="webhook.create" if created else "webhook.update", obj=endpoint,
                     changes={"fields": fields, "url": endpoint.url, "active": endpoint.is_active})
    return endpoint
