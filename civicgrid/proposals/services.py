"""Every write of the livelihood proposals: one function each, validated, in one transaction,
the changed row locked, an audit row, notifications after commit.

Every action first checks the campaign's open phase (``require_phase``) on the locked campaign
row, so an action outside its phase is refused and changes nothing, whatever page or API call
it came from.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.core import ratelimit
from civicgrid.core.services import record_event
from civicgrid.people.jurisdiction import jurisdiction_for

from . import phases, selection
from .errors import Conflict, Forbidden, PhaseClosed
from .models import (
    PHASE_ORDER, SUPPORTABLE, Campaign, CampaignState, Criterion, Milestone, PanelKind, PanelMember, PanelScore,
    Phase, PhaseChange, Project, ProjectStatus, ProjectUpdate, Proposal, ProposalCategory, ProposalStatus, Rating,
    SelectionMethod, SelectionRun, Support, SupportQuota,
)

SUBMIT_ACTION = "proposals.submit"
# A flood guard on top of the per-campaign limit: submissions of one person per hour.
SUBMIT_RATE = (10, 3600)


# --- checks -------------------------------------------------------------------------------------
def can_manage(actor, campaign: Campaign) -> bool:
    return jurisdiction_for(actor).covers_with_role(campaign.area_path, phases.CAMPAIGN_ROLES)


def require_manager(actor, campaign: Campaign) -> None:
    if not can_manage(actor, campaign):
        raise Forbidden(_("Only the staff of this campaign's district or street may do this."), code="forbidden")


def can_manage_project(actor, project: Project) -> bool:
    return can_manage(actor, project.campaign) or project.unit_id in jurisdiction_for(actor).unit_ids


def require_phase(campaign: Campaign, *allowed: str) -> None:
    if campaign.state not in allowed:
        raise PhaseClosed(
            _("Not possible now: the campaign is not in the phase “%(phase)s” (now: %(state)s).")
            % {"phase": "、".join(str(Phase(p).label) for p in allowed), "state": campaign.get_state_display()},
            code="phase_closed",
        )


def _locked_campaign(campaign_id: int) -> Campaign:
    # FOR NO KEY UPDATE on PostgreSQL: the campaign's key never changes, and a plain FOR UPDATE
    # would also block the KEY SHARE lock that inserting a Support (its foreign key) takes, so a
    # support holding its quota row and an action holding the campaign that then waits for quota
    # rows (merging, lowering the support limit) would deadlock.
    return Campaign.objects.select_for_update(
        no_key=connection.features.has_select_for_no_key_update).get(pk=campaign_id)


def _signed_in(actor) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise Forbidden(_("Please sign in first."), code="not_signed_in")


# --- campaigns and phases -----------------------------------------------------------------------
YEARS = (2000, 2100)
LIMITS = (1, 50)
CRITERION_WEIGHTS = (1, 100)
DEFAULT_CRITERIA = [("必要性", 4), ("可行性", 3), ("受益面", 3)]


def _campaign_errors(*, title: str, year, budget, support_limit, submission_limit, method: str, cost_unit,
                     support_weight, criteria) -> dict:
    """Every rule of a new campaign, checked here so the page and the API refuse the same things."""
    errors: dict[str, list] = {}
    if not title:
        errors["title"] = [_("Please give the campaign a title.")]
    elif len(title) > 120:
        errors["title"] = [_("The title may have at most 120 characters.")]
    if not isinstance(year, int) or not YEARS[0] <= year <= YEARS[1]:
        errors["year"] = [_("Enter the year as four digits from %(low)d to %(high)d, such as 2027.")
                          % {"low": YEARS[0], "high": YEARS[1]}]
    if not isinstance(budget, int) or budget <= 0:
        errors["budget"] = [_("The budget must be more than 0 yuan.")]
    if not isinstance(support_limit, int) or support_limit < LIMITS[0]:
        errors["support_limit"] = [_("A resident must be able to support at least one proposal.")]
    elif support_limit > LIMITS[1]:
        errors["support_limit"] = [_("At most %(n)d supports per resident.") % {"n": LIMITS[1]}]
    if not isinstance(submission_limit, int) or not LIMITS[0] <= submission_limit <= LIMITS[1]:
        errors["submission_limit"] = [_("A resident may submit from %(low)d to %(high)d proposals.")
                                      % {"low": LIMITS[0], "high": LIMITS[1]}]
    if method not in SelectionMethod.values:
        errors["method"] = [_("Unknown selection method.")]
    if not isinstance(cost_unit, int) or cost_unit < 1:
        errors["cost_unit"] = [_("The cost unit must be at least 1 yuan.")]
    if not isinstance(support_weight, int) or not 0 <= support_weight <= 100:
        errors["support_weight"] = [_("The weight of supports is a whole number from 0 to 100.")]
    if criteria is not None:
        names = [name for name, _w in criteria]
        if not criteria:
            errors["criteria"] = [_("Give at least one screening criterion.")]
        elif any(not name or len(name) > 40 for name in names) or any(
                not isinstance(w, int) or not CRITERION_WEIGHTS[0] <= w <= CRITERION_WEIGHTS[1] for _n, w in criteria):
            errors["criteria"] = [_("Each criterion needs a name of at most 40 characters and a weight from 1 to 100.")]
        elif len(set(names)) != len(names):
            errors["criteria"] = [_("Each criterion may be named only once.")]
    return errors


def create_campaign(*, actor, area, year: int, title: str, budget: int, support_limit: int = 3,
                    submission_limit: int = 3, method: str = SelectionMethod.APPROVAL, cost_unit: int = 1000,
                    support_weight: int = 1, description: str = "",
                    criteria: list[tuple[str, int]] | None = None) -> Campaign:
    if area.kind not in ("district", "street"):
        raise ValidationError({"area": [_("A campaign belongs to a district or a street.")]}, code="invalid_area")
    if not jurisdiction_for(actor).covers_with_role(area.path, phases.CAMPAIGN_ROLES):
        raise Forbidden(_("Only the staff of this campaign's district or street may do this."), code="forbidden")
    title, description = (title or "").strip(), (description or "").strip()
    if criteria is not None:
        criteria = [((name or "").strip(), weight) for name, weight in criteria]
    errors = _campaign_errors(title=title, year=year, budget=budget, support_limit=support_limit,
                              submission_limit=submission_limit, method=method, cost_unit=cost_unit,
                              support_weight=support_weight, criteria=criteria)
    if "year" not in errors and Campaign.objects.filter(area=area, year=year).exists():
        errors["year"] = [_("This area already has a campaign for that year.")]
    if errors:
        raise ValidationError(errors, code="invalid")
    with transaction.atomic():
        campaign = Campaign.objects.create(
            area=area, area_path=area.path, year=year, title=title, budget=budget, support_limit=support_limit,
            submission_limit=submission_limit, method=method, cost_unit=cost_unit, support_weight=support_weight,
            description=description, created_by=actor)
        criteria = criteria or DEFAULT_CRITERIA
        for i, (name, weight) in enumerate(criteria):
            Criterion.objects.create(campaign=campaign, name=name, weight=weight, position=i)
        record_event(actor=actor, action="proposals.campaign.create", obj=campaign,
                     changes={"area": area.code, "year": year, "title": title, "budget": budget,
                              "support_limit": support_limit, "submission_limit": submission_limit,
                              "method": method, "cost_unit": cost_unit, "support_weight": support_weight,
                              "criteria": [[name, weight] for name, weight in criteria]})
    return campaign


# What ``update_campaign`` may change; the area never (it decides who runs the campaign).
EDITABLE = ("title", "year", "description", "budget", "support_limit", "submission_limit", "method", "cost_unit",
            "support_weight", "criteria")
# The numbers the selection is computed with: a run made with others is stale.
SELECTION_FIELDS = ("budget", "method", "cost_unit", "support_weight")


def _criteria_of(campaign: Campaign) -> list[list]:
    return [[c.name, c.weight] for c in Criterion.objects.filter(campaign=campaign).order_by("position", "id")]


def frozen_fields(campaign: Campaign) -> dict[str, str]:
    """The fields of ``campaign`` that can no longer change at all, each with the reason (ADR 015,
    "Editing a campaign"). The one place of this rule: ``update_campaign`` refuses a change to
    them, and the edit page shows them disabled with the reason, so the two cannot differ.
    (The budget and the limits are never frozen, only bounded below by what already happened.)"""
    frozen: dict[str, str] = {}
    if campaign.state != CampaignState.DRAFT:
        frozen["year"] = _("The year can no longer be changed: the campaign has been opened to the public.")
    if campaign.selection_confirmed_at:
        for field in ("method", "cost_unit", "support_weight"):
            frozen[field] = _("The selection was confirmed with this rule; it can no longer be changed.")
    if PanelScore.objects.filter(proposal__campaign=campaign).exists():
        frozen["criteria"] = _("The panel has begun scoring on these criteria; they can no longer be changed.")
    return frozen


def _update_refusals(campaign: Campaign, new: dict, old: dict) -> dict:
    """What the change would break of what already happened (ADR 015, "Editing a campaign").
    Runs under the campaign's row lock; a lowered support limit also holds the quota rows that
    could pass it, so no support lands in between."""
    from django.db.models import Count, Max, Sum

    changed = {k for k in new if new[k] != old[k]}
    frozen = frozen_fields(campaign)
    errors: dict[str, list] = {field: [frozen[field]] for field in EDITABLE if field in changed and field in frozen}
    if "year" in changed and "year" not in errors and Campaign.objects.filter(
            area_id=campaign.area_id, year=new["year"]).exclude(pk=campaign.pk).exists():
        errors["year"] = [_("This area already has a campaign for that year.")]
    if "budget" in changed:
        used = Project.objects.filter(campaign=campaign).aggregate(s=Sum("budget"))["s"] or 0
        if new["budget"] < used:
            errors["budget"] = [_("The selected projects already cost %(used)s yuan; the budget cannot be less.")
                                % {"used": f"{used:,}"}]
    if "support_limit" in changed and new["support_limit"] < old["support_limit"]:
        holders = SupportQuota.objects.select_for_update().filter(campaign=campaign, used__gte=new["support_limit"])
        most = max((q.used for q in holders.order_by("pk")), default=0)
        if most > new["support_limit"]:
            errors["support_limit"] = [_("A resident has already given %(n)d supports; the limit cannot be lower.")
                                       % {"n": most}]
    if "submission_limit" in changed and new["submission_limit"] < old["submission_limit"]:
        most = (Proposal.objects.filter(campaign=campaign).values("author").annotate(n=Count("id"))
                .aggregate(m=Max("n"))["m"] or 0)
        if most > new["submission_limit"]:
            errors["submission_limit"] = [_("A resident has already submitted %(n)d proposals; the limit cannot be "
                                            "lower.") % {"n": most}]
    return errors


def update_campaign(*, actor, campaign: Campaign, reason: str = "", **changes) -> dict:
    """Correct a campaign: the rules of ``create_campaign`` on the new values, then refusals of
    what would break what already happened; only the changed fields are saved and audited.
    Fields not given keep their value. Returns what changed, ``{field: [old, new]}`` (empty:
    nothing was written, not even an audit row)."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise TypeError(f"update_campaign cannot change {sorted(unknown)}")
    require_manager(actor, campaign)
    if "title" in changes:
        changes["title"] = (changes["title"] or "").strip()
    if "description" in changes:
        changes["description"] = (changes["description"] or "").strip()
    if changes.get("criteria") is not None:
        changes["criteria"] = [[(name or "").strip(), weight] for name, weight in changes["criteria"]]
    elif "criteria" in changes:
        del changes["criteria"]
    with transaction.atomic():
        campaign = _locked_campaign(campaign.pk)
        old = {field: getattr(campaign, field) for field in EDITABLE if field != "criteria"}
        old["criteria"] = _criteria_of(campaign)
        new = {**old, **changes}
        errors = _campaign_errors(
            title=new["title"], year=new["year"], budget=new["budget"], support_limit=new["support_limit"],
            submission_limit=new["submission_limit"], method=new["method"], cost_unit=new["cost_unit"],
            support_weight=new["support_weight"], criteria=[tuple(c) for c in new["criteria"]])
        if errors:
            raise ValidationError(errors, code="invalid")
        refusals = _update_refusals(campaign, new, old)
        if refusals:
            raise Conflict({field: [ValidationError(m, code="would_break") for m in messages]
                            for field, messages in refusals.items()})
        diff = {field: [old[field], new[field]] for field in EDITABLE if new[field] != old[field]}
        if not diff:
            return {}
        fields = [f for f in diff if f != "criteria"]
        for field in fields:
            setattr(campaign, field, new[field])
        if fields:
            campaign.save(update_fields=fields)
        if "criteria" in diff:
            # Only reached before any score exists (refused above), so no score points at them.
            Criterion.objects.filter(campaign=campaign).delete()
            Criterion.objects.bulk_create([Criterion(campaign=campaign, name=name, weight=weight, position=i)
                                           for i, (name, weight) in enumerate(new["criteria"])])
        record_event(actor=actor, action="proposals.campaign.update", obj=campaign, changes=diff, reason=reason)
    return diff


def change_phase(*, actor, campaign: Campaign, action: str, reason: str = "", now=None) -> Campaign:
    """Apply one move of the phase table under the campaign's row lock."""
    require_manager(actor, campaign)
    now = now or timezone.now()
    with transaction.atomic():
        campaign = _locked_campaign(campaign.pk)
        move = phases.TRANSITIONS.get((campaign.state, action))
        if move is None:
            raise Conflict(
                _("This phase change is not possible from “%(state)s”.") % {"state": campaign.get_state_display()},
                code="illegal_phase_change")
        if move.target == Phase.IMPLEMENT and campaign.selection_confirmed_at is None:
            raise Conflict(_("Confirm the selection before implementation starts."), code="selection_not_confirmed")
        before = campaign.state
        campaign.state = move.target
        campaign.state_changed_at = now
        campaign.save(update_fields=["state", "state_changed_at"])
        PhaseChange.objects.create(campaign=campaign, action=action, from_state=before, to_state=move.target,
                                   actor=actor, reason=reason[:500], at=now)
        record_event(actor=actor, action="proposals.phase", obj=campaign,
                     changes={"state": [before, move.target], "move": action}, reason=reason)
    return campaign


def panel_open(campaign: Campaign) -> bool:
    """The panel may change until the selection begins: from then on, the scores that chose the
    projects must keep saying who gave them."""
    base = campaign.state.removesuffix("_closed")
    return base == CampaignState.DRAFT or PHASE_ORDER.index(base) < PHASE_ORDER.index(Phase.SELECT)


def _require_panel_open(campaign: Campaign) -> None:
    if not panel_open(campaign):
        raise Conflict(_("The panel can no longer be changed: the selection has begun (now: %(state)s).")
                       % {"state": campaign.get_state_display()}, code="panel_closed")


def add_panel_member(*, actor, campaign: Campaign, user, kind: str) -> PanelMember:
    """Put a person who lives or works in the campaign's area on its panel (人大代表 / 居民代表)."""
    from . import selectors

    require_manager(actor, campaign)
    if kind not in PanelKind.values:
        raise ValidationError({"kind": [_("Choose a deputy or a residents' representative.")]}, code="invalid")
    if not selectors.people_in(campaign.area_path).filter(pk=user.pk).exists():
        raise ValidationError(selectors.NOT_IN_AREA, code="not_in_area")
    with transaction.atomic():
        campaign = _locked_campaign(campaign.pk)
        _require_panel_open(campaign)
        member, created = PanelMember.objects.get_or_create(campaign=campaign, user=user, defaults={"kind": kind})
        if not created:
            raise Conflict(_("This person is already on the panel."), code="duplicate")
        record_event(actor=actor, action="proposals.panel.add", obj=campaign,
                     changes={"user": user.username, "kind": kind})
    return member


def remove_panel_member(*, actor, member: PanelMember, reason: str = "") -> None:
    """Take a person off the panel, before they have scored anything (under the campaign's lock,
    the lock ``score_proposal`` takes too, so a score cannot slip in between)."""
    campaign = member.campaign
    require_manager(actor, campaign)
    with transaction.atomic():
        campaign = _locked_campaign(campaign.pk)
        _require_panel_open(campaign)
        member = PanelMember.objects.select_related("user").filter(pk=member.pk, campaign=campaign).first()
        if member is None:
            raise Conflict(_("This person is not on the panel."), code="not_on_panel")
        scored = (PanelScore.objects.filter(proposal__campaign=campaign, panellist=member.user)
                  .values("proposal").distinct().count())
        if scored:
            raise Conflict(_("This representative has already scored %(n)d proposals; the scores count in the "
                             "ranking, so they stay on the panel.") % {"n": scored}, code="has_scored")
        member.delete()
        record_event(actor=actor, action="proposals.panel.remove", obj=campaign, reason=reason,
                     changes={"user": member.user.username, "kind": member.kind})


# --- proposals ----------------------------------------------------------------------------------
def submit_proposal(*, actor, campaign: Campaign, title: str, description: str, area, estimated_cost: int,
                    category: str) -> Proposal:
    _signed_in(actor)
    title, description = (title or "").strip(), (description or "").strip()
    errors = {}
    if len(title) < 4:
        errors["title"] = [_("Please give the proposal a title of at least 4 characters.")]
    if len(description) < 10:
        errors["description"] = [_("Please describe the proposal in at least 10 characters.")]
    if area is None or not area.path.startswith(campaign.area_path):
        errors["area"] = [_("The place must lie within the campaign's area.")]
    if estimated_cost is None or estimated_cost <= 0:
        errors["estimated_cost"] = [_("Please give an estimated cost in yuan.")]
    elif estimated_cost > campaign.budget:
        errors["estimated_cost"] = [_("The estimated cost is more than the whole budget of the campaign.")]
    if category not in ProposalCategory.values:
        errors["category"] = [_("Please choose a category.")]
    with transaction.atomic():
        campaign = _locked_campaign(campaign.pk)
        require_phase(campaign, Phase.COLLECT)
        if errors:
            raise ValidationError(errors, code="invalid")
        mine = Proposal.objects.filter(campaign=campaign, author=actor).count()
        if mine >= campaign.submission_limit:
            raise Conflict(_("You have already submitted %(n)d proposals to this campaign, the most allowed.")
                           % {"n": mine}, code="submission_limit")
        ratelimit.enforce(actor, SUBMIT_ACTION, default=SUBMIT_RATE)
        proposal = Proposal.objects.create(
            campaign=campaign, title=title, description=description, area=area, area_path=area.path,
            estimated_cost=estimated_cost, category=category, author=actor)
        record_event(actor=actor, action=SUBMIT_ACTION, obj=proposal,
                     changes={"campaign": campaign.pk, "cost": estimated_cost, "area": area.code})
    return proposal


def _quota(campaign: Campaign, user) -> SupportQuota:
    """The (campaign, user) row, created outside the caller's lock (a racing create re-reads)."""
    try:
        return SupportQuota.objects.get_or_create(campaign=campaign, user=user)[0]
    except IntegrityError:  # pragma: no cover - get_or_create already retries the read
        return SupportQuota.objects.get(campaign=campaign, user=user)


def support(*, actor, proposal: Proposal) -> Support:
    """Support a proposal once; at most ``campaign.support_limit`` per resident and campaign.

    Locks first the resident's quota row, then the proposal's row (the same order as merging), so
    two parallel supports of one resident are counted one after the other."""
    _signed_in(actor)
    # The phase is checked before the quota row is created, so a refusal leaves no row behind,
    # and again under the lock.
    campaign = Campaign.objects.get(pk=proposal.campaign_id)
    require_phase(campaign, Phase.SUPPORT)
    quota = _quota(campaign, actor)
    with transaction.atomic():
        quota = SupportQuota.objects.select_for_update().get(pk=quota.pk)
        # Read after the quota lock: a lowered limit (``update_campaign`` holds the quota rows
        # that could pass it) is then already committed and seen here.
        campaign = Campaign.objects.get(pk=campaign.pk)
        require_phase(campaign, Phase.SUPPORT)
        if Support.objects.filter(proposal_id=proposal.pk, user=actor).exists():
            raise Conflict(_("You already support this proposal."), code="already_supported")
        if quota.used >= campaign.support_limit:
            raise Conflict(_("You may support at most %(n)d proposals in this campaign; withdraw one first.")
                           % {"n": campaign.support_limit}, code="support_limit")
        locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if locked.status not in SUPPORTABLE:
            raise Conflict(_("This proposal can no longer be supported."), code="not_supportable")
        try:
            with transaction.atomic():
                row = Support.objects.create(campaign=campaign, proposal=locked, user=actor)
        except IntegrityError:  # the unique constraint, behind the check above
            raise Conflict(_("You already support this proposal."), code="already_supported") from None
        Proposal.objects.filter(pk=locked.pk).update(support_count=F("support_count") + 1)
        SupportQuota.objects.filter(pk=quota.pk).update(used=F("used") + 1)
        record_event(actor=actor, action="proposals.support", obj=locked)
    return row


def withdraw_support(*, actor, proposal: Proposal) -> None:
    _signed_in(actor)
    # The phase is checked before the quota row is created, so a refusal leaves no row behind,
    # and again under the lock.
    campaign = Campaign.objects.get(pk=proposal.campaign_id)
    require_phase(campaign, Phase.SUPPORT)
    quota = _quota(campaign, actor)
    with transaction.atomic():
        campaign = Campaign.objects.get(pk=campaign.pk)
        require_phase(campaign, Phase.SUPPORT)
        quota = SupportQuota.objects.select_for_update().get(pk=quota.pk)
        locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
        deleted, _rows = Support.objects.filter(proposal=locked, user=actor).delete()
        if not deleted:
            raise Conflict(_("You do not support this proposal."), code="not_supported")
        Proposal.objects.filter(pk=locked.pk).update(support_count=F("support_count") - 1)
        SupportQuota.objects.filter(pk=quota.pk).update(used=F("used") - 1)
        record_event(actor=actor, action="proposals.withdraw", obj=locked)


def merge_proposals(*, actor, source: Proposal, target: Proposal, reason: str = "") -> Proposal:
    """Merge a duplicate into another proposal: its supports move over; a resident who supported
    both keeps one support and gets the other back (so nobody is counted twice)."""
    campaign = source.campaign
    require_manager(actor, campaign)
    if source.pk == target.pk or source.campaign_id != target.campaign_id:
        raise ValidationError(_("Choose another proposal of the same campaign."), code="invalid_target")
    with transaction.atomic():
        campaign = _locked_campaign(campaign.pk)
        require_phase(campaign, Phase.COLLECT, Phase.SUPPORT, Phase.SCREEN)
        users = set(Support.objects.filter(proposal_id__in=[source.pk, target.pk]).values_list("user_id", flat=True))
        # Quotas first, then proposals: the order of ``support``.
        list(SupportQuota.objects.select_for_update().filter(campaign=campaign, user_id__in=users).order_by("pk"))
        locked = {p.pk: p for p in Proposal.objects.select_for_update().filter(pk__in=[source.pk, target.pk])
                  .order_by("pk")}
        source, target = locked[source.pk], locked[target.pk]
        if source.status not in SUPPORTABLE or target.status not in SUPPORTABLE:
            raise Conflict(_("Only open proposals can be merged."), code="not_mergeable")
        on_target = set(Support.objects.filter(proposal=target).values_list("user_id", flat=True))
        both = Support.objects.filter(proposal=source, user_id__in=on_target)
        both_users = list(both.values_list("user_id", flat=True))
        both.delete()
        moved = Support.objects.filter(proposal=source).update(proposal=target)
        SupportQuota.objects.filter(campaign=campaign, user_id__in=both_users).update(used=F("used") - 1)
        target.support_count = Support.objects.filter(proposal=target).count()
        target.save(update_fields=["support_count"])
        source.status, source.merged_into, source.support_count = ProposalStatus.MERGED, target, 0
        source.status_reason = reason[:500]
        source.save(update_fields=["status", "merged_into", "support_count", "status_reason"])
        record_event(actor=actor, action="proposals.merge", obj=source, reason=reason,
                     changes={"into": target.pk, "moved": moved, "duplicates": len(both_users)})
    return target


def screen_proposal(*, actor, proposal: Proposal, eligible: bool, reason: str = "") -> Proposal:
    campaign = proposal.campaign
    require_manager(actor, campaign)
    reason = (reason or "").strip()
    if not eligible and not reason:
        raise ValidationError({"reason": [_("Please say why the proposal is not eligible.")]}, code="reason_required")
    with transaction.atomic():
        campaign = _locked_campaign(campaign.pk)
        require_phase(campaign, Phase.SCREEN)
        locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if locked.status not in (ProposalStatus.SUBMITTED, ProposalStatus.ELIGIBLE, ProposalStatus.INELIGIBLE):
            raise Conflict(_("This proposal cannot be screened."), code="not_screenable")
        status = ProposalStatus.ELIGIBLE if eligible else ProposalStatus.INELIGIBLE
        before = locked.status
        locked.status, locked.status_reason = status, reason[:500]
        locked.save(update_fields=["status", "status_reason"])
        record_event(actor=actor, action="proposals.screen", obj=locked, changes={"status": [before, status]},
                     reason=reason)
    return locked


def _quantize(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def recompute_score(proposal: Proposal) -> tuple[Decimal | None, int]:
    """Weighted mean over the criteria per panellist (only panellists who scored every
    criterion), then the plain mean over those panellists."""
    criteria = {c.pk: c.weight for c in Criterion.objects.filter(campaign_id=proposal.campaign_id)}
    total_weight = sum(criteria.values())
    per_panellist: dict[int, dict[int, int]] = {}
    for panellist, criterion, value in PanelScore.objects.filter(proposal=proposal).values_list(
            "panellist_id", "criterion_id", "value"):
        per_panellist.setdefault(panellist, {})[criterion] = value
    means = [Decimal(sum(criteria[c] * v for c, v in got.items())) / total_weight
             for got in per_panellist.values() if set(got) == set(criteria) and total_weight]
    if not means:
        return None, 0
    return _quantize(sum(means) / len(means)), len(means)


def score_proposal(*, actor, proposal: Proposal, values: dict[int, int]) -> Proposal:
    """A panellist scores a shortlisted proposal on every criterion (0–10); scoring again replaces."""
    campaign = proposal.campaign
    if not PanelMember.objects.filter(campaign=campaign, user_id=getattr(actor, "pk", None)).exists():
        raise Forbidden(_("Only the members of this campaign's panel may score."), code="not_panellist")
    criteria = {c.pk: c for c in Criterion.objects.filter(campaign=campaign)}
    values = {int(k): v for k, v in values.items()}
    if set(values) != set(criteria):
        raise ValidationError(_("Please score every criterion."), code="criteria_missing")
    if any(not isinstance(v, int) or v < 0 or v > 10 for v in values.values()):
        raise ValidationError(_("Each score is a whole number from 0 to 10."), code="invalid_score")
    with transaction.atomic():
        campaign = _locked_campaign(campaign.pk)
        require_phase(campaign, Phase.SCREEN)
        locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if locked.status != ProposalStatus.ELIGIBLE:
            raise Conflict(_("Only shortlisted proposals are scored."), code="not_shortlisted")
        for criterion_id, value in values.items():
            PanelScore.objects.update_or_create(proposal=locked, panellist=actor, criterion_id=criterion_id,
                                                defaults={"value": value})
        locked.score, locked.scored_by = recompute_score(locked)
        locked.save(update_fields=["score", "scored_by"])
        record_event(actor=actor, action="proposals.score", obj=locked,
                     changes={criteria[c].name: v for c, v in values.items()})
    return locked


# --- selection and projects ---------------------------------------------------------------------
def candidates_of(campaign: Campaign) -> list[selection.Candidate]:
    return [selection.Candidate(p.pk, p.estimated_cost, p.support_count, p.score or Decimal(0))
            for p in Proposal.objects.filter(campaign=campaign, status=ProposalStatus.ELIGIBLE).order_by("pk")]


def run_selection(*, actor, campaign: Campaign, now=None) -> SelectionRun:
    require_manager(actor, campaign)
    with transaction.atomic():
        campaign = _locked_campaign(campaign.pk)
        require_phase(campaign, Phase.SELECT)
        if campaign.selection_confirmed_at:
            raise Conflict(_("The selection is already confirmed."), code="already_confirmed")
        result = selection.run(campaign.method, candidates_of(campaign), campaign.budget,
                               unit=campaign.cost_unit, support_weight=campaign.support_weight)
        run = SelectionRun.objects.create(
            campaign=campaign, method=campaign.method, budget=campaign.budget, cost_unit=campaign.cost_unit,
            support_weight=campaign.support_weight, chosen=result.chosen,
            ranking=result.ranking, total_cost=result.total_cost, total_value=result.total_value, run_by=actor,
            run_at=now or timezone.now())
        record_event(actor=actor, action="proposals.selection.run", obj=campaign,
                     changes={"method": campaign.method, "chosen": result.chosen, "cost": result.total_cost})
    return run


def _tell_supporters(proposal_ids: list[int], *, event: str, title_of, body: str = "") -> None:
    """After commit: every supporter and the author of each proposal, one message each."""
    from civicgrid.core.language import platform_language
    from civicgrid.notifications.services import notify_users
    from civicgrid.people.models import User

    def send():
        with platform_language():
            _send()

    def _send():
        for proposal in Proposal.objects.filter(pk__in=proposal_ids).select_related("author"):
            users = list(User.objects.filter(proposal_supports__proposal=proposal).order_by("pk"))
            if proposal.author:
                users.append(proposal.author)
            project = getattr(proposal, "project", None)
            link = f"/proposals/projects/{project.pk}/" if project else f"/proposals/p/{proposal.pk}/"
            notify_users(users, event=event, title=title_of(proposal), body=body, link=link)

    transaction.on_commit(send)


def confirm_selection(*, actor, run: SelectionRun, units: dict[int, object], now=None) -> list[Project]:
    """Confirm the latest run: its proposals become projects with a responsible unit each."""
    campaign = run.campaign
    require_manager(actor, campaign)
    now = now or timezone.now()
    with transaction.atomic():
        campaign = _locked_campaign(campaign.pk)
        require_phase(campaign, Phase.SELECT)
        if campaign.selection_confirmed_at:
            raise Conflict(_("The selection is already confirmed."), code="already_confirmed")
        latest = SelectionRun.objects.filter(campaign=campaign).order_by("-run_at", "-id").first()
        if latest is None or latest.pk != run.pk:
            raise Conflict(_("Only the latest selection run can be confirmed; run it again."), code="stale_run")
        if any(getattr(run, f) != getattr(campaign, f) for f in SELECTION_FIELDS):
            raise Conflict(_("The budget or the selection rules changed after this run; run the selection again."),
                           code="stale_run")
        missing = [pid for pid in run.chosen if units.get(pid) is None]
        if missing:
            raise ValidationError(_("Please name a responsible unit for every selected project."),
                                  code="unit_missing")
        from .selectors import serves_campaign_area

        outside = sorted({units[pid].name for pid in run.chosen
                          if not serves_campaign_area(units[pid].area.path, campaign)})
        if outside:
            raise ValidationError(_("A responsible unit must serve the campaign's area; %(units)s does not.")
                                  % {"units": "、".join(outside)}, code="unit_outside")
        eligible = Proposal.objects.select_for_update().filter(campaign=campaign, status=ProposalStatus.ELIGIBLE)
        projects = []
        for proposal in eligible.order_by("pk"):
            if proposal.pk in run.chosen:
                proposal.status = ProposalStatus.SELECTED
                projects.append(Project.objects.create(
                    proposal=proposal, campaign=campaign, area_path=proposal.area_path, unit=units[proposal.pk],
                    budget=proposal.estimated_cost))
            else:
                proposal.status = ProposalStatus.NOT_SELECTED
            proposal.save(update_fields=["status"])
        run.confirmed = True
        run.save(update_fields=["confirmed"])
        campaign.selection_confirmed_at = now
        campaign.save(update_fields=["selection_confirmed_at"])
        record_event(actor=actor, action="proposals.selection.confirm", obj=campaign,
                     changes={"run": run.pk, "projects": [p.proposal_id for p in projects],
                              "cost": run.total_cost})
        _tell_supporters([p.proposal_id for p in projects], event="proposals.selected",
                         title_of=lambda p: _("Selected as a livelihood project: %s") % p.title)
    return projects


def _locked_project(project: Project) -> Project:
    return Project.objects.select_for_update().select_related("campaign", "proposal").get(pk=project.pk)


def _recompute_progress(project: Project) -> int:
    rows = list(Milestone.objects.filter(project=project).values_list("weight", "progress"))
    total = sum(w for w, _p in rows)
    return round(sum(w * p for w, p in rows) / total) if total else 0


def add_milestone(*, actor, project: Project, title: str, due_date, weight: int = 1) -> Milestone:
    if not can_manage_project(actor, project):
        raise Forbidden(_("Only the campaign's staff or the responsible unit may do this."), code="forbidden")
    if not (title or "").strip() or weight < 1:
        raise ValidationError(_("A milestone needs a title and a weight of at least 1."), code="invalid")
    with transaction.atomic():
        campaign = _locked_campaign(project.campaign_id)
        require_phase(campaign, Phase.IMPLEMENT)
        project = _locked_project(project)
        if project.status == ProjectStatus.FINISHED:
            raise Conflict(_("The project is finished."), code="finished")
        milestone = Milestone.objects.create(project=project, title=title.strip(), due_date=due_date, weight=weight)
        project.progress = _recompute_progress(project)
        project.save(update_fields=["progress"])
        record_event(actor=actor, action="proposals.milestone.add", obj=project,
                     changes={"milestone": milestone.title, "due": str(due_date), "weight": weight})
    return milestone


def set_milestone_progress(*, actor, milestone: Milestone, progress: int, now=None) -> Milestone:
    project = milestone.project
    if not can_manage_project(actor, project):
        raise Forbidden(_("Only the campaign's staff or the responsible unit may do this."), code="forbidden")
    if not isinstance(progress, int) or not 0 <= progress <= 100:
        raise ValidationError({"progress": [_("Progress is a whole number from 0 to 100.")]}, code="invalid")
    with transaction.atomic():
        campaign = _locked_campaign(project.campaign_id)
        require_phase(campaign, Phase.IMPLEMENT)
        project = _locked_project(project)
        if project.status == ProjectStatus.FINISHED:
            raise Conflict(_("The project is finished."), code="finished")
        milestone = Milestone.objects.get(pk=milestone.pk)
        before = milestone.progress
        if before == progress:
            return milestone
        milestone.progress = progress
        newly_done = progress == 100 and milestone.done_at is None
        milestone.done_at = (milestone.done_at or now or timezone.now()) if progress == 100 else None
        milestone.save(update_fields=["progress", "done_at"])
        project.progress = _recompute_progress(project)
        project.save(update_fields=["progress"])
        record_event(actor=actor, action="proposals.milestone.progress", obj=project,
                     changes={"milestone": milestone.title, "progress": [before, progress],
                              "project_progress": project.progress})
        if newly_done:
            title = milestone.title
            _tell_supporters([project.proposal_id], event="proposals.milestone",
                             title_of=lambda p: _("%(project)s: milestone “%(milestone)s” done")
                             % {"project": p.title, "milestone": title})
    return milestone


def post_update(*, actor, project: Project, text: str, photo=None) -> ProjectUpdate:
    if not can_manage_project(actor, project):
        raise Forbidden(_("Only the campaign's staff or the responsible unit may do this."), code="forbidden")
    if not (text or "").strip():
        raise ValidationError({"text": [_("Please write what happened.")]}, code="invalid")
    with transaction.atomic():
        campaign = _locked_campaign(project.campaign_id)
        require_phase(campaign, Phase.IMPLEMENT)
        update = ProjectUpdate.objects.create(project=project, author=actor, text=text.strip(), photo=photo or "")
        record_event(actor=actor, action="proposals.project.update", obj=project,
                     changes={"photo": bool(photo)})
    return update


def finish_project(*, actor, project: Project, now=None) -> Project:
    if not can_manage_project(actor, project):
        raise Forbidden(_("Only the campaign's staff or the responsible unit may do this."), code="forbidden")
    with transaction.atomic():
        campaign = _locked_campaign(project.campaign_id)
        require_phase(campaign, Phase.IMPLEMENT)
        project = _locked_project(project)
        if project.status == ProjectStatus.FINISHED:
            raise Conflict(_("The project is finished."), code="finished")
        milestones = list(Milestone.objects.filter(project=project))
        if not milestones:
            raise Conflict(_("Add the project's milestones and record their progress before finishing it."),
                           code="milestones_open")
        if any(m.progress < 100 for m in milestones):
            raise Conflict(_("Every milestone must be done before the project is finished."),
                           code="milestones_open")
        project.status, project.finished_at, project.progress = ProjectStatus.FINISHED, now or timezone.now(), 100
        project.save(update_fields=["status", "finished_at", "progress"])
        record_event(actor=actor, action="proposals.project.finish", obj=project)
        _tell_supporters([project.proposal_id], event="proposals.finished",
                         title_of=lambda p: _("Livelihood project finished: %s; please rate it") % p.title)
    return project


def rate_project(*, actor, project: Project, stars: int, comment: str = "") -> Rating:
    _signed_in(actor)
    if not isinstance(stars, int) or not 1 <= stars <= 5:
        raise ValidationError({"stars": [_("Please give 1 to 5 stars.")]}, code="invalid")
    with transaction.atomic():
        campaign = _locked_campaign(project.campaign_id)
        require_phase(campaign, Phase.EVALUATE)
        project = _locked_project(project)
        if project.status != ProjectStatus.FINISHED:
            raise Conflict(_("Only finished projects can be rated."), code="not_finished")
        if Rating.objects.filter(project=project, user=actor).exists():
            raise Conflict(_("You have already rated this project."), code="already_rated")
        rating = Rating.objects.create(project=project, user=actor, stars=stars, comment=(comment or "").strip()[:500])
        Project.objects.filter(pk=project.pk).update(rating_count=F("rating_count") + 1,
                                                     rating_sum=F("rating_sum") + stars)
        record_event(actor=actor, action="proposals.rate", obj=project, changes={"stars": stars})
    return rating
