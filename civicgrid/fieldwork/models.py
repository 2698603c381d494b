"""Grid workers' field work (走访/巡查): patrols of a grid and visits to households and places.

Both carry the grid's ``area_path`` (denormalised like buildings and orders) so that every read is
one prefix match on the reader's jurisdiction, and so that visit coverage and key-group care can
count visits per grid, building and household without joins up the tree.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from civicgrid.geo.models import Area, AreaKind, Building, Household, HouseholdTag


class Patrol(models.Model):
    """One walk of a grid (巡查). A worker has at most one patrol under way (``ended_at`` empty)."""

    worker = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("grid worker"), on_delete=models.PROTECT,
                               related_name="patrols")
    grid = models.ForeignKey(Area, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="patrols",
                             limit_choices_to={"kind": AreaKind.GRID})
    area_path = models.CharField(_("area path"), max_length=400, db_index=True, editable=False)
    started_at = models.DateTimeField(_("started"))
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    # [[lon, lat, ISO time], ...] in WGS-84, in the order the phone sent them.
    route = models.JSONField(_("route points"), default=list, blank=True)
    findings = models.PositiveIntegerField(_("findings reported"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("patrol")
        verbose_name_plural = _("patrols")
        ordering = ["-started_at", "-id"]
        constraints = [
            # The database enforces the one-open-patrol rule too: two taps of "start" racing each
            # other cannot both win.
            models.UniqueConstraint(fields=["worker"], condition=Q(ended_at__isnull=True),
                                    name="patrol_one_open_per_worker"),
            models.CheckConstraint(condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                                   name="patrol_ends_after_start"),
        ]
        indexes = [models.Index(fields=["grid", "started_at"])]

    def __str__(self) -> str:
        return f"{self.grid.name} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None


class VisitKind(models.TextChoices):
    HOUSEHOLD = "household", _("Household")
    ENTERPRISE = "enterprise", _("Enterprise")
    SHOP = "shop", _("Shop")
    PUBLIC_PLACE = "public_place", _("Public place")


class Visit(models.Model):
    """One visit (走访) by a grid worker. A finding the worker could not settle on the spot becomes
    an appeal (``appeal``) that enters the closed loop like any other."""

    worker = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("grid worker"), on_delete=models.PROTECT,
                               related_name="visits")
    grid = models.ForeignKey(Area, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="visits",
                             limit_choices_to={"kind": AreaKind.GRID})
    area_path = models.CharField(_("area path"), max_length=400, db_index=True, editable=False)
    kind = models.CharField(_("kind"), max_length=16, choices=VisitKind.choices, default=VisitKind.HOUSEHOLD)
    household = models.ForeignKey(Household, verbose_name=_("household"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="visits")
    building = models.ForeignKey(Building, verbose_name=_("building"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="visits")
    visited_at = models.DateTimeField(_("visited"))
    summary = models.TextField(_("summary"))
    needs = models.TextField(_("needs"), blank=True)
    follow_up = models.BooleanField(_("needs a follow-up"), default=False)
    appeal = models.ForeignKey("workorders.Appeal", verbose_name=_("appeal filed"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="visits")
    patrol = models.ForeignKey(Patrol, verbose_name=_("patrol"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="visits")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-visited_at", "-id"]
        indexes = [
            models.Index(fields=["grid", "visited_at"]),
            models.Index(fields=["worker", "visited_at"]),
            models.Index(fields=["household", "visited_at"]),
            # Coverage: the household visits of a month, answered from the index alone.
            models.Index(fields=["kind", "visited_at", "household"], name="visit_kind_month_household"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.visited_at:%Y-%m-%d}"


# --- regular care of key groups (关爱走访) ---------------------------------------------------------
class CarePeriod(models.TextChoices):
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")
    DAYS = "days", _("Every N days")


class CarePolicy(models.Model):
    """How often a household with a care tag must be visited, for the households under ``area``
    (a district as a rule; a street or community may set its own). The most specific active policy
    of a tag wins; a household with several tags is due at the earliest of their dates. Districts
    differ by these rows, never by code."""

    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="care_policies")
    area_path = models.CharField(_("area path"), max_length=400, db_index=True, editable=False)
    tag = models.CharField(_("care tag"), max_length=32, choices=HouseholdTag.choices)
    period = models.CharField(_("interval"), max_length=10, choices=CarePeriod.choices, default=CarePeriod.MONTHLY)
    days = models.PositiveSmallIntegerField(_("days (for every N days)"), null=True, blank=True)
    # A household never visited is due one interval after this date (the grace of a new policy).
    starts_on = models.DateField(_("in force from"))
    is_active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("care policy")
        verbose_name_plural = _("care policies")
        ordering = ["area_path", "tag"]
        constraints = [
            models.UniqueConstraint(fields=["area", "tag"], name="care_policy_one_per_area_tag"),
            models.CheckConstraint(
                condition=(Q(period="days", days__isnull=False, days__gte=1, days__lte=366) | (~Q(period="days") & Q(days__isnull=True))),
                name="care_policy_days_only_for_n_days"),
        ]

    def __str__(self) -> str:
        return f"{self.area.name} · {self.get_tag_display()} · {self.interval_label}"

    @property
    def interval_label(self) -> str:
        if self.period == CarePeriod.DAYS:
            return _("every %(n)d days") % {"n": self.days or 0}
        return str(self.get_period_display())


class CareReminder(models.Model):
    """One reminder per overdue spell of a household: the spell is the due date it missed. A visit
    moves the due date, so the next time the household falls overdue is a new spell; running the
    daily job again inside a spell finds the row and sends nothing (the unique key decides)."""

    household = models.ForeignKey(Household, verbose_name=_("household"), on_delete=models.PROTECT,
                                  related_name="care_reminders")
    area_path = models.CharField(_("area path"), max_length=400, db_index=True, editable=False)
    due_on = models.DateField(_("visit due on"))
    tags = models.JSONField(_("care tags"), default=list)
    last_visit_at = models.DateTimeField(_("last visit"), null=True, blank=True)
    recipients = models.PositiveSmallIntegerField(_("people told"), default=0)
    sent_at = models.DateTimeField(_("sent"))

    class Meta:
        verbose_name = _("care reminder")
        verbose_name_plural = _("care reminders")
        ordering = ["-sent_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["household", "due_on"], name="care_reminder_one_per_spell")]

    def __str__(self) -> str:
        return f"{self.household_id} {self.due_on}"
