"""The demo jurisdiction, built once at --scale small for the whole class."""

from __future__ import annotations

import io
import re
from collections import Counter

from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db.models import Count, Sum
from django.test import RequestFactory, TestCase, override_settings
from shapely.geometry import Point, shape

from civicgrid.geo.services import address_key
from civicgrid.core.models import AuditEvent
from civicgrid.demo import builder, catalog, names
from civicgrid.geo.models import Area, Building, Household
from civicgrid.geo.paths import depth_of, path_for
from civicgrid.people.models import (
    BaolianAssignment,
    BuildingLeader,
    GridListItem,
    GridListKind,
    GridTeamMember,
    Membership,
    PartyBranch,
    Role,
    TeamPosition,
    Unit,
    User,
)

# About 1 cm at Qingdao's latitude: the coordinates are rounded to 7 decimals.
TOLERANCE_DEG = 2e-7

DEMO_USERS = {
    "district": (Role.DISTRICT_COMMANDER, "370203000000"),
    "street": (Role.STREET_DISPATCHER, "370203020000"),
    "community": (Role.COMMUNITY_STAFF, "370203020009"),
    "grid": (Role.GRID_WORKER, "370203020009001"),
    "hotline": (Role.HOTLINE_OPERATOR, "370203000000"),
    "resident": (Role.RESIDENT, "370203020009001"),
}


def run_demo(*args) -> str:
    out = io.StringIO()
    call_command("demo", "--scale", "small", "--no-progress", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


class DemoBuildTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.output = run_demo()
        cls.digest = builder.demo_digest()

    # --- the tree ----------------------------------------------------------------------------
    def test_small_scale_tree(self):
        kinds = Counter(Area.objects.values_list("kind", flat=True))
        self.assertEqual(kinds, {"district": 2, "street": 3, "community": 3, "grid": 6})
        names_by_code = dict(Area.objects.values_list("code", "name"))
        self.assertEqual(names_by_code["370203000000"], "市北区")
        self.assertEqual(names_by_code["370203020000"], "即墨路街道")
        self.assertEqual(names_by_code["370203020009"], "恩县路社区")
        self.assertEqual(names_by_code["370203028013"], "上四方社区")
        self.assertEqual(names_by_code["370215003000"], "通济街道")
        self.assertEqual(names_by_code["370203020009001"], "恩县路第一网格")
        for area in Area.objects.select_related("parent"):
            self.assertEqual(area.path, path_for(area.code, area.parent.path if area.parent else None))
            self.assertEqual(area.depth, depth_of(area.path))
            self.assertEqual(len(area.code), 15 if area.kind == "grid" else 12)
            if area.parent:
                self.assertTrue(area.code.startswith(area.parent.code[: {1: 6, 2: 9, 3: 12}[area.depth]]))

    def test_display_names_strip_the_committee_suffix(self):
        self.assertEqual(catalog.display_name("恩县路社区居委会"), "恩县路社区")
        self.assertEqual(catalog.display_name("新兴一区社区居民委员会"), "新兴一区社区")
        self.assertEqual(catalog.display_name("八里庄村村民委员会"), "八里庄村")
        self.assertEqual(catalog.display_name("西北关村民委员会"), "西北关村")
        divisions = catalog.load_divisions()
        self.assertEqual(len(divisions["370203020000"].children), 7)
        self.assertEqual(len(divisions["370203028000"].children), 10)
        self.assertIn("370215003200", {c.code for c in divisions["370215003000"].children})
        self.assertTrue(divisions["370215003200"].is_village)

    def test_boundaries_nest_and_do_not_overlap(self):
        areas = list(Area.objects.all())
        geoms = {a.pk: shape(a.boundary) for a in areas}
        children = {}
        for a in areas:
            g = geoms[a.pk]
            self.assertTrue(g.is_valid, a)
            self.assertEqual(g.geom_type, "Polygon")
            self.assertTrue(g.exterior.is_ccw)  # RFC 7946
            self.assertAlmostEqual(g.centroid.x, a.centroid_lon, places=6)
            self.assertAlmostEqual(g.centroid.y, a.centroid_lat, places=6)
            if a.parent_id:
                children.setdefault(a.parent_id, []).append(a)
        for parent_id, kids in children.items():
            parent = geoms[parent_id]
            self.assertTrue(all(parent.buffer(TOLERANCE_DEG).contains(geoms[k.pk]) for k in kids))
            # The children tile the parent: their areas add up and no two overlap.
            total = sum(geoms[k.pk].area for k in kids)
            self.assertAlmostEqual(total / parent.area, 1.0, places=4)
            for i, a in enumerate(kids):
                for b in kids[i + 1:]:
                    overlap = geoms[a.pk].intersection(geoms[b.pk]).area
                    self.assertLess(overlap, 1e-6 * min(geoms[a.pk].area, geoms[b.pk].area), (a, b))

    def test_places_are_near_the_real_ones(self):
        shibei = Area.objects.get(code="370203000000")
        tongji = Area.objects.get(code="370215003000")
        self.assertAlmostEqual(shibei.centroid_lon, 120.35, delta=0.03)
        self.assertAlmostEqual(shibei.centroid_lat, 36.09, delta=0.03)
        self.assertAlmostEqual(tongji.centroid_lon, 120.45, delta=0.03)
        self.assertAlmostEqual(tongji.centroid_lat, 36.39, delta=0.03)

    # --- buildings and households ---------------------------------------------------------------
    def test_households_per_grid(self):
        for grid in Area.objects.filter(kind="grid"):
            n = Household.objects.filter(area_path=grid.path).count()
            self.assertTrue(300 <= n <= 500, (grid, n))
            self.assertEqual(n, grid.households_planned)
            self.assertEqual(Building.objects.filter(grid=grid).aggregate(s=Sum("households_count"))["s"], n)
        community = Area.objects.get(code="370203020009")
        self.assertEqual(community.households_planned, Household.objects.filter(area_path__startswith=community.path).count())

    def test_buildings_inside_their_grid_with_addresses(self):
        grids = {g.pk: (g, shape(g.boundary)) for g in Area.objects.filter(kind="grid")}
        addresses = set()
        for b in Building.objects.all():
            grid, polygon = grids[b.grid_id]
            self.assertTrue(polygon.contains(Point(b.lon, b.lat)), b)
            self.assertEqual(b.area_path, grid.path)
            self.assertTrue(b.address.startswith(("青岛市市北区", "青岛市即墨区")), b.address)
            self.assertEqual(b.address_key, address_key(b.address))
            self.assertNotIn(b.address, addresses)
            addresses.add(b.address)
            counts = Counter(Household.objects.filter(building=b).values_list("entrance", flat=True))
            self.assertLessEqual(max(counts, default=1), b.entrances)
        self.assertTrue(Building.objects.filter(address__regex=r"^青岛市市北区(恩县路|.+路)\d+号$").exists())
        self.assertEqual(address_key("青岛市 市北区，恩县路１２号"), "青岛市市北区恩县路12号")

    def test_household_personal_data(self):
        phone = re.compile(r"^1[3-9]\d{9}$")
        households = list(Household.objects.all())
        for h in households:
            self.assertRegex(h.head_phone, phone)
            self.assertEqual(len(h.head_id_number), 18)
            self.assertEqual(h.head_id_number[-1], names.id_checksum(h.head_id_number[:17]))
            self.assertRegex(h.room, r"^\d{3,4}$")
            self.assertTrue(2 <= len(h.head_name) <= 4)
        tags = Counter(t for h in households for t in h.tags)
        for tag in ("elderly_alone", "low_income", "disabled", "elderly_party_member"):
            self.assertGreater(tags[tag], 0, tag)
        self.assertEqual(len({h.head_phone for h in households}), len(households))

    # --- units and people -----------------------------------------------------------------------
    def test_units(self):
        short = set(Unit.objects.filter(area__code="370203000000").values_list("short_name", flat=True))
        self.assertTrue({"城管", "住建", "市场监管", "生态环境", "交警", "供水", "供电", "燃气", "热力"} <= short)
        self.assertEqual(Unit.objects.get(code="370203000000-CGJ").name, "青岛市市北区城市管理局")
        self.assertEqual(Unit.objects.filter(kind="enterprise", area__code="370215000000").count(), 4)
        self.assertEqual(Unit.objects.filter(kind="street_office").count(), 3)
        office = Unit.objects.get(kind="community_office", area__code="370203020009")
        self.assertEqual(office.name, "恩县路社区居委会")
        self.assertEqual(office.parent.code, "370203020000-JDB")

    def test_every_grid_has_its_team_lists_and_branch(self):
        for grid in Area.objects.filter(kind="grid"):
            positions = set(GridTeamMember.objects.filter(grid=grid).values_list("position", flat=True))
            self.assertEqual(positions, set(TeamPosition.values))
            lists = set(GridListItem.objects.filter(grid=grid).values_list("list_kind", flat=True))
            self.assertEqual(lists, set(GridListKind.values))
            self.assertTrue(PartyBranch.objects.filter(grid=grid, secretary__isnull=False).exists())
            self.assertTrue(Membership.objects.filter(area=grid, role=Role.GRID_WORKER).exists())
            self.assertTrue(Membership.objects.filter(area=grid, role=Role.GRID_LEADER).exists())
            self.assertEqual(BuildingLeader.objects.filter(building__grid=grid).count(), grid.buildings.count())
        self.assertTrue(GridListItem.objects.filter(title="恩县路社区党群服务中心活动室").exists())
        self.assertTrue(GridListItem.objects.filter(title="独居老人定期探访").exists())
        self.assertTrue(BuildingLeader.objects.filter(is_pioneer=True).exists())
        for community in Area.objects.filter(kind="community"):
            self.assertTrue(Membership.objects.filter(area=community, role=Role.COMMUNITY_SECRETARY).exists())
            self.assertTrue(Membership.objects.filter(area=community, role=Role.COMMUNITY_STAFF).exists())

    def test_baolian_chains(self):
        levels = Counter(BaolianAssignment.objects.values_list("level", flat=True))
        self.assertEqual(levels["street"], 3)
        self.assertEqual(levels["community"], 3)
        self.assertEqual(levels["building"], Building.objects.count())
        self.assertGreater(levels["household"], 0)
        for a in BaolianAssignment.objects.filter(level="household").select_related("household", "cadre")[:50]:
            self.assertTrue(a.cadre.is_party_member)
            self.assertTrue(a.household.tags)

    def test_every_role_is_staffed(self):
        roles = set(Membership.objects.values_list("role", flat=True))
        self.assertEqual(roles, set(Role.values))
        residents = User.objects.filter(memberships__role=Role.RESIDENT).annotate(n=Count("households"))
        self.assertTrue(all(u.n == 1 for u in residents))
        self.assertTrue(User.objects.filter(is_demo=False).count() == 0)
        self.assertEqual(list(User.objects.filter(is_staff=True).values_list("username", flat=True)), ["admin"])

    def test_demo_users(self):
        for username, (role, area_code) in DEMO_USERS.items():
            user = User.objects.get(username=username)
            self.assertTrue(user.is_demo)
            self.assertTrue(Membership.objects.filter(user=user, role=role, area__code=area_code).exists(), username)
        hotline = User.objects.get(username="hotline")
        self.assertEqual(set(hotline.memberships.values_list("area__code", flat=True)), {"370203000000", "370215000000"})
        dept = User.objects.get(username="dept")
        self.assertEqual(dept.memberships.get().unit.code, "370203000000-CGJ")
        resident = User.objects.get(username="resident")
        self.assertRegex(resident.phone, r"^1[3-9]\d{9}$")
        household = resident.households.get()
        self.assertEqual(household.area_path, Area.objects.get(code="370203020009001").path)
        self.assertEqual(household.head_phone, resident.phone)
        admin = User.objects.get(username="admin")
        self.assertTrue(admin.is_superuser and admin.is_staff and admin.is_demo)
        grid_worker = GridTeamMember.objects.get(grid__code="370203020009001", position=TeamPosition.GRID_WORKER)
        self.assertEqual(grid_worker.user.username, "grid")

    def test_demo_users_sign_in_only_in_demo_modes(self):
        request = RequestFactory().post("/login/")
        for username in [*DEMO_USERS, "dept", "admin"]:
            self.assertIsNotNone(authenticate(request, username=username, password="demo"), username)
        with override_settings(MODE="production"):
            self.assertIsNone(authenticate(request, username="district", password="demo"))
        self.assertIsNone(authenticate(request, username="gw_370203020009002", password="demo"))

    def test_summary_and_audit(self):
        self.assertIn("Demo built", self.output)
        self.assertIn("恩县路第一网格", self.output)
        event = AuditEvent.objects.get(action="demo.build")
        self.assertEqual(event.changes["counts"]["grids"], 6)
        self.assertEqual(event.changes["scale"], "small")

    # --- refusals and determinism ---------------------------------------------------------------
    def test_refuses_to_run_twice_without_reset(self):
        before = builder.summary_counts()
        with self.assertRaisesMessage(CommandError, "--reset"):
            run_demo()
        self.assertEqual(builder.summary_counts(), before)

    def test_refuses_outside_demo_mode(self):
        before = builder.summary_counts()
        for mode in ("production",):
            with override_settings(MODE=mode), self.assertRaisesMessage(CommandError, "demo, dev or test mode"):
                run_demo("--reset")
        self.assertEqual(builder.summary_counts(), before)

    def test_rebuild_is_identical(self):
        run_demo("--reset")
        self.assertEqual(builder.demo_digest(), self.digest)
        self.assertEqual(AuditEvent.objects.filter(action="demo.build").count(), 2)

    def test_reset_keeps_other_data(self):
        from civicgrid.core.testing import make_area, square

        other = make_area("370202000000", "市南区", "district", None, square(120.38, 36.05, 0.02))
        someone = User.objects.create_user("real_staff", password=None)
        Membership.objects.create(user=someone, role=Role.DISTRICT_COMMANDER, area=other)
        with self.assertRaisesMessage(CommandError, "--reset"):
            run_demo()
        output = run_demo("--reset")
        self.assertIn("Deleted first", output)
        self.assertTrue(Area.objects.filter(pk=other.pk).exists())
        self.assertTrue(Membership.objects.filter(user=someone, area=other).exists())
        self.assertEqual(Area.objects.filter(kind="grid").count(), 6)
        self.assertEqual(User.objects.filter(username="district").count(), 1)

    def test_another_seed_builds_another_district(self):
        planned = builder.Builder(seed=7, scale="small", progress=False)
        planned.plan_areas()
        same = builder.Builder(scale="small", progress=False)
        same.plan_areas()
        ours = {a.code: a.boundary for a in Area.objects.all()}
        self.assertEqual({c: a.boundary for c, a in same.plan.areas.items()}, ours)
        self.assertNotEqual({c: a.boundary for c, a in planned.plan.areas.items()}, ours)
        self.assertEqual(set(planned.plan.areas), set(ours))
