"""``civicgrid bench coverage``: the household-visit coverage of a month for a district of about
100,000 households and 1,000,000 visits, from the database (``selectors.coverage``: two grouped
queries) against a naive recount in Python over every visit (what a report script would do).

Loads a synthetic district (code 990100000000, "基准区": 5 streets, 25 communities, 250 grids,
2,500 buildings) and the visits over six months into the current database, once; later runs reuse
it (``--reset`` rebuilds it). Run it in a scratch database:

    export CIVICGRID_MODE=dev DATABASE_URL=sqlite:////tmp/bench-coverage.sqlite3
    civicgrid migrate && civicgrid bench coverage
"""

from __future__ import annotations

import random
import statistics
import time
from collections import defaultdict
from datetime import timedelta

from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone
from tqdm import tqdm

CODE = "990100000000"


class CoverageBenchmark:
    name = "coverage"
    help = "Coverage of a month for ~100k households and ~1M visits: the database query against a Python recount."

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, default=100_000)
        parser.add_argument("--visits", type=int, default=1_000_000)
        parser.add_argument("--repeat", type=int, default=3, help="timed runs after one warm-up")
        parser.add_argument("--reset", action="store_true", help="delete and rebuild the synthetic district")
        parser.add_argument("--seed", type=int, default=16)

    def run(self, command, options):
        from civicgrid.geo.models import Area
        from civicgrid.people.jurisdiction import Jurisdiction

        from .models import Visit
        from .periods import this_month
        from .selectors import coverage

        out, err = command.stdout, command.stderr._out
        if options["households"] < 250 or options["visits"] < 1 or options["repeat"] < 1:
            raise CommandError("--households must be ≥ 250, --visits and --repeat ≥ 1.")
        district = Area.objects.filter(code=CODE).first()
        if district is not None and options["reset"]:
            self._delete(district)
            district = None
        if district is None:
            t0 = time.perf_counter()
            district = self._load(options, err)
            out.write(f"loaded the synthetic district in {time.perf_counter() - t0:.1f} s")
        # Statistics as a database in service has them (autovacuum / a nightly ANALYZE).
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("VACUUM ANALYZE fieldwork_visit, geo_household")
            else:
                cursor.execute("ANALYZE")
        month = this_month().previous
        admin = Jurisdiction(user_id=None, is_global=True)
        households = None
        n_visits = Visit.objects.filter(area_path__startswith=district.path).count()
        from civicgrid.geo.models import Household

        district_households = Household.objects.filter(area_path__startswith=district.path).count()
        out.write(f"database {connection.vendor}: {district_households:,} households, {n_visits:,} visits; "
                  f"month {month.code}; median of {options['repeat']} runs after a warm-up")

        db_times, py_times = [], []
        for i in range(options["repeat"] + 1):
            t0 = time.perf_counter()
            report = coverage(admin, district, month, level="grid")
            t1 = time.perf_counter()
            households = self._recount(district.path, month)
            t2 = time.perf_counter()
            if i:
                db_times.append(t1 - t0)
                py_times.append(t2 - t1)
        got = {r.area.path: (r.households, r.visited) for r in report.rows}
        same = got == {p: households.get(p, (0, 0)) for p in got}
        db, py = statistics.median(db_times), statistics.median(py_times)
        out.write(f"coverage query (per grid, {len(report.rows)} grids): {db * 1000:,.0f} ms; "
                  f"district {report.total.visited:,} / {report.total.households:,} = {report.total.percent}%")
        out.write(f"naive Python recount over every visit: {py * 1000:,.0f} ms")
        out.write(f"ratio recount / query: {py / db:.1f}x; figures equal: {same}")
        if not same:
            raise CommandError("The query and the recount disagree.")

    # -- the baseline ------------------------------------------------------------------------
    @staticmethod
    def _recount(path: str, month) -> dict[str, tuple[int, int]]:
        """Every household and every visit of the district, counted in Python (local months)."""
        from civicgrid.geo.models import Household

        from .models import Visit

        household_path = dict(Household.objects.filter(area_path__startswith=path).values_list("id", "area_path")
                              .iterator(chunk_size=20_000))
        totals: dict[str, int] = defaultdict(int)
        for p in household_path.values():
            totals[p] += 1
        seen: dict[str, set] = defaultdict(set)
        key = (month.first.year, month.first.month)
        for kind, household_id, visited_at in (Visit.objects.filter(area_path__startswith=path)
                                               .values_list("kind", "household_id", "visited_at")
                                               .iterator(chunk_size=20_000)):
            if kind != "household" or household_id is None:
                continue
            local = timezone.localtime(visited_at)
            if (local.year, local.month) == key and household_id in household_path:
                seen[household_path[household_id]].add(household_id)
        return {p: (n, len(seen[p])) for p, n in totals.items()}

    # -- the synthetic district ------------------------------------------------------------------
    def _load(self, options, err):
        from civicgrid.core.testing import make_area, square
        from civicgrid.geo.models import Building, Household
        from civicgrid.people.models import User

        rng = random.Random(options["seed"])
        n_households = options["households"]
        with transaction.atomic():
            district = make_area(CODE, "基准区", "district", None, square(121.0, 37.0, 0.5))
            grids = []
            for s in range(1, 6):
                street = make_area(f"9901{s:02d}000000"[:12], f"基准街道{s}", "street", district, None)
                for c in range(1, 6):
                    community = make_area(f"{street.code[:9]}{c:03d}", f"基准社区{s}-{c}", "community", street, None)
                    for g in range(1, 11):
                        grids.append(make_area(f"{community.code}{g:03d}", f"基准网格{s}-{c}-{g}", "grid", community, None))
            worker = User.objects.create_user(f"bench_{CODE}", password=None)
            buildings = []
            per_grid = n_households // len(grids)
            for grid in grids:
                for b in range(max(per_grid // 40, 1)):
                    code = f"{grid.code}B{b:03d}"
                    buildings.append(Building(code=code, address=f"基准路{code}号", address_key=code, lon=121.1, lat=37.1,
                                              grid=grid, area_path=grid.path))
            Building.objects.bulk_create(buildings, batch_size=2000)
            by_grid = defaultdict(list)
            for b in buildings:
                by_grid[b.grid_id].append(b)
            rows = []
            for grid in grids:
                for i in range(per_grid):
                    b = by_grid[grid.pk][i % len(by_grid[grid.pk])]
                    rows.append(Household(building=b, area_path=grid.path, entrance=1, room=f"{i}", size=2))
            Household.objects.bulk_create(rows, batch_size=5000)
        households = list(Household.objects.filter(area_path__startswith=district.path).values_list("id", "area_path",
                                                                                                     "building_id"))
        grid_of = {g.path: g.pk for g in grids}
        now = timezone.now()
        start = now - timedelta(days=183)
        kinds = ["household"] * 17 + ["enterprise", "shop", "public_place"]

        def visits():
            for _ in range(options["visits"]):
                hid, path, bid = households[rng.randrange(len(households))]
                kind = kinds[rng.randrange(20)]
                when = start + timedelta(seconds=rng.randrange(183 * 86400))
                yield (worker.pk, grid_of[path], path, kind, hid if kind == "household" else None,
                       bid if kind == "household" else None, when)

        self._insert_visits(visits(), options["visits"], err)
        return district

    @staticmethod
    def _insert_visits(rows, total: int, err) -> None:
        from .models import Visit

        bar = tqdm(total=total, desc="visits", unit="row", file=err, leave=False)
        if connection.vendor == "postgresql":
            from civicgrid.core.bulkload import load_rows

            now = timezone.now()
            load_rows(Visit, ({"worker_id": w, "grid_id": g, "area_path": p, "kind": k, "household_id": h,
                               "building_id": b, "visited_at": t, "summary": "基准", "created_at": now}
                              for w, g, p, k, h, b, t in rows), total=total, desc="visits", err=err)
            bar.close()
            return
        table = connection.ops.quote_name(Visit._meta.db_table)
        sql = (f"INSERT INTO {table} (worker_id, grid_id, area_path, kind, household_id, building_id, visited_at, "
               "summary, needs, follow_up, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, '基准', '', %s, %s)")
        adapt = connection.ops.adapt_datetimefield_value
        created = adapt(timezone.now())
        batch = []
        with transaction.atomic(), connection.cursor() as cursor:
            for w, g, p, k, h, b, t in rows:
                batch.append((w, g, p, k, h, b, adapt(t), False, created))
                if len(batch) == 20_000:
                    cursor.executemany(sql, batch)
                    bar.update(len(batch))
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
                bar.update(len(batch))
        bar.close()

    @staticmethod
    def _delete(district) -> None:
        from civicgrid.geo.models import Area, Building, Household
        from civicgrid.people.models import User

        from .models import Visit

        with transaction.atomic():
            Visit.objects.filter(area_path__startswith=district.path).delete()
            Household.objects.filter(area_path__startswith=district.path).delete()
            Building.objects.filter(area_path__startswith=district.path).delete()
            for depth in (3, 2, 1, 0):
                Area.objects.filter(path__startswith=district.path, depth=depth).delete()
            User.objects.filter(username=f"bench_{CODE}").delete()


BENCHMARKS = [CoverageBenchmark()]
