"""Reads of field work, always through the reader's jurisdiction.

A grid worker's pages show only the grids they hold a grid role in (``my_grids``); a grid outside
them answers exactly like a missing one. Households are shown masked here: the full register is
an audited read elsewhere (people/geo), not something to carry around on a phone.
"""

from __future__ import annotations

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

from .models import Patrol, Visit

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
