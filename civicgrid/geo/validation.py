"""Checks of area boundaries: a well-formed polygon, inside its parent, clear of its siblings.

Functions return lists of messages instead of raising on the first problem, so that an import can
report every bad feature of a file at once. Each message starts with the label the caller passes
("features[3] (code 101)", "area 370203020009001"), so the person fixing the file knows where to look.

Tolerances (degrees, WGS-84). Real boundary files are digitised by different people at different
scales: neighbours that should share an edge often overlap or leave gaps of a few centimetres to a
few metres (SF's neighbourhoods overlap by ~1e-16 deg², floating-point noise; LA's council districts
by up to ~6e-7 deg², several thousand m², which is a real disagreement). We accept:

- CONTAINMENT_BUFFER: a child may stick out of its parent by 1e-7° (~1 cm) anywhere;
- SLIVER_AREA: a child may lie outside its parent, or overlap a sibling, by at most 1e-9 deg²
  in total (about 10 m² at Qingdao's latitude: a sliver along a shared edge, not a disputed block).

Anything bigger is refused; an import may still accept real overlaps with an explicit
``allow_overlap`` (``--allow-overlap``), never silently.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from numbers import Real

import shapely
from django.utils.translation import gettext
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

POLYGON_TYPES = ("Polygon", "MultiPolygon")
CONTAINMENT_BUFFER = 1e-7
SLIVER_AREA = 1e-9
_M_PER_DEG = 111_320.0


def approx_m2(area_deg2: float, lat: float) -> float:
    """Square degrees to square metres near ``lat`` (good to a few per cent: for messages only)."""
    return area_deg2 * _M_PER_DEG * _M_PER_DEG * math.cos(math.radians(lat))


def _position_problems(position, where: str) -> list[str]:
    if not isinstance(position, (list, tuple)) or len(position) < 2:
        return [gettext("%(where)s is not a [longitude, latitude] pair: %(value)r.") % {"where": where, "value": position}]
    lon, lat = position[0], position[1]
    if not all(isinstance(v, Real) and not isinstance(v, bool) and math.isfinite(v) for v in (lon, lat)):
        return [gettext("%(where)s has a non-numeric coordinate: %(value)r.") % {"where": where, "value": position}]
    problems = []
    if not -180 <= lon <= 180:
        problems.append(gettext("%(where)s has longitude %(lon)s outside -180..180.") % {"where": where, "lon": lon})
    if not -90 <= lat <= 90:
        problems.append(gettext("%(where)s has latitude %(lat)s outside -90..90.") % {"where": where, "lat": lat})
    return problems


def _ring_problems(ring, where: str) -> list[str]:
    if not isinstance(ring, (list, tuple)):
        return [gettext("%(where)s is not a list of positions.") % {"where": where}]
    problems: list[str] = []
    for i, position in enumerate(ring):
        problems += _position_problems(position, f"{where} position {i}")
        if len(problems) >= 3:
            # One broken ring can have thousands of bad points; three show the pattern.
            return problems
    if problems:
        return problems
    if len(ring) < 4:
        return [gettext("%(where)s has %(n)d positions; a ring needs at least 4.") % {"where": where, "n": len(ring)}]
    if list(ring[0][:2]) != list(ring[-1][:2]):
        return [gettext("%(where)s is not closed: it starts at %(first)s and ends at %(last)s.")
                % {"where": where, "first": list(ring[0][:2]), "last": list(ring[-1][:2])}]
    return []


def _polygon_problems(rings, where: str) -> list[str]:
    if not isinstance(rings, (list, tuple)) or not rings:
        return [gettext("%(where)s has no rings.") % {"where": where}]
    problems: list[str] = []
    for r, ring in enumerate(rings):
        ring_name = gettext("outer ring") if r == 0 else gettext("hole %(n)d") % {"n": r}
        problems += _ring_problems(ring, f"{where} {ring_name}")
    return problems


def geometry_problems(geometry, label: str) -> tuple[BaseGeometry | None, list[str]]:
    """Parse a GeoJSON geometry; return (shapely geometry or None, problems)."""
    if not isinstance(geometry, dict):
        return None, [gettext("%(label)s: the geometry is missing or not a JSON object.") % {"label": label}]
    gtype = geometry.get("type")
    if gtype not in POLYGON_TYPES:
        return None, [gettext("%(label)s: geometry type %(type)r is not allowed; use Polygon or MultiPolygon.")
                      % {"label": label, "type": gtype}]
    coordinates = geometry.get("coordinates")
    problems: list[str] = []
    if gtype == "Polygon":
        problems = _polygon_problems(coordinates, gettext("%(label)s:") % {"label": label})
    elif not isinstance(coordinates, (list, tuple)) or not coordinates:
        problems = [gettext("%(label)s: the MultiPolygon has no polygons.") % {"label": label}]
    else:
        for p, polygon in enumerate(coordinates):
            problems += _polygon_problems(polygon, gettext("%(label)s: polygon %(n)d") % {"label": label, "n": p})
    if problems:
        return None, problems
    try:
        geom = shape(geometry)
    except Exception as exc:  # shapely raises several types for malformed input
        return None, [gettext("%(label)s: the geometry cannot be read: %(error)s.") % {"label": label, "error": exc}]
    if not geom.is_valid:
        return geom, [gettext("%(label)s: the polygon is invalid: %(reason)s.")
                      % {"label": label, "reason": explain_validity(geom)}]
    if geom.is_empty or geom.area == 0:
        return None, [gettext("%(label)s: the polygon has no area.") % {"label": label}]
    return geom, []


def polygonal_part(geom: BaseGeometry) -> Polygon | MultiPolygon | None:
    """The polygons of a make_valid() result (which may add stray lines or points)."""
    if isinstance(geom, (Polygon, MultiPolygon)):
        return geom
    polys: list[Polygon] = []
    for part in getattr(geom, "geoms", []):
        if isinstance(part, Polygon):
            polys.append(part)
        elif isinstance(part, MultiPolygon):
            polys.extend(part.geoms)
    if not polys:
        return None
    return polys[0] if len(polys) == 1 else MultiPolygon(polys)


def repaired(geom: BaseGeometry) -> Polygon | MultiPolygon | None:
    """An explicit, opt-in repair of a self-intersecting polygon (shapely.make_valid)."""
    return polygonal_part(shapely.make_valid(geom))


def containment_problems(child: BaseGeometry, parent: BaseGeometry, child_label: str, parent_label: str) -> list[str]:
    if child.within(parent.buffer(CONTAINMENT_BUFFER)):
        return []
    outside = child.difference(parent).area
    if outside <= SLIVER_AREA:
        return []
    lat = child.centroid.y
    return [
        gettext("%(child)s is not inside its parent %(parent)s: %(m2).0f m² (%(share).2f%% of it) lies outside.")
        % {"child": child_label, "parent": parent_label, "m2": approx_m2(outside, lat),
           "share": 100.0 * outside / child.area}
    ]


def overlap_area(a: BaseGeometry, b: BaseGeometry) -> float:
    return a.intersection(b).area if a.intersects(b) else 0.0


def overlap_problems(
    geom: BaseGeometry, label: str, siblings: Iterable[tuple[str, BaseGeometry]]
) -> list[str]:
    """Overlaps of one geometry with each of ``siblings`` (label, geometry) beyond the tolerance."""
    problems = []
    for sibling_label, other in siblings:
        area = overlap_area(geom, other)
        if area > SLIVER_AREA:
            problems.append(
                gettext("%(label)s overlaps %(other)s by %(m2).0f m².")
                % {"label": label, "other": sibling_label, "m2": approx_m2(area, geom.centroid.y)}
            )
    return problems


def pairwise_overlaps(labels: Sequence[str], geoms: Sequence[BaseGeometry]) -> list[str]:
    """Overlaps among many siblings at once, found through an STRtree (no n² loop)."""
    if len(geoms) < 2:
        return []
    tree = shapely.STRtree(list(geoms))
    left, right = tree.query(list(geoms), predicate="intersects")
    problems = []
    for i, j in zip(left.tolist(), right.tolist()):
        if i < j:
            problems += overlap_problems(geoms[i], labels[i], [(labels[j], geoms[j])])
    return problems
