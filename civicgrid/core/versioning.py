"""A version number in one database row, for per-process caches that other processes must drop.

A process caches something built from the database (the geo index, the holiday table) with the
version it read; writers bump the version inside their transaction; readers compare it now and
then and rebuild when it moved. The model needs ``id``, ``version`` and ``changed_at`` fields.
"""

from __future__ import annotations

from django.db.models import F
from django.utils import timezone

SINGLETON_ID = 1


def read_version(model) -> int:
    return int(model.objects.filter(id=SINGLETON_ID).values_list("version", flat=True).first() or 0)


def bump_version(model) -> None:
    """Call inside the writer's transaction; the row is created on first use."""
    if not model.objects.filter(id=SINGLETON_ID).update(version=F("version") + 1, changed_at=timezone.now()):
        model.objects.get_or_create(id=SINGLETON_ID)
        model.objects.filter(id=SINGLETON_ID).update(version=F("version") + 1, changed_at=timezone.now())
