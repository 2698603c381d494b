"""Reads of wishes and hard problems, always through the reader's jurisdiction or their own role.

- staff (community staff and above) see the wishes and hard problems of their area subtrees;
- a household's people see their own wishes; a claimer sees the wishes they hold;
- everyone sees the public wish wall: open wishes with a masked summary only.
The household's name, phone and room go only to the claimer of record and to staff who may read
households there, and each such read is audited (``record_personal_data_read``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.core.masking import mask_name, mask_phone
from civicgrid.core.services import record_personal_data_read
from civicgrid.geo.models import Area, HouseholdTag
from civicgrid.people.jurisdiction import Jurisdiction, jurisdiction_for
from civicgrid.people.models import Membership, PartyBranch, User

from . import rules
from .models import (
    CLAIMED_STATES,
    PROBLEM_CLAIMED_STATES,
    HardProblem,
    ProblemState,
    VolunteerTeam,
    Wish,
    WishState,
)
from .transitions import CLAIMER_ROLES, STAFF_ROLES

BASE = ("household__building__grid", "grid", "posted_by", "claimer", "claimer_team", "claimer_branch")


def _staff_paths(j: Jurisdiction) -> list[str]:
    wanted = {str(r) for r in STAFF_ROLES}
    return sorted({p for role, p in j.role_paths if role in wanted})


def _prefix_q(paths, field: str = "area_path") -> Q:
    q = Q(pk__in=[])
    for p in paths:
        q |= Q(**{f"{field}__startswith": p})
    return q


def staff_q(j: Jurisdiction, field: str = "area_path") -> Q:
    """Rows in the areas where the reader holds a staff role (administrators: everything)."""
    return Q() if j.is_global else _prefix_q(_staff_paths(j), field)


def is_wish_staff(j: Jurisdiction) -> bool:
    return j.is_global or bool(_staff_paths(j))


# --- wishes ---------------------------------------------------------------------------------------
def wishes_for(j: Jurisdiction) -> QuerySet[Wish]:
    """Wishes a staff reader answers for (empty for anyone else)."""
    qs = Wish.objects.select_related(*BASE)
    if not is_wish_staff(j):
        return qs.none()
    return qs.filter(staff_q(j))


def review_queue(j: Jurisdiction) -> QuerySet[Wish]:
    return wishes_for(j).filter(state=WishState.PENDING).order_by("created_at", "id")


def wall() -> QuerySet[Wish]:
    """The public wish wall: open wishes, oldest deadline first."""
    return (Wish.objects.select_related(*BASE).filter(state=WishState.OPEN)
            .order_by("deadline", "created_at", "id"))


def my_wishes(user) -> QuerySet[Wish]:
    if not getattr(user, "is_authenticated", False):
        return Wish.objects.none()
    return (Wish.objects.select_related(*BASE)
            .filter(Q(posted_by=user) | Q(household__residents=user)).distinct().order_by("-created_at", "-id"))


def my_claims(user) -> QuerySet[Wish]:
    if not getattr(user, "is_authenticated", False):
        return Wish.objects.none()
    return Wish.objects.select_related(*BASE).filter(claimer=user).order_by("state", "deadline", "-claimed_at")


def home_paths(user) -> list[str]:
    """Where a volunteer lives or serves: the community of each grid they hold a party member or
    volunteer role in, and of their household (for "wishes near me")."""
    from .services import household_of

    paths = set()
    for path in Membership.objects.filter(user=user, is_active=True, role__in=list(CLAIMER_ROLES),
                                          area__isnull=False).values_list("area__path", flat=True):
        paths.add(_community_of(path))
    home = household_of(user)
    if home is not None:
        paths.add(_community_of(home.area_path))
    return sorted(p for p in paths if p)


def _community_of(path: str) -> str:
    parts = [p for p in path.split("/") if p]
    return "/".join(parts[:3]) + "/" if len(parts) >= 3 else path


def near(user) -> QuerySet[Wish]:
    """Open wishes in the communities where the volunteer lives or serves."""
    paths = home_paths(user)
    return wall().filter(_prefix_q(paths)) if paths else wall().none()


def wish_for(user, pk: int) -> Wish | None:
    """One wish the user may look at: staff of its area, its household, its claimer; an open wish
    (masked) for anyone. None otherwise, exactly like a missing one."""
    wish = Wish.objects.select_related(*BASE).filter(pk=pk).first()
    if wish is None:
        return None
    if wish.state == WishState.OPEN or may_see_fully(user, wish) or rules.belongs_to_household(user, wish) \
            or rules.is_owner(user, wish):
        return wish
    return None


def wish_for_move(user, pk: int) -> Wish | None:
    """The wish a move is asked on: one the user may see, or, for a party member or volunteer, a
    wish that was on the public wall and has been claimed since (so that the one who lost a race
    for it hears "already claimed" (409), not "no such wish"; the service refuses the move)."""
    wish = wish_for(user, pk)
    if wish is None and rules.may_claim_wishes(user):
        wish = Wish.objects.filter(pk=pk, state__in=[*CLAIMED_STATES, WishState.CANCELLED]).first()
    return wish


def is_overdue(wish: Wish, now: datetime | None = None) -> bool:
    """A claim whose wished-by date has passed without fulfilment."""
    today = timezone.localtime(now or timezone.now()).date()
    return wish.state == WishState.CLAIMED and wish.deadline is not None and wish.deadline < today


def overdue_q(now: datetime | None = None) -> Q:
    today = timezone.localtime(now or timezone.now()).date()
    return Q(state=WishState.CLAIMED, deadline__lt=today)


# --- personal data ---------------------------------------------------------------------------------
def may_see_fully(user, wish: Wish) -> bool:
    """The claimer of record, and staff who may read households in the wish's area."""
    if not getattr(user, "is_authenticated", False):
        return False
    if wish.claimer_id == user.pk and wish.state in CLAIMED_STATES:
        return True
    j = jurisdiction_for(user)
    return j.covers_household_path(wish.area_path) and (rules.is_staff_for(user, wish.area_path)
                                                          or rules.is_grid_worker_for(user, wish.area_path))


def tag_labels(tags) -> list[str]:
    return [str(HouseholdTag(t).label) for t in tags or [] if t in HouseholdTag.values]


def masked_summary(wish: Wish, *, names: dict | None = None) -> str:
    """e.g. “市北区即墨路街道某社区 张* 独居老人”: the street, never the community, building or room.

    ``names`` is a code → name cache shared by the rows of one list, so that a list of wishes
    asks for the few district and street names once instead of once per row."""
    hh = wish.household
    parts = [p for p in wish.area_path.split("/") if p]
    names = {} if names is None else names
    missing = [c for c in parts[:2] if c not in names]
    if missing:
        names.update({c: "" for c in missing})
        names.update(Area.objects.filter(code__in=missing).values_list("code", "name"))
    place = "".join(names.get(c, "") for c in parts[:2]) + _("some community")
    tags = tag_labels(wish.care_tags or hh.tags)
    return " ".join(x for x in [place, mask_name(hh.head_name), "、".join(tags)] if x)


@dataclass(frozen=True)
class Contact:
    full: bool
    name: str
    phone: str
    address: str
    summary: str


def contact_for(user, wish: Wish, *, purpose: str = "wish") -> Contact:
    """The household as this reader may see it. A full view by anyone but the household itself is
    an audited read of personal data."""
    hh = wish.household
    summary = masked_summary(wish)
    own = rules.belongs_to_household(user, wish)
    if own or may_see_fully(user, wish):
        if not own:
            record_personal_data_read(actor=user, obj=hh, fields=["head_name", "head_phone", "room"],
                                      purpose=f"{purpose} {wish.pk}")
        address = f"{hh.building.address} {hh.entrance}单元{hh.room}室"
        return Contact(True, hh.head_name, hh.head_phone, address, summary)
    return Contact(False, mask_name(hh.head_name), mask_phone(hh.head_phone), "", summary)


# --- hard problems ---------------------------------------------------------------------------------
def problems_for(user) -> QuerySet[HardProblem]:
    """Staff: the hard problems of their areas. Secretaries: the problems of their streets and
    the ones they hold."""
    qs = HardProblem.objects.select_related("area", "secretary", "branch", "source_order", "source_task")
    j = jurisdiction_for(user)
    q = staff_q(j) if is_wish_staff(j) else Q(pk__in=[])
    streets = {rules.street_prefix(p) for p in rules.secretary_paths(user)} - {""}
    if streets:
        q |= _prefix_q(streets)
    if getattr(user, "is_authenticated", False):
        q |= Q(secretary=user)
    return qs.filter(q)


# One order for the page and the API, so that the same filters give the same rows in the same order.
PROBLEM_ORDER = ("-created_at", "-id")


def problem_filter_places(problems: QuerySet[HardProblem]) -> list[tuple[str, str]]:
    """(code, name) of the streets and communities the given problems lie in, for the page's area
    choice (the filter itself takes any area code)."""
    codes = set()
    for path in problems.order_by().values_list("area_path", flat=True).distinct():
        parts = [p for p in path.split("/") if p]
        codes.update(parts[1:3])
    rows = Area.objects.filter(code__in=codes, kind__in=["street", "community"]).order_by("path")
    return [(a.code, a.name if a.kind == "street" else f"· {a.name}") for a in rows]


def problem_filter_categories(problems: QuerySet[HardProblem]) -> list[tuple[str, str]]:
    """(code, name) of the top-level categories of the problems' source orders, for the page."""
    from civicgrid.workorders.models import Category

    paths = {p for p in problems.order_by().values_list("source_order__category__path", flat=True) if p}
    paths |= {p for p in problems.order_by().values_list("source_task__order__category__path", flat=True) if p}
    roots = {p.split("/")[0] for p in paths}
    return list(Category.objects.filter(code__in=roots).order_by("path").values_list("code", "name"))


def problem_for(user, pk: int) -> HardProblem | None:
    return problems_for(user).filter(pk=pk).first()


def candidate_orders(j: Jurisdiction):
    """The problem list: stalled, escalated or reopened open orders of the reader's areas that are
    not yet hard problems."""
    from civicgrid.workorders.models import WorkOrder

    from .services import candidate_orders_q

    if not is_wish_staff(j):
        return WorkOrder.objects.none()
    return (WorkOrder.objects.filter(staff_q(j)).filter(candidate_orders_q(), hard_problem__isnull=True)
            .select_related("area").order_by("-is_overdue", "-reopen_count", "handle_due", "id"))


def candidate_tasks(j: Jurisdiction):
    from civicgrid.proactive.models import ProactiveTask
    from civicgrid.workorders.models import OPEN_STATUSES

    if not is_wish_staff(j):
        return ProactiveTask.objects.none()
    return (ProactiveTask.objects.filter(staff_q(j)).filter(order__status__in=OPEN_STATUSES,
                                                            hard_problem__isnull=True)
            .select_related("area", "order").order_by("-created_at", "-pk"))


# --- completion rates ------------------------------------------------------------------------------
@dataclass(frozen=True)
class WishRate:
    key: int
    name: str
    claimed: int
    fulfilled: int
    confirmed: int
    confirmation_rate: float | None
    mean_days_to_confirm: float | None

    def as_dict(self) -> dict:
        return {"id": self.key, "name": self.name, "claimed": self.claimed, "fulfilled": self.fulfilled,
                "confirmed": self.confirmed, "confirmation_rate": self.confirmation_rate,
                "mean_days_to_confirm": self.mean_days_to_confirm}


@dataclass(frozen=True)
class ProblemRate:
    key: int
    name: str
    claimed: int
    solved: int

    def as_dict(self) -> dict:
        return {"id": self.key, "name": self.name, "claimed": self.claimed, "solved": self.solved}


def _in_area(qs: QuerySet, area) -> QuerySet:
    """Narrow to the rows inside ``area`` (an Area or None for everything). It is ANDed with the
    reader's scope, so an area reaching outside the jurisdiction still shows only the inside."""
    return qs if area is None else qs.filter(area_path__startswith=area.path)


def _scoped_wishes(j: Jurisdiction, area=None) -> QuerySet[Wish]:
    return _in_area(Wish.objects.filter(staff_q(j)), area) if is_wish_staff(j) else Wish.objects.none()


def _scoped_problems(j: Jurisdiction, area=None) -> QuerySet[HardProblem]:
    return _in_area(HardProblem.objects.filter(staff_q(j)), area) if is_wish_staff(j) \
        else HardProblem.objects.none()


def _claimed_in(qs: QuerySet, period) -> QuerySet:
    """Narrow to the rows claimed in ``period`` ([start, end), or None for every month): a month's
    ranking counts the claims made in it, with what has become of them since."""
    if period is None:
        return qs
    start, end = period
    return qs.filter(claimed_at__gte=start, claimed_at__lt=end)


def _wish_rates(j: Jurisdiction, field: str, names: dict, area=None, period=None) -> list[WishRate]:
    qs = _claimed_in(_scoped_wishes(j, area).filter(state__in=CLAIMED_STATES, **{f"{field}__isnull": False}), period)
    counts = qs.values(field).annotate(
        claimed=Count("id"),
        fulfilled=Count("id", filter=Q(state__in=[WishState.FULFILLED, WishState.CONFIRMED])),
        confirmed=Count("id", filter=Q(state=WishState.CONFIRMED)))
    days: dict[int, list[float]] = {}
    for key, claimed_at, confirmed_at in qs.filter(state=WishState.CONFIRMED).values_list(
            field, "claimed_at", "confirmed_at"):
        days.setdefault(key, []).append((confirmed_at - claimed_at).total_seconds() / 86400)
    rows = []
    for row in counts:
        key = row[field]
        spans = days.get(key, [])
        rows.append(WishRate(
            key=key, name=names.get(key, str(key)), claimed=row["claimed"], fulfilled=row["fulfilled"],
            confirmed=row["confirmed"],
            confirmation_rate=round(row["confirmed"] / row["claimed"], 4) if row["claimed"] else None,
            mean_days_to_confirm=round(sum(spans) / len(spans), 2) if spans else None))
    return sorted(rows, key=lambda r: (-(r.confirmation_rate or 0), -r.confirmed, r.name))


def branch_wish_rates(j: Jurisdiction, area=None, period=None) -> list[WishRate]:
    """Per party branch (the claimer's, ADR 014), over the wishes of the reader's areas (inside
    ``area`` when given) claimed in ``period`` (every claim when None)."""
    return _wish_rates(j, "claimer_branch", dict(PartyBranch.objects.values_list("pk", "name")), area, period)


def team_wish_rates(j: Jurisdiction, period=None) -> list[WishRate]:
    return _wish_rates(j, "claimer_team", dict(VolunteerTeam.objects.values_list("pk", "name")), period=period)


def _problem_rates(j: Jurisdiction, field: str, names: dict, period=None) -> list[ProblemRate]:
    qs = _claimed_in(_scoped_problems(j), period)
    counts = (qs.filter(state__in=PROBLEM_CLAIMED_STATES, **{f"{field}__isnull": False}).values(field)
              .annotate(claimed=Count("id"), solved=Count("id", filter=Q(state=ProblemState.CONFIRMED))))
    rows = [ProblemRate(key=r[field], name=names.get(r[field], str(r[field])), claimed=r["claimed"],
                        solved=r["solved"]) for r in counts]
    return sorted(rows, key=lambda r: (-r.solved, -r.claimed, r.name))


def secretary_problem_rates(j: Jurisdiction, period=None) -> list[ProblemRate]:
    names = {u.pk: u.display_name for u in User.objects.filter(
        pk__in=HardProblem.objects.exclude(secretary=None).values("secretary"))}
    return _problem_rates(j, "secretary", names, period)


def branch_problem_rates(j: Jurisdiction, period=None) -> list[ProblemRate]:
    return _problem_rates(j, "branch", dict(PartyBranch.objects.values_list("pk", "name")), period)


def rankings(j: Jurisdiction, period=None) -> dict:
    """The four rankings over the claims made in ``period`` ([start, end) of a month, as the
    command center's rankings take it), or over every claim when None."""
    return {
        "branches": [r.as_dict() for r in branch_wish_rates(j, period=period)],
        "teams": [r.as_dict() for r in team_wish_rates(j, period)],
        "secretaries": [r.as_dict() for r in secretary_problem_rates(j, period)],
        "problem_branches": [r.as_dict() for r in branch_problem_rates(j, period)],
    }


# --- command center --------------------------------------------------------------------------------
def center_figures(jurisdiction: Jurisdiction, *, area=None, now: datetime | None = None) -> dict:
    """Wishes by state, completion (confirmed / claimed), overdue claims (as of ``now``), hard
    problems open and solved, and the top party branches, over the reader's areas, or only the
    rows inside ``area`` (the area the command center is looking at) when given."""
    wishes = _scoped_wishes(jurisdiction, area)
    by_state = dict(wishes.values_list("state").annotate(n=Count("id")).values_list("state", "n"))
    states = {s: by_state.get(s, 0) for s in WishState.values}
    claimed = sum(states[s] for s in CLAIMED_STATES)
    problems = _scoped_problems(jurisdiction, area)
    p_states = dict(problems.values_list("state").annotate(n=Count("id")).values_list("state", "n"))
    return {
        "wishes_by_state": states,
        "wish_states": [(s, str(WishState(s).label), states[s]) for s in WishState.values],
        "wishes_claimed": claimed,
        "wishes_confirmed": states[WishState.CONFIRMED],
        "completion": round(states[WishState.CONFIRMED] / claimed, 4) if claimed else None,
        "overdue_claims": wishes.filter(overdue_q(now)).count(),
        "problems_open": sum(p_states.get(s, 0) for s in ProblemState.values if s != ProblemState.CONFIRMED),
        "problems_solved": p_states.get(ProblemState.CONFIRMED, 0),
        "top_branches": [r.as_dict() for r in branch_wish_rates(jurisdiction, area)[:5]],
    }
