"""Generated boundaries for the demo: convex polygons that tile their parent exactly.

The work is done in a local plane in kilometres around the district (so that Voronoi cells are not
stretched by the longitude scale) and converted to WGS-84 longitude/latitude at the end. A district
is a convex blob; each level below is a Lloyd-relaxed Voronoi diagram of seeded points clipped to the
parent. A Voronoi cell is convex and the parent is convex, so every child is one convex polygon, the
children do not overlap and together they cover the parent. Coordinates are rounded to 7 decimals
(about 1 cm); the tests check containment and non-overlap to that tolerance.
"""

from __future__ import annotations

import math
import random

import shapely
from shapely import affinity
from shapely.geometry import MultiPoint, Point, Polygon, mapping
from shapely.geometry.polygon import orient

KM_PER_DEG_LAT = 110.574
DECIMALS = 7


class Frame:
    """A local tangent plane (x east, y north, kilometres) around ``(lon0, lat0)``."""

    def __init__(self, lon0: float, lat0: float):
        self.lon0, self.lat0 = lon0, lat0
        self.km_per_deg_lon = 111.320 * math.cos(math.radians(lat0))

    def to_lonlat(self, geom):
        return shapely.transform(geom, lambda xy: self._to_lonlat_array(xy))

    def to_km(self, geom):
        return shapely.transform(geom, lambda xy: self._to_km_array(xy))

    def _to_lonlat_array(self, xy):
        out = xy.copy()
        out[:, 0] = self.lon0 + xy[:, 0] / self.km_per_deg_lon
        out[:, 1] = self.lat0 + xy[:, 1] / KM_PER_DEG_LAT
        return out.round(DECIMALS)

    def _to_km_array(self, xy):
        out = xy.copy()
        out[:, 0] = (xy[:, 0] - self.lon0) * self.km_per_deg_lon
        out[:, 1] = (xy[:, 1] - self.lat0) * KM_PER_DEG_LAT
        return out

    def offset_km(self, lon: float, lat: float) -> tuple[float, float]:
        return ((lon - self.lon0) * self.km_per_deg_lon, (lat - self.lat0) * KM_PER_DEG_LAT)


def blob(rng: random.Random, area_km2: float, vertices: int = 28) -> Polygon:
    """A convex, slightly irregular shape of the given area centred on the origin."""
    aspect = rng.uniform(0.75, 1.3)
    rotation = rng.uniform(0, math.pi)
    points = []
    for i in range(vertices):
        angle = 2 * math.pi * i / vertices + rng.uniform(-0.08, 0.08)
        radius = rng.uniform(0.88, 1.12)
        x, y = radius * math.cos(angle) * aspect, radius * math.sin(angle) / aspect
        points.append((x * math.cos(rotation) - y * math.sin(rotation), x * math.sin(rotation) + y * math.cos(rotation)))
    hull = MultiPoint(points).convex_hull
    factor = math.sqrt(area_km2 / hull.area)
    return affinity.scale(hull, factor, factor, origin=(0, 0))


def random_points(rng: random.Random, polygon: Polygon, n: int, min_dist: float = 0.0, tries: int = 4000) -> list[tuple[float, float]]:
    """``n`` points inside ``polygon``, at least ``min_dist`` apart when that is possible."""
    minx, miny, maxx, maxy = polygon.bounds
    shapely.prepare(polygon)
    points: list[tuple[float, float]] = []
    attempts = 0
    while len(points) < n:
        attempts += 1
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if not shapely.contains_xy(polygon, x, y):
            continue
        if min_dist and attempts < tries and any((x - px) ** 2 + (y - py) ** 2 < min_dist**2 for px, py in points):
            continue
        points.append((x, y))
    return points


def partition(
    rng: random.Random,
    parent: Polygon,
    n: int,
    seeds: list[tuple[float, float]] | None = None,
    iterations: int = 5,
) -> list[Polygon]:
    """Split a convex ``parent`` into ``n`` convex cells of similar size (Lloyd-relaxed Voronoi).

    With ``seeds`` the i-th cell is the one grown from the i-th seed; without, cells are returned
    north to south, west to east, so that sequence numbers read like a map.
    """
    if n == 1:
        return [parent]
    points = list(seeds) if seeds else random_points(rng, parent, n)
    cells: list[Polygon] = []
    for step in range(iterations + 1):
        diagram = shapely.voronoi_polygons(MultiPoint(points), extend_to=parent, ordered=True)
        cells = [cell.intersection(parent) for cell in diagram.geoms]
        if step < iterations:
            points = [(c.centroid.x, c.centroid.y) for c in cells]
    cells = [_single(c) for c in cells]
    if not seeds:
        # Reading order: rows of about sqrt(n) cells, north first.
        row_height = (parent.bounds[3] - parent.bounds[1]) / max(1, round(math.sqrt(n)))
        cells.sort(key=lambda c: (-math.floor((c.centroid.y - parent.bounds[1]) / row_height), c.centroid.x))
    return cells


def _single(geom) -> Polygon:
    if geom.geom_type == "Polygon":
        return geom
    # Numerical crumbs along a shared edge: keep the main piece.
    return max((g for g in getattr(geom, "geoms", []) if g.geom_type == "Polygon"), key=lambda g: g.area)


def geojson(polygon_lonlat: Polygon) -> dict:
    # RFC 7946: exterior ring counter-clockwise; normalise first so the start vertex is fixed.
    data = mapping(orient(shapely.normalize(polygon_lonlat), sign=1.0))
    return {"type": "Polygon", "coordinates": [[list(p) for p in ring] for ring in data["coordinates"]]}


def inner_points(
    rng: random.Random, polygon: Polygon, n: int, margin: float, min_dist: float
) -> list[tuple[float, float]]:
    """Points for buildings: inside the polygon shrunk by ``margin`` (km), spread out."""
    inner = polygon.buffer(-margin)
    if inner.is_empty or inner.area < polygon.area * 0.2:
        inner = polygon.buffer(-margin / 4)
    if inner.geom_type != "Polygon":
        inner = _single(inner)
    return random_points(rng, inner, n, min_dist=min_dist)


__all__ = ["Frame", "blob", "partition", "geojson", "inner_points", "random_points", "Point"]
