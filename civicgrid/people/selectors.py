"""Reads of people and units, always through the reader's jurisdiction."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from civicgrid.geo.models import Area

from .jurisdiction import Jurisdiction
from .models import (
    BaolianAssignment,
    BaolianLevel,
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


# --- the 包联 chain ----------------------------------------------------------------------------------
# Household tags that make a household a key group every one of which should have a 包户 member.
KEY_GROUP_TAGS = ("elderly_alone", "low_income", "disabled", "elderly_party_member", "military_family")
CHAIN_LEVELS = ("household", "building", "community", "street")


@dataclass(frozen=True)
class ChainLink:
    """One level of the 包联 chain above a place: who answers for which target there."""

    level: str
    target: str          # the target's name; a household's personal data masked
    code: str            # area or building code, household id
    cadres: tuple        # Users (names of cadres are not masked: they answer publicly for the place)

    @property
    def level_label(self) -> str:
        return str(BaolianLevel(self.level).label)


def _household_label(household) -> str:
    from civicgrid.core.masking import mask_name

    return f"{household.building.address} {household.entrance}-{household.room} {mask_name(household.head_name)}".strip()


def baolian_chain(jurisdiction: Jurisdiction, *, household=None, building=None, area: Area | None = None
                  ) -> list[ChainLink] | None:
    """Who answers for a household, building or area up the chain (党员干部包户 → 社区干部包楼 →
    街道干部包社区 → 区级干部包街道), bottom first; a level with nobody has empty ``cadres`` (a gap).
    None when the place is outside the reader's jurisdiction (households: their household scope)."""
    if household is not None:
        building = household.building
        if not jurisdiction.covers_household_path(household.area_path):
            return None
    if building is not None:
        area = building.grid
    if area is None or not jurisdiction.covers_path(area.path if building is None else building.area_path):
        return None
    chain_areas = {a.kind: a for a in [*area.ancestors(), area]}
    wanted: list[tuple[str, str, str, Q]] = []
    if household is not None:
        wanted.append(("household", _household_label(household), str(household.pk), Q(household=household)))
    if building is not None:
        wanted.append(("building", building.address, building.code, Q(building=building)))
    for level in ("community", "street"):
        target = chain_areas.get(level)
        if target is not None:
            wanted.append((level, target.name, target.code, Q(area=target)))
    if not wanted:
        return []
    q = Q(pk__in=[])
    for level, _label, _code, target_q in wanted:
        q |= Q(level=level) & target_q
    by_level: dict[str, list] = {}
    for a in BaolianAssignment.objects.filter(q).select_related("cadre").order_by("cadre__username"):
        by_level.setdefault(a.level, []).append(a.cadre)
    return [ChainLink(level=level, target=label, code=code, cadres=tuple(by_level.get(level, ())))
            for level, label, code, _q in wanted]


@dataclass
class BaolianGaps:
    area: Area
    streets: list = field(default_factory=list)
    communities: list = field(default_factory=list)
    buildings: list = field(default_factory=list)
    buildings_total: int = 0
    households: list | None = None       # masked labels; None when the reader may not read households
    households_total: int = 0


def baolian_gaps(jurisdiction: Jurisdiction, area: Area, *, limit: int = 200) -> BaolianGaps | None:
    """Places under ``area`` nobody answers for: streets and communities without their cadre,
    buildings without a community cadre, key-group households (``KEY_GROUP_TAGS``) without a party
    member. Lists are cut at ``limit``; the totals are exact. None outside the jurisdiction."""
    from civicgrid.geo.models import Building, Household

    if not jurisdiction.covers_path(area.path):
        return None
    gaps = BaolianGaps(area=area)
    covered_areas = BaolianAssignment.objects.filter(level__in=["street", "community"], area__isnull=False).values("area_id")
    for kind, bucket in (("street", gaps.streets), ("community", gaps.communities)):
        bucket.extend(Area.objects.filter(path__startswith=area.path, kind=kind).exclude(pk__in=covered_areas)
                      .order_by("path"))
    buildings = (Building.objects.filter(area_path__startswith=area.path)
                 .exclude(pk__in=BaolianAssignment.objects.filter(level="building", building__isnull=False)
                          .values("building_id")).order_by("code"))
    gaps.buildings_total = buildings.count()
    gaps.buildings = list(buildings[:limit])
    if jurisdiction.covers_household_path(area.path):
        with_member = set(BaolianAssignment.objects.filter(level="household", area_path__startswith=area.path,
                                                           household__isnull=False).values_list("household_id", flat=True))
        found = [h for h in Household.objects.filter(area_path__startswith=area.path).exclude(tags=[])
                 .select_related("building").order_by("building__code", "entrance", "room")
                 if set(h.tags or ()) & set(KEY_GROUP_TAGS) and h.pk not in with_member]
        gaps.households_total = len(found)
        gaps.households = [{"id": h.pk, "label": _household_label(h), "tags": list(h.tags), "building": h.building.code}
                           for h in found[:limit]]
    return gaps
