"""Which SLA policy applies to an order, and when each of its limits falls."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from .calendar import add_working_time, add_workdays, sub_working_time
from .models import LimitUnit, SlaPolicy

# Used when no policy matches at all (a database without the default policies): the Shandong
# rules and Beijing's dispatch limit. The defaults themselves are data (migration 0004).
DEFAULT_REMIND_AT = (0.5, 0.8)
DEFAULT_ESCALATE_EVERY = (1, LimitUnit.WORKDAYS)
DEFAULT_WHISTLE_LIMIT = (2, LimitUnit.HOURS)


def add_limit(start: datetime, value: float, unit: str) -> datetime:
    """The deadline ``value`` minutes, hours or working days after ``start`` (days counted in Beijing time).

    Whole working days keep the time of day; a fraction of working days (a reminder at half of a
    5-day limit) counts each working date as 24 working hours.
    """
    if unit == LimitUnit.WORKDAYS:
        if float(value).is_integer():
            return add_workdays(timezone.localtime(start), int(value))
        return add_working_time(start, value)
    if unit == LimitUnit.MINUTES:
        return start + timedelta(minutes=value)
    return start + timedelta(hours=value)


def sub_limit(end: datetime, value: float, unit: str) -> datetime:
    """The earliest moment that is ``value`` hours or working days before ``end``."""
    if unit == LimitUnit.WORKDAYS:
        return sub_working_time(end, value)
    if unit == LimitUnit.MINUTES:
        return end - timedelta(minutes=value)
    return end - timedelta(hours=value)


def _depth(path: str | None) -> int:
    return path.count("/") if path else 0


def specificity(policy: SlaPolicy) -> tuple:
    """How specific a matching policy is; the greatest wins.

    1. an exact priority beats "any priority": an urgent order keeps the urgent limits even where a
       jurisdiction overrides the ordinary ones;
    2. then the deeper category (a policy on a parent category covers its children), with
       "utility categories only" between "any category" and a named category;
    3. then the deeper jurisdiction (a street's own policy beats the district's);
    4. then the older policy (lower id), so that the answer never depends on row order.
    """
    category_depth = _depth(policy.category.path) * 2 if policy.category_id else (1 if policy.utilities_only else 0)
    return (
        1 if policy.priority else 0,
        category_depth,
        _depth(policy.area.path) if policy.area_id else 0,
        -policy.pk,
    )


def matching_policies(*, area_path: str, category=None, priority: str = ""):
    area_codes = [c for c in (area_path or "").split("/") if c]
    cat_codes = category.ancestor_codes if category is not None else []
    qs = SlaPolicy.objects.filter(is_active=True).filter(
        Q(area__isnull=True) | Q(area__code__in=area_codes)
    ).filter(
        Q(category__isnull=True) | Q(category__code__in=cat_codes)
    ).filter(Q(priority="") | Q(priority=priority))
    if category is None or not category.is_utility:
        qs = qs.filter(utilities_only=False)
    # A policy on an area is found by the codes on the order's path; make sure it is the same area
    # (codes are unique, the path check guards against a moved subtree).
    return [
        p for p in qs.select_related("area", "category")
        if p.area_id is None or (area_path or "").startswith(p.area.path)
    ]


def policy_for(*, area_path: str, category=None, priority: str = "") -> SlaPolicy | None:
    """The most specific active policy for an order at ``area_path`` in ``category`` with
    ``priority`` (see ``specificity``). Empty fields of a policy match everything. None when no
    policy matches (callers then use the Shandong defaults)."""
    candidates = matching_policies(area_path=area_path, category=category, priority=priority)
    return max(candidates, key=specificity, default=None)


def remind_fractions(policy: SlaPolicy | None) -> list[float]:
    """The policy's reminder fractions, cleaned: numbers strictly between 0 and 1, ascending."""
    raw = DEFAULT_REMIND_AT if policy is None else (policy.remind_at or [])
    fractions = set()
    for value in raw:
        try:
            number = float(value)
        except (TypeError, ValueError):
            continue
        if 0 < number < 1:
            fractions.add(round(number, 4))
    return sorted(fractions)


def escalate_every(policy: SlaPolicy | None) -> tuple[int, str]:
    if policy is None:
        return DEFAULT_ESCALATE_EVERY
    return max(policy.escalate_every, 1), policy.escalate_unit


def whistle_limit(policy: SlaPolicy | None) -> tuple[int, str]:
    if policy is None:
        return DEFAULT_WHISTLE_LIMIT
    return max(policy.whistle_limit, 1), policy.whistle_unit
