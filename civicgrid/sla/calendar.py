"""The Chinese working-day calendar.

Order of authority for a date: an administrator's CalendarDay row, then chinesecalendar (which
knows 2004–2026), then plain weekends. The last case is a guess: it is logged loudly, shown to
administrators (system check ``sla.W001`` and a banner on the admin index, see
``years_without_data``), and never raised in a request.

A year counts as known to the administrators once it has at least one CalendarDay row: entering a
year's holidays is done all at once, from the State Council's notice.

The overrides are cached per process. The services that edit CalendarDay bump
``CalendarState.version`` in their transaction and drop this process's cache on commit; other
processes (web workers, Celery) compare the version at most every ``SLA_CALENDAR_CHECK_SECONDS``
and reload when it changed, as civicgrid.geo.locate does for boundaries.

Working time: where a limit is a fraction of working days (a reminder at half of 5 working
days), a working date counts as 24 working hours and a day off as none.
"""

from __future__ import annotations

import logging
import threading
import time as monotonic
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import chinese_calendar
from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

from civicgrid.core import versioning

logger = logging.getLogger("civicgrid.sla")

DAY = timedelta(days=1)

_warned_years: set[int] = set()
_lock = threading.Lock()


@dataclass(frozen=True)
class _Overrides:
    version: int
    days: dict[date, bool]
    years: frozenset[int]


_cache: _Overrides | None = None
_checked_at = 0.0


def _check_seconds() -> float:
    return float(getattr(settings, "SLA_CALENDAR_CHECK_SECONDS", 5))


def current_version() -> int:
    from .models import CalendarState

    return versioning.read_version(CalendarState)


def bump_version() -> None:
    """Call inside the transaction that changes CalendarDay rows; drops this process's cache on commit."""
    from .models import CalendarState

    versioning.bump_version(CalendarState)
    transaction.on_commit(forget_overrides)


def forget_overrides() -> None:
    global _cache, _checked_at
    with _lock:
        _cache = None
        _checked_at = 0.0


def _load() -> _Overrides:
    from .models import CalendarDay

    # The version first: an edit committed between the two reads shows up as a newer version at
    # the next check, never as data newer than the version that describes it.
    version = current_version()
    days = dict(CalendarDay.objects.values_list("date", "is_workday"))
    return _Overrides(version, days, frozenset(d.year for d in days))


def _overrides() -> _Overrides:
    global _cache, _checked_at
    cache = _cache
    if cache is not None and monotonic.monotonic() - _checked_at < _check_seconds():
        return cache
    with _lock:
        if _cache is not None and monotonic.monotonic() - _checked_at < _check_seconds():
            return _cache
        try:
            if _cache is None or current_version() != _cache.version:
                _cache = _load()
        except DatabaseError:
            # No table yet (before migrate) or the database is away: chinesecalendar and weekends
            # still answer, and the next call tries again.
            logger.exception("Cannot read the holiday table; using chinesecalendar and weekends only.")
            return _cache or _Overrides(-1, {}, frozenset())
        _checked_at = monotonic.monotonic()
        return _cache


@lru_cache(maxsize=64)
def library_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
        return True
    except NotImplementedError:
        return False


def years_with_overrides() -> set[int]:
    return set(_overrides().years)


def is_known_year(year: int) -> bool:
    """A year is known when chinesecalendar has it or an administrator entered its holidays."""
    return library_knows(year) or year in _overrides().years


def years_without_data(start: int, end: int) -> list[int]:
    """Years in [start, end] that fall back to weekends: shown as a warning to administrators."""
    return [y for y in range(start, end + 1) if not is_known_year(y)]


def years_to_warn_about(today: date | None = None) -> list[int]:
    """This year and the next (deadlines reach weeks ahead) when they have no holiday data."""
    today = today or timezone.localdate()
    years = years_without_data(today.year, today.year + 1)
    for year in years:
        _warn_once(year)
    return years


def _warn_once(year: int) -> None:
    with _lock:
        if year in _warned_years:
            return
        _warned_years.add(year)
    logger.warning(
        "No holiday data for %s: working days fall back to Monday–Friday. Enter the year's "
        "holidays and adjusted working days in the admin (节假日与调休).", year,
    )


def is_workday(day: date) -> bool:
    overrides = _overrides()
    if day in overrides.days:
        return overrides.days[day]
    if library_knows(day.year):
        return chinese_calendar.is_workday(day)
    if day.year not in overrides.years:
        _warn_once(day.year)
    return day.weekday() < 5


def next_workday(day: date) -> date:
    """The first working day after ``day``."""
    day += DAY
    while not is_workday(day):
        day += DAY
    return day


def add_workdays(start: datetime, days: int) -> datetime:
    """``days`` working days after ``start``, at the same time of day.

    A start on a day off counts from the beginning of the next working day (an appeal received on
    Saturday has its first working day on Monday), so a limit never shrinks over a holiday.
    """
    if days <= 0:
        return start
    current = start
    if not is_workday(current.date()):
        current = datetime.combine(next_workday(current.date()), time(0, 0), tzinfo=start.tzinfo)
    remaining = days
    day = current.date()
    while remaining:
        day += DAY
        if is_workday(day):
            remaining -= 1
    return datetime.combine(day, current.timetz())


def workdays_between(start: date, end: date) -> int:
    """Working days in (start, end]."""
    count = 0
    day = start
    while day < end:
        day += DAY
        if is_workday(day):
            count += 1
    return count


def _midnight(day: date, tzinfo) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=tzinfo)


def add_working_time(start: datetime, days: float | timedelta, workday=None) -> datetime:
    """The latest moment that is ``days`` (possibly fractional) working days after ``start``.

    Agrees with ``add_workdays`` for whole days; "latest" means that a limit ending exactly at the
    end of a Friday ends on Monday at 00:00, as add_workdays has it. ``workday`` replaces
    ``is_workday`` (a calendar about to be saved: services.import_holiday_notice).
    """
    workday = workday or is_workday
    local = timezone.localtime(start)
    tz = local.tzinfo
    remaining = days if isinstance(days, timedelta) else timedelta(days=days)
    if not workday(local.date()):
        local = _midnight(_next_workday(local.date(), workday), tz)
    while True:
        left = _midnight(local.date() + DAY, tz) - local
        if remaining < left:
            return local + remaining
        remaining -= left
        local = _midnight(_next_workday(local.date(), workday), tz)


def working_time_between(start: datetime, end: datetime, workday=None) -> timedelta:
    """Working time in [start, end], each working date counting 24 hours (as add_working_time)."""
    workday = workday or is_workday
    start, end = timezone.localtime(start), timezone.localtime(end)
    tz = start.tzinfo
    total = timedelta(0)
    moment = start
    while moment < end:
        day_end = min(_midnight(moment.date() + DAY, tz), end)
        if workday(moment.date()):
            total += day_end - moment
        moment = day_end
    return total


def _next_workday(day: date, workday) -> date:
    day += DAY
    while not workday(day):
        day += DAY
    return day


def base_is_workday(day: date) -> bool:
    """The calendar without administrators' rows: chinesecalendar, else weekends."""
    if library_knows(day.year):
        return chinese_calendar.is_workday(day)
    return day.weekday() < 5


def sub_working_time(end: datetime, days: float) -> datetime:
    """The earliest moment from which ``days`` working days reach ``end``: the inverse of
    ``add_working_time``, used for when a reminder fell due."""
    local = timezone.localtime(end)
    tz = local.tzinfo
    remaining = timedelta(days=days)
    if is_workday(local.date()):
        day, offset = local.date(), local - _midnight(local.date(), tz)
    else:
        day, offset = previous_workday(local.date()), DAY
    # Strictly less: when the time runs out exactly at a midnight, the end (24:00) of the working
    # day before is the earliest moment with the same working time left.
    while not remaining < offset:
        remaining -= offset
        day, offset = previous_workday(day), DAY
    return _midnight(day, tz) + offset - remaining


def previous_workday(day: date) -> date:
    """The last working day before ``day``."""
    day -= DAY
    while not is_workday(day):
        day -= DAY
    return day
