"""Proactive tasks (主动治理任务): a finding someone decided to act on, and the work order it opened.

Findings are stored per area and day (Snapshot) by the scans; a task is the decision to act on one. The task's
state is its order's state: the order goes through intake, routing, dispatch and the whole state
machine like any other, so nothing here duplicates it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicgrid.geo.models import Area
from civicgrid.workorders.models import Category, WorkOrder


class FindingKind(models.TextChoices):
    SPIKE = "spike", _("Spike")
    CLUSTER = "cluster", _("Spatial cluster")
    RECURRING = "recurring", _("Recurring at one address")
    TOPIC = "topic", _("Hot topic")
    MONTHLY = "monthly", _("Problem of the month")


class ProactiveTask(models.Model):
    """主动治理任务."""

    key = models.CharField(_("finding key"), max_length=200, unique=True,
                           help_text=_("kind:area:category:period — a finding is turned into a task once."))
    kind = models.CharField(_("kind"), max_length=10, choices=FindingKind.choices, db_index=True)
    title = models.CharField(_("title"), max_length=200)
    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    area_path = models.CharField(_("area path"), max_length=400, db_index=True)
    category = models.ForeignKey(Category, verbose_name=_("category"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    count = models.PositiveIntegerField(_("appeals behind it"), default=0)
    score = models.FloatField(_("score"), null=True, blank=True)
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    order = models.OneToOneField(WorkOrder, verbose_name=_("work order"), on_delete=models.PROTECT,
                                 related_name="proactive_task")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("proactive task")
        verbose_name_plural = _("proactive tasks")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class ScanTrigger(models.TextChoices):
    JOB = "job", _("Daily scan")
    COMMAND = "command", _("Command line")
    MANUAL = "manual", _("Rescan by staff")


class Snapshot(models.Model):
    """What a scan of one area found, kept so that pages and the report read it instead of scanning.

    scope "day": every finding of the scan that day, each kind over its configured window ending
    then (the latest per area is what the command center shows for hot topics). scope "month": the
    hot topics of a calendar month (每月一题 and the monthly report). A rescan of the same area and
    period replaces the row (ADR 011)."""

    class Scope(models.TextChoices):
        DAY = "day", _("Day")
        MONTH = "month", _("Month")

    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.CASCADE, related_name="+")
    area_path = models.CharField(_("area path"), max_length=400, db_index=True)
    scope = models.CharField(_("scope"), max_length=5, choices=Scope.choices)
    period = models.CharField(_("period"), max_length=10, help_text=_("YYYY-MM-DD (day) or YYYY-MM (month)"))
    as_of = models.DateTimeField(_("as of"))
    trigger = models.CharField(_("trigger"), max_length=10, choices=ScanTrigger.choices, default=ScanTrigger.JOB)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    seconds = models.FloatField(_("scan seconds"), default=0)
    findings = models.JSONField(_("findings"), default=list, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("hotspot scan snapshot")
        verbose_name_plural = _("hotspot scan snapshots")
        constraints = [models.UniqueConstraint(fields=["area", "scope", "period"], name="proactive_snapshot_once")]
        indexes = [models.Index(fields=["area_path", "scope", "-as_of"], name="proactive_snap_latest")]

    def __str__(self) -> str:
        return f"{self.area_id} {self.scope} {self.period}"
