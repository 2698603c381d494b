"""Coverage of household visits per grid and month, against an independent recount.

The recount reads every visit and every household with raw SQL and counts in plain Python, with
its own month arithmetic in Asia/Shanghai: nothing of the selectors' code is shared."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone as dt_timezone
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone

from civicgrid.core.testing import make_building
from civicgrid.fieldwork import selectors
from civicgrid.fieldwork.models import Visit, VisitKind
from civicgrid.fieldwork.periods import Month, parse_month
from civicgrid.people.jurisdiction import jurisdiction_for
from civicgrid.workorders.testing import make_world

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(y, m, d, hh=12, mm=0, ss=0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, tzinfo=SHANGHAI)


def _as_utc(value) -> datetime:
    if isinstance(value, str):  # SQLite hands back the stored UTC text
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt_timezone.utc)
    return value


def recount(month_code: str) -> dict[str, tuple[int, int]]:
    """{grid path: (households, distinct households with a household visit in the month)}."""
    year, month = map(int, month_code.split("-"))
    with connection.cursor() as cur:
        cur.execute("SELECT id, area_path FROM geo_household")
        household_path = dict(cur.fetchall())
        cur.execute("SELECT kind, household_id, visited_at FROM fieldwork_visit")
        visits = cur.fetchall()
    totals: dict[str, int] = defaultdict(int)
    for path in household_path.values():
        totals[path] += 1
    seen: dict[str, set] = defaultdict(set)
    for kind, household_id, visited_at in visits:
        when = _as_utc(visited_at).astimezone(SHANGHAI)
        if kind == "household" and household_id is not None and (when.year, when.month) == (year, month):
            seen[household_path[household_id]].add(household_id)
    return {path: (n, len(seen[path])) for path, n in totals.items()}


def rollup(raw: dict[str, tuple[int, int]], prefix: str) -> tuple[int, int]:
    pairs = [v for p, v in raw.items() if p.startswith(prefix)]
    return sum(h for h, _ in pairs), sum(v for _, v in pairs)


@pytest.fixture
def w():
    world = make_world()
    t = world.tree
    world.b1 = make_building("B-G1", t.grid1, "恩县路12号", 120.305, 36.055, households=3)
    world.b2 = make_building("B-G2", t.grid2, "恩县路30号", 120.315, 36.055, households=2)
    world.b3 = make_building("B-G3", t.grid3, "上海路3号", 120.325, 36.055, households=1)
    world.h1 = list(world.b1.households.order_by("room"))
    world.h2 = list(world.b2.households.order_by("room"))
    world.h3 = list(world.b3.households.order_by("room"))
    return world


def visit(w, grid, when, *, household=None, kind=VisitKind.HOUSEHOLD, worker=None):
    return Visit.objects.create(worker=worker or w.users["grid"], grid=grid, area_path=grid.path, kind=kind,
                                household=household, building=household.building if household else None,
                                visited_at=when, summary="走访")


@pytest.fixture
def edge_visits(w):
    t = w.tree
    a, b, c = w.h1
    visit(w, t.grid1, local(2026, 3, 2, 9), household=a)          # two visits to one household …
    visit(w, t.grid1, local(2026, 3, 20, 15), household=a)        # … count once
    visit(w, t.grid1, local(2026, 3, 31, 23, 30), household=b)    # 15:30 UTC on 31 March: March
    visit(w, t.grid1, local(2026, 4, 1, 0, 0), household=c)       # 16:00 UTC on 31 March: April
    visit(w, t.grid1, local(2026, 3, 10), household=w.h2[0])      # logged in grid 1, household of grid 2
    visit(w, t.grid2, local(2026, 3, 11), kind=VisitKind.ENTERPRISE)
    visit(w, t.grid2, local(2026, 3, 12), household=w.h2[1], kind=VisitKind.ENTERPRISE)  # not a household visit
    visit(w, t.grid3, local(2026, 2, 28, 23, 59, 59), household=w.h3[0])  # February, by one second
    visit(w, t.grid3, local(2026, 3, 15), kind=VisitKind.SHOP)
    return w


def test_coverage_edge_cases_exact_and_equal_to_recount(edge_visits):
    w, t = edge_visits, edge_visits.tree
    admin = jurisdiction_for(w.users["admin"])
    march = parse_month("2026-03")
    by_grid = selectors.coverage(admin, t.district, march, level="grid")
    got = {r.area.code: (r.households, r.visited) for r in by_grid.rows}
    assert got == {t.grid3.code: (1, 0), t.grid1.code: (3, 2), t.grid2.code: (2, 1), t.grid4.code: (0, 0)}
    assert [r.percent for r in by_grid.rows] == [0.0, 66.7, 50.0, None]
    by_community = selectors.coverage(admin, t.district, march, level="community")
    assert {r.area.code: (r.households, r.visited) for r in by_community.rows} == {
        t.community2.code: (1, 0), t.community1.code: (5, 3), t.community3.code: (0, 0)}
    by_street = selectors.coverage(admin, t.district, march)
    assert by_street.level == "street"
    assert {r.area.code: (r.households, r.visited) for r in by_street.rows} == {
        t.street1.code: (6, 3), t.street2.code: (0, 0)}
    assert (by_street.total.households, by_street.total.visited, by_street.total.percent) == (6, 3, 50.0)

    for code in ("2026-02", "2026-03", "2026-04", "2026-05"):
        raw = recount(code)
        for level in ("grid", "community", "street"):
            report = selectors.coverage(admin, t.district, parse_month(code), level=level)
            assert {r.area.path: (r.households, r.visited) for r in report.rows} == {
                r.area.path: rollup(raw, r.area.path) for r in report.rows}
            assert (report.total.households, report.total.visited) == rollup(raw, t.district.path)
    assert recount("2026-04")[t.grid1.path] == (3, 1)
    assert recount("2026-02")[t.grid3.path] == (1, 1)


def test_coverage_of_many_random_visits_equals_the_recount(w):
    t = w.tree
    rng = random.Random(16)
    households = w.h1 + w.h2 + w.h3
    grids = [t.grid1, t.grid2, t.grid3]
    start = local(2026, 1, 1, 0, 0)
    rows = []
    for _ in range(400):
        when = start + timedelta(minutes=rng.randrange(0, 60 * 24 * 120))
        if rng.random() < 0.3:  # crowd the month boundaries (local midnight ± 2 h)
            first = Month(date(2026, rng.randint(2, 4), 1)).bounds()[0]
            when = first + timedelta(minutes=rng.randint(-120, 120))
        kind = rng.choice([VisitKind.HOUSEHOLD] * 4 + [VisitKind.ENTERPRISE, VisitKind.SHOP])
        household = rng.choice(households + [None]) if kind == VisitKind.HOUSEHOLD else rng.choice([None, households[0]])
        grid = rng.choice(grids)
        rows.append(Visit(worker=w.users["grid"], grid=grid, area_path=grid.path, kind=kind, household=household,
                          visited_at=when, summary="随机"))
    Visit.objects.bulk_create(rows)
    admin = jurisdiction_for(w.users["admin"])
    for code in ("2026-01", "2026-02", "2026-03", "2026-04", "2026-05"):
        raw = recount(code)
        report = selectors.coverage(admin, t.district, parse_month(code), level="grid")
        assert {r.area.path: (r.households, r.visited) for r in report.rows} == {
            g.path: raw.get(g.path, (0, 0)) for g in (t.grid1, t.grid2, t.grid3, t.grid4)}
    assert sum(recount(c)[t.grid1.path][1] for c in ("2026-01", "2026-02", "2026-03", "2026-04")) > 0


def test_coverage_is_scoped_to_the_readers_jurisdiction(edge_visits):
    w, t = edge_visits, edge_visits.tree
    march = parse_month("2026-03")
    community = jurisdiction_for(w.users["community"])
    report = selectors.coverage(community, t.community1, march)
    assert {r.area.code: (r.households, r.visited) for r in report.rows} == {
        t.grid1.code: (3, 2), t.grid2.code: (2, 1)}
    assert selectors.coverage(community, t.community2, march) is None
    assert selectors.coverage(community, t.district, march) is None
    grid = jurisdiction_for(w.users["grid"])
    own = selectors.coverage(grid, t.grid1, march)
    assert [(r.area.code, r.households, r.visited) for r in own.rows] == [(t.grid1.code, 3, 2)]
    assert selectors.coverage(grid, t.grid2, march) is None


def test_month_bounds_are_local_midnight():
    start, end = parse_month("2026-03").bounds()
    assert (start.astimezone(dt_timezone.utc), end.astimezone(dt_timezone.utc)) == (
        datetime(2026, 2, 28, 16, tzinfo=dt_timezone.utc), datetime(2026, 3, 31, 16, tzinfo=dt_timezone.utc))
    assert parse_month("2026-13") is None and parse_month("26-03") is None and parse_month("") is None
    assert Month(date(2026, 1, 1)).previous.code == "2025-12"
    assert timezone.get_current_timezone_name() == "Asia/Shanghai"
