"""Calendar months and intervals in local time (Asia/Shanghai): a visit at 23:30 on 31 March
belongs to March wherever the server's clock runs."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

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
        """[start, end) as aware datetimes at local midnight."""
        tz = timezone.get_current_timezone()
        return (timezone.make_aware(datetime.combine(self.first, time.min), tz),
                timezone.make_aware(datetime.combine(self.next_first, time.min), tz))


def this_month(now: datetime | None = None) -> Month:
    return Month(timezone.localdate(now or timezone.now()).replace(day=1))


def parse_month(value: str | None) -> Month | None:
    """``YYYY-MM`` → Month; None when missing or malformed."""
    match = _MONTH.match((value or "").strip())
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        return None
    return Month(date(year, month, 1))


def add_months(day: date, n: int = 1) -> date:
    """The same day ``n`` months later, or the month's last day (31 January + 1 → 28/29 February)."""
    index = day.month - 1 + n
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_days(day: date, n: int) -> date:
    return day + timedelta(days=n)
