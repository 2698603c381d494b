"""Reads of people and units, always through the reader's jurisdiction."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from civicgrid.geo.models import Area

from .jurisdiction import Jurisdiction
from .models import (
    BaolianAssignment,
    BuildingLeader,
    GridListItem,
    GridTeamMember,
    Membership,
    PartyBranch,
    Unit,
    User,
)


def units_directory() -> QuerySet[Unit]:
    """The directory of units (names, duties, duty phones) is public, as on any government site."""
    return Unit.objects.filter(is_active=True).select_related("area")


def users_for(jurisdiction: Jurisdiction) -> QuerySet[User]:
    """Staff see the people who hold a role inside their subtrees or their units; others see
    only themselves."""
    qs = User.objects.all()
    if jurisdiction.is_global:
        return qs
    if jurisdiction.user_id is None:
        return qs.none()
    q = Q(pk=jurisdiction.user_id)
    if jurisdiction.area_paths:
        q |= Q(pk__in=Membership.objects.filter(jurisdiction.area_q("area__path"), is_active=True).values("user_id"))
    if jurisdiction.unit_ids:
        q |= Q(pk__in=Membership.objects.filter(unit_id__in=jurisdiction.unit_ids, is_active=True).values("user_id"))
    return qs.filter(q)


def memberships_of(user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user, is_active=True).select_related("area", "unit")


def _grid_visible(jurisdiction: Jurisdiction, grid: Area) -> bool:
    if jurisdiction.covers_path(grid.path):
        return True
    # A resident sees the team and lists of the grid they live in.
    return jurisdiction.user_id is not None and grid.buildings.filter(
        households__residents__id=jurisdiction.user_id
    ).exists()


def grid_profile(jurisdiction: Jurisdiction, grid: Area) -> dict | None:
    """The grid's 五人小组, four lists, party branch and building leaders; None if not visible."""
    if grid.kind != "grid" or not _grid_visible(jurisdiction, grid):
        return None
    lists: dict[str, list[GridListItem]] = {}
    for item in GridListItem.objects.filter(grid=grid):
        lists.setdefault(item.list_kind, []).append(item)
    return {
        "grid": grid,
        "team": list(GridTeamMember.objects.filter(grid=grid).select_related("user")),
        "lists": lists,
        "party_branch": PartyBranch.objects.filter(grid=grid).select_related("secretary").first(),
        "building_leaders": list(
            BuildingLeader.objects.filter(building__grid=grid).select_related("building", "user")
        ),
    }


def baolian_for(jurisdiction: Jurisdiction) -> QuerySet[BaolianAssignment]:
    qs = BaolianAssignment.objects.select_related("cadre", "area", "building", "household")
    if jurisdiction.is_global:
        return qs
    if not jurisdiction.area_paths:
        return qs.filter(cadre_id=jurisdiction.user_id) if jurisdiction.user_id else qs.none()
    return qs.filter(jurisdiction.area_q("area_path") | Q(cadre_id=jurisdiction.user_id))
