"""``civicgrid bench intake``: end-to-end intake throughput against the raw insert rate.

Appeals are replayed from the shared data (read in place, never copied): the Chinese messages of
``appeals/unlabelled_messages.csv`` (subject, text, time; placed at random demo buildings, since they
carry no coordinates) and Boston's 2011 311 cases (``us311/boston311_2011_full_year_58k.csv``; their
latitude/longitude mapped linearly onto the bounding box of the demo grids, a point that falls
between grids moved to a random building). Preparing the rows is not timed.

Timed, on the same rows into the same tables:
- intake: ``submit_appeals`` in batches: validation, vectorised locate, suggestion, routing, SLA
  deadline, numbering, WorkOrder + Appeal + OrderEvent + audit rows + outbox, one transaction per
  batch; ``--single N`` also times N appeals one by one through ``submit_appeal``;
- raw: ``bulk_create`` of the WorkOrder and Appeal rows alone, same batch size.
The rows written are deleted afterwards unless ``--keep`` (audit rows stay: the log is append-only).
"""

from __future__ import annotations

import csv
import random
import time
import uuid
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone
from tqdm import tqdm

from civicgrid.geo.locate import get_index
from civicgrid.geo.models import AreaKind, Building

from .intake import submit_appeal, submit_appeals
from .models import Appeal, Channel, OrderEvent, WorkOrder

DATA = Path(getattr(settings, "SHARED_DATA_DIR", settings.BASE_DIR.parent / "shared" / "data"))


def _clean(text: str) -> str:
    return " ".join((text or "").split())


def _read_unlabelled(path: Path, limit: int) -> list[dict]:
    rows = []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for record in csv.DictReader(fh):
            text = _clean(record.get("留言详情", ""))[:4000]
            if not text:
                continue
            rows.append({"title": _clean(record.get("留言主题", ""))[:200], "text": text,
                         "received_at": record.get("留言时间") or None})
            if len(rows) >= limit:
                break
    return rows


def _read_boston(path: Path, limit: int) -> list[dict]:
    rows = []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for record in csv.DictReader(fh):
            title = _clean(record.get("case_title", ""))[:200]
            text = _clean(" ".join(record.get(k, "") for k in ("case_title", "reason", "type", "location")))
            if not text:
                continue
            try:
                lat, lon = float(record.get("latitude") or "nan"), float(record.get("longitude") or "nan")
            except ValueError:
                lat = lon = float("nan")
            rows.append({"title": title or text[:40], "text": text[:4000], "_lat": lat, "_lon": lon,
                         "received_at": (record.get("open_dt") or "").replace(" ", "T") or None})
            if len(rows) >= limit:
                break
    return rows


class IntakeBenchmark:
    name = "intake"
    help = "Appeals per second through the whole intake pipeline, against the raw insert rate of the same rows."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=10_000, help="appeals in all (default 10,000)")
        parser.add_argument("--source", choices=["unlabelled", "boston", "both"], default="both")
        parser.add_argument("--batch", type=int, default=500, help="appeals per transaction")
        parser.add_argument("--single", type=int, default=200, help="also time this many one by one (0: skip)")
        parser.add_argument("--data", default=str(DATA), help="the shared data folder")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--keep", action="store_true", help="keep the rows written")

    # -- preparing (not timed) ------------------------------------------------------------------
    def rows(self, options) -> list[dict]:
        data = Path(options["data"])
        limit = options["limit"]
        sources = ["unlabelled", "boston"] if options["source"] == "both" else [options["source"]]
        per = {s: (limit // len(sources) + (1 if i < limit % len(sources) else 0)) for i, s in enumerate(sources)}
        rows: list[dict] = []
        for source in sources:
            path = data / ("appeals/unlabelled_messages.csv" if source == "unlabelled"
                           else "us311/boston311_2011_full_year_58k.csv")
            if not path.exists():
                raise CommandError(f"{path} not found: pass --data with the shared data folder.")
            got = _read_unlabelled(path, per[source]) if source == "unlabelled" else _read_boston(path, per[source])
            # The unlabelled file has 2,755 messages: replay it as often as --limit asks.
            base = list(got)
            while base and len(got) < per[source]:
                got.extend(dict(r) for r in base[: per[source] - len(got)])
            rows.extend(got)
        return rows

    def place(self, rows: list[dict], rng: random.Random) -> None:
        buildings = list(Building.objects.values_list("lon", "lat"))
        index = get_index()
        grids = [g for a, g in zip(index.areas, index.geometries) if a.kind == AreaKind.GRID]
        if not buildings or not grids:
            raise CommandError("No demo grids or buildings: run `civicgrid demo` first.")
        x0 = min(g.bounds[0] for g in grids)
        y0 = min(g.bounds[1] for g in grids)
        x1 = max(g.bounds[2] for g in grids)
        y1 = max(g.bounds[3] for g in grids)
        boston = [r for r in rows if "_lat" in r and np.isfinite(r["_lat"]) and r["_lat"] > 40]
        if boston:
            lats = np.array([r["_lat"] for r in boston])
            lons = np.array([r["_lon"] for r in boston])
            b_lat0, b_lat1, b_lon0, b_lon1 = lats.min(), lats.max(), lons.min(), lons.max()
            for r in boston:
                r["lon"] = x0 + (r["_lon"] - b_lon0) / ((b_lon1 - b_lon0) or 1) * (x1 - x0)
                r["lat"] = y0 + (r["_lat"] - b_lat0) / ((b_lat1 - b_lat0) or 1) * (y1 - y0)
        for r in rows:
            r.pop("_lat", None)
            r.pop("_lon", None)
            if "lon" not in r:
                r["lon"], r["lat"] = rng.choice(buildings)
        codes = index.locate_codes(np.array([r["lon"] for r in rows]), np.array([r["lat"] for r in rows]))
        kinds = {a.code: a.kind for a in index.areas}
        for r, code in zip(rows, codes):
            if code is None or kinds.get(code) != AreaKind.GRID:
                r["lon"], r["lat"] = rng.choice(buildings)

    # -- timing -----------------------------------------------------------------------------------
    def run(self, command, options):
        out = command.stdout
        err = command.stderr._out
        rng = random.Random(options["seed"])
        rows = self.rows(options)
        self.place(rows, rng)
        tag = f"bench-{uuid.uuid4().hex[:8]}"
        for i, r in enumerate(rows):
            r["source"], r["external_id"] = tag, str(i)
        n, batch = len(rows), max(1, options["batch"])
        out.write(f"database: {connection.vendor}; appeals: {n:,} ({options['source']}); batch {batch}")
        submit_appeals(rows[:1], channel=Channel.IMPORT, actor=None)  # warm the snapshots and the geo index
        rows = rows[1:]
        n -= 1

        refused = 0
        t0 = time.perf_counter()
        for start in tqdm(range(0, n, batch), desc="intake", unit="batch", file=err, leave=False):
            result = submit_appeals(rows[start:start + batch], channel=Channel.IMPORT, actor=None)
            refused += len(result.errors)
        intake_s = time.perf_counter() - t0
        taken = n - refused

        single_n = min(options["single"], n)
        single_s = 0.0
        if single_n:
            t0 = time.perf_counter()
            for i, r in enumerate(tqdm(rows[:single_n], desc="one by one", unit="appeal", file=err, leave=False)):
                submit_appeal(channel=Channel.IMPORT, actor=None, **{**r, "external_id": f"s{i}"})
            single_s = time.perf_counter() - t0

        raw_s = self.raw(rows, batch, tag, err)
        intake_rate = taken / intake_s if intake_s else float("inf")
        raw_rate = n / raw_s if raw_s else float("inf")
        out.write(f"intake (batched, end to end): {intake_rate:,.0f} appeals/s ({taken:,} in {intake_s:.2f} s, "
                  f"{refused:,} refused)")
        if single_n:
            out.write(f"intake (one by one):          {single_n / single_s:,.0f} appeals/s ({single_n:,} in {single_s:.2f} s)")
        out.write(f"raw insert (orders+appeals):  {raw_rate:,.0f} appeals/s ({n:,} in {raw_s:.2f} s)")
        out.write(f"intake / raw: {100.0 * intake_rate / raw_rate:.1f}%  (targets: ≥ 1,000 appeals/s on PostgreSQL, ≥ 40%)")
        if not options["keep"]:
            self.cleanup(tag)

    def raw(self, rows, batch, tag, err) -> float:
        index = get_index()
        codes = index.locate_codes(np.array([r["lon"] for r in rows]), np.array([r["lat"] for r in rows]))
        areas = {a.code: a for a in index.areas}
        now = timezone.now()
        t0 = time.perf_counter()
        for start in tqdm(range(0, len(rows), batch), desc="raw insert", unit="batch", file=err, leave=False):
            chunk = rows[start:start + batch]
            with transaction.atomic():
                orders = []
                for i, (r, code) in enumerate(zip(chunk, codes[start:start + batch])):
                    area = areas[code]
                    orders.append(WorkOrder(number=f"R{tag[6:]}{start + i:08d}", title=r["title"], description=r["text"],
                                            channel=Channel.IMPORT, area_id=area.pk, area_path=area.path,
                                            lon=r["lon"], lat=r["lat"]))
                WorkOrder.objects.bulk_create(orders)
                Appeal.objects.bulk_create([
                    Appeal(tracking_number=f"RS{tag[6:]}{start + i:08d}", order=o, channel=Channel.IMPORT,
                           title=r["title"], text=r["text"], lon=r["lon"], lat=r["lat"], area_path=o.area_path,
                           source=f"raw-{tag}", external_id=str(start + i), received_at=now)
                    for i, (r, o) in enumerate(zip(chunk, orders))])
        return time.perf_counter() - t0

    def cleanup(self, tag: str) -> None:
        with transaction.atomic():
            order_ids = list(Appeal.objects.filter(source__in=[tag, f"raw-{tag}"]).values_list("order_id", flat=True))
            for start in range(0, len(order_ids), 5000):
                ids = order_ids[start:start + 5000]
                Appeal.objects.filter(order_id__in=ids).delete()
                OrderEvent.objects.filter(order_id__in=ids).delete()
                WorkOrder.objects.filter(pk__in=ids).delete()


BENCHMARKS = [IntakeBenchmark()]
