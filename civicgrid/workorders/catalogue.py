"""The category catalogue (事项分类): loading a jurisdiction's CSV, and the per-process snapshot that
intake, suggestion and routing read instead of querying categories for every appeal.

CSV columns (UTF-8, header row): ``code, name, parent, keywords, is_private, is_utility,
default_priority`` and optionally ``is_active, description``. ``parent`` is the parent's code (empty
for a top-level category); ``keywords`` are separated by spaces; booleans are 1/0, true/false or
是/否. Loading is idempotent: a code already present is updated in place (its orders keep it), a
new code is created, codes missing from the file are left alone.

The project's own default catalogue, ``data/default_catalogue.csv``, is modelled on a real city's
12345 three-level catalogue; the data migration 0003 loads it into every new database.
"""

from __future__ import annotations

import csv
import io
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db import models
from django.db.models import Count, Max
from django.utils.translation import gettext as _

DEFAULT_CATALOGUE = Path(__file__).resolve().parent / "data" / "default_catalogue.csv"
REQUIRED_COLUMNS = ("code", "name", "parent")
BOOL_COLUMNS = ("is_private", "is_utility", "is_active")
TRUE_WORDS = {"1", "true", "yes", "y", "是", "t"}
FALSE_WORDS = {"0", "false", "no", "n", "否", "f", ""}
PRIORITIES = ("normal", "urgent")
MAX_LEVEL = 3


# --- loading ------------------------------------------------------------------------------------
@dataclass
class CatalogueRow:
    line: int
    code: str
    name: str
    parent: str
    keywords: str = ""
    is_private: bool = False
    is_utility: bool = False
    default_priority: str = "normal"
    is_active: bool = True
    description: str = ""


@dataclass
class CatalogueSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    codes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


def _bool(raw: str, column: str, line: int, problems: list[str], default: bool) -> bool:
    value = (raw or "").strip().lower()
    if not value:
        return default
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    problems.append(_("line %(line)d: %(column)s must be 1 or 0, got %(value)r.")
                    % {"line": line, "column": column, "value": raw})
    return default


def parse_catalogue(text: str) -> list[CatalogueRow]:
    """Rows of a catalogue CSV, checked as a whole: every problem of the file in one ValidationError."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    columns = [c.strip() for c in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise ValidationError(_("The catalogue file lacks the column(s) %(columns)s.") % {"columns": ", ".join(missing)})
    problems: list[str] = []
    rows: list[CatalogueRow] = []
    seen: dict[str, int] = {}
    for line, raw in enumerate(reader, start=2):
        raw = {(k or "").strip(): (v if v is not None else None) for k, v in raw.items()}
        code = (raw.get("code") or "").strip()
        name = (raw.get("name") or "").strip()
        if not code:
            problems.append(_("line %(line)d: the code is empty.") % {"line": line})
            continue
        if len(code) > 20 or not code.replace("-", "").replace("_", "").isalnum():
            problems.append(_("line %(line)d: the code %(code)r must be up to 20 letters or digits.")
                            % {"line": line, "code": code})
        if code in seen:
            problems.append(_("line %(line)d: the code %(code)s appears again (first on line %(first)d).")
                            % {"line": line, "code": code, "first": seen[code]})
        seen[code] = line
        if not name or len(name) > 60:
            problems.append(_("line %(line)d: the name must be 1 to 60 characters.") % {"line": line})
        priority = (raw.get("default_priority") or "normal").strip().lower()
        if priority not in PRIORITIES:
            problems.append(_("line %(line)d: default_priority must be normal or urgent, got %(value)r.")
                            % {"line": line, "value": priority})
        keywords = " ".join((raw.get("keywords") or "").split())
        rows.append(CatalogueRow(
            line=line, code=code, name=name[:60], parent=(raw.get("parent") or "").strip(),
            keywords=keywords,
            is_private=_bool(raw.get("is_private"), "is_private", line, problems, False),
            is_utility=_bool(raw.get("is_utility"), "is_utility", line, problems, False),
            is_active=_bool(raw.get("is_active"), "is_active", line, problems, True),
            default_priority=priority,
            description=(raw.get("description") or "").strip()[:300],
        ))
    if problems:
        raise ValidationError(problems)
    return rows


def apply_catalogue(rows: list[CatalogueRow], Category) -> CatalogueSummary:
    """Create or update ``rows`` (parents first). ``Category`` is the model class, so the data
    migration can pass its historical model. Refuses unknown parents and levels below three."""
    existing = {c.code: c for c in Category.objects.all()}
    by_code = {r.code: r for r in rows}
    problems: list[str] = []

    def level_of(row: CatalogueRow, trail: tuple[str, ...] = ()) -> int:
        if not row.parent:
            return 1
        if row.parent in trail:
            problems.append(_("line %(line)d: the parents of %(code)s form a loop.") % {"line": row.line, "code": row.code})
            return MAX_LEVEL + 1
        if row.parent in by_code:
            return level_of(by_code[row.parent], (*trail, row.code)) + 1
        if row.parent in existing:
            return existing[row.parent].level + 1
        problems.append(_("line %(line)d: the parent %(parent)s of %(code)s is neither in the file nor in the catalogue.")
                        % {"line": row.line, "parent": row.parent, "code": row.code})
        return MAX_LEVEL + 1

    levels = {r.code: level_of(r) for r in rows}
    for r in rows:
        if levels[r.code] > MAX_LEVEL and not problems:
            problems.append(_("line %(line)d: %(code)s would be below the third level.") % {"line": r.line, "code": r.code})
    if problems:
        raise ValidationError(sorted(set(problems)))

    summary = CatalogueSummary()
    moves: dict[str, str] = {}  # old path -> new path of categories the file moves
    moved_by: dict[str, CatalogueRow] = {}
    for position, row in enumerate(sorted(rows, key=lambda r: (levels[r.code], r.line))):
        parent = existing.get(row.parent) if row.parent else None
        path = f"{parent.path}{row.code}/" if parent else f"{row.code}/"
        values = {
            "name": row.name, "parent_id": parent.pk if parent else None, "level": levels[row.code], "path": path,
            "keywords": "\n".join(row.keywords.split()), "is_private": row.is_private, "is_utility": row.is_utility,
            "default_priority": row.default_priority, "is_active": row.is_active, "position": row.line,
        }
        if row.description:
            values["description"] = row.description
        current = existing.get(row.code)
        if current is None:
            current = Category.objects.create(code=row.code, **values)
            existing[row.code] = current
            summary.created += 1
        else:
            changed = [k for k, v in values.items() if getattr(current, k) != v]
            if "path" in changed:
                moves[current.path] = path
                moved_by[current.path] = row
            if changed:
                for k in changed:
                    setattr(current, k, values[k])
                current.save(update_fields=changed)
                summary.updated += 1
            else:
                summary.unchanged += 1
        summary.codes.append(row.code)
    # Subcategories the file does not list follow their moved parent (their orders, rules and
    # policies find them by path).
    _moved, subtree_problems = rewrite_subtrees(Category, moves, skip_codes=by_code)
    if subtree_problems:
        raise ValidationError(sorted({
            _("line %(line)d: moving %(code)s would put its subcategory %(child)s (%(name)s) below the third level.")
            % {"line": moved_by[old].line, "code": moved_by[old].code, "child": child.code, "name": child.name}
            for old, child in subtree_problems}))
    return summary


def read_catalogue_file(path) -> str:
    from civicgrid.core.files import read_text

    try:
        return read_text(path)
    except (OSError, UnicodeError) as exc:
        raise ValidationError(_("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc}) from exc


def load_catalogue(actor, path) -> CatalogueSummary:
    """Load or update a jurisdiction's catalogue from a CSV file; one transaction, one audit row."""
    from civicgrid.core.services import record_event

    from .models import Category

    rows = parse_catalogue(read_catalogue_file(path))
    with transaction.atomic():
        summary = apply_catalogue(rows, Category)
        record_event(actor=actor, action="catalogue.load", changes={"file": Path(path).name, **summary.as_dict()})
        transaction.on_commit(forget)
        transaction.on_commit(routing_forget)
    return summary


def routing_forget() -> None:
    from . import routing

    routing.forget()


def load_default_catalogue(Category=None) -> CatalogueSummary:
    if Category is None:
        from .models import Category
    return apply_catalogue(parse_catalogue(DEFAULT_CATALOGUE.read_text(encoding="utf-8")), Category)


# --- per-process snapshots ------------------------------------------------------------------------
def check_seconds() -> float:
    """How stale a snapshot may get before it is checked against the database. In tests 0: every
    read rebuilds, so rows rolled back between tests never linger."""
    default = 0.0 if settings.MODE == "test" else 5.0
    return float(getattr(settings, "CATALOGUE_CHECK_SECONDS", default))


class Snapshot:
    """A value built from the database once per process and rebuilt when its fingerprint (a cheap
    aggregate query plus a shared version bumped by every save) changes, checked at most every
    ``check_seconds()``. Edits reach other processes through the cache (Redis in production)."""

    def __init__(self, name: str, build: Callable[[], Any], fingerprint: Callable[[], Any]):
        self.name = name
        self._build = build
        self._fingerprint = fingerprint
        self._lock = threading.Lock()
        self._value = None
        self._fp = None
        self._checked = 0.0

    @property
    def version_key(self) -> str:
        return f"civicgrid:snapshot:{self.name}"

    def get(self):
        if check_seconds() <= 0:
            # Tests: a rolled-back test leaves no trace a fingerprint could see, so never reuse.
            return self._build()
        value = self._value
        if value is not None and time.monotonic() - self._checked < check_seconds():
            return value
        with self._lock:
            fp = (self._fingerprint(), cache.get(self.version_key, 0))
            if self._value is None or fp != self._fp:
                self._value = self._build()
                self._fp = fp
            self._checked = time.monotonic()
            return self._value

    def forget(self, *, everywhere: bool = False) -> None:
        with self._lock:
            self._value = None
            self._fp = None
        if everywhere:
            try:
                cache.incr(self.version_key)
            except ValueError:
                cache.set(self.version_key, 1, None)


def table_fingerprint(model, *extra) -> tuple:
    row = model.objects.aggregate(n=Count("id"), m=Max("id"), **{f"x{i}": Max(f) for i, f in enumerate(extra)})
    return tuple(row.values())


@dataclass
class CatalogueSnapshot:
    by_code: dict
    by_id: dict
    # keyword -> category ids, for the rule suggester, from active leaves and their keywords.
    keywords: dict[str, list[int]]
    # Keywords by their first two characters, longest first.
    keywords_by_start: dict[str, list[str]]


def _build_catalogue() -> CatalogueSnapshot:
    from .models import Category

    categories = list(Category.objects.all())
    by_code = {c.code: c for c in categories}
    by_id = {c.pk: c for c in categories}
    keywords: dict[str, list[int]] = {}
    parents = {c.parent_id for c in categories if c.parent_id}
    for c in categories:
        if not c.is_active:
            continue
        words = [w for w in (c.keywords or "").split() if w]
        # A leaf's own name is a keyword too ("噪音污染"), unless it is the catch-all "其他".
        if c.pk not in parents and c.name != "其他" and len(c.name) >= 2:
            words.append(c.name)
        for w in set(words):
            keywords.setdefault(w, []).append(c.pk)
    by_start: dict[str, list[str]] = {}
    for word in sorted(keywords, key=len, reverse=True):
        if len(word) >= 2:
            by_start.setdefault(word[:2], []).append(word)
    return CatalogueSnapshot(by_code, by_id, keywords, by_start)


def _category_fingerprint():
    from .models import Category

    return table_fingerprint(Category)


catalogue_snapshot = Snapshot("catalogue", _build_catalogue, _category_fingerprint)


def get_catalogue() -> CatalogueSnapshot:
    return catalogue_snapshot.get()


def forget() -> None:
    catalogue_snapshot.forget(everywhere=True)


def _on_category_change(sender, **kwargs):
    catalogue_snapshot.forget(everywhere=True)


def _connect() -> None:
    from django.db.models.signals import post_delete, post_save

    from .models import Category

    # Cache invalidation only; no domain logic here (ADR 001).
    post_save.connect(_on_category_change, sender=Category, dispatch_uid="catalogue-snapshot-save")
    post_delete.connect(_on_category_change, sender=Category, dispatch_uid="catalogue-snapshot-delete")


_connect()


CATEGORY_AUDIT_FIELDS = ("code", "name", "parent", "level", "path", "description", "keywords", "is_private",
                         "is_utility", "default_priority", "is_active", "position")


def rewrite_subtrees(Category, moves: dict[str, str], *, skip_codes=()) -> tuple[int, list[tuple[str, Any]]]:
    """Give the descendants of moved categories the paths and levels that follow their ancestor.

    ``moves`` maps an old path to its new path (a category re-parented or re-coded); each
    descendant follows its deepest moved ancestor. Descendants whose code is in ``skip_codes`` were
    placed by the caller already. Returns (descendants rewritten, problems): each problem is (the
    moved ancestor's old path, a descendant that would fall below the third level), and nothing is
    written when there is one."""
    if not moves:
        return 0, []
    olds = sorted(moves, key=len, reverse=True)
    query = None
    for old in olds:
        q = models.Q(path__startswith=old)
        query = q if query is None else query | q
    problems: list[tuple[str, Any]] = []
    changed = []
    for child in Category.objects.filter(query).exclude(code__in=list(skip_codes)).order_by("path"):
        old = next((o for o in olds if child.path.startswith(o) and child.path != o), None)
        if old is None:
            continue
        path = moves[old] + child.path[len(old):]
        level = path.count("/")
        if level > MAX_LEVEL:
            problems.append((old, child))
            continue
        if (child.path, child.level) != (path, level):
            child.path, child.level = path, level
            changed.append(child)
    if problems:
        return 0, problems
    Category.objects.bulk_update(changed, ["path", "level"], batch_size=500)
    return len(changed), []


def save_category(actor, category, *, changed: list[str] | None = None):
    """Create or change one category (admin): level and path follow the parent, and the whole
    subtree follows a category that moves (new parent or new code), so routing, deadlines and
    filters keep finding its subcategories. A parent inside the category's own subtree, or a move
    that would push a subcategory below the third level, is refused. One audit row with the old
    and new values."""
    from civicgrid.core.services import record_event

    from . import routing
    from .models import Category

    stored = Category.objects.filter(pk=category.pk).first() if category.pk else None
    parent = category.parent
    if parent is not None and stored is not None and (parent.pk == stored.pk or parent.path.startswith(stored.path)):
        raise ValidationError({"parent": _("%(name)s cannot go under itself or one of its own subcategories.")
                               % {"name": stored.name}})
    level = parent.level + 1 if parent else 1
    if level > MAX_LEVEL:
        raise ValidationError({"parent": _("The catalogue has three levels; %(parent)s is on the third.")
                               % {"parent": parent.name}})
    created = stored is None
    with transaction.atomic():
        category.level = level
        category.path = f"{parent.path}{category.code}/" if parent else f"{category.code}/"
        moved = 0
        if stored is not None and stored.path != category.path:
            # The subtree follows; the category's own row is saved below (its old path must not
            # match the new one of a child, and codes are unique, so no two paths ever clash).
            moved, problems = rewrite_subtrees(Category, {stored.path: category.path}, skip_codes=[stored.code])
            if problems:
                raise ValidationError({"parent": [
                    _("Its subcategory %(code)s (%(name)s) would be below the third level.")
                    % {"code": child.code, "name": child.name} for _old, child in problems]})
        category.save()
        if created:
            changes = {"code": category.code, "fields": sorted(changed or [])}
        else:
            changes = {}
            for name in CATEGORY_AUDIT_FIELDS:
                old, new = getattr(stored, name), getattr(category, name)
                if name == "parent":
                    old, new = stored.parent.code if stored.parent_id else None, parent.code if parent else None
                if old != new:
                    changes[name] = [old, new]
            if moved:
                changes["subcategories_moved"] = moved
        record_event(actor=actor, action="category.create" if created else "category.update", obj=category,
                     changes=changes)
        transaction.on_commit(forget)
        transaction.on_commit(routing.forget)
    return category
