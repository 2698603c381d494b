"""Model versions of the category classifier: each training run stored, one active per scope.

A scope is an area subtree (a district, a street…) or the whole platform (no area). Intake uses the
active version of the deepest scope that contains the appeal's grid; rolling back activates the
version that came before. The serialised model is kept in the row itself (see docs/adr/008).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civicgrid.geo.models import Area


class ModelVersion(models.Model):
    class Source(models.TextChoices):
        ORDERS = "orders", _("closed orders of the jurisdiction")
        FILE = "file", _("labelled file")

    # Numbered 1, 2, 3… within the scope.
    number = models.PositiveIntegerField(_("version"))
    scope_area = models.ForeignKey(
        Area, verbose_name=_("scope"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The scope area's path ("" for the whole platform): scope lookups by prefix without a join.
    scope_path = models.CharField(_("scope path"), max_length=400, blank=True, db_index=True, editable=False)
    level = models.PositiveSmallIntegerField(_("category level"), default=1)
    source = models.CharField(_("trained on"), max_length=10, choices=Source.choices, default=Source.ORDERS)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    rows = models.PositiveIntegerField(_("training rows"), default=0)
    # [{"label": "01", "name": "城乡建设", "rows": 120}, ...]
    labels = models.JSONField(_("labels"), default=list, blank=True)
    # {"macro_f1": .., "macro_f1_std": .., "accuracy": .., "folds": 5, "per_class": {label: f1}}
    metrics = models.JSONField(_("cross-validated metrics"), default=dict, blank=True)
    # [{"reason": "...", "rows": n}, ...]
    skipped = models.JSONField(_("skipped rows"), default=list, blank=True)
    format_version = models.PositiveSmallIntegerField(_("file format version"))
    sklearn_version = models.CharField(_("scikit-learn version"), max_length=20)
    model_data = models.BinaryField(_("serialised model"))
    size_bytes = models.PositiveIntegerField(_("size in bytes"), default=0)
    training_seconds = models.FloatField(_("training time (s)"), default=0.0)
    is_active = models.BooleanField(_("active"), default=False)
    activated_at = models.DateTimeField(_("activated"), null=True, blank=True)

    class Meta:
        verbose_name = _("classifier model version")
        verbose_name_plural = _("classifier model versions")
        ordering = ["scope_path", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["scope_path", "number"], name="classify_version_number_per_scope"),
            models.UniqueConstraint(fields=["scope_path"], condition=Q(is_active=True),
                                    name="classify_one_active_version_per_scope"),
        ]

    def __str__(self) -> str:
        return f"{self.scope_label} v{self.number}"

    @property
    def scope_label(self) -> str:
        return self.scope_area.name if self.scope_area_id else str(_("whole platform"))

    @property
    def macro_f1(self) -> float | None:
        return self.metrics.get("macro_f1")
