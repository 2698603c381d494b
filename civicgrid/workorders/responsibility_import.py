"""Importing a jurisdiction's responsibility list (职责清单) from a CSV file: all or nothing.

Columns (UTF-8, header row): ``area`` (area code), ``category`` (category code; empty for the
area's default rule), ``unit`` (unit code), and optionally ``level`` (grid/community/street/district
or 网格/社区/街道/区; empty: from the unit's kind), ``note`` and ``is_active`` (1/0, 是/否; default 1).
A row whose area and category already have a rule changes that rule; any other row adds one. Every
problem of the file is reported with its line, and nothing is written unless there is none. Each
rule is saved through ``routing.save_rule``: the same checks, an audit row per rule changed, and
orders waiting for dispatch follow the new list.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from civicgrid.core.files import read_text
from civicgrid.core.services import record_event
from civicgrid.geo.models import Area
from civicgrid.people.models import Unit

from . import routing
from .catalogue import FALSE_WORDS, TRUE_WORDS
from .models import Category, HandlingLevel, Responsibility

REQUIRED_COLUMNS = ("area", "category", "unit")
LEVEL_WORDS = {
    **{level.value: level.value for level in HandlingLevel},
    "网格": HandlingLevel.GRID, "社区": HandlingLevel.COMMUNITY, "街道": HandlingLevel.STREET, "区": HandlingLevel.DISTRICT,
}


@dataclass
class RuleImportSummary:
    source: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    orders_resuggested: list[str] = field(default_factory=list)
    dry_run: bool = False

    def as_dict(self) -> dict:
        return {"source": self.source, "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "orders_resuggested": len(self.orders_resuggested), "dry_run": self.dry_run}


class _DryRun(Exception):
    pass


def _read(path) -> str:
    try:
        return read_text(path)
    except (OSError, UnicodeError) as exc:
        raise ValidationError(_("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc}) from exc


def import_rules_csv(actor, path, *, dry_run: bool = False) -> RuleImportSummary:
    """Create or change the rules of a CSV file in one transaction (see the module's docstring).
    ``dry_run`` checks and counts everything, then writes nothing."""
    from .services import LEVEL_OF_UNIT_KIND

    source = Path(path).name
    reader = csv.DictReader(io.StringIO(_read(path)))
    columns = [(c or "").strip() for c in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise ValidationError(_("The file lacks the column(s) %(columns)s; its columns are %(found)s.")
                              % {"columns": ", ".join(missing), "found": ", ".join(columns) or "-"})
    records = [(line, {(k or "").strip(): (v or "").strip() for k, v in raw.items() if k is not None})
               for line, raw in enumerate(reader, start=2)]
    if not records:
        raise ValidationError(_("%(source)s has no rows to import.") % {"source": source})

    areas = {a.code: a for a in Area.objects.filter(code__in={r["area"] for _l, r in records})}
    categories = {c.code: c for c in Category.objects.filter(code__in={r["category"] for _l, r in records})}
    units = {u.code: u for u in Unit.objects.filter(code__in={r["unit"] for _l, r in records})}
    problems: list[str] = []
    planned: list[tuple[int, dict]] = []
    seen: dict[tuple[str, str], int] = {}
    for line, r in records:
        here: list[str] = []
        area, unit = areas.get(r["area"]), units.get(r["unit"])
        category = categories.get(r["category"]) if r["category"] else None
        if not r["area"]:
            here.append(_("the area code is empty"))
        elif area is None:
            here.append(_("no area has the code %(code)s") % {"code": r["area"]})
        if r["category"] and category is None:
            here.append(_("no category has the code %(code)s") % {"code": r["category"]})
        if not r["unit"]:
            here.append(_("the unit code is empty"))
        elif unit is None:
            here.append(_("no unit has the code %(code)s") % {"code": r["unit"]})
        elif not unit.is_active:
            here.append(_("the unit %(unit)s is not active") % {"unit": unit.name})
        level = None
        raw_level = r.get("level", "")
        if raw_level:
            level = LEVEL_WORDS.get(raw_level.lower())
            if level is None:
                here.append(_("the level %(value)s is not one of grid, community, street, district (网格, 社区, 街道, 区)")
                            % {"value": raw_level})
        elif unit is not None:
            level = LEVEL_OF_UNIT_KIND.get(unit.kind, HandlingLevel.DISTRICT)
        raw_active = r.get("is_active", "").lower()
        is_active = True
        if raw_active in TRUE_WORDS or not raw_active:
            is_active = True
        elif raw_active in FALSE_WORDS:
            is_active = False
        else:
            here.append(_("is_active must be 1 or 0, got %(value)s") % {"value": r["is_active"]})
        note = r.get("note", "")
        if len(note) > Responsibility._meta.get_field("note").max_length:
            here.append(_("the note is longer than %(max)d characters")
                        % {"max": Responsibility._meta.get_field("note").max_length})
        key = (r["area"], r["category"])
        if r["area"] and key in seen:
            here.append(_("the same area and category as line %(first)d") % {"first": seen[key]})
        seen.setdefault(key, line)
        if here:
            problems.append(_("line %(line)d: %(problems)s.") % {"line": line, "problems": pgettext("between problems of one line", "; ").join(here)})
            continue
        planned.append((line, {"area": area, "category": category, "unit": unit, "level": level, "note": note,
                               "is_active": is_active}))
    if problems:
        raise ValidationError([_("Nothing was imported from %(source)s: %(count)d problem(s).")
                               % {"source": source, "count": len(problems)}, *problems])

    summary = RuleImportSummary(source=source, dry_run=dry_run)
    resuggested: set[str] = set()
    try:
        with transaction.atomic():
            existing = {(r.area_id, r.category_id): r for r in Responsibility.objects.filter(
                area__in=[v["area"] for _l, v in planned]).select_related("area", "category", "unit")}
            for line, values in planned:
                rule = existing.get((values["area"].pk, values["category"].pk if values["category"] else None))
                if rule is None:
                    rule = Responsibility(**values)
                    summary.created += 1
                else:
                    fields = [f for f, v in values.items() if getattr(rule, f) != v]
                    if not fields:
                        summary.unchanged += 1
                        continue
                    for f in fields:
                        setattr(rule, f, values[f])
                    summary.updated += 1
                try:
                    routing.save_rule(actor, rule, changed=sorted(values))
                except ValidationError as exc:
                    raise ValidationError(_("line %(line)d: %(problems)s") % {
                        "line": line, "problems": " ".join(exc.messages)}) from exc
                resuggested.update(rule.orders_resuggested)
            summary.orders_resuggested = sorted(resuggested)
            record_event(actor=actor, action="responsibility.import", changes=summary.as_dict())
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return summary

