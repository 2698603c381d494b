"""Test data of the care, coverage and 包联 tests: the test tree with care rules, tagged households,
their visits and one 包户 party member."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from civicgrid.core.testing import make_building
from civicgrid.fieldwork.models import CarePeriod, CarePolicy, Visit, VisitKind
from civicgrid.geo.models import Household
from civicgrid.people.models import BaolianAssignment, User
from civicgrid.workorders.testing import make_world

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = date(2026, 1, 1)


def local(y, m, d, hh=12, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def policy(area, tag, period, days=None):
    return CarePolicy.objects.create(area=area, area_path=area.path, tag=tag, period=period, days=days, starts_on=START)


def tagged(building, room, tags) -> Household:
    h = building.households.get(room=room)
    h.tags = tags
    h.save(update_fields=["tags"])
    return h


def visit(w, household, when, kind=VisitKind.HOUSEHOLD):
    grid = household.building.grid
    return Visit.objects.create(worker=w.users["grid"], grid=grid, area_path=grid.path, kind=kind, household=household,
                                building=household.building, visited_at=when, summary="关爱走访")


def care_world():
    world = make_world()
    t = world.tree
    # District rules, and 恩县路社区's own stricter rule for elderly people living alone.
    policy(t.district, "elderly_alone", CarePeriod.WEEKLY)
    policy(t.district, "low_income", CarePeriod.MONTHLY)
    policy(t.district, "disabled", CarePeriod.DAYS, 10)
    policy(t.community1, "elderly_alone", CarePeriod.DAYS, 3)
    b1 = make_building("B-G1", t.grid1, "恩县路12号", 120.305, 36.055, households=5)
    b3 = make_building("B-G3", t.grid3, "上海路3号", 120.325, 36.055, households=3)
    world.A = tagged(b1, "101", ["elderly_alone"])                  # community rule: 3 days
    world.D = tagged(b1, "102", ["low_income", "disabled"])         # earliest of month / 10 days
    world.E = tagged(b1, "103", ["rented"])                         # no policy: never listed
    world.F = tagged(b1, "104", ["elderly_alone"])                  # only an enterprise visit
    world.G = tagged(b1, "105", ["low_income"])                     # due exactly today
    world.B = tagged(b3, "101", ["elderly_alone"])                  # district rule: weekly
    world.C = tagged(b3, "102", ["low_income"])                     # never visited
    visit(world, world.A, local(2026, 3, 10, 10))
    visit(world, world.A, local(2026, 2, 1, 10))                    # older: the last one counts
    visit(world, world.D, local(2026, 1, 31, 9))
    visit(world, world.F, local(2026, 3, 13, 9), kind=VisitKind.ENTERPRISE)
    visit(world, world.G, local(2026, 2, 14, 9))
    visit(world, world.B, local(2026, 3, 10, 23, 30))               # 15:30 UTC, still the 10th locally
    world.pm = User.objects.create_user("pm", password="x", is_party_member=True, real_name="王党员")
    BaolianAssignment.objects.create(cadre=world.pm, level="household", household=world.A, area_path=t.grid1.path)
    return world


NOW = local(2026, 3, 14, 9)
