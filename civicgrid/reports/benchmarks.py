"""``civicgrid bench report``: time to generate the monthly report's PDF and workbook for a street
and for a district, against the data queries alone (the baseline, same run, same month).

Runs on the current database; build a scratch one with the demo first (the demo's sixty days give
a full previous month):

    export CIVICGRID_MODE=dev DATABASE_URL=sqlite:////tmp/bench-report.sqlite3
    civicgrid migrate && civicgrid demo --reset && civicgrid bench report

``--orders N`` first loads N more orders over the past year with the dashboard benchmark's loader
(and rebuilds the rollups), for a district-sized month. Each figure is the median of ``--repeat``
runs after one warm-up (the warm-up pays for importing matplotlib and registering the font).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from django.core.management.base import CommandError
from django.utils import translation
from tqdm import tqdm


class ReportBenchmark:
    name = "report"
    help = "Monthly report generation time (PDF, Excel) for a street and a district, against the data queries alone."

    def add_arguments(self, parser):
        parser.add_argument("--month", default="", help="YYYY-MM (default: the previous month)")
        parser.add_argument("--repeat", type=int, default=3, help="timed runs per figure after one warm-up")
        parser.add_argument("--orders", type=int, default=0, help="orders to load first with the dashboard loader")
        parser.add_argument("--seed", type=int, default=1)

    def run(self, command, options):
        from civicgrid.dashboard.api.params import parse_month, this_month
        from civicgrid.geo.models import Area
        from civicgrid.people.jurisdiction import Jurisdiction
        from civicgrid.workorders.models import WorkOrder

        from . import fonts, render, selectors

        out, err = command.stdout, command.stderr._out
        if options["repeat"] < 1 or options["orders"] < 0:
            raise CommandError("--repeat must be ≥ 1 and --orders ≥ 0.")
        try:
            fonts.find_font()
        except fonts.FontMissing as exc:
            raise CommandError(str(exc)) from None
        if options["orders"]:
            self._load(command, options)
        if not WorkOrder.objects.exists():
            raise CommandError("No work orders: run it in a scratch database after `civicgrid demo` (see --help).")
        month = parse_month(options["month"]) if options["month"] else this_month().previous
        if month is None:
            raise CommandError("--month must be YYYY-MM.")
        district = Area.objects.filter(kind="district").order_by("code").first()
        street = Area.objects.filter(kind="street", parent=district).order_by("code").first()
        operator = Jurisdiction(user_id=None, is_global=True)
        start, end = month.bounds()
        out.write(f"database: {WorkOrder.objects.count():,} orders; month {month.code}; "
                  f"median of {options['repeat']} runs after a warm-up")
        rows = []
        targets = [a for a in (street, district) if a is not None]
        bar = tqdm(total=len(targets) * (options["repeat"] + 1) * 3, desc="report runs", unit="run", file=err, leave=False)
        with translation.override("zh-hans"), tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
            for area in targets:
                orders = WorkOrder.objects.filter(area_path__startswith=area.path, created_at__gte=start,
                                                  created_at__lt=end).count()
                q, p, x, pages, sizes = [], [], [], 0, {}
                for i in range(options["repeat"] + 1):
                    t0 = time.perf_counter()
                    data = selectors.build_report(operator, area, month)
                    t1 = time.perf_counter()
                    bar.update(1)
                    pages = render.write_pdf(data, Path(tmp) / "r.pdf")
                    t2 = time.perf_counter()
                    bar.update(1)
                    render.write_xlsx(data, Path(tmp) / "r.xlsx")
                    t3 = time.perf_counter()
                    bar.update(1)
                    if i:
                        q.append(t1 - t0)
                        p.append(t2 - t1)
                        x.append(t3 - t2)
                sizes = {f: (Path(tmp) / f"r.{f}").stat().st_size for f in ("pdf", "xlsx")}
                rows.append((f"{area.name} ({area.kind})", orders, statistics.median(q), statistics.median(p),
                             statistics.median(x), pages, sizes))
        bar.close()
        out.write(f"{'area':<22} {'orders':>7} {'queries s':>10} {'PDF s':>8} {'×q':>6} {'Excel s':>8} {'×q':>6} "
                  f"{'total s':>8}  files")
        for label, orders, q, p, x, pages, sizes in rows:
            out.write(f"{label:<22} {orders:>7,} {q:>10.3f} {p:>8.3f} {p / q:>6.1f} {x:>8.3f} {x / q:>6.1f} "
                      f"{q + p + x:>8.3f}  PDF {pages} pages {sizes['pdf'] / 1024:,.0f} KiB, "
                      f"Excel {sizes['xlsx'] / 1024:,.0f} KiB")
        out.write("×q: the file's layout time as a multiple of the data queries alone (the baseline)")

    def _load(self, command, options):
        from civicgrid.dashboard import rollups
        from civicgrid.dashboard.benchmarks import DashboardBenchmark
        from civicgrid.geo.models import Area

        loader = DashboardBenchmark()
        grids = list(Area.objects.filter(kind="grid").values_list("id", "path"))
        if not grids:
            raise CommandError("No grids: run `civicgrid demo` first.")
        err = command.stderr._out
        t0 = time.perf_counter()
        loaded = loader._load(options, grids, err)
        called = loader._callbacks(options, err)
        rollups.rebuild()
        command.stdout.write(f"loaded {loaded:,} orders and {called:,} callbacks in {time.perf_counter() - t0:.1f} s")


BENCHMARKS = [ReportBenchmark()]
