"""Micro-wishes (微心愿, 万名党员圆梦), volunteer teams and hard problems (难题, 千名书记解千题).

A wish belongs to a household and carries the household's grid ``area_path`` (denormalised, like
``fieldwork.Visit``) so that every staff read is one prefix match on the reader's jurisdiction.
Claims are columns on the wish (one claimer at a time); the history is the audit log. The state
machines are the tables in ``transitions.py``; ``services`` is the only code that changes a state.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civicgrid.geo.models import Area, Household
from civicgrid.people.models import PartyBranch


class VolunteerTeam(models.Model):
    """A volunteer team (志愿服务队): named, serving an area, with members."""

    name = models.CharField(_("name"), max_length=100)
    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    area_path = models.CharField(_("area path"), max_length=400, db_index=True, editable=False)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("members"), blank=True,
                                     related_name="volunteer_teams")
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("volunteer team")
        verbose_name_plural = _("volunteer teams")
        ordering = ["area_path", "name"]
        constraints = [models.UniqueConstraint(fields=["area", "name"], name="wishes_team_unique_name")]

    def __str__(self) -> str:
        return self.name


class WishState(models.TextChoices):
    PENDING = "pending", _("Waiting for review")
    REJECTED = "rejected", _("Not approved")
    OPEN = "open", _("Open, waiting for a claimer")
    CLAIMED = "claimed", _("Claimed")
    FULFILLED = "fulfilled", _("Fulfilled, waiting for confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    CANCELLED = "cancelled", _("Cancelled")


# A wish counts as claimed (for the rates) while it has a claimer of record.
CLAIMED_STATES = (WishState.CLAIMED, WishState.FULFILLED, WishState.CONFIRMED)


class Wish(models.Model):
    """微心愿: a small wish of one household, posted by a resident of it or by a grid worker."""

    household = models.ForeignKey(Household, verbose_name=_("household"), on_delete=models.PROTECT,
                                  related_name="wishes")
    grid = models.ForeignKey(Area, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="+")
    area_path = models.CharField(_("area path"), max_length=400, db_index=True, editable=False)
    title = models.CharField(_("wish"), max_length=60)
    description = models.TextField(_("description"), blank=True)
    state = models.CharField(_("state"), max_length=10, choices=WishState.choices, default=WishState.PENDING,
                             db_index=True)
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("posted by"), on_delete=models.PROTECT,
                                  related_name="posted_wishes")
    on_behalf = models.BooleanField(_("posted on behalf by a grid worker"), default=False)
    # The care tags the household carried when a grid worker posted for it (the reason it could).
    care_tags = models.JSONField(_("care tags"), default=list, blank=True)
    deadline = models.DateField(_("wished by"), null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reviewed by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    claimer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("claimer"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="claimed_wishes")
    claimer_team = models.ForeignKey(VolunteerTeam, verbose_name=_("volunteer team"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="wishes")
    claimer_branch = models.ForeignKey(PartyBranch, verbose_name=_("party branch"), null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="+")
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    proof_note = models.TextField(_("what was done"), blank=True)
    fulfilled_at = models.DateTimeField(_("fulfilled"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    last_reason = models.CharField(_("last reason"), max_length=500, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("micro-wish")
        verbose_name_plural = _("micro-wishes")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["area_path", "state"]), models.Index(fields=["claimer", "state"])]
        constraints = [
            models.CheckConstraint(
                name="wishes_claimer_when_claimed",
                condition=Q(state__in=["claimed", "fulfilled", "confirmed"], claimer__isnull=False)
                | (~Q(state__in=["claimed", "fulfilled", "confirmed"]) & Q(claimer__isnull=True)),
            ),
        ]

    def __str__(self) -> str:
        return self.title


def wish_photo_path(instance, filename: str) -> str:
    return f"wishes/{instance.wish_id}/{filename}"


class WishPhoto(models.Model):
    """A photo of the proof of fulfilment (re-encoded, no EXIF), served only to who may see the wish."""

    wish = models.ForeignKey(Wish, verbose_name=_("micro-wish"), on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("file"), upload_to=wish_photo_path)
    content_type = models.CharField(_("content type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("proof photo")
        verbose_name_plural = _("proof photos")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.file.name


class ProblemState(models.TextChoices):
    OPEN = "open", _("Open, waiting for a secretary")
    CLAIMED = "claimed", _("Claimed by a secretary")
    IN_PROGRESS = "in_progress", _("In progress")
    SOLVED = "solved", _("Solved, waiting for confirmation")
    CONFIRMED = "confirmed", _("Solved and confirmed")


PROBLEM_CLAIMED_STATES = (ProblemState.CLAIMED, ProblemState.IN_PROGRESS, ProblemState.SOLVED,
                          ProblemState.CONFIRMED)


class ProblemSource(models.TextChoices):
    ORDER = "order", _("Work order (stalled, escalated or reopened)")
    PROACTIVE = "proactive", _("Proactive finding")


class HardProblem(models.Model):
    """难题: a problem from the problem list that a party secretary takes on (千名书记解千题)."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    area_path = models.CharField(_("area path"), max_length=400, db_index=True, editable=False)
    source = models.CharField(_("source"), max_length=10, choices=ProblemSource.choices)
    source_order = models.OneToOneField("workorders.WorkOrder", verbose_name=_("work order"), null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="hard_problem")
    source_task = models.OneToOneField("proactive.ProactiveTask", verbose_name=_("proactive task"), null=True,
                                       blank=True, on_delete=models.PROTECT, related_name="hard_problem")
    state = models.CharField(_("state"), max_length=12, choices=ProblemState.choices, default=ProblemState.OPEN,
                             db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT,
                                   related_name="+")
    secretary = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("secretary"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="hard_problems")
    branch = models.ForeignKey(PartyBranch, verbose_name=_("party branch"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    solution = models.TextField(_("solution"), blank=True)
    solved_at = models.DateTimeField(_("solved"), null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("confirmed by"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("hard problem")
        verbose_name_plural = _("hard problems")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="wishes_problem_one_source",
                condition=Q(source="order", source_order__isnull=False, source_task__isnull=True)
                | Q(source="proactive", source_order__isnull=True, source_task__isnull=False),
            ),
            models.CheckConstraint(name="wishes_problem_progress_pct", condition=Q(progress__lte=100)),
        ]

    def __str__(self) -> str:
        return self.title


class ProblemNote(models.Model):
    """A progress note of a hard problem (what was done, how far along)."""

    problem = models.ForeignKey(HardProblem, verbose_name=_("hard problem"), on_delete=models.CASCADE,
                                related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT,
                               related_name="+")
    action = models.CharField(_("action"), max_length=20)
    text = models.TextField(_("note"), blank=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("progress note")
        verbose_name_plural = _("progress notes")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.problem_id} {self.action}"
