"""Urgency lexicon and flags; reply-quality checks. Data only (see services.py for the writes)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicgrid.core.listing import join_list

from . import lexicon as L


class TermKind(models.TextChoices):
    HAZARD = L.HAZARD, _("Hazard phrase")
    NEGATION = L.NEGATION, _("Negation")
    PAST = L.PAST, _("Past event")
    RESOLVED = L.RESOLVED, _("Already resolved")
    AFTERMATH = L.AFTERMATH, _("Aftermath (compensation, thanks)")
    HYPOTHETICAL = L.HYPOTHETICAL, _("Question or hypothetical")
    LATENT = L.LATENT, _("Latent risk (隐患)")
    PRESENT = L.PRESENT, _("Happening now")
    BENIGN = L.BENIGN, _("Ordinary cause")
    EXCLUDE = L.EXCLUDE, _("Exclusion (hides what it covers)")


class UrgencyTerm(models.Model):
    """One phrase of the urgency lexicon. Hazards carry a weight (1.0: urgent by itself when it
    is happening); cues change what a hazard near them means (see textcheck/urgency.py)."""

    phrase = models.CharField(_("phrase"), max_length=40)
    kind = models.CharField(_("kind"), max_length=16, choices=TermKind.choices, default=TermKind.HAZARD)
    weight = models.FloatField(_("weight"), default=1.0, help_text=_("Hazards only: 1.0 is urgent by itself."))
    group = models.CharField(_("hazard group"), max_length=20, blank=True, help_text=_("e.g. gas, fire, collapse"))
    language = models.CharField(_("language"), max_length=2, choices=[("zh", "中文"), ("en", "English")], default="zh")
    is_active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("urgency phrase")
        verbose_name_plural = _("urgency lexicon")
        ordering = ["kind", "group", "phrase"]
        constraints = [models.UniqueConstraint(fields=["phrase", "kind", "language"], name="textcheck_term_unique")]

    def __str__(self) -> str:
        return f"{self.phrase} ({self.get_kind_display()})"


class UrgencyFlag(models.Model):
    """Why the detector called an order's appeal urgent at intake (only urgent ones get a row)."""

    order = models.OneToOneField("workorders.WorkOrder", verbose_name=_("work order"), on_delete=models.CASCADE,
                                 related_name="urgency_flag")
    appeal = models.ForeignKey("workorders.Appeal", verbose_name=_("appeal"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    score = models.FloatField(_("score"))
    reasons = models.JSONField(_("matched phrases"), default=list)
    matches = models.JSONField(_("details"), default=list, blank=True)
    # False when an operator chose the priority explicitly: the flag is shown but did not decide.
    applied = models.BooleanField(_("set the urgent priority"), default=True)
    created_at = models.DateTimeField(_("flagged"), auto_now_add=True)

    class Meta:
        verbose_name = _("urgency flag")
        verbose_name_plural = _("urgency flags")

    def __str__(self) -> str:
        return f"{self.order_id}: {'、'.join(self.reasons)}"

    @property
    def reason_text(self) -> str:
        return join_list(self.reasons)


class ReplyState(models.TextChoices):
    # "Passed" and "Approved" side by side read as the same thing: say who let the answer through.
    OK = "ok", _("Passed the automatic check")
    FLAGGED = "flagged", _("Held for review")
    APPROVED = "approved", _("Released by a reviewer")
    REPLACED = "replaced", _("Replaced by a rewritten answer")


class ReplyCheck(models.Model):
    """The check of one answer text of an order, before it may reach the echo wall."""

    order = models.ForeignKey("workorders.WorkOrder", verbose_name=_("work order"), on_delete=models.CASCADE,
                              related_name="reply_checks")
    answer_hash = models.CharField(_("answer fingerprint"), max_length=40, db_index=True)
    answer = models.TextField(_("answer checked"))
    score = models.FloatField(_("score"), help_text=_("0: explains well … 1: explains nothing"))
    flagged = models.BooleanField(_("flagged"), default=False)
    reasons = models.JSONField(_("reasons"), default=list)
    features = models.JSONField(_("features"), default=dict, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=ReplyState.choices, default=ReplyState.OK,
                             db_index=True)
    area_path = models.CharField(_("area path"), max_length=255, db_index=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reviewed by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    review_note = models.CharField(_("review note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("checked"), auto_now_add=True)

    class Meta:
        verbose_name = _("reply check")
        verbose_name_plural = _("reply checks")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.get_state_display()} {self.score:.2f}"

    @property
    def holds(self) -> bool:
        """Keeps the answer off the echo wall."""
        return self.state == ReplyState.FLAGGED
