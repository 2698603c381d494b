"""``civicgrid bench dashboard``: server time of every command-center page and endpoint over a
year of work orders (1,000,000 by default), read from the rollups, against the same figures
computed straight from the orders table in the same run.

Loads orders (COPY on PostgreSQL) into the demo areas with a realistic life: 80% closed, 4%
rejected or withdrawn, 16% open (a sixth of them overdue, some under supervision), spread over
the last 365 days, categories and units; callbacks for 60% of the closed ones. Then rebuilds the
rollups (timed: that is the cost of ``civicgrid rollups --rebuild`` after a bulk load), and
requests each page and API endpoint through Django's full stack (middleware, session, templates,
serialisers) as the district commander, printing p50/p95 per URL. Run it in a scratch database:
the orders stay.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import timedelta

from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from tqdm import tqdm

from civicgrid.core.bulkload import load_rows

STATUS_MIX = [("closed", 0.80), ("rejected", 0.025), ("withdrawn", 0.015), ("new", 0.02), ("dispatched", 0.03),
              ("accepted", 0.03), ("in_progress", 0.08), ("resolved", 0.01)]
TARGET_MS = 300


def _pick(mix, rng):
    x = rng.random()
    for value, share in mix:
        x -= share
        if x < 0:
            return value
    return mix[-1][0]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


class DashboardBenchmark:
    name = "dashboard"
    help = "p50/p95 server time of each command-center page and endpoint over N orders (default 1,000,000)."

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, default=1_000_000, help="orders to load first (0: use what is there)")
        parser.add_argument("--repeat", type=int, default=20, help="requests per URL after two warm-ups")
        parser.add_argument("--seed", type=int, default=1)

    def run(self, command, options):
        from civicgrid.dashboard import rollups
        from civicgrid.geo.models import Area
        from civicgrid.workorders.models import WorkOrder

        out, err = command.stdout, command.stderr._out
        if options["orders"] < 0 or options["repeat"] < 1:
            raise CommandError("--orders must be ≥ 0 and --repeat ≥ 1.")
        grids = list(Area.objects.filter(kind="grid").values_list("id", "path"))
        if not grids:
            raise CommandError("No grids in the database: run `civicgrid demo` first.")
        user = self._commander()
        district = Area.objects.filter(parent__isnull=True, path__in=[p.split("/")[0] + "/" for _i, p in grids]).order_by("code").first()
        street = Area.objects.filter(parent=district).order_by("code").first()
        if options["orders"]:
            t0 = time.perf_counter()
            loaded = self._load(options, grids, err)
            out.write(f"loaded {loaded:,} orders in {time.perf_counter() - t0:.1f} s ({connection.vendor})")
            t0 = time.perf_counter()
            called = self._callbacks(options, err)
            out.write(f"loaded {called:,} callbacks in {time.perf_counter() - t0:.1f} s")
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
            t0 = time.perf_counter()
            written = rollups.rebuild()
            out.write(f"rollups rebuilt in {time.perf_counter() - t0:.1f} s: "
                      + ", ".join(f"{k} {v:,} rows" for k, v in written.items()))
        total = WorkOrder.objects.count()
        out.write(f"orders in the database: {total:,}; timing as {user.get_username()} over {district.name}, "
                  f"{options['repeat']} requests per URL after 2 warm-ups")
        rows = self._time_urls(user, district, street, options["repeat"], err)
        width = max(len(r[0]) for r in rows)
        out.write(f"{'URL':<{width}}  {'p50 ms':>8}  {'p95 ms':>8}  status")
        for label, p50, p95, status in rows:
            flag = "" if p95 < TARGET_MS else "  over target"
            out.write(f"{label:<{width}}  {p50:8.1f}  {p95:8.1f}  {status}{flag}")
        worst = max(r[2] for r in rows)
        out.write(f"slowest p95: {worst:.1f} ms (target: under {TARGET_MS} ms each)")
        self._baseline(out, user, district, options["repeat"])

    # --- users and urls ---------------------------------------------------------------------------
    def _commander(self):
        from civicgrid.people.models import Membership, Role, User

        m = Membership.objects.filter(role=Role.DISTRICT_COMMANDER, is_active=True).select_related("user").order_by("user__username").first()
        if m is not None:
            return m.user
        user = User.objects.filter(is_superuser=True).first()
        if user is None:
            raise CommandError("No district commander or administrator to time the pages as: run `civicgrid demo`.")
        return user

    def _urls(self, district, street):
        month = timezone.localdate().strftime("%Y-%m")
        a = f"area={district.code}"
        urls = [
            ("page /center/", reverse("dashboard:center") + f"?{a}"),
            ("page /center/ (street)", reverse("dashboard:center") + f"?area={street.code}") if street else None,
            ("page /center/wall/", reverse("dashboard:wall") + f"?{a}"),
            ("partial figures", reverse("dashboard:figures") + f"?{a}"),
            ("partial lists", reverse("dashboard:lists") + f"?{a}"),
            ("partial rankings", reverse("dashboard:rankings") + f"?{a}"),
        ]
        for name in ("summary", "trend", "categories", "map", "overdue", "escalated", "whistles"):
            urls.append((f"api {name}", reverse(f"dashboard-api-{name}") + f"?{a}"))
        for kind in ("street", "community", "department"):
            urls.append((f"api rankings {kind}", reverse("dashboard-api-rankings") + f"?{a}&kind={kind}&month={month}"))
        return [u for u in urls if u]

    def _time_urls(self, user, district, street, repeat, err):
        from django.test import Client

        client = Client()
        client.force_login(user)
        rows = []
        urls = self._urls(district, street)
        bar = tqdm(total=len(urls) * (repeat + 2), desc="requests", unit="req", file=err, leave=False)
        for label, url in urls:
            times, status = [], None
            for i in range(repeat + 2):
                t0 = time.perf_counter()
                response = client.get(url)
                elapsed = (time.perf_counter() - t0) * 1000
                status = response.status_code
                if i >= 2:
                    times.append(elapsed)
                bar.update(1)
            rows.append((label, statistics.median(times), _percentile(times, 0.95), status))
        bar.close()
        return rows

    def _baseline(self, out, user, district, repeat):
        """The same summary and ranking straight from the orders (no rollups), in this run."""
        from civicgrid.dashboard import selectors
        from civicgrid.people.jurisdiction import jurisdiction_for
        from civicgrid.workorders import metrics
        from civicgrid.workorders.models import OPEN_STATUSES, WorkOrder

        j = jurisdiction_for(user)
        now = timezone.now()
        today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        month = today.replace(day=1)
        end = (month + timedelta(days=32)).replace(day=1)

        def direct_summary():
            qs = WorkOrder.objects.filter(area_path__startswith=district.path)
            return (qs.filter(status__in=OPEN_STATUSES).count(), qs.filter(status__in=OPEN_STATUSES, is_overdue=True).count(),
                    qs.filter(created_at__gte=today).count(), qs.filter(status="closed", closed_at__gte=today).count())

        def timed(fn, n):
            times = []
            for _ in range(n):
                t0 = time.perf_counter()
                fn()
                times.append((time.perf_counter() - t0) * 1000)
            return statistics.median(times)

        n = max(3, min(repeat, 5))
        pairs = [
            ("summary (open, overdue, in today, closed today)", lambda: selectors.summary(j, district), direct_summary),
            ("三率 ranking of streets, this month", lambda: selectors.rankings(j, district, "street", month, end),
             lambda: metrics.rank_areas(j, "street", month, end, within=district)),
        ]
        out.write("baseline in the same run (median ms): rollups vs straight from the orders table")
        for label, fast, slow in pairs:
            f, s = timed(fast, n), timed(slow, n)
            out.write(f"  {label}: rollups {f:.1f} ms, orders table {s:.1f} ms → {s / f if f else float('inf'):.0f}× faster")

    # --- loading ----------------------------------------------------------------------------------
    def _load(self, options, grids, err) -> int:
        from civicgrid.people.models import Unit, UnitKind
        from civicgrid.workorders.models import Category, WorkOrder

        rng = random.Random(options["seed"])
        now = timezone.now()
        tag = f"D{int(time.time()) % 100000:05d}-"
        leaves = list(Category.objects.filter(is_active=True, children__isnull=True).values_list("id", flat=True))
        units = {
            "community": list(Unit.objects.filter(kind=UnitKind.COMMUNITY_OFFICE).values_list("id", flat=True)),
            "street": list(Unit.objects.filter(kind=UnitKind.STREET_OFFICE).values_list("id", flat=True)),
            "district": list(Unit.objects.filter(kind=UnitKind.DEPARTMENT).values_list("id", flat=True)),
        }
        def rows():
            for i in range(options["orders"]):
                status = _pick(STATUS_MIX, rng)
                area_id, path = grids[rng.randrange(len(grids))]
                created = now - timedelta(seconds=rng.randrange(365 * 86400))
                level = _pick([("community", 0.45), ("street", 0.15), ("district", 0.40)], rng)
                row = {"number": f"{tag}{i:08d}", "title": "压力测试工单", "description": "bench", "priority": "normal",
                       "status": status, "channel": "import", "area_id": area_id, "area_path": path,
                       "category_id": leaves[rng.randrange(len(leaves))] if leaves else None,
                       "created_at": created, "updated_at": created, "level": level}
                if status not in ("new", "rejected", "withdrawn"):
                    pool = units[level] or units["district"]
                    dispatched = created + timedelta(minutes=rng.randint(10, 240))
                    row.update(unit_id=pool[rng.randrange(len(pool))] if pool else None, dispatched_at=dispatched,
                               response_due=dispatched + timedelta(days=1), handle_due=dispatched + timedelta(days=7))
                    if status != "dispatched":
                        row["accepted_at"] = dispatched + timedelta(hours=rng.choice([1, 2, 5, 20, 30]))
                    if status in ("resolved", "closed"):
                        row["resolved_at"] = dispatched + timedelta(hours=rng.randint(4, 240))
                    if status == "closed":
                        row["closed_at"] = min(now, row["resolved_at"] + timedelta(hours=rng.randint(1, 30)))
                        row["answer"] = "已处理"
                    if status in ("accepted", "in_progress") and rng.random() < 0.35:
                        row["is_overdue"] = True
                        if rng.random() < 0.5:
                            row["supervision_level"] = "street"
                yield row

        count = load_rows(WorkOrder, rows(), total=options["orders"], desc="loading orders", err=err)
        self.tag = tag
        return count

    def _callbacks(self, options, err) -> int:
        from civicgrid.workorders.models import Callback, WorkOrder

        rng = random.Random(options["seed"] + 1)
        closed = (WorkOrder.objects.filter(number__startswith=self.tag, status="closed")
                  .values_list("id", "unit_id", "area_path", "closed_at"))

        def rows():
            for order_id, unit_id, path, closed_at in closed.iterator(chunk_size=20_000):
                if rng.random() >= 0.6:
                    continue
                sat = rng.random()
                yield {"order_id": order_id, "round": 0, "reached": True, "channel": "phone",
                       "resolution": "resolved" if sat < 0.92 else "unresolved",
                       "satisfaction": "satisfied" if sat < 0.83 else "basically" if sat < 0.95 else "unsatisfied",
                       "unit_id": unit_id, "area_path": path, "created_at": closed_at + timedelta(hours=rng.randint(1, 48)),
                       "comment": ""}

        # Read the orders before COPY starts: the connection can run nothing else while it copies.
        data = list(rows())
        return load_rows(Callback, data, total=len(data), desc="loading callbacks", err=err)


BENCHMARKS = [DashboardBenchmark()]
