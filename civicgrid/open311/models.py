"""Open311 GeoReport v2: the API keys of client applications, the tokens of posted requests, and
the attributes (extra questions) of each service."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiKey(models.Model):
    """A client application allowed to POST service requests. Only a hash of the key is stored; the
    key itself is shown once, when it is created."""

    name = models.CharField(_("application"), max_length=100)
    key_prefix = models.CharField(_("key starts with"), max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 API key")
        verbose_name_plural = _("Open311 API keys")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"


class Submission(models.Model):
    """One POSTed service request: its token, the appeal it became, and what the client sent about
    the person (kept for the handlers, never shown by the Open311 endpoints)."""

    token = models.CharField(_("token"), max_length=40, unique=True)
    api_key = models.ForeignKey(ApiKey, verbose_name=_("API key"), null=True, blank=True, on_delete=models.SET_NULL)
    appeal = models.ForeignKey(
        "workorders.Appeal", verbose_name=_("appeal"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    email = models.CharField(_("e-mail"), max_length=254, blank=True)
    device_id = models.CharField(_("device id"), max_length=100, blank=True)
    account_id = models.CharField(_("account id"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        verbose_name = _("Open311 submission")
        verbose_name_plural = _("Open311 submissions")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.token


class Datatype(models.TextChoices):
    STRING = "string", _("Short text")
    NUMBER = "number", _("Number")
    DATETIME = "datetime", _("Date and time")
    TEXT = "text", _("Long text")
    SINGLE = "singlevaluelist", _("One of a list")
    MULTI = "multivaluelist", _("Several of a list")


class ServiceAttribute(models.Model):
    """A question a client asks when filing a request (a service definition's attribute). No
    category: asked for every service."""

    category = models.ForeignKey(
        "workorders.Category", verbose_name=_("service (category)"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="open311_attributes", help_text=_("Empty: every service."),
    )
    code = models.CharField(_("code"), max_length=40)
    description = models.CharField(_("question"), max_length=200)
    datatype = models.CharField(_("datatype"), max_length=16, choices=Datatype.choices, default=Datatype.STRING)
    datatype_description = models.CharField(_("datatype description"), max_length=200, blank=True)
    required = models.BooleanField(_("required"), default=False)
    # Whether the client must ask the user (variable) or it is only information (false).
    variable = models.BooleanField(_("asked of the user"), default=True)
    position = models.PositiveSmallIntegerField(_("order"), default=1)
    # For list datatypes: [{"key": "...", "name": "..."}].
    values = models.JSONField(_("values"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("service attribute")
        verbose_name_plural = _("service attributes")
        ordering = ["position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="open311_attribute_code_per_service"),
            models.UniqueConstraint(fields=["code"], condition=models.Q(category__isnull=True),
                                    name="open311_attribute_code_global"),
        ]

    def __str__(self) -> str:
        return self.code
