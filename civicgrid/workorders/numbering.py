"""Order and tracking numbers.

Scheme: a prefix, the intake day in Beijing time and a per-day sequence of at least six digits, the
same sequence for the order and the appeal that opened it: order ``GD20261122000123``, tracking
number ``SQ20261122000123`` (工单/诉求). A resident reading their number to the hotline is read
back the order number with the same digits. Later appeals merged into an order keep their own.

The sequence lives in a ``NumberSequence`` row per day. It is advanced with an UPDATE, which locks
the row until the intake's transaction ends on PostgreSQL (SQLite serialises writers anyway), so two
intakes never draw the same number; a rolled-back intake leaves a gap, which is harmless.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .models import NumberSequence

ORDER_PREFIX = "GD"
TRACKING_PREFIX = "SQ"
DIGITS = 6


def _prefixes() -> tuple[str, str]:
    return (getattr(settings, "ORDER_NUMBER_PREFIX", ORDER_PREFIX),
            getattr(settings, "TRACKING_NUMBER_PREFIX", TRACKING_PREFIX))


def take(count: int = 1, *, now: datetime | None = None) -> tuple[str, int]:
    """Reserve ``count`` consecutive numbers of the day; returns (day "YYYYMMDD", first number)."""
    day = timezone.localtime(now or timezone.now()).strftime("%Y%m%d")
    key = f"intake:{day}"
    with transaction.atomic():
        if not NumberSequence.objects.filter(key=key).update(value=F("value") + count):
            try:
                with transaction.atomic():
                    NumberSequence.objects.create(key=key, value=0)
            except IntegrityError:
                pass  # another intake created the day's row first
            NumberSequence.objects.filter(key=key).update(value=F("value") + count)
        last = NumberSequence.objects.filter(key=key).values_list("value", flat=True).get()
    return day, last - count + 1


def format_numbers(day: str, n: int) -> tuple[str, str]:
    """(order number, tracking number) for sequence ``n`` of ``day``."""
    order_prefix, tracking_prefix = _prefixes()
    digits = f"{n:0{DIGITS}d}"
    return f"{order_prefix}{day}{digits}", f"{tracking_prefix}{day}{digits}"


def next_numbers(*, now: datetime | None = None) -> tuple[str, str]:
    day, n = take(1, now=now)
    return format_numbers(day, n)
