"""Deadlines and pressure on stalled orders: the working-day calendar, SLA policies, reminders
(催办), supervision after escalation (督办) and whistles (吹哨报到)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicgrid.geo.models import Area


class CalendarDay(models.Model):
    """An administrator's entry that overrides chinesecalendar for one date, or extends it past the
    years it knows (it stops at 2026): a holiday on a weekday or an adjusted working Saturday."""

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=50, blank=True, help_text=_("e.g. 春节, 国庆节调休"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("holidays and adjusted working days")
        ordering = ["date"]

    def __str__(self) -> str:
        kind = _("working day") if self.is_workday else _("day off")
        return f"{self.date:%Y-%m-%d} {kind} {self.name}".strip()


class CalendarState(models.Model):
    """A single row whose ``version`` changes whenever a CalendarDay row is added, edited or
    deleted through the services. Every process caches the overrides; it compares this number
    (at most every SLA_CALENDAR_CHECK_SECONDS) with the one it loaded, and reloads when they differ."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    version = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("calendar state")
        verbose_name_plural = _("calendar state")


class LimitUnit(models.TextChoices):
    # Minutes for the urgent limits some districts set (dispatch a gas leak within 30 minutes).
    MINUTES = "minutes", _("natural minutes")
    HOURS = "hours", _("natural hours")
    WORKDAYS = "workdays", _("working days")


class Priority(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")


class SlaPolicy(models.Model):
    """Time limits for one jurisdiction × category × priority; the most specific policy wins.

    Empty area, category or priority means "any". The defaults loaded by migration follow the
    Shandong rules (handle within 5 working days, extension ≤ 10, return within 2) and Beijing's
    dispatch limits (1 h urgent, 2 h utilities); every number is editable data.
    """

    name = models.CharField(_("name"), max_length=100)
    area = models.ForeignKey(
        Area, verbose_name=_("jurisdiction"), null=True, blank=True, on_delete=models.CASCADE,
        help_text=_("Empty: every jurisdiction."),
    )
    category = models.ForeignKey(
        "workorders.Category", verbose_name=_("category"), null=True, blank=True, on_delete=models.CASCADE,
        help_text=_("Empty: every category. A policy on a parent category covers its children."),
    )
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, blank=True)
    dispatch_limit = models.PositiveIntegerField(_("dispatch limit"), default=2)
    dispatch_unit = models.CharField(_("dispatch limit unit"), max_length=10, choices=LimitUnit.choices, default=LimitUnit.HOURS)
    response_limit = models.PositiveIntegerField(_("response limit (签收/联系)"), default=24)
    response_unit = models.CharField(_("response limit unit"), max_length=10, choices=LimitUnit.choices, default=LimitUnit.HOURS)
    handle_limit = models.PositiveIntegerField(_("handling limit"), default=5)
    handle_unit = models.CharField(_("handling limit unit"), max_length=10, choices=LimitUnit.choices, default=LimitUnit.WORKDAYS)
    return_limit = models.PositiveIntegerField(_("return limit (退单)"), default=2)
    return_unit = models.CharField(_("return limit unit"), max_length=10, choices=LimitUnit.choices, default=LimitUnit.WORKDAYS)
    extension_max = models.PositiveIntegerField(_("longest extension"), default=10)
    extension_unit = models.CharField(_("extension unit"), max_length=10, choices=LimitUnit.choices, default=LimitUnit.WORKDAYS)
    # Fractions of each limit at which a reminder (催办) goes out, e.g. [0.5, 0.8].
    remind_at = models.JSONField(_("remind at fractions"), default=list, blank=True)
    # Only orders in utility categories (Category.is_utility: water, power, gas, heating); Beijing
    # dispatches those within 2 hours.
    utilities_only = models.BooleanField(
        _("utility categories only"), default=False,
        help_text=_("Applies only to categories marked as utilities (water, power, gas, heating)."),
    )
    # Supervision (督办) climbs one more level each time this much more passes after the deadline.
    escalate_every = models.PositiveIntegerField(_("escalate again after"), default=1)
    escalate_unit = models.CharField(_("escalation unit"), max_length=10, choices=LimitUnit.choices, default=LimitUnit.WORKDAYS)
    # 吹哨报到: how long a called department has to report.
    whistle_limit = models.PositiveIntegerField(_("whistle report limit (报到)"), default=2)
    whistle_unit = models.CharField(_("whistle report limit unit"), max_length=10, choices=LimitUnit.choices, default=LimitUnit.HOURS)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, null=True)
    max_reopens = models.PositiveSmallIntegerField(_("reopens allowed after unsatisfied callbacks"), default=2)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PressureKind(models.TextChoices):
    REMIND = "remind", _("Reminder (催办)")
    OVERDUE = "overdue", _("Overdue notice")
    ESCALATE = "escalate", _("Escalation (上报)")
    SUPERVISE = "supervise", _("Supervision (督办)")


class Pressure(models.Model):
    """One reminder, escalation or supervision sent on an order; the sweep's idempotency key is
    (order, kind, stage, key), so running the sweep twice sends nothing twice."""

    order = models.ForeignKey("workorders.WorkOrder", verbose_name=_("work order"), on_delete=models.CASCADE, related_name="pressures")
    kind = models.CharField(_("kind"), max_length=12, choices=PressureKind.choices)
    # Which limit: dispatch / response / handle / return / whistle.
    stage = models.CharField(_("limit"), max_length=12)
    # What makes this pressure unique for the stage: the fraction and the deadline it counts
    # towards ("0.5@20261009T090000Z"), the deadline for an overdue notice, or the escalation level.
    key = models.CharField(_("key"), max_length=40)
    # Reminders: the fraction of the limit that had passed (the sweep sends only the latest one).
    fraction = models.FloatField(_("fraction of the limit"), null=True, blank=True)
    level = models.CharField(_("level"), max_length=12, blank=True)
    target_area = models.ForeignKey(Area, verbose_name=_("addressed to area"), null=True, blank=True, on_delete=models.SET_NULL)
    target_unit = models.ForeignKey(
        "people.Unit", verbose_name=_("addressed to unit"), null=True, blank=True, on_delete=models.SET_NULL
    )
    due_at = models.DateTimeField(_("deadline"), null=True, blank=True)
    # When it was due to be sent (by the schedule) and when the sweep really sent it: they differ
    # after downtime, when the sweep catches up.
    scheduled_at = models.DateTimeField(_("scheduled for"))
    # Not auto_now_add: a sweep run for a given moment (catching up, tests) records that moment.
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("reminder or supervision")
        verbose_name_plural = _("reminders and supervision")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["order", "kind", "stage", "key"], name="pressure_once_per_key")
        ]
        indexes = [models.Index(fields=["order", "kind", "stage", "due_at"], name="pressure_order_stage_due")]

    def __str__(self) -> str:
        return f"{self.order} {self.get_kind_display()} {self.stage} {self.key}"


class WhistleStatus(models.TextChoices):
    OPEN = "open", _("Waiting for departments")
    DONE = "done", _("All departments reported")
    CANCELLED = "cancelled", _("Cancelled")


class Whistle(models.Model):
    """吹哨报到: a street calls named departments to a joint task on an order; each must report
    (报到) within the limit."""

    order = models.ForeignKey("workorders.WorkOrder", verbose_name=_("work order"), on_delete=models.CASCADE, related_name="whistles")
    street = models.ForeignKey(Area, verbose_name=_("calling street"), on_delete=models.PROTECT, related_name="+")
    area_path = models.CharField(_("area path"), max_length=400, db_index=True, editable=False)
    called_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("called by"), on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"))
    report_due = models.DateTimeField(_("report by"))
    status = models.CharField(_("status"), max_length=10, choices=WhistleStatus.choices, default=WhistleStatus.OPEN)
    created_at = models.DateTimeField(_("called at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("whistle (吹哨)")
        verbose_name_plural = _("whistles (吹哨报到)")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.order} · {self.street.name}"


class WhistleResponse(models.Model):
    whistle = models.ForeignKey(Whistle, verbose_name=_("whistle"), on_delete=models.CASCADE, related_name="responses")
    unit = models.ForeignKey("people.Unit", verbose_name=_("department"), on_delete=models.PROTECT, related_name="whistle_responses")
    reported_at = models.DateTimeField(_("reported (报到)"), null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reported by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(_("report"), blank=True)
    is_overdue = models.BooleanField(_("overdue"), default=False)

    class Meta:
        verbose_name = _("department response")
        verbose_name_plural = _("department responses")
        ordering = ["whistle", "unit__code"]
        constraints = [models.UniqueConstraint(fields=["whistle", "unit"], name="whistle_one_response_per_unit")]

    def __str__(self) -> str:
        return f"{self.whistle} · {self.unit}"
