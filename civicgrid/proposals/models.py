"""Livelihood proposals (民生实事项目): 群众点菜、政府买单、社会评价.

A yearly :class:`Campaign` of a district or street runs through the phases collect → support →
screen → select → implement → evaluate (its ``state``, moved only by ``services.change_phase``
through the table in ``phases.py``). Residents submit :class:`Proposal` rows and support them
(:class:`Support`, counted per resident and campaign in :class:`SupportQuota`); a panel of
representatives scores them (:class:`PanelScore` on each :class:`Criterion`); the selection within
the budget turns the chosen ones into :class:`Project` rows with milestones, updates and ratings.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civicgrid.geo.models import Area
from civicgrid.people.models import Unit


class Phase(models.TextChoices):
    COLLECT = "collect", _("Collecting proposals")
    SUPPORT = "support", _("Supporting proposals")
    SCREEN = "screen", _("Screening by representatives")
    SELECT = "select", _("Selecting within the budget")
    IMPLEMENT = "implement", _("Implementing projects")
    EVALUATE = "evaluate", _("Public evaluation")


PHASE_ORDER = [p.value for p in Phase]


class CampaignState(models.TextChoices):
    """The campaign's state: before any phase, one phase open, or a phase closed (none open)."""

    DRAFT = "draft", _("Not started")
    COLLECT = "collect", _("Collecting proposals")
    COLLECT_CLOSED = "collect_closed", _("Collection closed")
    SUPPORT = "support", _("Supporting proposals")
    SUPPORT_CLOSED = "support_closed", _("Support closed")
    SCREEN = "screen", _("Screening by representatives")
    SCREEN_CLOSED = "screen_closed", _("Screening closed")
    SELECT = "select", _("Selecting within the budget")
    SELECT_CLOSED = "select_closed", _("Selection closed")
    IMPLEMENT = "implement", _("Implementing projects")
    IMPLEMENT_CLOSED = "implement_closed", _("Implementation closed")
    EVALUATE = "evaluate", _("Public evaluation")
    EVALUATE_CLOSED = "evaluate_closed", _("Campaign finished")


class SelectionMethod(models.TextChoices):
    APPROVAL = "approval", _("Approval ranking (supports and panel score, greedy within the budget)")
    KNAPSACK = "knapsack", _("Best total value within the budget (knapsack)")


class ProposalCategory(models.TextChoices):
    GREENING = "greening", _("Parks and greening")
    HOUSING = "housing", _("Old residential compounds, lifts")
    ELDERLY = "elderly", _("Elderly care and canteens")
    TRAFFIC = "traffic", _("Parking, charging and roads")
    ENVIRONMENT = "environment", _("Streets and environment")
    CULTURE = "culture", _("Culture, sports and education")
    OTHER = "other", _("Other")


class Campaign(models.Model):
    title = models.CharField(_("title"), max_length=120)
    year = models.PositiveSmallIntegerField(_("year"))
    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="campaigns")
    area_path = models.CharField(max_length=255, db_index=True, editable=False)
    description = models.TextField(_("description"), blank=True)
    budget = models.PositiveBigIntegerField(_("budget (yuan)"))
    support_limit = models.PositiveSmallIntegerField(
        _("supports per resident"), default=3, help_text=_("How many proposals one resident may support."))
    submission_limit = models.PositiveSmallIntegerField(
        _("proposals per resident"), default=3, help_text=_("How many proposals one resident may submit."))
    method = models.CharField(_("selection method"), max_length=12, choices=SelectionMethod.choices,
                              default=SelectionMethod.APPROVAL)
    cost_unit = models.PositiveIntegerField(
        _("cost unit of the selection (yuan)"), default=1000,
        help_text=_("The knapsack counts costs in whole units of this size, rounded up."))
    support_weight = models.PositiveSmallIntegerField(
        _("weight of supports in the value"), default=1,
        help_text=_("Value of a proposal = panel score × (1 + weight × supports)."))
    state = models.CharField(_("phase"), max_length=20, choices=CampaignState.choices, default=CampaignState.DRAFT)
    state_changed_at = models.DateTimeField(_("phase changed"), null=True, blank=True)
    selection_confirmed_at = models.DateTimeField(_("selection confirmed"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("livelihood campaign")
        verbose_name_plural = _("livelihood campaigns")
        ordering = ["-year", "-id"]
        constraints = [models.UniqueConstraint(fields=["area", "year"], name="proposals_one_campaign_per_area_year")]

    def __str__(self) -> str:
        return self.title

    @property
    def active_phase(self) -> str | None:
        return self.state if self.state in PHASE_ORDER else None

    @property
    def active_phase_display(self) -> str:
        return Phase(self.state).label if self.active_phase else ""


class PhaseChange(models.Model):
    """One move of a campaign's phase: who, when, why (the audit log has it too)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="phase_changes")
    action = models.CharField(max_length=30)
    from_state = models.CharField(max_length=20)
    to_state = models.CharField(max_length=20)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    @property
    def from_display(self) -> str:
        return CampaignState(self.from_state).label

    @property
    def to_display(self) -> str:
        return CampaignState(self.to_state).label


class Criterion(models.Model):
    """A screening criterion (必要性, 可行性, 受益面) with its weight."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(_("criterion"), max_length=40)
    weight = models.PositiveSmallIntegerField(_("weight"), default=1)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("screening criterion")
        verbose_name_plural = _("screening criteria")
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "name"], name="proposals_criterion_unique")]

    def __str__(self) -> str:
        return f"{self.name} ×{self.weight}"


class PanelKind(models.TextChoices):
    DEPUTY = "deputy", _("People's congress deputy")
    RESIDENT_REP = "resident_rep", _("Residents' representative")


class PanelMember(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="panel")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="proposal_panels")
    kind = models.CharField(_("kind"), max_length=16, choices=PanelKind.choices, default=PanelKind.RESIDENT_REP)

    class Meta:
        verbose_name = _("panel member")
        verbose_name_plural = _("panel members")
        constraints = [models.UniqueConstraint(fields=["campaign", "user"], name="proposals_panel_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_kind_display()}"


class ProposalStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Proposed")
    MERGED = "merged", _("Merged into another proposal")
    ELIGIBLE = "eligible", _("Shortlisted")
    INELIGIBLE = "ineligible", _("Not eligible")
    SELECTED = "selected", _("Selected")
    NOT_SELECTED = "not_selected", _("Not selected")


# Proposals a resident may still support (the others were merged away or screened out).
SUPPORTABLE = (ProposalStatus.SUBMITTED, ProposalStatus.ELIGIBLE)


class Proposal(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="proposals")
    title = models.CharField(_("title"), max_length=80)
    description = models.TextField(_("description"), max_length=3000)
    area = models.ForeignKey(Area, verbose_name=_("place"), on_delete=models.PROTECT, related_name="+")
    area_path = models.CharField(max_length=255, db_index=True, editable=False)
    estimated_cost = models.PositiveBigIntegerField(_("estimated cost (yuan)"))
    category = models.CharField(_("category"), max_length=16, choices=ProposalCategory.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                               related_name="proposals")
    status = models.CharField(_("status"), max_length=16, choices=ProposalStatus.choices,
                              default=ProposalStatus.SUBMITTED)
    status_reason = models.CharField(_("reason"), max_length=500, blank=True)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged")
    # Denormalised, changed only by the services under the row lock (equal to a recount).
    support_count = models.PositiveIntegerField(_("supports"), default=0)
    score = models.DecimalField(_("panel score"), max_digits=5, decimal_places=2, null=True, blank=True)
    scored_by = models.PositiveSmallIntegerField(_("panellists who scored"), default=0)
    created_at = models.DateTimeField(_("submitted"), auto_now_add=True)

    class Meta:
        verbose_name = _("livelihood proposal")
        verbose_name_plural = _("livelihood proposals")
        ordering = ["-support_count", "id"]
        indexes = [models.Index(fields=["campaign", "status"])]

    def __str__(self) -> str:
        return self.title


class Support(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="proposal_supports")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["proposal", "user"], name="proposals_support_once")]
        indexes = [models.Index(fields=["campaign", "user"])]


class SupportQuota(models.Model):
    """One row per (campaign, resident): locked by every support and withdrawal, so that two
    parallel supports of one resident are counted one after the other and never exceed the limit."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    used = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "user"], name="proposals_quota_unique")]


class PanelScore(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="panel_scores")
    panellist = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="+")
    value = models.PositiveSmallIntegerField(_("score (0–10)"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["proposal", "panellist", "criterion"],
                                               name="proposals_score_unique")]


class SelectionRun(models.Model):
    """One computation of the selection (kept, so a confirmed selection says how it was made)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="selection_runs")
    method = models.CharField(max_length=12, choices=SelectionMethod.choices)
    budget = models.PositiveBigIntegerField()
    # The campaign's numbers when the run was made (with method and budget): a run made before
    # they were edited cannot be confirmed.
    cost_unit = models.PositiveIntegerField(null=True)
    support_weight = models.PositiveSmallIntegerField(null=True)
    chosen = models.JSONField(default=list)
    ranking = models.JSONField(default=list)
    total_cost = models.PositiveBigIntegerField(default=0)
    total_value = models.BigIntegerField(default=0)
    run_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    run_at = models.DateTimeField()
    confirmed = models.BooleanField(default=False)

    class Meta:
        ordering = ["-run_at", "-id"]


class ProjectStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    FINISHED = "finished", _("Finished")


class Project(models.Model):
    proposal = models.OneToOneField(Proposal, on_delete=models.PROTECT, related_name="project")
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="projects")
    area_path = models.CharField(max_length=255, db_index=True, editable=False)
    unit = models.ForeignKey(Unit, verbose_name=_("responsible unit"), on_delete=models.PROTECT,
                             related_name="proposal_projects")
    budget = models.PositiveBigIntegerField(_("budget (yuan)"))
    status = models.CharField(_("status"), max_length=12, choices=ProjectStatus.choices,
                              default=ProjectStatus.IN_PROGRESS)
    progress = models.PositiveSmallIntegerField(_("progress %"), default=0)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    rating_count = models.PositiveIntegerField(default=0)
    rating_sum = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("livelihood project")
        verbose_name_plural = _("livelihood projects")
        ordering = ["campaign", "id"]

    def __str__(self) -> str:
        return self.proposal.title

    @property
    def mean_rating(self) -> float | None:
        return round(self.rating_sum / self.rating_count, 2) if self.rating_count else None


class Milestone(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("milestone"), max_length=80)
    due_date = models.DateField(_("due date"))
    weight = models.PositiveSmallIntegerField(_("weight"), default=1)
    progress = models.PositiveSmallIntegerField(_("progress %"), default=0)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)

    class Meta:
        ordering = ["due_date", "id"]
        constraints = [models.CheckConstraint(condition=Q(progress__lte=100), name="proposals_milestone_progress_le_100")]

    def __str__(self) -> str:
        return self.title


class ProjectUpdate(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField(_("update"), max_length=2000)
    photo = models.ImageField(_("photo"), upload_to="proposals/%Y/%m/", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class Rating(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="ratings")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    stars = models.PositiveSmallIntegerField(_("rating (1–5)"))
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["project", "user"], name="proposals_rating_once")]
