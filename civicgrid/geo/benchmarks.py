"""Benchmarks of the geo app, run by ``civicgrid bench locate`` and ``civicgrid bench locate-agreement``."""

from __future__ import annotations

import csv
import json
import re
import time
from collections import Counter
from pathlib import Path

import numpy as np
from django.core.management.base import CommandError
from tqdm import tqdm

from . import coords
from .locate import AreaIndex
from .models import Area, AreaKind


def _load_geojson(path: str) -> dict:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except (OSError, json.JSONDecodeError) as exc:
        raise CommandError(f"Cannot read {path}: {exc}") from exc


def _uniform_inside(geoms, n: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """Points uniform over the union of ``geoms``: pick a polygon by area, then rejection-sample its box."""
    import shapely

    areas = np.array([g.area for g in geoms])
    chosen = rng.choice(len(geoms), size=n, p=areas / areas.sum())
    lons = np.empty(n)
    lats = np.empty(n)
    for i in np.unique(chosen):
        slots = np.flatnonzero(chosen == i)
        g = geoms[i]
        x0, y0, x1, y1 = g.bounds
        filled = 0
        while filled < len(slots):
            need = (len(slots) - filled) * 2 + 8
            xs, ys = rng.uniform(x0, x1, need), rng.uniform(y0, y1, need)
            keep = shapely.contains_xy(g, xs, ys)
            xs, ys = xs[keep][: len(slots) - filled], ys[keep][: len(slots) - filled]
            lons[slots[filled: filled + len(xs)]] = xs
            lats[slots[filled: filled + len(xs)]] = ys
            filled += len(xs)
    return lons, lats


class LocateBenchmark:
    name = "locate"
    help = "Points per second of vectorised locate_many and of one-by-one locate, on random points."

    def add_arguments(self, parser):
        parser.add_argument("--points", type=int, default=100_000)
        parser.add_argument("--single-points", type=int, default=None,
                            help="how many of them to locate one by one (default: all)")
        parser.add_argument("--geojson", default=None, help="build the index from this file instead of the database")
        parser.add_argument("--code-property", default=None, help="feature property with the area code (with --geojson)")
        parser.add_argument("--coord-system", default="WGS84", help="convert the points from this system first")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--sample", choices=["bbox", "inside"], default="bbox",
                            help="bbox: uniform in the bounding box of the grids (many misses when the "
                                 "jurisdiction is spread out); inside: uniform inside the grids (every point hits)")

    def run(self, command, options):
        out = command.stdout
        started = time.perf_counter()
        if options["geojson"]:
            if not options["code_property"]:
                raise CommandError("--geojson needs --code-property.")
            index = AreaIndex.from_geojson(_load_geojson(options["geojson"]), code_property=options["code_property"])
            source = options["geojson"]
        else:
            index = AreaIndex.from_database()
            source = "database"
        if not len(index):
            raise CommandError("No area has a boundary: import some (import_areas) or pass --geojson.")
        build_s = time.perf_counter() - started
        grids = [g for a, g in zip(index.areas, index.geometries) if a.kind == AreaKind.GRID] or list(index.geometries)
        xmin = min(g.bounds[0] for g in grids)
        ymin = min(g.bounds[1] for g in grids)
        xmax = max(g.bounds[2] for g in grids)
        ymax = max(g.bounds[3] for g in grids)
        system = coords.normalise_system(options["coord_system"])
        rng = np.random.default_rng(options["seed"])
        n = options["points"]
        if options["sample"] == "inside":
            sample_lons, sample_lats = _uniform_inside(grids, n, rng)
            where = f"inside {len(grids)} polygons"
        else:
            sample_lons, sample_lats = rng.uniform(xmin, xmax, n), rng.uniform(ymin, ymax, n)
            where = f"in lon {xmin:.5f}..{xmax:.5f}, lat {ymin:.5f}..{ymax:.5f}"
        lons, lats = coords.from_wgs84_array(sample_lons, sample_lats, system)

        out.write(f"index: {len(index)} polygons from {source}, built in {build_s:.2f} s")
        out.write(f"points: {n:,} uniform {where} ({system}), seed {options['seed']}")

        t0 = time.perf_counter()
        w_lons, w_lats = coords.to_wgs84_array(lons, lats, system)
        vector_codes = index.locate_codes(w_lons, w_lats)
        vector_s = time.perf_counter() - t0

        m = min(n, options["single_points"] or n)
        single_codes = []
        t0 = time.perf_counter()
        for lon, lat in tqdm(zip(lons[:m].tolist(), lats[:m].tolist()), total=m, desc="one by one",
                             unit="pt", file=command.stderr._out, leave=False):
            w_lon, w_lat = coords.to_wgs84(lon, lat, system)
            found = index.locate(w_lon, w_lat)
            single_codes.append(found.area.code if found else None)
        single_s = time.perf_counter() - t0

        vector_rate = n / vector_s if vector_s else float("inf")
        single_rate = m / single_s if single_s else float("inf")
        located = sum(c is not None for c in vector_codes)
        same = sum(a == b for a, b in zip(single_codes, vector_codes[:m]))
        out.write(f"locate_many (vectorised): {vector_rate:,.0f} points/s ({n:,} in {vector_s:.3f} s)")
        out.write(f"locate (one by one):      {single_rate:,.0f} points/s ({m:,} in {single_s:.3f} s)")
        out.write(f"speed-up of vectorised:   {vector_rate / single_rate:.1f}x")
        out.write(f"located: {located:,} of {n:,} ({100.0 * located / n:.1f}%); "
                  f"both methods agree on {same:,} of {m:,}")


BOROUGH_DIGIT = {"MANHATTAN": 1, "BRONX": 2, "BROOKLYN": 3, "QUEENS": 4, "STATEN ISLAND": 5}
_BOARD = re.compile(r"^\s*(\d{1,2})\s+(MANHATTAN|BRONX|BROOKLYN|QUEENS|STATEN ISLAND)\s*$", re.IGNORECASE)


def board_to_borocd(text: str) -> str | None:
    """NYC 311's community_board text ("04 MANHATTAN") -> BoroCD ("104"); None for "0 Unspecified"."""
    match = _BOARD.match(text or "")
    if not match or int(match.group(1)) == 0:
        return None
    return str(BOROUGH_DIGIT[match.group(2).upper()] * 100 + int(match.group(1)))


class LocateAgreementBenchmark:
    name = "locate-agreement"
    help = "Share of NYC 311 rows whose point falls in the community district their community_board names."

    def add_arguments(self, parser):
        parser.add_argument("--geojson", default=None,
                            help="nyc_community_districts.geojson; without it, the districts already imported "
                                 "into the database (civicgrid import-areas ... --code-property BoroCD)")
        parser.add_argument("--csv", required=True, help="an NYC 311 CSV with community_board, latitude, longitude")
        parser.add_argument("--code-property", default="BoroCD")
        parser.add_argument("--code-prefix", default="", help="prefix the import gave the district codes")

    def run(self, command, options):
        out = command.stdout
        if options["geojson"]:
            index = AreaIndex.from_geojson(_load_geojson(options["geojson"]), code_property=options["code_property"])
            out.write(f"index: {len(index)} districts from {options['geojson']}")
        else:
            index = AreaIndex.from_database()
            out.write(f"index: {len(index)} areas imported into the database")
        prefix = options["code_prefix"]
        skipped: Counter[str] = Counter()
        lons, lats, boards = [], [], []
        total = 0
        try:
            with open(options["csv"], newline="", encoding="utf-8-sig") as fh:
                for row in tqdm(csv.DictReader(fh), desc="reading", unit="row", file=command.stderr._out, leave=False):
                    total += 1
                    try:
                        lat, lon = float(row.get("latitude") or ""), float(row.get("longitude") or "")
                    except ValueError:
                        skipped["no coordinates"] += 1
                        continue
                    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
                        skipped["coordinates out of range"] += 1
                        continue
                    board = board_to_borocd(row.get("community_board") or "")
                    if board is None:
                        skipped["no valid community board"] += 1
                        continue
                    lons.append(lon)
                    lats.append(lat)
                    boards.append(prefix + board)
        except OSError as exc:
            raise CommandError(f"Cannot read {options['csv']}: {exc}") from exc

        t0 = time.perf_counter()
        located = index.locate_codes(np.array(lons), np.array(lats))
        elapsed = time.perf_counter() - t0
        compared = len(boards)
        outside = sum(c is None for c in located)
        agree = sum(c == b for c, b in zip(located, boards))
        mismatches = Counter((b, c) for c, b in zip(located, boards) if c is not None and c != b)

        out.write(f"rows read: {total:,}; compared: {compared:,}")
        for reason, count in skipped.most_common():
            out.write(f"  skipped, {reason}: {count:,}")
        out.write(f"located in no district: {outside:,}")
        out.write(f"agreement (located district == community_board): {agree:,} of {compared:,} = "
                  f"{100.0 * agree / compared if compared else 0:.2f}%")
        out.write(f"located {compared:,} points in {elapsed * 1000:.1f} ms")
        if mismatches:
            top = ", ".join(f"{b}->{c} x{n}" for (b, c), n in mismatches.most_common(5))
            out.write(f"commonest disagreements (board->located): {top}")


BENCHMARKS = [LocateBenchmark(), LocateAgreementBenchmark()]
