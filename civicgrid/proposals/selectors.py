"""Reads of the livelihood proposals.

Campaigns, proposals (authors masked) and projects are public: 群众点菜 and 社会评价 happen in the
open. Staff lists are scoped by the reader's jurisdiction: a campaign is theirs when its area lies
inside their subtree or contains it (a street sees its district's campaign, and within it the
proposals of its own streets); the command-center figures count what lies inside the area the
command center looks at, for the campaigns ``current_campaigns`` picks for that area.
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db.models import Avg, Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicgrid.geo.models import Area, Household
from civicgrid.geo.paths import ancestor_paths

from civicgrid.core.masking import mask_name
from civicgrid.people.jurisdiction import Jurisdiction
from civicgrid.people.models import Membership, Unit, User
from civicgrid.people.services import normalize_mobile

from . import phases

from . import similarity
from .models import (
    PHASE_ORDER, SUPPORTABLE, Campaign, Criterion, PanelMember, PanelScore, Project, ProjectStatus, Proposal,
    ProposalStatus, SelectionRun, Support, SupportQuota,
)


def public_campaigns():
    return Campaign.objects.select_related("area").order_by("-year", "-id")


def campaign(campaign_id: int) -> Campaign | None:
    return public_campaigns().filter(pk=campaign_id).first()


def campaigns_for(jurisdiction: Jurisdiction):
    """Campaigns inside the staff reader's subtree, or containing it."""
    if jurisdiction.is_global:
        return public_campaigns()
    if not jurisdiction.area_paths:
        return Campaign.objects.none()
    above = [a for p in jurisdiction.area_paths for a in ancestor_paths(p)]
    return public_campaigns().filter(jurisdiction.area_q("area_path") | Q(area_path__in=above))


def proposals_of(campaign: Campaign, *, include_merged: bool = False):
    qs = Proposal.objects.filter(campaign=campaign).select_related("area", "author", "merged_into")
    if not include_merged:
        qs = qs.exclude(status=ProposalStatus.MERGED)
    return qs


def staff_proposals(jurisdiction: Jurisdiction, campaign: Campaign):
    """The campaign's proposals the reader's jurisdiction covers."""
    return proposals_of(campaign, include_merged=True).filter(jurisdiction.area_q("area_path"))


def proposal(proposal_id: int) -> Proposal | None:
    return Proposal.objects.select_related("campaign", "area", "author", "merged_into").filter(pk=proposal_id).first()


def author_display(proposal: Proposal) -> str:
    return mask_name(proposal.author.display_name) if proposal.author else ""


def supported_ids(user, campaign: Campaign) -> set[int]:
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(Support.objects.filter(campaign=campaign, user=user).values_list("proposal_id", flat=True))


def remaining_supports(user, campaign: Campaign) -> int:
    if not getattr(user, "is_authenticated", False):
        return campaign.support_limit
    used = SupportQuota.objects.filter(campaign=campaign, user=user).values_list("used", flat=True).first() or 0
    return max(0, campaign.support_limit - used)


def my_submissions(user, campaign: Campaign) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Proposal.objects.filter(campaign=campaign, author=user).count()


def my_proposals(user):
    """The proposals this resident submitted, across campaigns, newest first."""
    if not getattr(user, "is_authenticated", False):
        return Proposal.objects.none()
    return (Proposal.objects.filter(author=user).select_related("campaign", "area")
            .order_by("-created_at", "-id"))


def similar_proposals(campaign: Campaign, text: str, *, exclude_id: int | None = None) -> list[tuple[Proposal, float]]:
    """Open proposals of the same campaign whose text is close to ``text``, best first."""
    rows = list(Proposal.objects.filter(campaign=campaign, status__in=SUPPORTABLE).exclude(pk=exclude_id or 0)
                .order_by("pk").values_list("pk", "title", "description"))
    matches = similarity.similar(text, [(pk, f"{title} {description}") for pk, title, description in rows],
                                 group=campaign.pk)
    found = Proposal.objects.in_bulk([m.id for m in matches])
    return [(found[m.id], m.score) for m in matches if m.id in found]


# --- the panel --------------------------------------------------------------------------------
NOT_IN_AREA = _("No one with this phone number or username lives or works in the campaign's area.")


def people_in(area_path: str):
    """People of an area: who holds a role there (a resident's home community, a grid worker's
    grid, …) or is registered in one of its households."""
    members = Membership.objects.filter(is_active=True, area__path__startswith=area_path).values("user_id")
    registered = Household.residents.through.objects.filter(
        household__area_path__startswith=area_path).values("user_id")
    return User.objects.filter(Q(pk__in=members) | Q(pk__in=registered), is_active=True)


def find_person(campaign: Campaign, who: str) -> User | None:
    """The person of the campaign's area with this mobile number or username (none: not there)."""
    who = (who or "").strip()
    if not who:
        return None
    phone = normalize_mobile(who)
    q = Q(phone=phone) if phone.isdigit() and len(phone) == 11 else Q(username=who)
    return people_in(campaign.area_path).filter(q).first()


def panel_of(campaign: Campaign):
    return PanelMember.objects.filter(campaign=campaign).select_related("user").order_by("kind", "user__username")


def creatable_areas(jurisdiction: Jurisdiction):
    """The districts and streets the reader may start a campaign for."""
    qs = Area.objects.filter(kind__in=["district", "street"]).order_by("path")
    if jurisdiction.is_global:
        return qs
    paths = [p for role, p in jurisdiction.role_paths if role in {str(r) for r in phases.CAMPAIGN_ROLES}]
    if not paths:
        return qs.none()
    return qs.filter(reduce(or_, (Q(path__startswith=p) for p in paths)))


def criteria_of(campaign: Campaign):
    return list(Criterion.objects.filter(campaign=campaign))


def is_panellist(user, campaign: Campaign) -> bool:
    return bool(getattr(user, "pk", None)) and PanelMember.objects.filter(campaign=campaign, user=user).exists()


def my_scores(user, campaign: Campaign) -> dict[int, dict[int, int]]:
    out: dict[int, dict[int, int]] = {}
    for proposal_id, criterion_id, value in PanelScore.objects.filter(
            proposal__campaign=campaign, panellist=user).values_list("proposal_id", "criterion_id", "value"):
        out.setdefault(proposal_id, {})[criterion_id] = value
    return out


def latest_run(campaign: Campaign) -> SelectionRun | None:
    return SelectionRun.objects.filter(campaign=campaign).order_by("-run_at", "-id").first()


def projects_of(campaign: Campaign):
    return Project.objects.filter(campaign=campaign).select_related("proposal", "unit", "campaign")


def public_projects():
    return Project.objects.select_related("proposal", "unit", "campaign")


def project(project_id: int) -> Project | None:
    return public_projects().filter(pk=project_id).first()


# A campaign is under way from its first phase until it is finished.
NOT_UNDER_WAY = ("draft", "evaluate_closed")
CENTER_CAMPAIGNS = 3


def current_campaigns(jurisdiction: Jurisdiction, *, area: Area | None = None, now=None,
                      limit: int = CENTER_CAMPAIGNS) -> list[Campaign]:
    """The campaigns under way that a command center looking at ``area`` shows, first the one it
    shows in full (ADR 015, "Which campaign the command center shows"):

    1. campaigns whose area is ``area`` or lies above it, the nearest first (a street's own
       campaign before its district's; the same area: the newest year first);
    2. then campaigns inside ``area``, the largest first: the higher area (a street's before a
       community's), then the bigger budget, then the newest.

    Without ``area``, the reader's own area(s) are looked at (an administrator: the whole tree).
    """
    if area is not None:
        if not jurisdiction.covers_path(area.path):
            return []
        looking: tuple[str, ...] = (area.path,)
    elif jurisdiction.is_global:
        looking = ()
    else:
        looking = jurisdiction.area_paths
        if not looking:
            return []
    under_way = Campaign.objects.exclude(state__in=NOT_UNDER_WAY).select_related("area")
    above = sorted({a for p in looking for a in ancestor_paths(p)})
    covering = sorted(under_way.filter(area_path__in=above), key=lambda c: (-len(c.area_path), -c.year, -c.pk))
    inside = under_way.exclude(area_path__in=above)
    if looking:
        inside = inside.filter(reduce(or_, (Q(area_path__startswith=p) for p in looking)))
    inside = list(inside.order_by("area__depth", "-budget", "-year", "-id")[:limit])
    return (covering + inside)[:limit]


def current_campaign(jurisdiction: Jurisdiction, *, area: Area | None = None, now=None) -> Campaign | None:
    """The campaign the command center shows in full (the first of ``current_campaigns``)."""
    found = current_campaigns(jurisdiction, area=area, now=now, limit=1)
    return found[0] if found else None


def center_figures(jurisdiction: Jurisdiction, *, area: Area | None = None, now=None) -> dict:
    """Figures for the command center looking at ``area`` (inside the reader's jurisdiction; the
    whole jurisdiction when None): the current campaign's phase, its proposals and supports placed
    inside the area, the selected projects there, their mean progress and the budget they use;
    then a line for each other campaign under way (``others``)."""
    now = now or timezone.now()
    campaigns = current_campaigns(jurisdiction, area=area, now=now)
    inside = jurisdiction.area_q("area_path")
    if area is not None:
        # Where the proposal's place lies, not where its campaign belongs: a district campaign's
        # figures for a street are the proposals and projects placed in that street.
        inside &= Q(area_path__startswith=area.path)
    if not campaigns:
        return {"campaign": None, "phase": "", "phase_display": "", "proposals": 0, "supports": 0, "projects": 0,
                "finished": 0, "mean_progress": None, "budget": 0, "budget_used": 0, "budget_used_pct": 0,
                "mean_rating": None, "others": []}
    current = campaigns[0]
    counts = dict(_proposal_counts(inside, campaigns))
    projects = Project.objects.filter(inside, campaign=current)
    figures = projects.aggregate(n=Count("id"), progress=Avg("progress"), used=Sum("budget"),
                                 finished=Count("id", filter=Q(status=ProjectStatus.FINISHED)),
                                 ratings=Sum("rating_count"), stars=Sum("rating_sum"))
    used = figures["used"] or 0
    n, supports = counts.get(current.pk, (0, 0))
    return {
        # Plain data, like every app's center figures: the command center's API sends them as JSON.
        "campaign": {"pk": current.pk, "title": current.title},
        "area_name": current.area.name,
        "phase": current.state,
        "phase_display": current.get_state_display(),
        "proposals": n,
        "supports": supports,
        "projects": figures["n"],
        "finished": figures["finished"],
        "mean_progress": round(figures["progress"], 1) if figures["progress"] is not None else None,
        "budget": current.budget,
        "budget_used": used,
        "budget_used_pct": round(100 * used / current.budget, 1) if current.budget else 0,
        "mean_rating": round(figures["stars"] / figures["ratings"], 2) if figures["ratings"] else None,
        "others": [{"pk": c.pk, "title": c.title, "area_name": c.area.name, "phase": c.state,
                    "phase_display": c.get_state_display(), "proposals": counts.get(c.pk, (0, 0))[0],
                    "supports": counts.get(c.pk, (0, 0))[1]} for c in campaigns[1:]],
    }


def _proposal_counts(inside: Q, campaigns: list[Campaign]):
    """(campaign id, (proposals, supports)) inside the scope, merged ones left out, one query."""
    rows = (Proposal.objects.filter(inside, campaign__in=campaigns).exclude(status=ProposalStatus.MERGED)
            .values("campaign").annotate(n=Count("id"), supports=Sum("support_count")).order_by())
    return ((r["campaign"], (r["n"], r["supports"] or 0)) for r in rows)


def phase_steps(campaign: Campaign) -> list[dict]:
    """The six phases with done / open / to come, for the campaign page."""
    from .models import Phase

    state = campaign.state
    base = state.removesuffix("_closed")
    reached = PHASE_ORDER.index(base) if base in PHASE_ORDER else -1
    steps = []
    for i, phase in enumerate(PHASE_ORDER):
        if phase == state:
            where = "open"
        elif i < reached or (i == reached and state.endswith("_closed")):
            where = "done"
        else:
            where = "todo"
        steps.append({"phase": phase, "label": Phase(phase).label, "where": where})
    return steps


def serves_campaign_area(area_path: str, campaign) -> bool:
    """A unit serving the campaign's area, an area inside it, or one that contains it (the district's
    departments for a street's campaign) may answer for one of its projects."""
    return area_path.startswith(campaign.area_path) or area_path in ancestor_paths(campaign.area_path)


def units_for(campaign):
    """The units that may be named responsible for the campaign's projects (``serves_campaign_area``):
    a 市北区 campaign offers no unit of 即墨区."""
    return (Unit.objects.filter(is_active=True)
            .filter(Q(area__path__startswith=campaign.area_path) | Q(area__path__in=ancestor_paths(campaign.area_path)))
            .order_by("area__path", "code"))
