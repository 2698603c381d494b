"""Which area is this point in? An in-memory STRtree of area boundaries, one per process.

The index is built lazily on first use from every area that has a boundary. Services that change a
boundary bump ``GeoIndexState.version`` inside their transaction and, after commit, drop this
process's index (``invalidate_local_index``). Other processes (web workers, Celery) notice the new
version at their next check, at most every ``settings.GEO_INDEX_CHECK_SECONDS``, and rebuild: a
boundary edit reaches every process within that many seconds without any message bus.

Areas returned in results are snapshots taken when the index was built, copied per call so callers
may keep or change them freely: ``pk``, ``code`` and ``path`` are exact; re-read the row if fresh
names are needed. Indexes built from a GeoJSON file (benchmarks) hold unsaved areas.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from django.conf import settings
from django.db import transaction
from shapely.geometry import shape

from civicgrid.core import versioning

from . import coords
from .models import PATH_SEPARATOR, Area, GeoIndexState



@dataclass(frozen=True)
class Located:
    lon: float  # WGS-84
    lat: float
    area: Area  # the deepest area containing the point, normally a grid
    chain: list[Area]  # root first: district, street, community, grid (the areas known to the index)

    @property
    def codes(self) -> list[str]:
        return [a.code for a in self.chain]


class AreaIndex:
    """An immutable STRtree over area polygons plus the tree metadata needed for chains."""

    def __init__(self, areas: Sequence[Area], geometries: Sequence, *, version: int | None = None,
                 all_areas: Iterable[Area] = ()):
        self.version = version
        self.areas = list(areas)
        self.geometries = np.asarray(geometries, dtype=object)
        shapely.prepare(self.geometries)
        self.tree = shapely.STRtree(self.geometries)
        self.by_code: dict[str, Area] = {a.code: a for a in all_areas}
        self.by_code.update({a.code: a for a in self.areas})
        self.codes = np.array([a.code for a in self.areas], dtype=object)
        # Ranking of candidates when several polygons hold a point: the deepest wins; among equals
        # (overlaps accepted on import, or a point on a shared edge) the smaller area, then the
        # lower code, so the answer never depends on the order rows came out of the database.
        order = sorted(
            range(len(self.areas)),
            key=lambda i: (-self.areas[i].depth, self.geometries[i].area, self.areas[i].code),
        )
        self.rank = np.empty(len(self.areas), dtype=np.int64)
        self.rank[np.asarray(order, dtype=np.int64)] = np.arange(len(order), dtype=np.int64)

    def __len__(self) -> int:
        return len(self.areas)

    # --- construction --------------------------------------------------------------------------
    @classmethod
    def from_database(cls) -> AreaIndex:
        version = current_version()
        fields = ("id", "code", "name", "kind", "parent_id", "path", "depth", "centroid_lon", "centroid_lat")
        all_areas = list(Area.objects.only(*fields).order_by("path"))
        by_id = {a.pk: a for a in all_areas}
        areas, geoms = [], []
        for pk, boundary in Area.objects.filter(boundary__isnull=False).values_list("id", "boundary"):
            if not boundary or pk not in by_id:  # created after the first query: next rebuild
                continue
            areas.append(by_id[pk])
            geoms.append(shape(boundary))
        return cls(areas, geoms, version=version, all_areas=all_areas)

    @classmethod
    def from_geojson(cls, collection: dict, *, code_property: str, name_property: str | None = None,
                     kind: str = "district") -> AreaIndex:
        """A flat index over a FeatureCollection, without touching the database."""
        areas, geoms = [], []
        for feature in collection.get("features", []):
            props = feature.get("properties") or {}
            geometry = feature.get("geometry")
            if not geometry or props.get(code_property) is None:
                continue
            code = str(props[code_property])
            name = str(props.get(name_property) or code) if name_property else code
            areas.append(Area(code=code, name=name, kind=kind, path=f"{code}{PATH_SEPARATOR}", depth=0))
            geoms.append(shape(geometry))
        return cls(areas, geoms)

    # --- queries -------------------------------------------------------------------------------
    def _best(self, candidates: np.ndarray) -> int | None:
        if candidates.size == 0:
            return None
        return int(candidates[np.argmin(self.rank[candidates])])

    def locate_index(self, lon: float, lat: float) -> int | None:
        """Index into ``self.areas`` of the deepest polygon covering (lon, lat), WGS-84."""
        if not self.areas:
            return None
        candidates = self.tree.query(shapely.Point(lon, lat))
        if candidates.size == 0:
            return None
        return self._best(candidates[shapely.intersects_xy(self.geometries[candidates], lon, lat)])

    def locate_indices(self, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
        """For each point, the index of its area, or -1."""
        n = len(lons)
        result = np.full(n, -1, dtype=np.int64)
        if n == 0 or not self.areas:
            return result
        # Bounding-box candidates from the tree, then the exact test against the prepared polygons.
        # tree.query(points, predicate="intersects") gives the same pairs but prepares each input
        # point instead of using the prepared polygons: 25x slower on NYC's districts (measured).
        # "intersects" for a point is "covers": a point on an edge belongs to the polygon.
        point_idx, geom_idx = self.tree.query(shapely.points(lons, lats))
        hit = shapely.intersects_xy(self.geometries[geom_idx], lons[point_idx], lats[point_idx])
        point_idx, geom_idx = point_idx[hit], geom_idx[hit]
        if point_idx.size == 0:
            return result
        big = np.iinfo(np.int64).max
        best_rank = np.full(n, big, dtype=np.int64)
        np.minimum.at(best_rank, point_idx, self.rank[geom_idx])
        found = best_rank != big
        inverse = np.empty(len(self.rank), dtype=np.int64)
        inverse[self.rank] = np.arange(len(self.rank), dtype=np.int64)
        result[found] = inverse[best_rank[found]]
        return result

    def chain_for(self, area: Area) -> list[Area]:
        codes = [c for c in area.path.split(PATH_SEPARATOR) if c]
        chain = [copy.copy(self.by_code[c]) for c in codes if c in self.by_code]
        # Wire each copy to its copied parent: area.parent.code costs no query and the
        # shared snapshots are never handed out.
        for parent, child in zip(chain, chain[1:]):
            if parent.pk is not None and child.parent_id == parent.pk:
                child.parent = parent
        return chain

    def locate(self, lon: float, lat: float) -> Located | None:
        i = self.locate_index(lon, lat)
        if i is None:
            return None
        chain = self.chain_for(self.areas[i])
        area = chain[-1] if chain and chain[-1].code == self.areas[i].code else copy.copy(self.areas[i])
        return Located(lon=lon, lat=lat, area=area, chain=chain)

    def locate_codes(self, lons, lats) -> list[str | None]:
        idx = self.locate_indices(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))
        out = np.full(len(idx), None, dtype=object)
        hit = idx >= 0
        out[hit] = self.codes[idx[hit]]
        return out.tolist()


# --- the per-process index ----------------------------------------------------------------------
_lock = threading.Lock()
_index: AreaIndex | None = None
_checked_at = 0.0


def current_version() -> int:
    return versioning.read_version(GeoIndexState)


def bump_version() -> None:
    """Call inside the transaction that changes a boundary; drops this process's index on commit."""
    versioning.bump_version(GeoIndexState)
    transaction.on_commit(invalidate_local_index)


def invalidate_local_index() -> None:
    global _index, _checked_at
    with _lock:
        _index = None
        _checked_at = 0.0


def get_index() -> AreaIndex:
    """This process's index, rebuilt if another process changed boundaries since it was built."""
    global _index, _checked_at
    index = _index
    now = time.monotonic()
    if index is not None and now - _checked_at < settings.GEO_INDEX_CHECK_SECONDS:
        return index
    with _lock:
        # Another thread may have rebuilt or checked while this one waited for the lock.
        if _index is not None and time.monotonic() - _checked_at < settings.GEO_INDEX_CHECK_SECONDS:
            return _index
        if _index is None or current_version() != _index.version:
            _index = AreaIndex.from_database()
        _checked_at = time.monotonic()
        return _index


def locate(lon: float, lat: float, coord_system: str = coords.WGS84) -> Located | None:
    """The deepest area holding the point and its chain from the root, or None when outside all.

    Raises coords.CoordinateError for an unknown system or out-of-range numbers.
    """
    w_lon, w_lat = coords.to_wgs84(lon, lat, coord_system)
    return get_index().locate(w_lon, w_lat)


def locate_many(lons, lats, coord_system: str = coords.WGS84) -> list[str | None]:
    """Area codes (or None) for columns of points, one STRtree query for all of them."""
    w_lons, w_lats = coords.to_wgs84_array(lons, lats, coord_system)
    return get_index().locate_codes(w_lons, w_lats)
