"""Build the demo jurisdiction: areas, buildings, households, units, staff, teams and lists.

``build(seed=..., scale=...)`` always builds the same district for the same seed and scale: the same
codes, names, coordinates, people and users (only primary keys, timestamps and password hashes
differ). Everything is written with ``bulk_create`` inside one transaction; the only other write is
one audit row (``demo.build``).

Random numbers come from ``random.Random`` instances seeded with strings (``f"{seed}:{code}"``);
string seeds are hashed with SHA-512 by Python, independent of ``PYTHONHASHSEED``.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q
from tqdm import tqdm

from civicgrid.core.services import record_event
from civicgrid.geo.locate import bump_version, invalidate_local_index
from civicgrid.geo.models import Area, AreaKind, Building, Household, HouseholdTag
from civicgrid.geo.paths import depth_of, path_for
from civicgrid.geo.services import address_key
from civicgrid.people.models import (
    BaolianAssignment,
    BaolianLevel,
    BuildingLeader,
    GridListItem,
    GridListKind,
    GridTeamMember,
    Membership,
    PartyBranch,
    Role,
    TeamPosition,
    Unit,
    UnitKind,
    User,
)

from civicgrid.workorders import addressbook

from . import catalog, geometry, names
from .orders import build_orders

DEFAULT_SEED = 20240601
SCALES = ("small", "full")
ALLOWED_MODES = ("demo", "dev", "test")
DEMO_PASSWORD = "demo"
DEMO_DISTRICTS = ("370203000000", "370215000000")
# --scale small: one community per street, two grids each.
SMALL_COMMUNITIES = ("370203020009", "370203028013", "370215003032")
FIRST_COMMUNITY = "370203020009"  # 恩县路社区: home of the `grid` and `resident` demo users
CN_NUMERALS = "一二三四五六七八九十"


class DemoRefused(Exception):
    """The demo cannot be built here (wrong mode, data already present)."""


def cn_number(n: int) -> str:
    if n <= 10:
        return CN_NUMERALS[n - 1]
    if n < 20:
        return "十" + CN_NUMERALS[n - 11]
    tens, ones = divmod(n, 10)
    return CN_NUMERALS[tens - 1] + "十" + (CN_NUMERALS[ones - 1] if ones else "")


def grid_name(community_name: str, n: int) -> str:
    base = community_name[:-2] if community_name.endswith("社区") else community_name
    return f"{base}第{cn_number(n)}网格"


# --------------------------------------------------------------------------------------------------
# Plan: what to build, before anything is written.
# --------------------------------------------------------------------------------------------------


@dataclass
class PlannedGrid:
    area: Area
    community: Area
    street: Area
    district: Area
    style: str
    polygon_km: object
    frame: geometry.Frame
    buildings: list[Building] = field(default_factory=list)
    households: list[Household] = field(default_factory=list)
    households_by_building: dict[str, list[Household]] = field(default_factory=dict)


@dataclass
class Plan:
    areas: dict[str, Area] = field(default_factory=dict)  # by code, in creation order
    grids: list[PlannedGrid] = field(default_factory=list)
    official: dict[str, str] = field(default_factory=dict)


class Builder:
    def __init__(self, seed: int = DEFAULT_SEED, scale: str = "full", progress: bool = True, out=None,
                 orders: int | None = None):
        if scale not in SCALES:
            raise DemoRefused(f"Unknown scale {scale!r}: use one of {', '.join(SCALES)}.")
        self.seed = seed
        self.scale = scale
        # Sixty days of work orders (demo.orders): the full demo has them by default, tests ask.
        self.orders = (1500 if scale == "full" else 0) if orders is None else orders
        self.progress = progress
        self.out = out or sys.stderr
        self.divisions = catalog.load_divisions()
        self.phones = names.PhoneBook(self.rng("phones"))
        self.plan = Plan()
        self.users: list[User] = []
        self.user_roles: dict[str, set[str]] = defaultdict(set)
        self.memberships: list[Membership] = []
        self.demo_logins: list[tuple[str, str, str]] = []
        self.timings: dict[str, float] = {}

    # -- helpers -------------------------------------------------------------------------------
    def rng(self, key: str) -> random.Random:
        return random.Random(f"{self.seed}:{key}")

    def bar(self, iterable=None, total=None, desc=""):
        return tqdm(iterable, total=total, desc=desc, disable=not self.progress, file=self.out, leave=True,
                    dynamic_ncols=True)

    def included_communities(self, street) -> list:
        communities = street.children
        if self.scale == "small":
            communities = [c for c in communities if c.code in SMALL_COMMUNITIES]
        return communities

    def grid_count(self, community) -> int:
        if self.scale == "small":
            return 2
        rng = self.rng(f"grids:{community.code}")
        return rng.randint(2, 3) if community.is_village else rng.randint(3, 6)

    # -- areas ---------------------------------------------------------------------------------
    def plan_areas(self) -> None:
        city = self.divisions["370200000000"]
        for district in self.bar(city.children, desc="areas"):
            streets = [s for s in district.children if s.code in catalog.STREET_POSITIONS]
            self._plan_district(district, streets)

    def _new_area(self, code, name, kind, parent, polygon_ll, households=None, description="") -> Area:
        path = path_for(code, parent.path if parent else None)
        centroid = polygon_ll.centroid
        area = Area(
            code=code, name=name, kind=kind, parent=parent, path=path, depth=depth_of(path),
            boundary=geometry.geojson(polygon_ll),
            centroid_lon=round(centroid.x, 7), centroid_lat=round(centroid.y, 7),
            households_planned=households, description=description,
        )
        self.plan.areas[code] = area
        return area

    def _plan_district(self, district, streets) -> None:
        rng = self.rng(f"area:{district.code}")
        positions = [catalog.STREET_POSITIONS[s.code] for s in streets]
        lon0 = sum(p[0] for p in positions) / len(positions)
        lat0 = sum(p[1] for p in positions) / len(positions)
        frame = geometry.Frame(lon0, lat0)
        grid_counts = {c.code: self.grid_count(c) for s in streets for c in self.included_communities(s)}
        total_km2 = 0.0
        for s in streets:
            style = catalog.STREET_STYLE[s.code]
            for c in self.included_communities(s):
                km2 = catalog.STYLES["village" if c.is_village else style]["grid_km2"]
                total_km2 += km2 * grid_counts[c.code]
        district_ll = frame.to_lonlat(geometry.blob(rng, total_km2))
        d_area = self._new_area(district.code, district.name, AreaKind.DISTRICT, None, district_ll)
        parent_km = frame.to_km(district_ll)
        # Street seeds keep the real relative positions, pulled in to fit the generated district.
        radius = (total_km2 / 3.14159) ** 0.5
        offsets = [frame.offset_km(*p) for p in positions]
        reach = max((x * x + y * y) ** 0.5 for x, y in offsets) or 1.0
        seeds = [(x / reach * 0.45 * radius, y / reach * 0.45 * radius) for x, y in offsets]
        # No relaxation: Lloyd would turn the split towards the blob's long axis and lose the bearing.
        street_cells = geometry.partition(rng, parent_km, len(streets), seeds=seeds if len(streets) > 1 else None,
                                          iterations=0)
        d_households = 0
        for street, cell in zip(streets, street_cells):
            s_ll = frame.to_lonlat(cell)
            s_area = self._new_area(street.code, street.name, AreaKind.STREET, d_area, s_ll,
                                    description=f"{catalog.CITY}{district.name}{street.name}")
            s_km = frame.to_km(s_ll)
            communities = self.included_communities(street)
            c_cells = geometry.partition(self.rng(f"area:{street.code}"), s_km, len(communities))
            s_households = 0
            for community, c_cell in zip(communities, c_cells):
                c_ll = frame.to_lonlat(c_cell)
                n_grids = grid_counts[community.code]
                c_area = self._new_area(
                    community.code, community.name, AreaKind.COMMUNITY, s_area, c_ll,
                    description=f"{community.official}，辖 {n_grids} 个网格",
                )
                self.plan.official[community.code] = community.official
                c_km = frame.to_km(c_ll)
                g_cells = geometry.partition(self.rng(f"area:{community.code}"), c_km, n_grids)
                c_households = 0
                style = "village" if community.is_village else catalog.STREET_STYLE[street.code]
                for seq, g_cell in enumerate(g_cells, start=1):
                    g_ll = frame.to_lonlat(g_cell)
                    code = f"{community.code}{seq:03d}"
                    households = self.rng(f"households:{code}").randint(300, 500)
                    g_area = self._new_area(code, grid_name(community.name, seq), AreaKind.GRID, c_area, g_ll,
                                            households=households)
                    c_households += households
                    self.plan.grids.append(PlannedGrid(
                        area=g_area, community=c_area, street=s_area, district=d_area, style=style,
                        polygon_km=frame.to_km(g_ll), frame=frame,
                    ))
                c_area.households_planned = c_households
                s_households += c_households
            s_area.households_planned = s_households
            d_households += s_households
        d_area.households_planned = d_households

    def save_areas(self) -> None:
        by_depth = defaultdict(list)
        for area in self.plan.areas.values():
            by_depth[area.depth].append(area)
        for depth in self.bar(sorted(by_depth), desc="save areas"):
            for area in by_depth[depth]:
                area.parent_id = self.parent_of(area).pk if area.depth else None
            Area.objects.bulk_create(by_depth[depth], batch_size=500)

    # -- buildings and households --------------------------------------------------------------
    def plan_buildings(self) -> None:
        district_numbers: dict[tuple[str, str], int] = {}
        used_compounds: dict[str, set[str]] = defaultdict(set)
        village_counters: Counter = Counter()
        for pg in self.bar(self.plan.grids, desc="buildings"):
            self._plan_grid_buildings(pg, district_numbers, used_compounds, village_counters)

    def _community_roads(self, pg: PlannedGrid) -> list[str]:
        roads = catalog.ROADS[pg.street.code]
        rng = self.rng(f"roads:{pg.community.code}")
        own = [r for r in roads if r in pg.community.name]
        others = [r for r in roads if r not in own]
        return own + rng.sample(others, 3)

    def _compound_name(self, pg: PlannedGrid, rng: random.Random, used: set[str]) -> str:
        base = pg.community.name.removesuffix("社区")
        if pg.street.code == "370215003000" and not base.endswith(("路", "街", "一", "二", "三", "四")) and base not in used:
            used.add(base)
            return base
        for _ in range(50):
            name = rng.choice(catalog.COMPOUND_PREFIXES) + rng.choice(catalog.COMPOUND_SUFFIXES)
            if name not in used:
                used.add(name)
                return name
        name = f"{base}{len(used) + 1}号院"
        used.add(name)
        return name

    def _plan_grid_buildings(self, pg, numbers, used_compounds, village_counters) -> None:
        grid = pg.area
        rng = self.rng(f"buildings:{grid.code}")
        style = catalog.STYLES[pg.style]
        district_name = pg.district.name
        prefix = f"{catalog.CITY}{district_name}"
        target = grid.households_planned
        roads = self._community_roads(pg)
        grid_roads = roads[:1] + rng.sample(roads[1:], 1) if rng.random() < 0.7 else rng.sample(roads, 2)

        # Building shapes until there are enough flats (about 90 % are registered households).
        specs = []
        capacity = 0
        compound = None
        compound_left = 0
        while capacity * 0.9 < target:
            floors = rng.randint(*style["floors"])
            if pg.style in ("new", "compound") and rng.random() < 0.25:
                floors = rng.randint(max(floors, 11), max(floors, 11) + 12)  # a few towers
            entrances = rng.randint(*style["entrances"])
            per_floor = rng.randint(*style["per_floor"])
            if pg.style == "village":
                village = pg.community.name
                village_counters[village] += 1
                k = village_counters[village]
                address = f"{prefix}{pg.street.name}{village}{k}号楼"
                name = f"{village}{k}号楼"
            elif pg.style == "old":
                road = rng.choice(grid_roads)
                key = (pg.district.code, road)
                numbers[key] = numbers.get(key, rng.randint(0, 8)) + rng.randint(1, 4)
                address = f"{prefix}{road}{numbers[key]}号"
                name = f"{road}{numbers[key]}号"
            else:
                if compound_left <= 0:
                    road = rng.choice(grid_roads)
                    key = (pg.district.code, road)
                    numbers[key] = numbers.get(key, rng.randint(0, 20)) + rng.randint(2, 12)
                    compound = (road, numbers[key], self._compound_name(pg, rng, used_compounds[pg.district.code]), 0)
                    compound_left = rng.randint(3, 9)
                road, number, cname, k = compound
                k += 1
                compound = (road, number, cname, k)
                compound_left -= 1
                address = f"{prefix}{road}{number}号{cname}{k}号楼"
                name = f"{cname}{k}号楼"
            specs.append((address, name, floors, entrances, per_floor))
            capacity += floors * entrances * per_floor

        # Which flats are occupied by registered households: ``target`` of them, in room order.
        rooms = []
        for b_index, (_a, _n, floors, entrances, per_floor) in enumerate(specs):
            for e in range(1, entrances + 1):
                for f in range(1, floors + 1):
                    for d in range(1, per_floor + 1):
                        rooms.append((b_index, e, f"{f}{d:02d}"))
        occupied = sorted(rng.sample(range(len(rooms)), target))

        points = geometry.inner_points(rng, pg.polygon_km, len(specs), margin=0.02, min_dist=0.035)
        district6 = pg.district.code[:6]
        buildings = []
        for seq, ((address, name, floors, entrances, per_floor), (x, y)) in enumerate(zip(specs, points), start=1):
            pt = pg.frame.to_lonlat(geometry.Point(x, y))
            b = Building(
                code=f"{grid.code}{seq:03d}", name=name, address=address, address_key=address_key(address),
                lon=round(pt.x, 6), lat=round(pt.y, 6), grid=grid, area_path=grid.path, floors=floors,
                entrances=entrances, households_count=0, built_year=rng.randint(*style["years"]),
            )
            buildings.append(b)
        for index in occupied:
            b_index, entrance, room = rooms[index]
            building = buildings[b_index]
            building.households_count += 1
            hh = self._household(rng, building, entrance, room, district6)
            pg.households.append(hh)
            pg.households_by_building.setdefault(building.code, []).append(hh)
        pg.buildings = buildings

    def _household(self, rng, building, entrance, room, district6) -> Household:
        tags: list[str] = []
        r = rng.random()
        if r < 0.045:
            tags.append(HouseholdTag.ELDERLY_ALONE.value)
            age, size = rng.randint(70, 93), 1
        elif r < 0.07:
            tags.append(HouseholdTag.ELDERLY_PARTY_MEMBER.value)
            age, size = rng.randint(70, 90), rng.choice((1, 2, 2))
        elif r < 0.15:
            tags.append(HouseholdTag.RENTED.value)
            age, size = rng.randint(22, 45), rng.choice((1, 1, 2, 3))
        else:
            age = rng.randint(26, 85)
            size = rng.choices((1, 2, 3, 4, 5), weights=(10, 33, 33, 17, 7))[0]
        if rng.random() < 0.02:
            tags.append(HouseholdTag.LOW_INCOME.value)
        if rng.random() < 0.025:
            tags.append(HouseholdTag.DISABLED.value)
        if rng.random() < 0.01:
            tags.append(HouseholdTag.MILITARY_FAMILY.value)
        gender = "m" if rng.random() < 0.55 else "f"
        birth = names.birth_date(rng, age)
        return Household(
            building=building, area_path=building.area_path, entrance=entrance, room=room, size=size,
            head_name=names.person_name(rng, gender, birth.year), head_phone=self.phones.new(),
            head_id_number=names.id_number(rng, district6, birth, gender), tags=tags,
        )

    def save_buildings(self) -> None:
        buildings = [b for pg in self.plan.grids for b in pg.buildings]
        for b in buildings:
            b.grid_id = b.grid.pk
        Building.objects.bulk_create(buildings, batch_size=1000)
        households = [h for pg in self.plan.grids for h in pg.households]
        for h in households:
            h.building_id = h.building.pk
        batch = 2000
        for start in self.bar(range(0, len(households), batch), desc="save households"):
            Household.objects.bulk_create(households[start:start + batch], batch_size=batch)

    # -- units ---------------------------------------------------------------------------------
    def plan_units(self) -> list[Unit]:
        units: list[Unit] = []
        areas = self.plan.areas
        for d_code in DEMO_DISTRICTS:
            district = areas[d_code]
            rng = self.rng(f"units:{d_code}")
            d, d1 = district.name, district.name.removesuffix("区")
            for suffix, kind, short, template, duties in catalog.DISTRICT_UNITS:
                units.append(Unit(
                    code=f"{d_code}-{suffix}", name=template.format(d=d, d1=d1), short_name=short, kind=kind,
                    area=district, duty_phone=f"0532-8{rng.randrange(10**6, 10**7)}", description=duties,
                ))
            for suffix, short, name, duties in catalog.ENTERPRISES[d_code]:
                units.append(Unit(
                    code=f"{d_code}-{suffix}", name=name, short_name=short, kind=UnitKind.ENTERPRISE, area=district,
                    duty_phone=f"0532-8{rng.randrange(10**6, 10**7)}", description=duties,
                ))
        street_offices = {}
        for area in areas.values():
            if area.kind == AreaKind.STREET:
                district = self.parent_of(area)
                rng = self.rng(f"units:{area.code}")
                unit = Unit(
                    code=f"{area.code}-JDB", name=f"{catalog.CITY}{district.name}人民政府{area.name}办事处",
                    short_name=area.name, kind=UnitKind.STREET_OFFICE, area=area,
                    duty_phone=f"0532-8{rng.randrange(10**6, 10**7)}",
                    description="街道党建引领基层治理指挥分中心：受理、派遣、督办辖区诉求",
                )
                street_offices[area.code] = unit
                units.append(unit)
        for area in areas.values():
            if area.kind == AreaKind.COMMUNITY:
                rng = self.rng(f"units:{area.code}")
                official = self.plan.official[area.code]
                units.append(Unit(
                    code=f"{area.code}-JWH", name=official, short_name=area.name[:20],
                    kind=UnitKind.COMMUNITY_OFFICE, area=area, parent=street_offices[self.parent_of(area).code],
                    duty_phone=f"0532-8{rng.randrange(10**6, 10**7)}",
                    description="社区（村）党组织和居（村）民委员会：网格事项统筹、四方议事",
                ))
        self.units = units
        return units

    def save_units(self) -> None:
        for kind_pass in (False, True):
            batch = [u for u in self.units if (u.parent is not None) == kind_pass]
            for u in batch:
                u.area_id = u.area.pk
                u.parent_id = u.parent.pk if u.parent else None
            Unit.objects.bulk_create(batch)

    # -- responsibility list -------------------------------------------------------------------
    def save_responsibilities(self) -> None:
        """Every category routes somewhere in every demo grid: each street's office is its default,
        the community office takes the grid matters (基层治理), and district departments and
        utilities take their categories (catalog.DISTRICT_RESPONSIBILITIES)."""
        from civicgrid.workorders.catalogue import load_default_catalogue
        from civicgrid.workorders.models import Category, Responsibility

        if not Category.objects.exists():
            load_default_catalogue()
        categories = dict(Category.objects.filter(
            code__in=[*catalog.DISTRICT_RESPONSIBILITIES, catalog.COMMUNITY_CATEGORY]).values_list("code", "pk"))
        units = {u.code: u for u in self.units}
        rules = []
        for area in self.plan.areas.values():
            if area.kind == AreaKind.DISTRICT:
                for code, suffix in catalog.DISTRICT_RESPONSIBILITIES.items():
                    if code in categories and f"{area.code}-{suffix}" in units:
                        rules.append(Responsibility(category_id=categories[code], area=area, area_path=area.path,
                                                    unit=units[f"{area.code}-{suffix}"], level="district"))
            elif area.kind == AreaKind.STREET:
                rules.append(Responsibility(category=None, area=area, area_path=area.path,
                                            unit=units[f"{area.code}-JDB"], level="street"))
            elif area.kind == AreaKind.COMMUNITY and catalog.COMMUNITY_CATEGORY in categories:
                rules.append(Responsibility(category_id=categories[catalog.COMMUNITY_CATEGORY], area=area,
                                            area_path=area.path, unit=units[f"{area.code}-JWH"], level="community"))
        for rule in rules:
            rule.area_id, rule.unit_id = rule.area.pk, rule.unit.pk
        Responsibility.objects.bulk_create(rules, batch_size=1000)

    # -- people --------------------------------------------------------------------------------
    def new_user(self, username: str, rng: random.Random, *, real_name: str | None = None, phone: str | None = None,
                 party: bool = False, age: tuple[int, int] = (26, 55)) -> User:
        if real_name is None:
            gender = "m" if rng.random() < 0.5 else "f"
            real_name = names.person_name(rng, gender, names.REFERENCE_DATE.year - rng.randint(*age))
        user = User(
            username=username, real_name=real_name, phone=phone or self.phones.new(), is_demo=True,
            is_party_member=party, password=make_password(None),
        )
        self.users.append(user)
        return user

    def grant(self, user: User, role: str, *, area: Area | None = None, unit: Unit | None = None, title: str = "") -> None:
        self.memberships.append(Membership(user=user, role=role, area=area, unit=unit, title=title))
        self.user_roles[user.username].add(str(role))

    def plan_people(self) -> None:
        areas = self.plan.areas
        units_by_code = {u.code: u for u in self.units}
        self.demo_names: dict[str, str] = {}  # generated username → demo username
        self.team: list[GridTeamMember] = []
        self.list_items: list[GridListItem] = []
        self.branches: list[PartyBranch] = []
        self.leaders: list[BuildingLeader] = []
        self.baolian: list[BaolianAssignment] = []
        self.residents: list[tuple[Household, User]] = []

        # District level: command center, 包联 leaders, hotline, department handlers.
        for d_code in DEMO_DISTRICTS:
            district = areas[d_code]
            rng = self.rng(f"people:{d_code}")
            for i in (1, 2):
                u = self.new_user(self.demo_or("district", d_code == DEMO_DISTRICTS[0] and i == 1, f"cmd_{d_code[:6]}_{i}"), rng)
                self.grant(u, Role.DISTRICT_COMMANDER, area=district, title="区指挥中心值班长" if i == 1 else "区指挥中心调度员")
            for i in (1, 2):
                u = self.new_user(f"hl_{d_code[:6]}_{i}", rng, age=(22, 40))
                self.grant(u, Role.HOTLINE_OPERATOR, area=district, title="12345 热线话务员")
            for street in (a for a in areas.values() if a.kind == AreaKind.STREET and self.parent_of(a) is district):
                u = self.new_user(f"dc_{street.code[:9]}", rng, party=True, age=(42, 58))
                self.grant(u, Role.DISTRICT_COMMANDER, area=district, title=f"区级包联领导（{street.name}）")
                self.baolian.append(BaolianAssignment(cadre=u, level=BaolianLevel.STREET, area=street,
                                                      area_path=street.path, note="区级干部包街道"))
            for unit in (u for u in self.units if u.area is district and u.kind in (UnitKind.DEPARTMENT, UnitKind.ENTERPRISE)):
                for i in (1, 2):
                    is_demo = unit.code == f"{DEMO_DISTRICTS[0]}-CGJ" and i == 1
                    username = self.demo_or("dept", is_demo, f"dh_{unit.code[:6]}_{unit.code.split('-')[1].lower()}_{i}")
                    u = self.new_user(username, rng)
                    self.grant(u, Role.DEPARTMENT_HANDLER, unit=unit, title=f"{unit.short_name}承办人")
        rng = self.rng("people:hotline")
        hotline = self.new_user("hotline", rng, age=(22, 40))
        for d_code in DEMO_DISTRICTS:
            self.grant(hotline, Role.HOTLINE_OPERATOR, area=areas[d_code], title="12345 热线话务员")
        self.demo_logins.append(("hotline", "hotline_operator", "市北区, 即墨区"))

        # Streets: dispatchers of the command sub-center; one cadre per community sunk into its grids.
        grids_by_community = defaultdict(list)
        for pg in self.plan.grids:
            grids_by_community[pg.community.code].append(pg)
        for street in (a for a in areas.values() if a.kind == AreaKind.STREET):
            rng = self.rng(f"people:{street.code}")
            for i in (1, 2):
                is_demo = street.code == "370203020000" and i == 1
                u = self.new_user(self.demo_or("street", is_demo, f"disp_{street.code[:9]}_{i}"), rng)
                self.grant(u, Role.STREET_DISPATCHER, area=street, title="街道指挥分中心调度员")

        communities = [a for a in areas.values() if a.kind == AreaKind.COMMUNITY]
        for community in self.bar(communities, desc="people"):
            self._plan_community(community, grids_by_community[community.code], units_by_code)

        # Administrator for the Django admin.
        admin = self.new_user("admin", self.rng("people:admin"))
        admin.is_superuser = admin.is_staff = True
        self.grant(admin, Role.ADMIN, title="系统管理员")
        self.demo_logins.append(("admin", "admin (superuser)", "全部"))

    def parent_of(self, area: Area) -> Area:
        """The planned parent (after bulk_create the cached ``area.parent`` may be a fresh copy)."""
        return self.plan.areas[area.ancestor_codes[-1]]

    def demo_or(self, demo_name: str, is_demo: bool, generated: str) -> str:
        if not is_demo:
            return generated
        return demo_name

    def _plan_community(self, community: Area, grids: list[PlannedGrid], units_by_code) -> None:
        rng = self.rng(f"people:{community.code}")
        street = self.parent_of(community)
        secretary = self.new_user(f"sec_{community.code}", rng, party=True, age=(35, 58))
        self.grant(secretary, Role.COMMUNITY_SECRETARY, area=community, title="社区党委书记、居委会主任")
        staff = []
        for i in range(1, rng.randint(2, 4) + 1):
            is_demo = community.code == FIRST_COMMUNITY and i == 1
            u = self.new_user(self.demo_or("community", is_demo, f"cs_{community.code}_{i}"), rng, party=rng.random() < 0.5)
            self.grant(u, Role.COMMUNITY_STAFF, area=community, title="社区工作者")
            staff.append(u)
        sunk = self.new_user(f"sk_{community.code}", rng, party=True, age=(28, 50))
        self.baolian.append(BaolianAssignment(cadre=sunk, level=BaolianLevel.COMMUNITY, area=community,
                                              area_path=community.path, note="街道干部包社区"))
        for index, pg in enumerate(grids):
            self.grant(sunk, Role.GRID_WORKER, area=pg.area, title=f"街道下沉网格员（{street.name}）")
            self._plan_grid(pg, staff[index % len(staff)], sunk, secretary)

    def _plan_grid(self, pg: PlannedGrid, liaison: User, sunk: User, secretary: User) -> None:
        grid = pg.area
        rng = self.rng(f"people:{grid.code}")
        first_grid = grid.code == f"{FIRST_COMMUNITY}001"
        worker = self.new_user(self.demo_or("grid", first_grid, f"gw_{grid.code}"), rng, age=(25, 45))
        self.grant(worker, Role.GRID_WORKER, area=grid, title="专职网格员")
        leader = self.new_user(f"gl_{grid.code}", rng, party=True, age=(35, 62))
        self.grant(leader, Role.GRID_LEADER, area=grid, title="网格长、网格党支部书记")
        welfare = self.new_user(f"gy_{grid.code}", rng, age=(40, 60))
        self.grant(welfare, Role.VOLUNTEER, area=grid, title="公益岗")
        for position, user in (
            (TeamPosition.STREET_SUNK, sunk), (TeamPosition.COMMUNITY_LIAISON, liaison),
            (TeamPosition.PARTY_SECRETARY, leader), (TeamPosition.GRID_WORKER, worker),
            (TeamPosition.PUBLIC_WELFARE, welfare),
        ):
            self.team.append(GridTeamMember(grid=grid, area_path=grid.path, position=position, user=user,
                                            work_phone=user.phone))

        households = pg.households
        free = [i for i, h in enumerate(households) if not h.tags]
        rng.shuffle(free)
        taken: set[int] = set()

        def citizen(username: str, *, party: bool = False, index: int | None = None) -> tuple[User, Household]:
            if index is None:
                while free and free[-1] in taken:
                    free.pop()
                index = free.pop()
            taken.add(index)
            hh = households[index]
            user = self.new_user(username, rng, real_name=hh.head_name, phone=hh.head_phone, party=party)
            self.residents.append((hh, user))
            return user, hh

        party_members = []
        for i in range(1, rng.randint(3, 6) + 1):
            u, _hh = citizen(f"pm_{grid.code}_{i}", party=True)
            self.grant(u, Role.PARTY_MEMBER, area=grid, title="在职党员" if i % 2 else "退休党员")
            party_members.append(u)
        for i in range(1, rng.randint(2, 4) + 1):
            u, _hh = citizen(f"vol_{grid.code}_{i}")
            self.grant(u, Role.VOLUNTEER, area=grid, title="红邻里志愿者")
        for i in range(1, rng.randint(5, 8) + 1):
            is_demo = first_grid and i == 1
            u, hh = citizen(self.demo_or("resident", is_demo, f"res_{grid.code}_{i}"))
            self.grant(u, Role.RESIDENT, area=grid, title="居民")
            if is_demo:
                self.demo_logins.append(("resident", "resident", f"{grid.name}，{hh.building.address} {hh.entrance}单元{hh.room}室"))

        # Building leaders (楼长), about a third of them party members (先锋楼长); 包联 of buildings.
        pioneers = 0
        index_of = {id(h): i for i, h in enumerate(households)}
        for building in pg.buildings:
            in_building = [index_of[id(h)] for h in pg.households_by_building.get(building.code, [])]
            candidates = [i for i in in_building if i not in taken and not households[i].tags]
            if candidates:
                pioneer = rng.random() < 0.35
                u, _hh = citizen(f"bl_{building.code}", party=pioneer, index=rng.choice(candidates))
                self.grant(u, Role.RESIDENT, area=grid, title="先锋楼长" if pioneer else "楼长")
                if pioneer:
                    self.grant(u, Role.PARTY_MEMBER, area=grid, title="党员先锋楼长")
                    pioneers += 1
                self.leaders.append(BuildingLeader(building=building, user=u, area_path=grid.path, is_pioneer=pioneer))
            self.baolian.append(BaolianAssignment(cadre=liaison, level=BaolianLevel.BUILDING, building=building,
                                                  area_path=grid.path, note="社区干部包楼"))

        # Party members answer for the households that need care (党员干部包户).
        carers = [leader, *party_members]
        care = [h for h in households if set(h.tags) & {"elderly_alone", "low_income", "disabled", "elderly_party_member"}]
        for i, hh in enumerate(care):
            self.baolian.append(BaolianAssignment(cadre=carers[i % len(carers)], level=BaolianLevel.HOUSEHOLD,
                                                  household=hh, area_path=grid.path, note="党员干部包户"))

        elderly_party = sum(1 for h in households if "elderly_party_member" in h.tags)
        self.branches.append(PartyBranch(
            grid=grid, name=f"{pg.community.name}{grid.name.removeprefix(pg.community.name.removesuffix('社区'))}党支部",
            secretary=leader, members_count=1 + len(party_members) + pioneers + elderly_party + rng.randint(3, 12),
        ))
        self._plan_lists(pg, rng, worker, leader, liaison, sunk, welfare, households, len(pg.buildings), pioneers)
        if first_grid:
            self.demo_logins.append(("grid", "grid_worker", grid.name))

    def _plan_lists(self, pg, rng, worker, leader, liaison, sunk, welfare, households, n_buildings, pioneers) -> None:
        grid, community = pg.area, pg.community
        items = []
        resources = rng.sample(catalog.RESOURCES[1:], 5)
        resources.insert(0, catalog.RESOURCES[0])
        for title, detail in resources:
            if title.startswith("社区"):
                title = f"{community.name}{title.removeprefix('社区')}"
            items.append((GridListKind.RESOURCES, title, detail, liaison.phone if "社区" in title else worker.phone))
        matters = catalog.MATTERS[:2] + rng.sample(catalog.MATTERS[2:], 4)
        for title, detail in matters:
            items.append((GridListKind.MATTERS, title, detail, worker.phone))
        counts = Counter(t for h in households for t in h.tags)
        people = [
            ("网格员", f"{worker.real_name}，负责全网格 {n_buildings} 栋楼 {len(households)} 户", worker.phone),
            ("网格党支部书记（网格长）", leader.real_name, leader.phone),
            ("社区联系网格员", liaison.real_name, liaison.phone),
            ("街道下沉网格员", sunk.real_name, sunk.phone),
            ("公益岗", welfare.real_name, welfare.phone),
            ("楼长", f"{n_buildings} 名，其中党员先锋楼长 {pioneers} 名", ""),
            ("独居老人", f"{counts['elderly_alone']} 户，每周探访", worker.phone),
            ("低保及低收入家庭", f"{counts['low_income']} 户", worker.phone),
            ("残疾人家庭", f"{counts['disabled']} 户", worker.phone),
            ("老党员", f"{counts['elderly_party_member']} 户，结对关怀", leader.phone),
        ]
        for title, detail, contact in people:
            items.append((GridListKind.PEOPLE, title, detail, contact))
        owner = {"网格员": worker, "网格党组织书记": leader, "街道下沉网格员": sunk, "社区联系网格员": liaison, "公益岗": welfare}
        for title, detail in catalog.DUTIES:
            items.append((GridListKind.DUTIES, title, detail, owner[title].phone if title in owner else ""))
        position = Counter()
        for kind, title, detail, contact in items:
            position[kind] += 1
            self.list_items.append(GridListItem(grid=grid, area_path=grid.path, list_kind=kind, title=title[:100],
                                                detail=detail, contact=contact, position=position[kind]))

    def save_people(self) -> None:
        demo_users = {"district", "street", "community", "grid", "dept", "hotline", "resident", "admin"}
        for user in self.users:
            if user.username in demo_users:
                user.set_password(DEMO_PASSWORD)  # bypasses the validators on purpose: demo mode only
        bar = self.bar(total=9, desc="save people")
        User.objects.bulk_create(self.users, batch_size=1000)
        bar.update()
        for m in self.memberships:
            m.user_id = m.user.pk
            m.area_id = m.area.pk if m.area else None
            m.unit_id = m.unit.pk if m.unit else None
        Membership.objects.bulk_create(self.memberships, batch_size=1000)
        bar.update()
        for t in self.team:
            t.grid_id, t.user_id = t.grid.pk, t.user.pk
        GridTeamMember.objects.bulk_create(self.team, batch_size=1000)
        bar.update()
        for item in self.list_items:
            item.grid_id = item.grid.pk
        GridListItem.objects.bulk_create(self.list_items, batch_size=1000)
        bar.update()
        for b in self.branches:
            b.grid_id, b.secretary_id = b.grid.pk, b.secretary.pk
        PartyBranch.objects.bulk_create(self.branches, batch_size=1000)
        bar.update()
        for bl in self.leaders:
            bl.building_id, bl.user_id = bl.building.pk, bl.user.pk
        BuildingLeader.objects.bulk_create(self.leaders, batch_size=1000)
        bar.update()
        for a in self.baolian:
            a.cadre_id = a.cadre.pk
            a.area_id = a.area.pk if a.area else None
            a.building_id = a.building.pk if a.building else None
            a.household_id = a.household.pk if a.household else None
        BaolianAssignment.objects.bulk_create(self.baolian, batch_size=1000)
        bar.update()
        through = Household.residents.through
        through.objects.bulk_create(
            [through(household_id=h.pk, user_id=u.pk) for h, u in self.residents], batch_size=2000
        )
        bar.update(2)
        bar.close()

    # -- run -----------------------------------------------------------------------------------
    def run(self, reset: bool = False) -> dict:
        check_mode()
        started = time.monotonic()
        with transaction.atomic():
            deleted = {}
            if reset:
                deleted = delete_demo_data()
            # Without --reset any area at all refuses the build; with it, the demo subtrees are gone
            # and other districts' areas (which never share the demo's codes) may stay.
            if not reset and Area.objects.exists():
                raise DemoRefused(
                    "The database already has areas; refusing to build the demo over them. "
                    "Use --reset to delete the demo data first (数据库中已有区域数据，如需重建请加 --reset)."
                )
            stages = [
                ("areas", self.plan_areas), ("save areas", self.save_areas),
                ("buildings", self.plan_buildings), ("save buildings", self.save_buildings),
                ("units", self.plan_units), ("save units", self.save_units),
                ("responsibilities", self.save_responsibilities),
                ("people", self.plan_people), ("save people", self.save_people),
            ]
            for label, step in stages:
                t0 = time.monotonic()
                if self.progress and label in ("units", "save units"):
                    print(f"· {label} …", file=self.out, flush=True)
                step()
                self.timings[label] = round(time.monotonic() - t0, 2)
            if self.orders:
                t0 = time.monotonic()
                if self.progress:
                    print(f"· work orders ({self.orders}) …", file=self.out, flush=True)
                # Intake locates in the areas just written (not yet committed): drop this process's caches.
                invalidate_local_index()
                addressbook.forget()
                self.order_counts = build_orders(count=self.orders, seed=self.seed)
                self.timings["orders"] = round(time.monotonic() - t0, 2)
                t0 = time.monotonic()
                self.order_counts["classifier"] = train_demo_classifier()
                self.timings["classifier"] = round(time.monotonic() - t0, 2)
                t0 = time.monotonic()
                # The daily hotspot scan, once now, so the command center shows its findings at once.
                from civicgrid.proactive.tasks import scan_job

                self.order_counts["findings"] = sum(scan_job().findings.values())
                self.timings["hotspot scan"] = round(time.monotonic() - t0, 2)
            for label, module in app_demo_modules():
                t0 = time.monotonic()
                if self.progress:
                    print(f"· {label} …", file=self.out, flush=True)
                self.order_counts = getattr(self, "order_counts", {"orders": 0})
                self.order_counts[label] = module.seed(self)
                self.timings[label] = round(time.monotonic() - t0, 2)
            counts = summary_counts()
            counts["orders"] = getattr(self, "order_counts", {"orders": 0})
            bump_version()
            record_event(
                actor=None, action="demo.build",
                changes={"seed": self.seed, "scale": self.scale, "counts": counts, "reset": deleted},
            )
        self.timings["total"] = round(time.monotonic() - started, 2)
        return {"counts": counts, "logins": self.sorted_logins(), "seconds": self.timings["total"],
                "timings": self.timings, "deleted": deleted}

    def sorted_logins(self) -> list[tuple[str, str, str]]:
        order = ["district", "street", "community", "grid", "dept", "hotline", "resident", "volunteer", "admin"]
        known = {name: (name, role, where) for name, role, where in self.demo_logins}
        areas = self.plan.areas
        known.setdefault("district", ("district", "district_commander", areas[DEMO_DISTRICTS[0]].name))
        known.setdefault("street", ("street", "street_dispatcher", areas["370203020000"].name))
        known.setdefault("community", ("community", "community_staff", areas[FIRST_COMMUNITY].name))
        known.setdefault("dept", ("dept", "department_handler", f"{areas[DEMO_DISTRICTS[0]].name} 城市管理局"))
        return [known[n] for n in order if n in known]


def train_demo_classifier() -> int | None:
    """A first classifier version trained on the demo's own closed orders and made active, as a
    district would do after its first months (``civicgrid classify train --from-orders``), so intake
    shows the model's suggestions. Returns the version number, or None when there is too little."""
    from civicgrid.classify import services as classify_services
    from civicgrid.classify.selectors import training_data_from_orders

    data, names = training_data_from_orders("", 3)
    try:
        result = classify_services.train_version(actor=None, data=data, level=3, names=names, activate=True)
    except classify_services.ClassifyError:
        return None
    return result.version.number


def check_mode() -> None:
    if settings.MODE not in ALLOWED_MODES:
        raise DemoRefused(
            f"The demo can only be built in demo, dev or test mode (CIVICGRID_MODE is {settings.MODE!r}); "
            "演示数据只能在 demo/dev/test 模式下生成。"
        )


def build(*, seed: int = DEFAULT_SEED, scale: str = "full", reset: bool = False, progress: bool = False, out=None,
          orders: int | None = None) -> dict:
    return Builder(seed=seed, scale=scale, progress=progress, out=out, orders=orders).run(reset=reset)


def delete_demo_data() -> dict[str, int]:
    """Delete the demo areas (the two demo districts' subtrees), everything hanging on them and all
    demo user accounts. Other apps' rows that protect these areas make this fail (and roll back)."""
    check_mode()
    area_q = Q()
    for code in DEMO_DISTRICTS:
        area_q |= Q(path__startswith=path_for(code, None))
    areas = Area.objects.filter(area_q)
    paths = list(areas.filter(kind=AreaKind.DISTRICT).values_list("path", flat=True))

    def under(field: str) -> Q:
        q = Q(pk__in=[])
        for p in paths:
            q |= Q(**{f"{field}__startswith": p})
        return q

    demo_users = User.objects.filter(is_demo=True)
    deleted: dict[str, int] = {}

    def drop(label: str, qs) -> None:
        count, _ = qs.delete()
        deleted[label] = count

    _drop_demo_activity(under, areas, demo_users, drop)
    drop("household residents", Household.residents.through.objects.filter(
        Q(household__in=Household.objects.filter(under("area_path"))) | Q(user__in=demo_users)))
    drop("baolian", BaolianAssignment.objects.filter(under("area_path") | Q(cadre__in=demo_users)))
    drop("grid list items", GridListItem.objects.filter(under("area_path")))
    drop("grid team", GridTeamMember.objects.filter(under("area_path") | Q(user__in=demo_users)))
    drop("party branches", PartyBranch.objects.filter(grid__in=areas))
    drop("building leaders", BuildingLeader.objects.filter(under("area_path") | Q(user__in=demo_users)))
    drop("memberships", Membership.objects.filter(Q(area__in=areas) | Q(unit__area__in=areas) | Q(user__in=demo_users)))
    drop("households", Household.objects.filter(under("area_path")))
    drop("buildings", Building.objects.filter(under("area_path")))
    from civicgrid.workorders.models import Responsibility

    drop("responsibilities", Responsibility.objects.filter(Q(area__in=areas) | Q(unit__area__in=areas)))
    drop("units", Unit.objects.filter(area__in=areas, parent__isnull=False))
    deleted["units"] += Unit.objects.filter(area__in=areas).delete()[0]
    n_areas = 0
    for depth in (3, 2, 1, 0):
        n_areas += Area.objects.filter(area_q, depth=depth).delete()[0]
    deleted["areas"] = n_areas
    deleted["users"] = _delete_users(demo_users)
    return {k: v for k, v in deleted.items() if v}


def _delete_users(users) -> int:
    """Delete the demo accounts but leave the append-only audit log as written: its actor column
    has no database constraint and each row keeps the actor's name, whereas the SET_NULL Django
    would run on it is an UPDATE the log refuses (a demo someone signed in to could not be reset)."""
    from django.db.models.deletion import Collector

    from civicgrid.core.models import AuditEvent

    collector = Collector(using=users.db, origin=users)
    collector.collect(users)
    collector.field_updates = {key: objs for key, objs in collector.field_updates.items()
                               if key[0].model is not AuditEvent}
    return collector.delete()[1].get(User._meta.label, 0)


def app_demo_modules() -> list[tuple[str, object]]:
    """Each installed app may add to the demo with a ``demo_seed`` module: ``seed(builder)`` runs
    after the work orders (inside the build's transaction) and returns counts for the summary;
    ``delete(under, areas, demo_users, drop)`` removes its rows before the areas they hang on.
    Apps run in INSTALLED_APPS order, seeding forwards and deleting backwards."""
    from importlib import import_module

    from django.apps import apps
    from django.utils.module_loading import module_has_submodule

    found = []
    for config in apps.get_app_configs():
        if config.name.startswith("civicgrid.") and module_has_submodule(config.module, "demo_seed"):
            found.append((config.label, import_module(f"{config.name}.demo_seed")))
    return found


def _drop_demo_activity(under, areas, demo_users, drop) -> None:
    """Work orders, field work and notices in the demo areas go before the areas they protect."""
    from django.apps import apps

    for _label, module in reversed(app_demo_modules()):
        if hasattr(module, "delete"):
            module.delete(under, areas, demo_users, drop)
    from civicgrid.workorders.models import Appeal, WorkOrder

    if apps.is_installed("civicgrid.fieldwork"):
        Visit, Patrol = apps.get_model("fieldwork", "Visit"), apps.get_model("fieldwork", "Patrol")
        drop("visits", Visit.objects.filter(Q(grid__in=areas) | Q(worker__in=demo_users)))
        drop("patrols", Patrol.objects.filter(Q(grid__in=areas) | Q(worker__in=demo_users)))
    if apps.is_installed("civicgrid.portal"):
        drop("notices", apps.get_model("portal", "Notice").objects.filter(area__in=areas))
    orders = WorkOrder.objects.filter(under("area_path"))
    WorkOrder.objects.filter(merged_into__in=orders).update(merged_into=None)
    orders.update(merged_into=None)
    drop("appeals", Appeal.objects.filter(order__in=orders))
    drop("work orders", orders)
    from civicgrid.dashboard import rollups

    rollups.rebuild()


def summary_counts() -> dict:
    kinds = Counter(Area.objects.values_list("kind", flat=True))
    roles = {}
    for role in Role:
        n = Membership.objects.filter(role=role).values("user").distinct().count()
        if n:
            roles[str(role)] = n
    return {
        "districts": kinds.get(AreaKind.DISTRICT, 0),
        "streets": kinds.get(AreaKind.STREET, 0),
        "communities": kinds.get(AreaKind.COMMUNITY, 0),
        "grids": kinds.get(AreaKind.GRID, 0),
        "buildings": Building.objects.count(),
        "households": Household.objects.count(),
        "units": dict(sorted(Counter(Unit.objects.values_list("kind", flat=True)).items())),
        "users": User.objects.count(),
        "users_by_role": roles,
        "grid_team_members": GridTeamMember.objects.count(),
        "grid_list_items": GridListItem.objects.count(),
        "party_branches": PartyBranch.objects.count(),
        "building_leaders": BuildingLeader.objects.count(),
        "baolian": dict(sorted(Counter(BaolianAssignment.objects.values_list("level", flat=True)).items())),
    }


def demo_digest() -> str:
    """SHA-256 of everything the demo defines (no primary keys, timestamps or password hashes)."""
    h = hashlib.sha256()

    def feed(label, rows):
        h.update(label.encode())
        for row in rows:
            h.update(json.dumps(row, ensure_ascii=False, sort_keys=True, default=str).encode())

    feed("areas", Area.objects.order_by("code").values_list(
        "code", "name", "kind", "parent__code", "path", "depth", "boundary", "centroid_lon", "centroid_lat",
        "households_planned", "description"))
    feed("buildings", Building.objects.order_by("code").values_list(
        "code", "name", "address", "address_key", "lon", "lat", "grid__code", "area_path", "floors", "entrances",
        "households_count", "built_year"))
    feed("households", Household.objects.order_by("building__code", "entrance", "room").values_list(
        "building__code", "entrance", "room", "size", "head_name", "head_phone", "head_id_number", "tags", "area_path"))
    feed("units", Unit.objects.order_by("code").values_list(
        "code", "name", "short_name", "kind", "area__code", "parent__code", "duty_phone"))
    feed("users", User.objects.order_by("username").values_list(
        "username", "real_name", "phone", "is_demo", "is_party_member", "is_staff", "is_superuser"))
    feed("memberships", Membership.objects.order_by("user__username", "role", "area__code", "unit__code").values_list(
        "user__username", "role", "area__code", "unit__code", "title"))
    feed("team", GridTeamMember.objects.order_by("grid__code", "position").values_list(
        "grid__code", "position", "user__username", "work_phone"))
    feed("lists", GridListItem.objects.order_by("grid__code", "list_kind", "position").values_list(
        "grid__code", "list_kind", "position", "title", "detail", "contact"))
    feed("branches", PartyBranch.objects.order_by("grid__code").values_list(
        "grid__code", "name", "secretary__username", "members_count"))
    feed("leaders", BuildingLeader.objects.order_by("building__code", "user__username").values_list(
        "building__code", "user__username", "is_pioneer"))
    feed("baolian", BaolianAssignment.objects.order_by(
        "cadre__username", "level", "area__code", "building__code", "household__building__code",
        "household__entrance", "household__room").values_list(
        "cadre__username", "level", "area__code", "building__code", "household__building__code",
        "household__entrance", "household__room", "area_path"))
    from civicgrid.workorders.models import Responsibility

    feed("responsibilities", Responsibility.objects.order_by("area__code", "category__code").values_list(
        "area__code", "category__code", "unit__code", "level", "area_path"))
    feed("residents", Household.residents.through.objects.order_by(
        "user__username").values_list("user__username", "household__building__code", "household__room"))
    return h.hexdigest()
