"""Benchmarks of duplicate detection.

- ``civicgrid bench duplicates``: the NYC 311 evaluation (same as ``civicgrid duplicates eval``).
- ``civicgrid bench duplicates-db [--orders N] [--queries Q]``: loads N generated orders into the
  current database's grids (most open, created over 30 days, a few problem kinds at random points),
  then times ``selectors.find`` (the database prefilter: open, category, window, bounding box; then
  scoring) against a baseline in the same run that skips the prefilter: every open order of the
  category read and scored in Python. The generated orders are deleted afterwards unless ``--keep``.
"""

from __future__ import annotations

import random
import statistics
import time
import uuid
from datetime import timedelta

from django.core.management.base import CommandError
from django.utils import timezone

KINDS = ["路灯不亮，晚上一片漆黑", "路面坑洼，雨天积水", "垃圾没人清运，气味很大", "下水道堵塞，污水外溢",
         "夜间施工噪音扰民", "小区绿化带杂草丛生", "楼道灯坏了", "占道经营堵住人行道"]
PLACES = ["恩县路", "海泊路", "嘉兴路", "上海路", "辽宁路", "大连路", "四方路", "莘县路"]


class _Duplicates:
    name = "duplicates"
    help = "Duplicate suggestions on NYC 311: precision/recall/F1 against resolution-text labels, sweep, baseline."

    def add_arguments(self, parser):
        from .management.commands.duplicates import add_eval_arguments

        add_eval_arguments(parser)

    def run(self, command, options):
        from .management.commands.duplicates import run_eval

        run_eval(command.stdout, options)


class _Lookup:
    name = "duplicates-db"
    help = "Duplicate suggestions from the database: selectors.find with N orders against scoring without the prefilter."

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, default=50_000)
        parser.add_argument("--queries", type=int, default=200)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--keep", action="store_true")

    def run(self, command, options):
        from civicgrid.core.bulkload import load_rows
        from civicgrid.core.text import words
        from civicgrid.geo.models import Area, AreaKind
        from civicgrid.workorders.models import OPEN_STATUSES, Category, Status, WorkOrder

        from . import scoring, selectors

        out, err = command.stdout, command.stderr
        rng = random.Random(options["seed"])
        grids = list(Area.objects.filter(kind=AreaKind.GRID, centroid_lon__isnull=False)[:500])
        leaves = list(Category.objects.filter(is_active=True, children__isnull=True)[:len(KINDS)])
        if not grids or len(leaves) < len(KINDS):
            raise CommandError("No grids or categories: load the demo district first (civicgrid demo).")
        tag = f"DB{uuid.uuid4().hex[:6].upper()}"
        now = timezone.now()
        n = options["orders"]

        def rows():
            for i in range(n):
                grid = grids[rng.randrange(len(grids))]
                k = rng.randrange(len(KINDS))
                text = f"{PLACES[rng.randrange(len(PLACES))]}{rng.randint(1, 200)}号{KINDS[k]}"
                created = now - timedelta(days=rng.uniform(0, 30))
                yield {"number": f"{tag}{i:09d}", "title": text[:20], "description": text, "category_id": leaves[k].pk,
                       "status": Status.NEW if rng.random() < 0.8 else Status.CLOSED, "channel": "web",
                       "area_id": grid.pk, "area_path": grid.path, "level": "grid", "priority": "normal",
                       "lon": grid.centroid_lon + rng.uniform(-0.004, 0.004),
                       "lat": grid.centroid_lat + rng.uniform(-0.004, 0.004),
                       "created_at": created, "updated_at": created}

        t0 = time.perf_counter()
        load_rows(WorkOrder, rows(), total=n, desc="orders", err=err)
        out.write(f"loaded {n} orders in {time.perf_counter() - t0:.1f} s ({len(grids)} grids, {len(KINDS)} kinds)")
        try:
            queries = []
            for _q in range(options["queries"]):
                grid = grids[rng.randrange(len(grids))]
                k = rng.randrange(len(KINDS))
                queries.append((f"{PLACES[rng.randrange(len(PLACES))]}{KINDS[k]}", leaves[k],
                                grid.centroid_lon + rng.uniform(-0.004, 0.004),
                                grid.centroid_lat + rng.uniform(-0.004, 0.004)))
            scope = WorkOrder.objects.all()
            words("预热")  # jieba's dictionary loads once per process; not part of a lookup
            fast, found_total = [], 0
            for text, category, lon, lat in queries:
                t = time.perf_counter()
                found_total += len(selectors.find(scope, text=text, lon=lon, lat=lat, category=category))
                fast.append(time.perf_counter() - t)
            slow, slow_found = [], 0
            for text, category, lon, lat in queries:
                t = time.perf_counter()
                params = selectors.rule_for(category)
                query = scoring.Doc(None, category.path, lon, lat, now, scoring.vector(words(text)))
                docs = [scoring.Doc(o.pk, category.path, o.lon, o.lat, o.created_at,
                                    scoring.vector(words(f"{o.title}\n{o.description}")))
                        for o in WorkOrder.objects.filter(status__in=OPEN_STATUSES, category=category)
                        .only("pk", "lon", "lat", "created_at", "title", "description")]
                slow_found += len(scoring.rank(query, docs, params, limit=selectors.MAX_SUGGESTIONS))
                slow.append(time.perf_counter() - t)

            def ms(values, q):
                return statistics.quantiles(values, n=100)[q - 1] * 1000 if len(values) > 1 else values[0] * 1000

            out.write(f"selectors.find (prefiltered): p50 {ms(fast, 50):.1f} ms, p95 {ms(fast, 95):.1f} ms, "
                      f"{found_total / len(queries):.2f} suggestions per query")
            out.write(f"baseline (every open order of the category, scored): p50 {ms(slow, 50):.1f} ms, "
                      f"p95 {ms(slow, 95):.1f} ms, {slow_found / len(queries):.2f} suggestions per query")
            out.write(f"speed-up at p50: {ms(slow, 50) / ms(fast, 50):.0f}x")
        finally:
            if not options["keep"]:
                WorkOrder.objects.filter(number__startswith=tag).delete()


BENCHMARKS = [_Duplicates(), _Lookup()]
