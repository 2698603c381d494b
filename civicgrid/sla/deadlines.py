"""Which SLA policy applies to an order, and when each of its limits falls."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from .calendar import add_workdays
from .models import LimitUnit, SlaPolicy


def add_limit(start: datetime, value: int, unit: str) -> datetime:
    """The deadline ``value`` hours or working days after ``start`` (days counted in Beijing time)."""
    if unit == LimitUnit.WORKDAYS:
        return add_workdays(timezone.localtime(start), value)
    return start + timedelta(hours=value)


def _depth(path: str | None) -> int:
    return path.count("/") if path else 0


def policy_for(*, area_path: str, category=None, priority: str = "") -> SlaPolicy | None:
    """The most specific active policy: category depth first, then jurisdiction depth, then an
    exact priority over "any priority". Empty fields match everything."""
    area_codes = [c for c in area_path.split("/") if c]
    cat_codes = category.ancestor_codes if category is not None else []
    candidates = SlaPolicy.objects.filter(is_active=True).filter(
        Q(area__isnull=True) | Q(area__code__in=area_codes)
    ).filter(
        Q(category__isnull=True) | Q(category__code__in=cat_codes)
    ).filter(Q(priority="") | Q(priority=priority)).select_related("area", "category")
    best, best_key = None, None
    for policy in candidates:
        key = (
            _depth(policy.category.path) if policy.category_id else 0,
            _depth(policy.area.path) if policy.area_id else 0,
            1 if policy.priority else 0,
            -policy.pk,
        )
        if best_key is None or key > best_key:
            best, best_key = policy, key
    return best
