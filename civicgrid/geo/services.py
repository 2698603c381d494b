"""Every write to areas, buildings and households.

Each function validates first and raises django.core.exceptions.ValidationError with messages that
name the area, file, row or feature at fault; only then does it write, inside one transaction,
saving only what changed, with one audit row. A change of any boundary bumps the geo index version
in the same transaction (see locate.py), so every process re-reads boundaries after commit.

Imports are all-or-nothing: every row or feature is checked, every problem is reported together,
and nothing is written unless all of them pass.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import shapely
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext
from shapely.geometry import mapping, shape

from civicgrid.core.masking import mask_id_number, mask_name, mask_phone
from civicgrid.core.files import decode_text, read_text
from civicgrid.core.services import diff_fields, record_event

from . import coords, locate, validation
from .models import PARENT_KIND, AreaKind, Area, Building, Household, HouseholdTag
from .paths import depth_of, path_for

Progress = Callable[[Iterable, int, str], Iterable]

CODE_MAX = Area._meta.get_field("code").max_length
NAME_MAX = Area._meta.get_field("name").max_length
# How far a building's point may lie outside its grid's boundary (~10 m): geocoded points often
# land on the street in front of the building, across the grid's edge.
BUILDING_TOLERANCE_DEG = 1e-4


def _no_progress(iterable: Iterable, total: int, desc: str) -> Iterable:
    return iterable


# --- areas --------------------------------------------------------------------------------------
def _area_label(code: str, name: str = "") -> str:
    if name and name != code:
        return gettext("area %(code)s (%(name)s)") % {"code": code, "name": name}
    return gettext("area %(code)s") % {"code": code}


def _kind_problems(kind: str, parent: Area | None, label: str) -> list[str]:
    if kind not in AreaKind.values:
        return [gettext("%(label)s: kind %(kind)r is not one of %(kinds)s.")
                % {"label": label, "kind": kind, "kinds": ", ".join(AreaKind.values)}]
    expected = PARENT_KIND.get(kind)
    if expected is None:
        if parent is not None:
            return [gettext("%(label)s: a %(kind)s is the root of the tree and cannot have a parent (got %(parent)s).")
                    % {"label": label, "kind": kind, "parent": parent.code}]
        return []
    if parent is None:
        return [gettext("%(label)s: a %(kind)s needs a parent %(parent_kind)s.")
                % {"label": label, "kind": kind, "parent_kind": expected}]
    if parent.kind != expected:
        return [gettext("%(label)s: the parent of a %(kind)s must be a %(parent_kind)s, but %(parent)s is a %(actual)s.")
                % {"label": label, "kind": kind, "parent_kind": expected, "parent": parent.code, "actual": parent.kind}]
    return []


def _siblings_with_codes(parent: Area | None, exclude_pk: int | None = None):
    qs = Area.objects.filter(parent=parent, boundary__isnull=False).only("id", "code", "name", "boundary")
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return [(s.code, _area_label(s.code, s.name), shape(s.boundary)) for s in qs if s.boundary]


def _siblings_with_boundary(parent: Area | None, exclude_pk: int | None = None):
    return [(label, geom) for _code, label, geom in _siblings_with_codes(parent, exclude_pk)]


def _boundary_problems(boundary, label: str, parent: Area | None, *, exclude_pk: int | None = None,
                       allow_overlap: bool = False):
    """(shapely geometry, problems, overlaps accepted) for a boundary about to be saved."""
    geom, problems = validation.geometry_problems(boundary, label)
    if problems:
        return None, problems, []
    if parent is not None and parent.boundary:
        problems += validation.containment_problems(
            geom, shape(parent.boundary), label, _area_label(parent.code, parent.name)
        )
    overlaps = validation.overlap_problems(geom, label, _siblings_with_boundary(parent, exclude_pk))
    if allow_overlap:
        return geom, problems, overlaps
    return geom, problems + overlaps, []


def _centroid(geom) -> tuple[float | None, float | None]:
    if geom is None:
        return None, None
    c = geom.centroid
    return round(c.x, 7), round(c.y, 7)


def _clean_geojson(geom) -> dict:
    # Store what shapely read (2-D, plain lists) rather than the caller's dict with its extras.
    return json.loads(json.dumps(mapping(geom)))


@transaction.atomic
def create_area(actor, *, code: str, name: str, kind: str, parent: Area | None = None, boundary: dict | None = None,
                description: str = "", households_planned: int | None = None, allow_overlap: bool = False) -> Area:
    code = (code or "").strip()
    name = (name or "").strip()
    label = _area_label(code, name)
    problems: list[str] = []
    if not code:
        problems.append(gettext("The area code is empty."))
    elif len(code) > CODE_MAX:
        problems.append(gettext("%(label)s: the code is longer than %(max)d characters.") % {"label": label, "max": CODE_MAX})
    elif Area.objects.filter(code=code).exists():
        problems.append(gettext("%(label)s: an area with this code already exists.") % {"label": label})
    if not name:
        problems.append(gettext("%(label)s: the name is empty.") % {"label": label})
    elif len(name) > NAME_MAX:
        problems.append(gettext("%(label)s: the name is longer than %(max)d characters.") % {"label": label, "max": NAME_MAX})
    problems += _kind_problems(kind, parent, label)
    geom, overlaps = None, []
    if boundary is not None and not problems:
        geom, boundary_problems, overlaps = _boundary_problems(boundary, label, parent, allow_overlap=allow_overlap)
        problems += boundary_problems
    if problems:
        raise ValidationError(problems)

    path = path_for(code, parent.path if parent else None)
    lon, lat = _centroid(geom)
    area = Area.objects.create(
        code=code, name=name, kind=kind, parent=parent, path=path, depth=depth_of(path),
        boundary=_clean_geojson(geom) if geom is not None else None, centroid_lon=lon, centroid_lat=lat,
        description=description, households_planned=households_planned,
    )
    if geom is not None:
        locate.bump_version()
    changes: dict[str, Any] = {"code": code, "name": name, "kind": kind, "parent": parent.code if parent else None,
                               "boundary": geom is not None}
    if overlaps:
        changes["overlaps_allowed"] = overlaps
    record_event(actor=actor, action="area.create", obj=area, changes=changes)
    return area


@transaction.atomic
def update_area(actor, area: Area, *, name: str | None = None, description: str | None = None,
                households_planned: int | None | type[Ellipsis] = ...) -> Area:
    """Name, description and planned households; the code, kind and parent are fixed (they make the path)."""
    updates: dict[str, Any] = {}
    label = _area_label(area.code, area.name)
    if name is not None:
        name = name.strip()
        if not name:
            raise ValidationError(gettext("%(label)s: the name is empty.") % {"label": label})
        if len(name) > NAME_MAX:
            raise ValidationError(gettext("%(label)s: the name is longer than %(max)d characters.") % {"label": label, "max": NAME_MAX})
        updates["name"] = name
    if description is not None:
        updates["description"] = description
    if households_planned is not ...:
        updates["households_planned"] = households_planned
    area = Area.objects.select_for_update().get(pk=area.pk)
    changed = diff_fields(area, updates)
    if not changed:
        return area
    area.save(update_fields=[*changed, "updated_at"])
    if "name" in changed:
        # Results of locate() carry names; keep every process's copy current.
        locate.bump_version()
    record_event(actor=actor, action="area.update", obj=area, changes=changed)
    return area


@transaction.atomic
def update_area_boundary(actor, area: Area, boundary: dict | None, *, allow_overlap: bool = False) -> Area:
    """Replace (or clear, with None) an area's boundary; it must stay inside its parent, clear of its
    siblings, and still hold each of its children."""
    area = Area.objects.select_for_update(of=("self",)).select_related("parent").get(pk=area.pk)
    label = _area_label(area.code, area.name)
    geom, overlaps = None, []
    if boundary is not None:
        geom, problems, overlaps = _boundary_problems(boundary, label, area.parent, exclude_pk=area.pk,
                                                      allow_overlap=allow_overlap)
        if not problems:
            for child in Area.objects.filter(parent=area, boundary__isnull=False).only("code", "name", "boundary"):
                if child.boundary:
                    problems += validation.containment_problems(
                        shape(child.boundary), geom, _area_label(child.code, child.name), label
                    )
        if problems:
            raise ValidationError(problems)
    new = _clean_geojson(geom) if geom is not None else None
    if new == area.boundary:
        return area
    old = area.boundary
    lon, lat = _centroid(geom)
    area.boundary, area.centroid_lon, area.centroid_lat = new, lon, lat
    area.save(update_fields=["boundary", "centroid_lon", "centroid_lat", "updated_at"])
    locate.bump_version()
    # Both geometries in full: the audit row is how a wrong edit gets undone.
    changes: dict[str, Any] = {"boundary": [old, new]}
    if overlaps:
        changes["overlaps_allowed"] = overlaps
    record_event(actor=actor, action="area.boundary.update", obj=area, changes=changes)
    return area


# --- names --------------------------------------------------------------------------------------
_COMMITTEE_SUFFIX = re.compile(r"(社区)?(居民委员会|居委会|民委会)$|(村)?(村民委员会|村委会|民委员会)$")


def short_area_name(name: str) -> str:
    """The everyday name of a community/village: "恩县路社区居委会" -> "恩县路社区",
    "东村村民委员会" -> "东村". Imports keep the official name; this is for search and display."""
    name = (name or "").strip()
    match = _COMMITTEE_SUFFIX.search(name)
    if not match or match.start() == 0:
        return name
    stem = name[: match.start()]
    if match.group(1) or match.group(2):  # a residents' committee: the community is 社区
        return stem + "社区" if not stem.endswith("社区") else stem
    return stem + "村" if not stem.endswith("村") else stem


# --- imports ------------------------------------------------------------------------------------
class ImportRejected(ValidationError):
    """An import found problems; nothing was written. ``problems`` lists every one of them."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        header = gettext("Nothing was imported from %(source)s: %(count)d problem(s).") % {
            "source": source, "count": len(problems)}
        super().__init__([header, *problems])


@dataclass
class ImportSummary:
    source: str
    kind: str
    created: int = 0
    with_boundary: int = 0
    codes: list[str] = field(default_factory=list)
    parents: dict[str, int] = field(default_factory=dict)
    repaired: list[str] = field(default_factory=list)
    overlaps_allowed: list[str] = field(default_factory=list)
    skipped: int = 0
    # --update-boundaries: codes of existing areas given the file's boundary, and the boundaries
    # they had before (the audit row is how a wrong import gets undone).
    updated: list[str] = field(default_factory=list)
    replaced: dict[str, Any] = field(default_factory=dict)

    def as_changes(self) -> dict[str, Any]:
        changes = {
            "source": self.source, "kind": self.kind, "created": self.created, "with_boundary": self.with_boundary,
            "parents": self.parents, "codes": self.codes, "repaired": self.repaired,
            "overlaps_allowed": self.overlaps_allowed, "skipped": self.skipped,
        }
        if self.updated:
            changes["boundaries_updated"] = self.updated
            changes["boundaries_replaced"] = self.replaced
        return changes


@dataclass
class _Row:
    label: str
    code: str
    name: str
    parent_code: str | None
    geom: Any = None


def _source_name(path_or_file) -> str:
    if isinstance(path_or_file, (str, os.PathLike)):
        return os.fspath(path_or_file)
    return getattr(path_or_file, "name", None) or gettext("the uploaded file")


def _read_text(path_or_file) -> str:
    if isinstance(path_or_file, (str, os.PathLike)):
        return read_text(path_or_file)
    data = path_or_file.read()
    return decode_text(data) if isinstance(data, bytes) else data


def _plain_code(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _resolve_parents(rows: list[_Row], kind: str, source: str, fixed_parent: Area | None,
                     problems: list[str]) -> dict[str, Area]:
    """Parent areas by code for every row (from the database), with a problem for each row whose
    parent is missing or of the wrong kind."""
    wanted = {r.parent_code for r in rows if r.parent_code}
    parents = {a.code: a for a in Area.objects.filter(code__in=wanted)} if wanted else {}
    expected = PARENT_KIND.get(kind)
    for r in rows:
        if fixed_parent is not None:
            continue
        if r.parent_code is None:
            if expected is not None:
                problems.append(gettext("%(label)s: no parent given; a %(kind)s needs a parent %(parent_kind)s.")
                                % {"label": r.label, "kind": kind, "parent_kind": expected})
            continue
        parent = parents.get(r.parent_code)
        if parent is None:
            problems.append(gettext("%(label)s: parent %(parent)s does not exist.") % {"label": r.label, "parent": r.parent_code})
        elif expected is None:
            problems.append(gettext("%(label)s: a %(kind)s cannot have a parent (got %(parent)s).")
                            % {"label": r.label, "kind": kind, "parent": r.parent_code})
        elif parent.kind != expected:
            problems.append(gettext("%(label)s: parent %(parent)s is a %(actual)s, not a %(parent_kind)s.")
                            % {"label": r.label, "parent": r.parent_code, "actual": parent.kind, "parent_kind": expected})
    if fixed_parent is not None:
        parents[fixed_parent.code] = fixed_parent
    return parents


def _code_problems(rows: list[_Row], problems: list[str], *, allow_existing: bool = False) -> set[str]:
    """Codes twice in the file, and (unless ``allow_existing``) codes already taken, as problems;
    returns the codes already in the database."""
    seen: dict[str, str] = {}
    for r in rows:
        if r.code in seen:
            problems.append(gettext("%(label)s: code %(code)s appears twice in the file (also at %(first)s).")
                            % {"label": r.label, "code": r.code, "first": seen[r.code]})
        else:
            seen[r.code] = r.label
    existing = set()
    codes = list(seen)
    for i in range(0, len(codes), 500):
        existing |= set(Area.objects.filter(code__in=codes[i:i + 500]).values_list("code", flat=True))
    for r in rows:
        if r.code in existing and seen.get(r.code) == r.label and not allow_existing:
            problems.append(gettext("%(label)s: an area with code %(code)s already exists.") % {"label": r.label, "code": r.code})
    return existing


def _existing_problems(rows: list[_Row], kind: str, problems: list[str]) -> dict[str, Area]:
    """For --update-boundaries: the existing areas of the file's rows, each checked to be of the
    file's kind and under the row's parent, and to still hold its own children with the new
    boundary."""
    areas = {a.code: a for a in Area.objects.filter(code__in=[r.code for r in rows]).select_related("parent")}
    for r in rows:
        area = areas.get(r.code)
        if area is None:
            continue
        if area.kind != kind:
            problems.append(gettext("%(label)s: area %(code)s is a %(actual)s, not a %(kind)s.")
                            % {"label": r.label, "code": r.code, "actual": area.kind, "kind": kind})
            continue
        current_parent = area.parent.code if area.parent_id else None
        if r.parent_code != current_parent:
            problems.append(gettext("%(label)s: area %(code)s lies under %(actual)s, not under %(parent)s; "
                                    "an import does not move areas.")
                            % {"label": r.label, "code": r.code, "actual": current_parent or gettext("(root)"),
                               "parent": r.parent_code or gettext("(root)")})
            continue
        if r.geom is None:
            continue
        for child in Area.objects.filter(parent=area, boundary__isnull=False).only("code", "name", "boundary"):
            if child.boundary:
                problems += validation.containment_problems(
                    shape(child.boundary), r.geom, _area_label(child.code, child.name), r.label)
    return areas


def _fixed_parent(parent_code: str | None, kind: str, source: str) -> Area | None:
    if parent_code is None:
        return None
    parent = Area.objects.filter(code=parent_code).first()
    if parent is None:
        raise ImportRejected(source, [gettext("Parent area %(code)s does not exist.") % {"code": parent_code}])
    expected = PARENT_KIND.get(kind)
    if expected is None or parent.kind != expected:
        raise ImportRejected(source, [
            gettext("Areas of kind %(kind)s cannot go under %(parent)s, which is a %(actual)s.")
            % {"kind": kind, "parent": parent_code, "actual": parent.kind}])
    return parent


def _create_rows(actor, rows: list[_Row], parents: dict[str, Area], kind: str, summary: ImportSummary,
                 progress: Progress, action: str, obj: Area | None) -> ImportSummary:
    to_create = []
    for r in progress(rows, len(rows), gettext("saving")):
        parent = parents.get(r.parent_code) if r.parent_code else None
        path = path_for(r.code, parent.path if parent else None)
        lon, lat = _centroid(r.geom)
        to_create.append(Area(
            code=r.code, name=r.name, kind=kind, parent=parent, path=path, depth=depth_of(path),
            boundary=_clean_geojson(r.geom) if r.geom is not None else None, centroid_lon=lon, centroid_lat=lat,
        ))
    try:
        with transaction.atomic():
            Area.objects.bulk_create(to_create, batch_size=500)
    except IntegrityError as exc:
        # Another import of the same codes committed between our checks and our insert.
        raise ImportRejected(summary.source, [gettext("The database refused the areas: %(error)s.") % {"error": exc}]) from exc
    summary.created = len(to_create)
    summary.with_boundary = sum(1 for r in rows if r.geom is not None)
    summary.codes = [r.code for r in rows]
    summary.parents = dict(Counter(r.parent_code or "" for r in rows))
    if summary.with_boundary:
        locate.bump_version()
    record_event(actor=actor, action=action, obj=obj, changes=summary.as_changes())
    return summary


def import_areas_geojson(
    actor, path_or_file, *, kind: str, code_property: str, name_property: str | None = None,
    parent_code: str | None = None, parent_property: str | None = None, code_prefix: str = "",
    allow_overlap: bool = False, repair: bool = False, update_boundaries: bool = False,
    progress: Progress | None = None,
) -> ImportSummary:
    """Import a GeoJSON FeatureCollection of areas of one ``kind`` in one transaction.

    ``update_boundaries``: a feature whose code exists already (say a community imported from the
    division codes) gives that area its boundary, with the same checks as a new one, instead of
    being refused; the area keeps its name, kind and parent.

    Parents come from ``parent_code`` (all features under one area) or each feature's
    ``parent_property``; districts have none. ``name_property`` may be left out: the code is the name.
    ``allow_overlap`` accepts siblings overlapping beyond the sliver tolerance (listed in the summary);
    ``repair`` fixes self-intersecting polygons with shapely.make_valid (listed too). Both are opt-in.
    """
    progress = progress or _no_progress
    source = _source_name(path_or_file)
    if kind not in AreaKind.values:
        raise ImportRejected(source, [gettext("Kind %(kind)r is not one of %(kinds)s.")
                                      % {"kind": kind, "kinds": ", ".join(AreaKind.values)}])
    if parent_code and parent_property:
        raise ImportRejected(source, [gettext("Give either a parent code or a parent property, not both.")])
    if not parent_code and not parent_property and kind in PARENT_KIND:
        raise ImportRejected(source, [gettext("Areas of kind %(kind)s need a parent: give a parent code or a parent property.")
                                      % {"kind": kind}])
    try:
        collection = json.loads(_read_text(path_or_file))
    except json.JSONDecodeError as exc:
        raise ImportRejected(source, [gettext("%(source)s is not valid JSON: %(error)s.") % {"source": source, "error": exc}]) from exc
    except (OSError, UnicodeError) as exc:
        raise ImportRejected(source, [gettext("%(source)s cannot be read: %(error)s.") % {"source": source, "error": exc}]) from exc
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection" \
            or not isinstance(collection.get("features"), list):
        raise ImportRejected(source, [gettext("%(source)s is not a GeoJSON FeatureCollection.") % {"source": source}])
    features = collection["features"]
    if not features:
        raise ImportRejected(source, [gettext("%(source)s has no features.") % {"source": source}])

    summary = ImportSummary(source=source, kind=kind)
    with transaction.atomic():
        fixed = _fixed_parent(parent_code, kind, source)
        problems: list[str] = []
        rows: list[_Row] = []
        for i, feature in enumerate(progress(features, len(features), gettext("checking"))):
            label = f"features[{i}]"
            if not isinstance(feature, dict) or feature.get("type") != "Feature":
                problems.append(gettext("%(label)s is not a GeoJSON Feature.") % {"label": label})
                continue
            props = feature.get("properties") or {}
            raw_code = props.get(code_property)
            if raw_code is None or _plain_code(raw_code) == "":
                problems.append(gettext("%(label)s has no %(property)r property.") % {"label": label, "property": code_property})
                continue
            code = f"{code_prefix}{_plain_code(raw_code)}"
            label = gettext("features[%(index)d] (code %(code)s)") % {"index": i, "code": code}
            if len(code) > CODE_MAX:
                problems.append(gettext("%(label)s: the code is longer than %(max)d characters.") % {"label": label, "max": CODE_MAX})
            if name_property:
                name = str(props.get(name_property) or "").strip()
                if not name:
                    problems.append(gettext("%(label)s has no %(property)r property.") % {"label": label, "property": name_property})
                elif len(name) > NAME_MAX:
                    problems.append(gettext("%(label)s: the name is longer than %(max)d characters.") % {"label": label, "max": NAME_MAX})
            else:
                name = code
            row_parent = fixed.code if fixed else None
            if parent_property:
                raw_parent = props.get(parent_property)
                if raw_parent is None or _plain_code(raw_parent) == "":
                    problems.append(gettext("%(label)s has no %(property)r property.") % {"label": label, "property": parent_property})
                    continue
                row_parent = _plain_code(raw_parent)
            geom, geom_problems = validation.geometry_problems(feature.get("geometry"), label)
            if geom_problems and repair and geom is not None and not geom.is_valid:
                fixed_geom = validation.repaired(geom)
                if fixed_geom is not None and fixed_geom.is_valid:
                    geom, geom_problems = fixed_geom, []
                    summary.repaired.append(label)
            problems += geom_problems
            rows.append(_Row(label=label, code=code, name=name, parent_code=row_parent, geom=None if geom_problems else geom))

        taken_codes = _code_problems(rows, problems, allow_existing=update_boundaries)
        parents = _resolve_parents(rows, kind, source, fixed, problems)
        existing_areas = _existing_problems(rows, kind, problems) if taken_codes else {}

        # Containment and overlaps, per group of siblings (same parent), against the database too.
        groups: dict[str | None, list[_Row]] = defaultdict(list)
        for r in rows:
            if r.geom is not None:
                groups[r.parent_code].append(r)
        for parent_key, group in progress(list(groups.items()), len(groups), gettext("checking overlaps")):
            parent = parents.get(parent_key) if parent_key else None
            if parent_key and parent is None:
                continue
            if parent is not None and parent.boundary:
                parent_geom = shape(parent.boundary)
                parent_label = _area_label(parent.code, parent.name)
                for r in group:
                    problems += validation.containment_problems(r.geom, parent_geom, r.label, parent_label)
            overlaps = validation.pairwise_overlaps([r.label for r in group], [r.geom for r in group])
            # Rows whose code is already taken are reported as such; their own old copy is no overlap.
            taken = {r.code for r in group}
            existing = [(lab, g) for code, lab, g in _siblings_with_codes(parent) if code not in taken]
            for r in group:
                overlaps += validation.overlap_problems(r.geom, r.label, existing)
            if allow_overlap:
                summary.overlaps_allowed += overlaps
            else:
                problems += overlaps

        if problems:
            raise ImportRejected(source, problems)
        for r in rows:
            area = existing_areas.get(r.code)
            if area is None or r.geom is None:
                continue
            new = _clean_geojson(r.geom)
            if new == area.boundary:
                continue
            if area.boundary:
                summary.replaced[area.code] = area.boundary
            area.boundary = new
            area.centroid_lon, area.centroid_lat = _centroid(r.geom)
            area.save(update_fields=["boundary", "centroid_lon", "centroid_lat", "updated_at"])
            summary.updated.append(area.code)
        if summary.updated:
            locate.bump_version()
        return _create_rows(actor, [r for r in rows if r.code not in existing_areas], parents, kind, summary,
                            progress, "area.import", fixed)


def normalise_division_code(raw: str) -> str | None:
    """6-, 9- or 12-digit statistical division codes -> 12 digits (right-padded with zeros)."""
    code = (raw or "").strip()
    if not code.isascii() or not code.isdigit() or len(code) not in (6, 9, 12):
        return None
    return code.ljust(12, "0")


def import_divisions_csv(
    actor, path_or_file, *, kind: str, code_column: str = "code", name_column: str = "name",
    parent_column: str | None = None, code_startswith: str = "", progress: Progress | None = None,
) -> ImportSummary:
    """Import statistical divisions (统计用区划代码) from a CSV, one transaction, no boundaries.

    Codes of 6, 9 or 12 digits are padded to 12; the parent column likewise. Names are kept exactly
    as published ("恩县路社区居委会"); short_area_name() gives the everyday form for search.
    ``code_startswith`` keeps only rows of one district ("370203"), compared after padding.
    """
    progress = progress or _no_progress
    source = _source_name(path_or_file)
    if kind not in AreaKind.values:
        raise ImportRejected(source, [gettext("Kind %(kind)r is not one of %(kinds)s.")
                                      % {"kind": kind, "kinds": ", ".join(AreaKind.values)}])
    try:
        text = _read_text(path_or_file)
    except (OSError, UnicodeError) as exc:
        raise ImportRejected(source, [gettext("%(source)s cannot be read: %(error)s.") % {"source": source, "error": exc}]) from exc
    if not parent_column and kind in PARENT_KIND:
        raise ImportRejected(source, [gettext("Areas of kind %(kind)s need a parent: give the parent column.")
                                      % {"kind": kind}])
    reader = csv.DictReader(io.StringIO(text))
    columns = reader.fieldnames or []
    missing = [c for c in (code_column, name_column, parent_column) if c and c not in columns]
    if missing:
        raise ImportRejected(source, [gettext("%(source)s has no column %(columns)s; its columns are %(found)s.")
                                      % {"source": source, "columns": ", ".join(missing), "found": ", ".join(columns) or "-"}])
    summary = ImportSummary(source=source, kind=kind)
    with transaction.atomic():
        problems: list[str] = []
        rows: list[_Row] = []
        records = list(reader)
        line = 1
        for record in progress(records, len(records), gettext("checking")):
            line += 1
            label = gettext("row %(line)d") % {"line": line}
            if None in record:
                problems.append(gettext("%(label)s has more fields than the header.") % {"label": label})
                continue
            code = normalise_division_code(record.get(code_column) or "")
            if code is None:
                problems.append(gettext("%(label)s: code %(code)r is not a 6-, 9- or 12-digit division code.")
                                % {"label": label, "code": record.get(code_column)})
                continue
            if code_startswith and not code.startswith(code_startswith):
                summary.skipped += 1
                continue
            label = gettext("row %(line)d (code %(code)s)") % {"line": line, "code": code}
            name = (record.get(name_column) or "").strip()
            if not name:
                problems.append(gettext("%(label)s: the name is empty.") % {"label": label})
            elif len(name) > NAME_MAX:
                problems.append(gettext("%(label)s: the name is longer than %(max)d characters.") % {"label": label, "max": NAME_MAX})
            parent_code = None
            if parent_column:
                parent_code = normalise_division_code(record.get(parent_column) or "")
                if parent_code is None:
                    problems.append(gettext("%(label)s: parent code %(code)r is not a 6-, 9- or 12-digit division code.")
                                    % {"label": label, "code": record.get(parent_column)})
                    continue
            rows.append(_Row(label=label, code=code, name=name, parent_code=parent_code))
        if not rows and not problems:
            problems.append(gettext("%(source)s has no rows to import.") % {"source": source})
        _code_problems(rows, problems)
        parents = _resolve_parents(rows, kind, source, None, problems)
        if problems:
            raise ImportRejected(source, problems)
        return _create_rows(actor, rows, parents, kind, summary, progress, "area.import_divisions", None)


# --- buildings ----------------------------------------------------------------------------------
def address_key(address: str) -> str:
    """The form addresses are matched in: full-width digits and letters folded (NFKC), letters
    lower-cased, spaces and punctuation removed. "市北区 恩县路１２号（Ａ座）" -> "市北区恩县路12号a座"."""
    folded = unicodedata.normalize("NFKC", address or "").lower()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] not in "PZSC")


def _point_problems(lon, lat, coord_system: str, label: str) -> tuple[tuple[float, float] | None, list[str]]:
    try:
        return coords.to_wgs84(lon, lat, coord_system), []
    except coords.CoordinateError as exc:
        return None, [gettext("%(label)s: %(error)s") % {"label": label, "error": exc}]


def _grid_problems(grid, lonlat, label: str) -> list[str]:
    if not isinstance(grid, Area) or grid.kind != AreaKind.GRID:
        return [gettext("%(label)s: %(grid)s is not a grid.") % {"label": label, "grid": grid}]
    if lonlat is not None and grid.boundary:
        point = shapely.Point(*lonlat)
        if not shape(grid.boundary).buffer(BUILDING_TOLERANCE_DEG).covers(point):
            return [gettext("%(label)s: the point %(lon).6f, %(lat).6f lies outside grid %(grid)s.")
                    % {"label": label, "lon": lonlat[0], "lat": lonlat[1], "grid": grid.code}]
    return []


def _int_problems(values: dict[str, Any], label: str) -> list[str]:
    problems = []
    for name, value in values.items():
        if value is None and name == "built_year":
            continue
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            problems.append(gettext("%(label)s: %(field)s must be a whole number ≥ 0, got %(value)r.")
                            % {"label": label, "field": name, "value": value})
    return problems


@transaction.atomic
def create_building(actor, *, code: str, address: str, lon: float, lat: float, grid: Area, name: str = "",
                    coord_system: str = coords.WGS84, floors: int = 6, entrances: int = 1,
                    households_count: int = 0, built_year: int | None = None) -> Building:
    code = (code or "").strip()
    address = (address or "").strip()
    label = gettext("building %(code)s") % {"code": code}
    problems = []
    if not code:
        problems.append(gettext("The building code is empty."))
    elif Building.objects.filter(code=code).exists():
        problems.append(gettext("%(label)s: a building with this code already exists.") % {"label": label})
    if not address_key(address):
        problems.append(gettext("%(label)s: the address is empty.") % {"label": label})
    lonlat, point_problems = _point_problems(lon, lat, coord_system, label)
    problems += point_problems
    problems += _grid_problems(grid, lonlat, label)
    problems += _int_problems({"floors": floors, "entrances": entrances, "households_count": households_count,
                               "built_year": built_year}, label)
    if problems:
        raise ValidationError(problems)
    building = Building.objects.create(
        code=code, name=(name or "").strip(), address=address, address_key=address_key(address),
        lon=lonlat[0], lat=lonlat[1], grid=grid, area_path=grid.path, floors=floors, entrances=entrances,
        households_count=households_count, built_year=built_year,
    )
    record_event(actor=actor, action="building.create", obj=building, changes={
        "code": code, "address": address, "grid": grid.code, "lon": building.lon, "lat": building.lat})
    return building


BUILDING_FIELDS = ("name", "address", "lon", "lat", "grid", "floors", "entrances", "households_count", "built_year")


@transaction.atomic
def update_building(actor, building: Building, *, coord_system: str = coords.WGS84, **fields) -> Building:
    """Change any of BUILDING_FIELDS; a new grid moves the building's households with it."""
    unknown = sorted(set(fields) - set(BUILDING_FIELDS))
    building = Building.objects.select_for_update(of=("self",)).select_related("grid").get(pk=building.pk)
    label = gettext("building %(code)s") % {"code": building.code}
    if unknown:
        raise ValidationError(gettext("%(label)s: cannot change %(fields)s.") % {"label": label, "fields": ", ".join(unknown)})
    problems: list[str] = []
    updates = dict(fields)
    if "address" in updates:
        updates["address"] = (updates["address"] or "").strip()
        if not address_key(updates["address"]):
            problems.append(gettext("%(label)s: the address is empty.") % {"label": label})
        updates["address_key"] = address_key(updates["address"])
    if "name" in updates:
        updates["name"] = (updates["name"] or "").strip()
    lonlat = (building.lon, building.lat)
    if "lon" in updates or "lat" in updates:
        lonlat, point_problems = _point_problems(updates.get("lon", building.lon), updates.get("lat", building.lat),
                                                 coord_system, label)
        problems += point_problems
        if lonlat is not None:
            updates["lon"], updates["lat"] = lonlat
    grid = updates.get("grid", building.grid)
    if "grid" in updates or "lon" in updates or "lat" in updates:
        problems += _grid_problems(grid, lonlat, label)
    problems += _int_problems({k: updates[k] for k in ("floors", "entrances", "households_count", "built_year")
                               if k in updates}, label)
    if problems:
        raise ValidationError(problems)
    if "grid" in updates:
        updates["area_path"] = grid.path
    changed = diff_fields(building, updates)
    if not changed:
        return building
    building.save(update_fields=[*changed, "updated_at"])
    if "area_path" in changed:
        Household.objects.filter(building=building).update(area_path=building.area_path)
    changed.pop("address_key", None)
    if "grid" in changed:
        changed["grid"] = [Area.objects.get(pk=changed["grid"][0]).code, grid.code]
    record_event(actor=actor, action="building.update", obj=building, changes=changed)
    return building


# --- households ---------------------------------------------------------------------------------
_MASKS = {"head_name": mask_name, "head_phone": mask_phone, "head_id_number": mask_id_number}
HOUSEHOLD_FIELDS = ("building", "entrance", "room", "size", "head_name", "head_phone", "head_id_number", "tags", "notes")


def _masked(changes: dict[str, list]) -> dict[str, list]:
    """The audit log is read by many; personal values go into it masked, as on screen."""
    return {k: ([_MASKS[k](v or "") for v in pair] if k in _MASKS else pair) for k, pair in changes.items()}


def _household_problems(values: dict[str, Any], label: str) -> list[str]:
    problems = []
    if "room" in values and not str(values["room"] or "").strip():
        problems.append(gettext("%(label)s: the room is empty.") % {"label": label})
    for name in ("entrance", "size"):
        if name in values and (not isinstance(values[name], int) or isinstance(values[name], bool) or values[name] < 1):
            problems.append(gettext("%(label)s: %(field)s must be a whole number ≥ 1, got %(value)r.")
                            % {"label": label, "field": name, "value": values[name]})
    if "tags" in values:
        tags = values["tags"]
        bad = [t for t in (tags or []) if t not in HouseholdTag.values] if isinstance(tags, (list, tuple)) else [tags]
        if bad:
            problems.append(gettext("%(label)s: unknown care tag(s) %(tags)s; allowed: %(allowed)s.")
                            % {"label": label, "tags": ", ".join(map(str, bad)), "allowed": ", ".join(HouseholdTag.values)})
    if "head_phone" in values and values["head_phone"] and not re.fullmatch(r"[\d\-+ ]{3,20}", values["head_phone"]):
        problems.append(gettext("%(label)s: the phone number %(phone)s is not valid.")
                        % {"label": label, "phone": mask_phone(values["head_phone"])})
    if "head_id_number" in values and values["head_id_number"] and not re.fullmatch(r"\d{17}[\dXx]", values["head_id_number"]):
        problems.append(gettext("%(label)s: the ID number must be 18 characters (17 digits and a digit or X).")
                        % {"label": label})
    return problems


@transaction.atomic
def create_household(actor, *, building: Building, room: str, entrance: int = 1, size: int = 1, head_name: str = "",
                     head_phone: str = "", head_id_number: str = "", tags: list[str] | None = None,
                     notes: str = "") -> Household:
    room = str(room or "").strip()
    label = gettext("household %(address)s %(entrance)s-%(room)s") % {
        "address": building.address, "entrance": entrance, "room": room}
    values = {"room": room, "entrance": entrance, "size": size, "tags": list(tags or []),
              "head_phone": (head_phone or "").strip(), "head_id_number": (head_id_number or "").strip().upper()}
    problems = _household_problems(values, label)
    if not problems and Household.objects.filter(building=building, entrance=entrance, room=room).exists():
        problems.append(gettext("%(label)s already exists.") % {"label": label})
    if problems:
        raise ValidationError(problems)
    household = Household.objects.create(
        building=building, area_path=building.area_path, entrance=entrance, room=room, size=size,
        head_name=(head_name or "").strip(), head_phone=values["head_phone"], head_id_number=values["head_id_number"],
        tags=values["tags"], notes=notes,
    )
    record_event(actor=actor, action="household.create", obj=household, changes=_masked({
        "building": [None, building.code], "entrance": [None, entrance], "room": [None, room],
        "head_name": ["", household.head_name], "head_phone": ["", household.head_phone],
        "head_id_number": ["", household.head_id_number]}))
    return household


@transaction.atomic
def update_household(actor, household: Household, **fields) -> Household:
    household = Household.objects.select_for_update(of=("self",)).select_related("building").get(pk=household.pk)
    label = str(household)
    unknown = sorted(set(fields) - set(HOUSEHOLD_FIELDS))
    if unknown:
        raise ValidationError(gettext("%(label)s: cannot change %(fields)s.") % {"label": label, "fields": ", ".join(unknown)})
    updates = dict(fields)
    for name in ("room", "head_name", "head_phone", "head_id_number"):
        if name in updates:
            updates[name] = str(updates[name] or "").strip()
    if "head_id_number" in updates:
        updates["head_id_number"] = updates["head_id_number"].upper()
    if "tags" in updates and isinstance(updates["tags"], tuple):
        updates["tags"] = list(updates["tags"])
    problems = _household_problems(updates, label)
    building = updates.get("building", household.building)
    entrance = updates.get("entrance", household.entrance)
    room = updates.get("room", household.room)
    if not problems and (Household.objects.filter(building=building, entrance=entrance, room=room)
                         .exclude(pk=household.pk).exists()):
        problems.append(gettext("%(label)s: %(entrance)s-%(room)s is already taken in this building.")
                        % {"label": label, "entrance": entrance, "room": room})
    if problems:
        raise ValidationError(problems)
    if "building" in updates:
        updates["area_path"] = building.area_path
    changed = diff_fields(household, updates)
    if not changed:
        return household
    household.save(update_fields=[*changed, "updated_at"])
    changed.pop("area_path", None)
    if "building" in changed:
        changed["building"] = [Building.objects.get(pk=changed["building"][0]).code, building.code]
    record_event(actor=actor, action="household.update", obj=household, changes=_masked(changed))
    return household
