"""The Chinese working-day calendar.

Order of authority for a date: an administrator's CalendarDay row, then chinesecalendar (which
knows 2004–2026), then plain weekends. The last case is a guess: it is logged loudly and listed
for administrators (``years_without_data``), never raised in a request.
"""

from __future__ import annotations

import logging
import threading
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import chinese_calendar

logger = logging.getLogger("civicgrid.sla")

_warned_years: set[int] = set()
_lock = threading.Lock()


def _overrides() -> dict[date, bool]:
    """Administrator overrides, cached per process until ``forget_overrides`` (called by the
    service that edits them, after commit)."""
    return _load_overrides()


@lru_cache(maxsize=1)
def _load_overrides() -> dict[date, bool]:
    from .models import CalendarDay

    return dict(CalendarDay.objects.values_list("date", "is_workday"))


def forget_overrides() -> None:
    _load_overrides.cache_clear()


def _library_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
        return True
    except NotImplementedError:
        return False


@lru_cache(maxsize=64)
def _library_knows_cached(year: int) -> bool:
    return _library_knows(year)


def years_with_overrides() -> set[int]:
    return {d.year for d in _overrides()}


def is_known_year(year: int) -> bool:
    """A year is known when chinesecalendar has it or an administrator entered its holidays."""
    return _library_knows_cached(year) or year in years_with_overrides()


def years_without_data(start: int, end: int) -> list[int]:
    """Years in [start, end] that fall back to weekends: shown as a warning to administrators."""
    return [y for y in range(start, end + 1) if not is_known_year(y)]


def is_workday(day: date) -> bool:
    overrides = _overrides()
    if day in overrides:
        return overrides[day]
    if _library_knows_cached(day.year):
        return chinese_calendar.is_workday(day)
    if day.year not in years_with_overrides():
        with _lock:
            if day.year not in _warned_years:
                _warned_years.add(day.year)
                logger.warning(
                    "No holiday data for %s: working days fall back to Monday–Friday. Enter the year's "
                    "holidays and adjusted working days in the admin (节假日与调休).", day.year
                )
    return day.weekday() < 5


def add_workdays(start: datetime, days: int) -> datetime:
    """``days`` working days after ``start``, at the same time of day.

    A start on a day off counts from the beginning of the next working day (an appeal received on
    Saturday has its first working day on Monday), so a limit never shrinks over a holiday.
    """
    if days <= 0:
        return start
    current = start
    if not is_workday(current.date()):
        nxt = current.date() + timedelta(days=1)
        while not is_workday(nxt):
            nxt += timedelta(days=1)
        current = datetime.combine(nxt, time(0, 0), tzinfo=start.tzinfo)
    remaining = days
    day = current.date()
    while remaining:
        day += timedelta(days=1)
        if is_workday(day):
            remaining -= 1
    return datetime.combine(day, current.timetz())


def workdays_between(start: date, end: date) -> int:
    """Working days in (start, end]."""
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_workday(day):
            count += 1
    return count
