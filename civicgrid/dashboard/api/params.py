"""The query parameters every command-center read shares: which area, which month, how many days.

The page and the API parse them the same way, so a link copied from one answers like the other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time

from django.utils import timezone
from django.utils.translation import gettext
from rest_framework import serializers

RANKING_KINDS = ("street", "community", "department")
DEFAULT_DAYS = 30
MAX_DAYS = 366
MAX_LIMIT = 100

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Month:
    first: date

    @property
    def code(self) -> str:
        return self.first.strftime("%Y-%m")

    @property
    def next_first(self) -> date:
        y, m = self.first.year, self.first.month
        return date(y + (m == 12), m % 12 + 1, 1)

    @property
    def previous(self) -> Month:
        y, m = self.first.year, self.first.month
        return Month(date(y - (m == 1), (m - 2) % 12 + 1, 1))

    def bounds(self) -> tuple[datetime, datetime]:
        """[start, end) in local time: assessment months follow the local calendar, not UTC."""
        tz = timezone.get_current_timezone()
        return (timezone.make_aware(datetime.combine(self.first, time.min), tz),
                timezone.make_aware(datetime.combine(self.next_first, time.min), tz))


def this_month(now: datetime | None = None) -> Month:
    today = timezone.localdate(now or timezone.now())
    return Month(today.replace(day=1))


def parse_month(value: str | None) -> Month | None:
    """``YYYY-MM`` → Month; None when missing or malformed (the caller decides what that means)."""
    match = _MONTH.match(value or "")
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        return None
    return Month(date(year, month, 1))


def month_error(value: str, name: str = "month") -> str:
    """What a reader is told when ``name`` is not a month: the parameter, what it said and the form
    it takes, e.g. 参数 month 的值“2026-13”不是有效的月份，应写成 YYYY-MM（如 2026-12）。"""
    return gettext("The %(name)s parameter “%(value)s” is not a valid month: write it YYYY-MM, "
                   "for example %(example)s.") % {"name": name, "value": value, "example": this_month().code}


def default_ranking_kind(area) -> str:
    return ranking_kinds_for(area)[0]


def ranking_kinds_for(area) -> list[str]:
    """Rank what lies below the area: a district ranks its streets, a street its communities;
    departments answer to every level."""
    kinds = []
    if area.kind == "district":
        kinds.append("street")
    if area.kind in ("district", "street"):
        kinds.append("community")
    kinds.append("department")
    return kinds


class MonthField(serializers.CharField):
    """A ``month`` query parameter: a Month, None when left empty, else 400 with ``month_error``
    (one rule for the command center's, the wishes' and the proactive API's months)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_blank", True)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data).strip()
        if not value:
            return None
        month = parse_month(value)
        if month is None:
            raise serializers.ValidationError(month_error(value, self.field_name or "month"), code="invalid")
        return month
