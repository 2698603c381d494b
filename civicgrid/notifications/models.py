"""Notifications: the transactional outbox, the in-app inbox, outbound webhooks and WeChat bindings.

An outbox row is written in the same transaction as the change it reports, so a rolled-back change
never notifies anyone and a committed one always will: ``services.deliver_due`` hands the rows to
their channels later, retrying with backoff.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicgrid.geo.models import Area


class OutboxChannel(models.TextChoices):
    INBOX = "inbox", _("In-app inbox")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    WECHAT = "wechat", _("WeChat")
    WEBHOOK = "webhook", _("Webhook")


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    # Claimed by a worker until ``claimed_until``; past it, the row is due again (the worker died).
    SENDING = "sending", _("Being delivered")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed, will retry")
    DEAD = "dead", _("Gave up")


def validate_http_url(value: str) -> None:
    from urllib.parse import urlsplit

    parts = urlsplit(value or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationError(_("Only http:// and https:// addresses can receive webhooks."), code="invalid_url")


class WebhookEndpoint(models.Model):
    """A system that wants order events, signed with its shared secret (HMAC-SHA256)."""

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500, validators=[validate_http_url])
    secret = models.CharField(_("signing secret"), max_length=128)
    # fnmatch patterns, one per line or comma-separated: "order.*", "order.close", "appeal.received".
    event_types = models.TextField(_("event types"), default="order.*",
                                   help_text=_("One pattern per line, * matches anything, e.g. order.*"))
    area = models.ForeignKey(
        Area, verbose_name=_("only events in"), null=True, blank=True, on_delete=models.CASCADE,
        help_text=_("Empty: events of every area."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def patterns(self) -> list[str]:
        return [p.strip() for p in self.event_types.replace(",", "\n").splitlines() if p.strip()]


class OutboxMessage(models.Model):
    channel = models.CharField(_("channel"), max_length=10, choices=OutboxChannel.choices)
    event = models.CharField(_("event"), max_length=40, blank=True, db_index=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="+",
    )
    # E-mail address, phone number, WeChat openid or webhook URL, fixed when queued.
    address = models.CharField(_("address"), max_length=500, blank=True)
    endpoint = models.ForeignKey(
        WebhookEndpoint, verbose_name=_("webhook endpoint"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="deliveries",
    )
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("body"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), db_index=True)
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    created_at = models.DateTimeField(_("queued"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.event} → {self.recipient or self.address}"


class InboxMessage(models.Model):
    """A message in a user's in-app inbox (staff and residents alike)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="inbox_messages")
    # The outbox row that delivered it: delivering the same row twice (a worker died after the
    # insert) must not show the message twice.
    source = models.OneToOneField(OutboxMessage, verbose_name=_("delivered from"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="inbox_message")
    event = models.CharField(_("event"), max_length=40, blank=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    created_at = models.DateTimeField(_("received"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("inbox message")
        verbose_name_plural = _("inbox messages")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.title


class WechatBinding(models.Model):
    """The user's WeChat openid (official account), set when they follow it and sign in there."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                                related_name="wechat_binding")
    openid = models.CharField(_("openid"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("bound"), auto_now_add=True)

    class Meta:
        verbose_name = _("WeChat binding")
        verbose_name_plural = _("WeChat bindings")

    def __str__(self) -> str:
        return f"{self.user} · WeChat"
