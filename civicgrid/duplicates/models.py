"""Duplicate detection: the rules (per category), the "me too" joins and the log of suggestions
shown and taken (so precision can be measured on the platform's own data)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicgrid.workorders.models import Appeal, Category, WorkOrder


class DuplicateRule(models.Model):
    """How near, how recent and how alike an open order must be to count as the same problem.
    The rule of the deepest category on an appeal's category path wins; a rule without a category
    is the default."""

    category = models.OneToOneField(
        Category, verbose_name=_("category"), null=True, blank=True, on_delete=models.CASCADE, related_name="+",
        help_text=_("Applies to this category and its subcategories; empty: the default rule."),
    )
    radius_m = models.PositiveIntegerField(_("radius (m)"), default=50,
                                           validators=[MinValueValidator(1), MaxValueValidator(20_000)])
    window_days = models.PositiveSmallIntegerField(_("time window (days)"), default=7,
                                                   validators=[MinValueValidator(1), MaxValueValidator(365)])
    min_similarity = models.FloatField(_("minimum text similarity"), default=0.2,
                                       validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
                                       help_text=_("Cosine similarity of the words, 0 to 1."))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("duplicate rule")
        verbose_name_plural = _("duplicate rules")
        constraints = [
            models.UniqueConstraint(fields=["category"], condition=models.Q(category__isnull=True),
                                    name="duplicate_rule_one_default"),
        ]

    def __str__(self) -> str:
        return f"{self.category or _('default')}: {self.radius_m} m, {self.window_days} d, ≥{self.min_similarity}"


class MeToo(models.Model):
    """A resident who said "me too" on an open order instead of reporting it again: one per
    resident and order; their appeal is a new Appeal row on that order."""

    order = models.ForeignKey(WorkOrder, verbose_name=_("work order"), on_delete=models.CASCADE, related_name="me_toos")
    appeal = models.OneToOneField(Appeal, verbose_name=_("appeal"), on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("resident"), on_delete=models.CASCADE,
                             related_name="+")
    created_at = models.DateTimeField(_("joined"), auto_now_add=True)

    class Meta:
        verbose_name = _("me too")
        verbose_name_plural = _("me too")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["order", "user"], name="me_too_one_per_resident")]

    def __str__(self) -> str:
        return f"{self.order.number} +1"


class Surface(models.TextChoices):
    INTAKE = "intake", _("Hotline entry")
    ORDER = "order", _("Order page")
    PORTAL = "portal", _("Resident portal")
    API = "api", _("API")


class SuggestionShown(models.Model):
    """One suggestion shown to someone, and whether it was taken (merged into, or joined)."""

    class Taken(models.TextChoices):
        MERGE = "merge", _("Merged into it")
        ME_TOO = "me_too", _("Me too")

    surface = models.CharField(_("where"), max_length=10, choices=Surface.choices)
    suggested = models.ForeignKey(WorkOrder, verbose_name=_("suggested order"), on_delete=models.CASCADE,
                                  related_name="+")
    # The order the suggestion was made for (the order page); empty while an appeal is being typed.
    for_order = models.ForeignKey(WorkOrder, verbose_name=_("for order"), null=True, blank=True,
                                  on_delete=models.CASCADE, related_name="+")
    viewer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("shown to"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    session_key = models.CharField(_("session"), max_length=40, blank=True)
    # Copied from the suggested order: the acceptance page counts by jurisdiction without joins.
    area_path = models.CharField(_("area path"), max_length=400, db_index=True)
    rank = models.PositiveSmallIntegerField(_("rank"))
    score = models.FloatField(_("score"))
    similarity = models.FloatField(_("text similarity"))
    metres = models.FloatField(_("distance (m)"))
    shown_at = models.DateTimeField(_("shown"), auto_now_add=True, db_index=True)
    taken = models.CharField(_("taken"), max_length=10, choices=Taken.choices, blank=True)
    taken_at = models.DateTimeField(_("taken at"), null=True, blank=True)

    class Meta:
        verbose_name = _("suggestion shown")
        verbose_name_plural = _("suggestions shown")
        ordering = ["-shown_at", "-id"]
        indexes = [models.Index(fields=["suggested", "viewer"]), models.Index(fields=["suggested", "session_key"])]

    def __str__(self) -> str:
        return f"{self.surface} → {self.suggested_id} {self.taken or '-'}"
