"""Reads of field work, always through the reader's jurisdiction.

A grid worker's pages show only the grids they hold a grid role in (``my_grids``); a grid outside
them answers exactly like a missing one. Households are shown masked here: the full register is
an audited read elsewhere (people/geo), not something to carry around on a phone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from civicgrid.core.masking import mask_name, mask_phone
from civicgrid.geo.models import Area, AreaKind, Building, Household
from civicgrid.people.jurisdiction import Jurisdiction
from civicgrid.workorders import selectors as order_selectors
from civicgrid.workorders.intake import GRID_ROLES
from civicgrid.workorders.models import OPEN_STATUSES, Status, WorkOrder

from . import care
from .models import CarePolicy, Patrol, Visit, VisitKind
from .periods import Month, this_month

OFFICE_STATUSES = [Status.DISPATCHED, Status.ACCEPTED, Status.IN_PROGRESS]


def _grid_role_paths(jurisdiction: Jurisdiction) -> list[str]:
    wanted = {str(r) for r in GRID_ROLES}
    return sorted({path for role, path in jurisdiction.role_paths if role in wanted})


def _prefix_q(paths, field_name: str) -> Q:
    q = Q(pk__in=[])
    for p in paths:
        q |= Q(**{f"{field_name}__startswith": p})
    return q


def my_grids(jurisdiction: Jurisdiction) -> list[Area]:
    """The grids the reader works in as grid worker or grid leader, in code order. Administrators
    hold no grid role and get none: these are a worker's pages, not an overview."""
    paths = _grid_role_paths(jurisdiction)
    if not paths:
        return []
    return list(Area.objects.filter(_prefix_q(paths, "path"), kind=AreaKind.GRID).order_by("code"))


def my_grid(jurisdiction: Jurisdiction, code: str) -> Area | None:
    """One of the reader's grids by code; None when missing or not theirs."""
    return next((g for g in my_grids(jurisdiction) if g.code == code), None)


def open_patrol(jurisdiction: Jurisdiction) -> Patrol | None:
    if jurisdiction.user_id is None:
        return None
    return Patrol.objects.select_related("grid").filter(worker_id=jurisdiction.user_id, ended_at__isnull=True).first()


def patrol_of(jurisdiction: Jurisdiction, patrol_id: int) -> Patrol | None:
    """One of the reader's own patrols."""
    if jurisdiction.user_id is None:
        return None
    return Patrol.objects.select_related("grid").filter(pk=patrol_id, worker_id=jurisdiction.user_id).first()


def visits_for(jurisdiction: Jurisdiction) -> QuerySet[Visit]:
    """Visits in the reader's area subtrees (a community sees its grid workers' visits)."""
    qs = Visit.objects.select_related("grid", "household", "building", "appeal", "worker")
    if jurisdiction.is_global:
        return qs
    if jurisdiction.user_id is None:
        return qs.none()
    return qs.filter(jurisdiction.area_q("area_path") | Q(worker_id=jurisdiction.user_id))


def my_visits(jurisdiction: Jurisdiction) -> QuerySet[Visit]:
    return visits_for(jurisdiction).filter(worker_id=jurisdiction.user_id).order_by("-visited_at", "-id")


def patrols_for(jurisdiction: Jurisdiction) -> QuerySet[Patrol]:
    qs = Patrol.objects.select_related("grid", "worker")
    if jurisdiction.is_global:
        return qs
    if jurisdiction.user_id is None:
        return qs.none()
    return qs.filter(jurisdiction.area_q("area_path") | Q(worker_id=jurisdiction.user_id))


# --- my open orders -------------------------------------------------------------------------------
def my_open_orders(jurisdiction: Jurisdiction) -> QuerySet[WorkOrder]:
    """Open orders located in the reader's grids, and open orders their community office handles
    (the workbench's queues: to accept and in hand). Overdue first, then by the nearest deadline."""
    paths = _grid_role_paths(jurisdiction)
    if not paths:
        return WorkOrder.objects.none()
    # The same condition as queue_to_accept and queue_in_hand, as one query.
    office = order_selectors.acted_for_units_q(jurisdiction) & Q(status__in=OFFICE_STATUSES)
    return (
        order_selectors.orders_for(jurisdiction)
        .filter(status__in=OPEN_STATUSES)
        .filter(_prefix_q(paths, "area_path") | office)
        .order_by("-is_overdue", "handle_due", "dispatch_due", "created_at", "id")
    )


# --- home figures ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class GridFigures:
    grid: Area
    open_orders: int
    overdue: int
    visits_this_month: int


def _month_start(now: datetime) -> datetime:
    local = timezone.localtime(now)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def grid_figures(jurisdiction: Jurisdiction, *, now: datetime | None = None) -> list[GridFigures]:
    """For each of the reader's grids: open orders located there, how many are overdue, and the
    reader's visits there this month."""
    grids = my_grids(jurisdiction)
    if not grids:
        return []
    start = _month_start(now or timezone.now())
    orders = order_selectors.orders_for(jurisdiction).filter(status__in=OPEN_STATUSES,
                                                              area_id__in=[g.pk for g in grids])
    counts = {row["area_id"]: row for row in orders.values("area_id").annotate(
        n=Count("id"), overdue=Count("id", filter=Q(is_overdue=True)))}
    visits = dict(my_visits(jurisdiction).filter(visited_at__gte=start).values_list("grid_id").annotate(n=Count("id"))
                  .values_list("grid_id", "n"))
    return [
        GridFigures(grid=g, open_orders=counts.get(g.pk, {}).get("n", 0),
                    overdue=counts.get(g.pk, {}).get("overdue", 0), visits_this_month=visits.get(g.pk, 0))
        for g in grids
    ]


# --- my grid's buildings and households -------------------------------------------------------------
def buildings_of(jurisdiction: Jurisdiction, grid: Area) -> QuerySet[Building]:
    """The grid's buildings with the number of registered households (the caller checked ``grid``)."""
    if not jurisdiction.covers_path(grid.path):
        return Building.objects.none()
    return (Building.objects.filter(grid=grid).annotate(registered=Count("households"))
            .order_by("code"))


@dataclass(frozen=True)
class MaskedHousehold:
    id: int
    entrance: int
    room: str
    size: int
    head_name: str
    head_phone: str
    tags: list
    last_visit: datetime | None


def households_of(jurisdiction: Jurisdiction, building: Building) -> list[MaskedHousehold]:
    """The building's households, the head's name and phone masked, with the last visit to each.
    Empty when the reader may not read households there."""
    if not jurisdiction.covers_household_path(building.area_path):
        return []
    rows = Household.objects.filter(building=building).order_by("entrance", "room")
    last = dict(Visit.objects.filter(household__building=building).values_list("household_id")
                .annotate(last=Max("visited_at")).values_list("household_id", "last"))
    return [
        MaskedHousehold(id=h.pk, entrance=h.entrance, room=h.room, size=h.size, head_name=mask_name(h.head_name),
                        head_phone=mask_phone(h.head_phone), tags=list(h.tags or []), last_visit=last.get(h.pk))
        for h in rows
    ]


def building_in_grid(jurisdiction: Jurisdiction, grid: Area, code: str) -> Building | None:
    return buildings_of(jurisdiction, grid).filter(code=code).first()


def households_for_choice(jurisdiction: Jurisdiction, grids: list[Area]) -> QuerySet[Household]:
    """Households of the reader's grids for the visit form (labels are masked by the form)."""
    if not grids:
        return Household.objects.none()
    return (Household.objects.filter(jurisdiction.household_q("area_path"), building__grid__in=grids)
            .select_related("building").order_by("building__code", "entrance", "room"))


# --- scope helpers ---------------------------------------------------------------------------------
def may_read_fieldwork(jurisdiction: Jurisdiction) -> bool:
    """Staff with an area (grid workers up to the district) read the field-work overviews."""
    return jurisdiction.is_global or bool(jurisdiction.area_paths)


def top_areas(jurisdiction: Jurisdiction) -> list[Area]:
    """The areas the reader's jurisdiction starts at (every district for an administrator)."""
    if jurisdiction.is_global:
        return list(Area.objects.filter(parent__isnull=True).order_by("code"))
    return list(Area.objects.filter(path__in=jurisdiction.area_paths).order_by("path"))


def area_for(jurisdiction: Jurisdiction, code: str | None) -> Area | None:
    """An area by code inside the reader's jurisdiction (None when missing or outside); without a
    code, the reader's first top area."""
    if not code:
        tops = top_areas(jurisdiction)
        return tops[0] if tops else None
    area = Area.objects.filter(code=code).first()
    if area is None or not jurisdiction.covers_path(area.path):
        return None
    return area


# --- coverage (走访覆盖率) ------------------------------------------------------------------------------
CHILD_KIND = {AreaKind.DISTRICT: AreaKind.STREET, AreaKind.STREET: AreaKind.COMMUNITY,
              AreaKind.COMMUNITY: AreaKind.GRID, AreaKind.GRID: AreaKind.GRID}
LEVEL_ORDER = [AreaKind.DISTRICT, AreaKind.STREET, AreaKind.COMMUNITY, AreaKind.GRID]


@dataclass
class CoverageRow:
    area: Area
    households: int = 0
    visited: int = 0

    @property
    def percent(self) -> float | None:
        return round(100.0 * self.visited / self.households, 1) if self.households else None


@dataclass
class Coverage:
    area: Area
    month: Month
    level: str
    total: CoverageRow
    rows: list[CoverageRow]


def coverage_by_grid_path(path_prefix: str, month: Month) -> dict[str, tuple[int, int]]:
    """{grid path: (households, households with ≥ 1 household visit in the month)} under a path.

    A visit counts for the grid its household is registered in (the household's ``area_path``),
    whichever grid the visit was logged in; enterprise and other visits, and household visits
    without a household, do not count. Two queries, both grouped in the database."""
    start, end = month.bounds()
    totals = dict(Household.objects.filter(area_path__startswith=path_prefix).order_by()
                  .values_list("area_path").annotate(n=Count("id")).values_list("area_path", "n"))
    visited = dict(Visit.objects.filter(kind=VisitKind.HOUSEHOLD, household__isnull=False, visited_at__gte=start,
                                        visited_at__lt=end, household__area_path__startswith=path_prefix).order_by()
                   .values_list("household__area_path")
                   .annotate(n=Count("household_id", distinct=True)).values_list("household__area_path", "n"))
    return {path: (n, visited.get(path, 0)) for path, n in totals.items()} | {
        path: (0, n) for path, n in visited.items() if path not in totals}


def coverage(jurisdiction: Jurisdiction, area: Area, month: Month, level: str | None = None) -> Coverage | None:
    """Coverage of ``area`` in ``month`` and of each area of ``level`` under it (default: its
    children; a grid shows itself). None when the area is outside the reader's jurisdiction."""
    if not jurisdiction.covers_path(area.path):
        return None
    if level is None or level not in LEVEL_ORDER or LEVEL_ORDER.index(level) < LEVEL_ORDER.index(area.kind):
        level = CHILD_KIND[area.kind]
    units = [area] if level == area.kind else list(
        Area.objects.filter(path__startswith=area.path, kind=level).order_by("path"))
    rows = {u.path: CoverageRow(area=u) for u in units}
    total = CoverageRow(area=area)
    paths = sorted(rows, key=len, reverse=True)
    for grid_path, (households, visited) in coverage_by_grid_path(area.path, month).items():
        total.households += households
        total.visited += visited
        owner = next((p for p in paths if grid_path.startswith(p)), None)
        if owner is not None:
            rows[owner].households += households
            rows[owner].visited += visited
    return Coverage(area=area, month=month, level=level, total=total, rows=list(rows.values()))


# --- key-group care (关爱走访) -------------------------------------------------------------------------
def policy_book() -> care.PolicyBook:
    return care.PolicyBook(CarePolicy.objects.filter(is_active=True))


def policies_for(jurisdiction: Jurisdiction) -> QuerySet[CarePolicy]:
    """Policies that apply inside the reader's jurisdiction: those of their areas and above them
    (a grid worker lives under the district's rules) and those below."""
    qs = CarePolicy.objects.select_related("area").order_by("area_path", "tag")
    if jurisdiction.is_global:
        return qs
    q = jurisdiction.area_q("area_path")
    for path in jurisdiction.area_paths:
        parts = [p for p in path.split("/") if p]
        q |= Q(area_path__in=["/".join(parts[:i]) + "/" for i in range(1, len(parts))])
    return qs.filter(q)


def care_dues(paths: list[str], *, book: care.PolicyBook | None = None) -> list[care.CareDue]:
    """Every household under ``paths`` with a care tag that has a policy, with its due date."""
    book = book or policy_book()
    if not paths or not book.tags:
        return []
    q = _prefix_q(paths, "area_path")
    tagged = [(pk, path, tags) for pk, path, tags in
              Household.objects.filter(q).exclude(tags=[]).values_list("id", "area_path", "tags")
              if tags and set(tags) & book.tags]
    if not tagged:
        return []
    last = dict(Visit.objects.filter(_prefix_q(paths, "household__area_path"), kind=VisitKind.HOUSEHOLD,
                                     household__isnull=False).order_by()
                .values_list("household_id").annotate(last=Max("visited_at")).values_list("household_id", "last"))
    out = []
    for pk, path, tags in tagged:
        due = care.due_of(household_id=pk, area_path=path, tags=tags, last_visit=last.get(pk), book=book)
        if due is not None:
            out.append(due)
    return out


def may_set_care_rules(jurisdiction: Jurisdiction) -> bool:
    """Whether the reader sets care rules anywhere (the service checks the area of each one)."""
    from civicgrid.people.models import Role

    return jurisdiction.has_role(Role.DISTRICT_COMMANDER)


def care_rule_areas(jurisdiction: Jurisdiction) -> list[Area]:
    """Areas the reader may set care rules on: districts, streets and communities inside the
    areas where they are district commander (all of them for an administrator). Grids get none:
    a rule per grid would be a district's rule written out 250 times."""
    from civicgrid.people.models import Role

    kinds = [AreaKind.DISTRICT, AreaKind.STREET, AreaKind.COMMUNITY]
    qs = Area.objects.filter(kind__in=kinds).order_by("path")
    if jurisdiction.is_global:
        return list(qs)
    paths = sorted({p for role, p in jurisdiction.role_paths if role == str(Role.DISTRICT_COMMANDER)})
    return list(qs.filter(_prefix_q(paths, "path"))) if paths else []


def care_rule_usage(jurisdiction: Jurisdiction, *, now: datetime | None = None) -> dict[int, tuple[int, int]]:
    """{policy id: (households it covers, households overdue by it)} in the reader's household scope.

    A rule covers a household when it is the rule that applies to one of the household's tags there
    (the most specific active one), so a household with two tags under two rules counts for both.
    Overdue households count for the rule that decided their due date (the earliest), as on the care
    list, so the overdue column adds up to the care list's total."""
    paths = _care_paths(jurisdiction, None)
    book = policy_book()
    if not paths or not book.tags:
        return {}
    covered: dict[int, int] = {}
    for path, tags in (Household.objects.filter(_prefix_q(paths, "area_path")).exclude(tags=[]).order_by()
                       .values_list("area_path", "tags")):
        for policy in {book.for_tag(tag, path) for tag in set(tags or ()) & book.tags} - {None}:
            covered[policy.pk] = covered.get(policy.pk, 0) + 1
    today = timezone.localdate(now or timezone.now())
    overdue: dict[int, int] = {}
    for due in care_dues(paths, book=book):
        if due.is_overdue(today):
            overdue[due.policy.pk] = overdue.get(due.policy.pk, 0) + 1
    return {pk: (covered.get(pk, 0), overdue.get(pk, 0)) for pk in covered.keys() | overdue.keys()}


def _care_paths(jurisdiction: Jurisdiction, grid: Area | None) -> list[str]:
    if grid is not None:
        return [grid.path] if jurisdiction.covers_household_path(grid.path) else []
    if jurisdiction.is_global:
        return [a.path for a in top_areas(jurisdiction)]
    return list(jurisdiction.household_paths)


def overdue_care(jurisdiction: Jurisdiction, *, grid: Area | None = None, now: datetime | None = None
                 ) -> list[care.CareDue]:
    """Key-group households overdue for a visit in the reader's household scope (or one grid of
    it), the most overdue first."""
    today = timezone.localdate(now or timezone.now())
    dues = [d for d in care_dues(_care_paths(jurisdiction, grid)) if d.is_overdue(today)]
    dues.sort(key=lambda d: (d.due_on, d.household_id))
    return dues


def my_overdue_care(jurisdiction: Jurisdiction, *, now: datetime | None = None) -> list[care.CareDue]:
    """The grid worker's list: overdue households of the grids they work in."""
    paths = [g.path for g in my_grids(jurisdiction)]
    today = timezone.localdate(now or timezone.now())
    dues = [d for d in care_dues(paths) if d.is_overdue(today)]
    dues.sort(key=lambda d: (d.due_on, d.household_id))
    return dues


@dataclass(frozen=True)
class CareRow:
    due: care.CareDue
    household: Household
    days_overdue: int
    carers: list  # 包联 party members (masked household, visible cadre)
    head_name: str
    tag_labels: list


def care_rows(dues: list[care.CareDue], *, now: datetime | None = None) -> list[CareRow]:
    """The households of ``dues`` for display: address, room, masked head, tags, 包联 member."""
    from civicgrid.geo.models import HouseholdTag
    from civicgrid.people.models import BaolianAssignment, BaolianLevel

    today = timezone.localdate(now or timezone.now())
    ids = [d.household_id for d in dues]
    households = Household.objects.select_related("building", "building__grid").in_bulk(ids)
    carers: dict[int, list] = {}
    for a in BaolianAssignment.objects.filter(level=BaolianLevel.HOUSEHOLD, household_id__in=ids).select_related("cadre"):
        carers.setdefault(a.household_id, []).append(a.cadre)
    labels = dict(HouseholdTag.choices)
    return [CareRow(due=d, household=households[d.household_id], days_overdue=d.days_overdue(today),
                    carers=carers.get(d.household_id, []), head_name=mask_name(households[d.household_id].head_name),
                    tag_labels=[str(labels.get(t, t)) for t in d.tags])
            for d in dues if d.household_id in households]


# --- patrol log -------------------------------------------------------------------------------------
EARTH_RADIUS_M = 6_371_008.8


def route_metres(route) -> int:
    """Length of a patrol's track in metres (great-circle, point to point in the order sent)."""
    total = 0.0
    points = [(float(p[0]), float(p[1])) for p in (route or []) if isinstance(p, (list, tuple)) and len(p) >= 2]
    for (lon1, lat1), (lon2, lat2) in zip(points, points[1:]):
        phi1, phi2 = math.radians(lat1), math.radians(lat2)
        dphi, dlmb = phi2 - phi1, math.radians(lon2 - lon1)
        h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
        total += 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))
    return int(round(total))


def patrol_log(jurisdiction: Jurisdiction) -> QuerySet[Patrol]:
    """Patrols the reader may see (their grids' and their own), with the visits made on each."""
    return patrols_for(jurisdiction).annotate(visit_count=Count("visits")).order_by("-started_at", "-id")


def patrol_minutes(patrol: Patrol, now: datetime | None = None) -> int:
    end = patrol.ended_at or (now or timezone.now())
    return max(int((end - patrol.started_at).total_seconds() // 60), 0)


# --- command center ---------------------------------------------------------------------------------
def center_figures(jurisdiction: Jurisdiction, *, area: Area | None = None, now: datetime | None = None) -> dict:
    """Field work this month in ``area`` (inside the reader's jurisdiction; None: all of it): visits,
    household coverage, key-group households overdue for a visit, patrols."""
    now = now or timezone.now()
    month = this_month(now)
    start, end = month.bounds()
    if not may_read_fieldwork(jurisdiction):
        return {"month": month.code, "visits": 0, "households": 0, "households_visited": 0, "coverage": None,
                "overdue_care": 0, "patrols": 0}
    if area is not None:
        paths = [area.path]
    else:
        paths = [a.path for a in top_areas(jurisdiction)] if jurisdiction.is_global else list(jurisdiction.area_paths)
    area_q = _prefix_q(paths, "area_path")
    visits = Visit.objects.filter(area_q, visited_at__gte=start, visited_at__lt=end).count()
    households = Household.objects.filter(area_q).count()
    visited = (Visit.objects.filter(_prefix_q(paths, "household__area_path"), kind=VisitKind.HOUSEHOLD,
                                    household__isnull=False, visited_at__gte=start, visited_at__lt=end)
               .order_by().values("household_id").distinct().count())
    patrols = Patrol.objects.filter(area_q, started_at__gte=start, started_at__lt=end).count()
    today = timezone.localdate(now)
    overdue = sum(1 for d in care_dues(paths) if d.is_overdue(today))
    return {"month": month.code, "visits": visits, "households": households, "households_visited": visited,
            "coverage": round(100.0 * visited / households, 1) if households else None,
            "overdue_care": overdue, "patrols": patrols}
