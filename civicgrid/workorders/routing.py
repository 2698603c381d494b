"""Routing by the responsibility list (职责清单): which unit answers for a category in an area.

A rule (category, area) → unit applies to the area's whole subtree and to the category's subtree;
a rule without a category is the default for its area. When several apply, the most specific wins:
the deeper category first, then the deeper area (so "gas anywhere in the district → the gas company"
beats "anything in this grid → the community office", and a street's own rule for gas beats the
district's). Rules are read from a per-process snapshot, rebuilt when the list changes.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from django.db.models.signals import post_delete, post_save

from civicgrid.geo.models import PATH_SEPARATOR
from civicgrid.geo.paths import ancestor_paths
from civicgrid.people.models import Unit

from .catalogue import Snapshot, table_fingerprint
from .models import Responsibility


@dataclass(frozen=True)
class Rule:
    id: int
    category_path: str  # "" for the default rule of the area
    area_path: str
    unit_id: int
    level: str

    @property
    def pk(self) -> int:
        return self.id

    @property
    def specificity(self) -> tuple[int, int]:
        return (self.category_path.count(PATH_SEPARATOR), self.area_path.count(PATH_SEPARATOR))


@dataclass
class RuleBook:
    by_area_path: dict[str, list[Rule]]
    units: dict[int, Unit]


def _build() -> RuleBook:
    by_area: dict[str, list[Rule]] = {}
    rows = Responsibility.objects.filter(is_active=True).values_list(
        "id", "category__path", "area_path", "unit_id", "level", "category__is_active")
    unit_ids = set()
    for pk, cat_path, area_path, unit_id, level, cat_active in rows:
        if cat_path is not None and not cat_active:
            continue
        by_area.setdefault(area_path, []).append(Rule(pk, cat_path or "", area_path, unit_id, level))
        unit_ids.add(unit_id)
    units = {u.pk: u for u in Unit.objects.filter(pk__in=unit_ids, is_active=True).select_related("area")}
    for rules in by_area.values():
        rules.sort(key=lambda r: (-r.specificity[0], r.id))
    return RuleBook(by_area, units)


def _fingerprint():
    return table_fingerprint(Responsibility) + table_fingerprint(Unit)


rules_snapshot = Snapshot("responsibilities", _build, _fingerprint)


def resolve_rule(category_path: str, area_path: str, *, book: RuleBook | None = None) -> Rule | None:
    """The most specific active rule for a category path (may be "") and an area path."""
    book = book or rules_snapshot.get()
    best: Rule | None = None
    for path in ancestor_paths(area_path):
        for rule in book.by_area_path.get(path, ()):
            if rule.unit_id not in book.units:
                continue
            if rule.category_path and not category_path.startswith(rule.category_path):
                continue
            if best is None or rule.specificity > best.specificity:
                best = rule
            break  # rules of one area are sorted deepest category first: the first match is its best
    return best


def resolve_unit(category, area) -> tuple[Unit | None, Responsibility | Rule | None]:
    """``(unit, rule)`` responsible for ``category`` (may be None) in ``area``, or ``(None, None)``.

    ``area`` is an Area or an area path; ``category`` a Category or None. The unit is a copy
    (callers may keep it); the rule is a light snapshot with the Responsibility's id."""
    area_path = area if isinstance(area, str) else area.path
    category_path = category.path if category is not None else ""
    rule = resolve_rule(category_path, area_path)
    if rule is None:
        return None, None
    return copy.copy(rules_snapshot.get().units[rule.unit_id]), rule


RULE_AUDIT_FIELDS = ("category", "area", "unit", "level", "note", "is_active")


def _rule_values(rule: Responsibility) -> dict:
    return {"category": rule.category.code if rule.category_id else None, "area": rule.area.code,
            "unit": rule.unit.code, "level": rule.level, "note": rule.note, "is_active": rule.is_active}


def scope_of(rule: Responsibility) -> tuple[str, str]:
    return rule.area.path, rule.category.path if rule.category_id else ""


def refresh_suggestions(scopes) -> list[str]:
    """Orders still waiting for dispatch (new or returned) inside any of ``scopes`` ((area path,
    category path or "")) get the unit the responsibility list names now, so the one-click and bulk
    dispatch follow the list as it is, not as it was at intake. A grid worker's own patrol report
    keeps no suggestion while it stays with the grid. Returns the numbers of the orders changed."""
    from django.db.models import F, Q

    from .models import Channel, HandlingLevel, Status, WorkOrder

    query = Q()
    for area_path, category_path in scopes:
        q = Q(area_path__startswith=area_path)
        if category_path:
            q &= Q(category__path__startswith=category_path)
        query |= q
    if not query:
        return []
    book = _build()  # this transaction's rules, not the process's snapshot
    changed: dict[int | None, list[int]] = {}
    numbers = []
    # Patrol findings the grid handles itself have no suggestion until they are reported up.
    waiting = (WorkOrder.objects.filter(query, status__in=[Status.NEW, Status.RETURNED])
               .exclude(channel=Channel.PATROL, level=HandlingLevel.GRID).select_related("category").order_by("pk"))
    for order in waiting:
        rule = resolve_rule(order.category.path if order.category_id else "", order.area_path, book=book)
        unit_id = rule.unit_id if rule is not None else None
        if unit_id != order.suggested_unit_id:
            changed.setdefault(unit_id, []).append(order.pk)
            numbers.append(order.number)
    for unit_id, pks in changed.items():
        WorkOrder.objects.filter(pk__in=pks).update(suggested_unit_id=unit_id, version=F("version") + 1)
    return numbers


def save_rule(actor, rule: Responsibility, *, changed: list[str] | None = None) -> Responsibility:
    """Create or change a responsibility rule (admin, import): the area path follows the area, the
    unit must be active and serve the rule's area, one rule per category (or default) and area; orders waiting for dispatch
    in the rule's old and new scope get the suggestion the list now makes. One audit row with the
    old and new values."""
    from django.core.exceptions import ValidationError
    from django.db import transaction
    from django.utils.translation import gettext as _

    from civicgrid.core.services import record_event

    if rule.unit_id and not rule.unit.is_active:
        raise ValidationError({"unit": _("The unit %(unit)s is not active.") % {"unit": rule.unit.name}})
    if rule.unit_id and rule.area_id and not rule.area.path.startswith(rule.unit.area.path):
        # Dispatch gives a unit only orders inside the area it serves (services.unit_serves): such a
        # rule would suggest a unit that can never be given the order.
        raise ValidationError({"unit": _("%(unit)s serves %(served)s, which does not contain %(area)s: it could not "
                                         "be given the orders of this rule.")
                               % {"unit": rule.unit.name, "served": rule.unit.area.name, "area": rule.area.name}})
    created = rule.pk is None
    with transaction.atomic():
        stored = None if created else Responsibility.objects.select_for_update(of=("self",)).select_related(
            "area", "category", "unit").get(pk=rule.pk)
        twin = Responsibility.objects.filter(area_id=rule.area_id, category_id=rule.category_id)
        if not created:
            twin = twin.exclude(pk=rule.pk)
        if twin.exists():
            # The unique constraint cannot see two defaults (no category) of one area: the second
            # would never apply.
            message = (_("%(area)s already has a default rule; change that one instead.") % {"area": rule.area.name}
                       if rule.category_id is None else
                       _("%(area)s already has a rule for %(category)s; change that one instead.")
                       % {"area": rule.area.name, "category": rule.category.name})
            raise ValidationError({"category": message})
        rule.area_path = rule.area.path
        rule.save()
        new = _rule_values(rule)
        if created:
            changes = {**new, "fields": sorted(changed or [])}
            scopes = [scope_of(rule)]
        else:
            old = _rule_values(stored)
            changes = {f: [old[f], new[f]] for f in RULE_AUDIT_FIELDS if old[f] != new[f]}
            scopes = list(dict.fromkeys([scope_of(stored), scope_of(rule)]))
        moved = []
        if changes:
            moved = refresh_suggestions(scopes)
            if moved:
                changes["orders_resuggested"] = moved
            record_event(actor=actor, action="responsibility.create" if created else "responsibility.update",
                         obj=rule, changes=changes)
        transaction.on_commit(forget)
    rule.orders_resuggested = moved  # for the caller's summary (the import)
    return rule


def delete_rule(actor, rule: Responsibility) -> None:
    """Remove a rule (admin); waiting orders get the suggestion the list makes without it. Audited
    with the rule's values, so it can be put back."""
    from django.db import transaction

    from civicgrid.core.services import record_event

    with transaction.atomic():
        stored = Responsibility.objects.select_for_update(of=("self",)).select_related("area", "category", "unit").filter(
            pk=rule.pk).first()
        if stored is None:
            return
        changes = {f: [v, None] for f, v in _rule_values(stored).items()}
        pk, scope = stored.pk, scope_of(stored)
        stored.delete()
        stored.pk = pk  # the audit row names the rule that was
        moved = refresh_suggestions([scope])
        if moved:
            changes["orders_resuggested"] = moved
        record_event(actor=actor, action="responsibility.delete", obj=stored, changes=changes)
        transaction.on_commit(forget)


def forget() -> None:
    rules_snapshot.forget(everywhere=True)


def _on_change(sender, **kwargs):
    rules_snapshot.forget(everywhere=True)


# Cache invalidation only; no domain logic here (ADR 001).
for _model in (Responsibility, Unit):
    post_save.connect(_on_change, sender=_model, dispatch_uid=f"routing-snapshot-save-{_model.__name__}")
    post_delete.connect(_on_change, sender=_model, dispatch_uid=f"routing-snapshot-delete-{_model.__name__}")
