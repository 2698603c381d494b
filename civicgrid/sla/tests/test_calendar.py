"""Working days: chinesecalendar's holidays and adjusted working days, the admin table that
overrides and extends it, the weekend fallback with its warnings, and the per-process cache."""

from __future__ import annotations

import logging
from datetime import date, datetime

import pytest
from django.utils import timezone

from civicgrid.core.models import AuditEvent
from civicgrid.sla import calendar, services
from civicgrid.sla.calendar import (
    add_working_time,
    add_workdays,
    is_known_year,
    is_workday,
    sub_working_time,
    workdays_between,
    years_without_data,
)
from civicgrid.sla.checks import check_calendar_years
from civicgrid.sla.models import CalendarDay, CalendarState
from civicgrid.workorders.errors import TransitionForbidden

pytestmark = pytest.mark.django_db


def bj(*args) -> datetime:
    return timezone.make_aware(datetime(*args))


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.create_superuser("root", password="x")


def test_national_day_2026_with_its_adjusted_working_days():
    assert [is_workday(date(2026, 10, d)) for d in range(1, 13)] == [
        False, False, False, False, False, False, False, True, True, True, False, True]
    assert is_workday(date(2026, 9, 20))  # a Sunday worked instead
    # Five working days from the eve of the holiday: 8th, 9th, Saturday 10th (adjusted), 12th, 13th.
    assert add_workdays(bj(2026, 9, 30, 10, 0), 1) == bj(2026, 10, 8, 10, 0)
    assert add_workdays(bj(2026, 9, 30, 10, 0), 5) == bj(2026, 10, 13, 10, 0)
    assert workdays_between(date(2026, 9, 30), date(2026, 10, 13)) == 5


def test_an_adjusted_working_saturday_counts():
    assert add_workdays(bj(2026, 10, 9, 16, 0), 1) == bj(2026, 10, 10, 16, 0)
    assert add_workdays(bj(2026, 10, 16, 16, 0), 1) == bj(2026, 10, 19, 16, 0)  # an ordinary weekend


def test_a_start_on_a_holiday_counts_from_the_next_working_day():
    assert add_workdays(bj(2026, 10, 3, 15, 0), 1) == bj(2026, 10, 9, 0, 0)
    assert add_workdays(bj(2026, 10, 3, 15, 0), 2) == bj(2026, 10, 10, 0, 0)
    assert add_workdays(bj(2026, 10, 3, 15, 0), 0) == bj(2026, 10, 3, 15, 0)


def test_fractions_of_working_days_and_their_inverse():
    assert add_working_time(bj(2026, 10, 9, 12, 0), 0.5) == bj(2026, 10, 10, 0, 0)
    # Half a day from Friday noon runs out at Friday's end: the latest such moment is Monday 00:00.
    assert add_working_time(bj(2026, 10, 16, 12, 0), 0.5) == bj(2026, 10, 19, 0, 0)
    assert add_working_time(bj(2026, 10, 16, 12, 0), 1) == add_workdays(bj(2026, 10, 16, 12, 0), 1)
    assert add_working_time(bj(2026, 9, 30, 18, 0), 2.5) == bj(2026, 10, 10, 6, 0)
    assert sub_working_time(bj(2026, 10, 19, 0, 0), 0.5) == bj(2026, 10, 16, 12, 0)
    assert sub_working_time(bj(2026, 10, 10, 6, 0), 2.5) == bj(2026, 9, 30, 18, 0)
    assert sub_working_time(bj(2026, 10, 4, 12, 0), 1) == bj(2026, 9, 30, 0, 0)


def test_2027_without_data_falls_back_to_weekends_and_warns(caplog):
    calendar._warned_years.discard(2027)
    with caplog.at_level(logging.WARNING, logger="civicgrid.sla"):
        assert is_workday(date(2027, 2, 8)) is True   # a Monday of the Spring Festival, unknown
        assert is_workday(date(2027, 2, 6)) is False  # a Saturday
        is_workday(date(2027, 2, 9))
    warnings = [r for r in caplog.records if "2027" in r.getMessage()]
    assert len(warnings) == 1  # once per process, not per date
    assert not is_known_year(2027)
    assert years_without_data(2026, 2028) == [2027, 2028]
    assert add_workdays(bj(2027, 2, 5, 9, 0), 1) == bj(2027, 2, 8, 9, 0)
    messages = check_calendar_years(databases=["default"])
    assert [m.id for m in messages] in ([], ["sla.W001"])  # depends on today's date
    assert check_calendar_years(databases=None) == []


def test_2027_with_the_administrators_holidays(admin_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for day in range(6, 14):
            services.save_calendar_day(admin_user, day=date(2027, 2, day), is_workday=False, name="春节")
        services.save_calendar_day(admin_user, day=date(2027, 2, 20), is_workday=True, name="春节调休")
    assert is_known_year(2027)
    assert years_without_data(2026, 2027) == []
    assert is_workday(date(2027, 2, 8)) is False
    assert is_workday(date(2027, 2, 20)) is True   # an adjusted working Saturday
    assert is_workday(date(2027, 3, 1)) is True    # an ordinary Monday of a known year
    assert add_workdays(bj(2027, 2, 5, 9, 0), 1) == bj(2027, 2, 15, 9, 0)
    assert add_workdays(bj(2027, 2, 19, 9, 0), 1) == bj(2027, 2, 20, 9, 0)
    assert AuditEvent.objects.filter(action="sla.calendar_day.save").count() == 9
    assert CalendarState.objects.get().version == 9


def test_an_override_beats_chinesecalendar_and_deleting_it_restores(admin_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        row = services.save_calendar_day(admin_user, day=date(2026, 10, 9), is_workday=False, name="台风停工")
    assert add_workdays(bj(2026, 9, 30, 10, 0), 2) == bj(2026, 10, 10, 10, 0)
    with django_capture_on_commit_callbacks(execute=True):
        services.save_calendar_day(admin_user, day=date(2026, 10, 9), is_workday=True, name="", instance=row)
    assert is_workday(date(2026, 10, 9)) is True
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_calendar_day(admin_user, row)
    assert CalendarDay.objects.count() == 0
    assert is_workday(date(2026, 10, 9)) is True
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "sla.calendar_day.save", "sla.calendar_day.save", "sla.calendar_day.delete"]


def test_another_process_sees_the_change_through_the_version(admin_user, settings):
    settings.SLA_CALENDAR_CHECK_SECONDS = 3600
    assert is_workday(date(2026, 10, 9)) is True  # loaded and cached
    # Another process edits: its on_commit runs there, not here.
    services.save_calendar_day(admin_user, day=date(2026, 10, 9), is_workday=False)
    assert is_workday(date(2026, 10, 9)) is True  # within the check interval: the cache answers
    settings.SLA_CALENDAR_CHECK_SECONDS = 0
    assert is_workday(date(2026, 10, 9)) is False  # the version changed: reloaded


def test_refusals_change_nothing(admin_user, django_user_model):
    clerk = django_user_model.objects.create_user("clerk", password="x", is_staff=True)
    with pytest.raises(TransitionForbidden):
        services.save_calendar_day(clerk, day=date(2027, 1, 1), is_workday=False)
    services.save_calendar_day(admin_user, day=date(2027, 1, 1), is_workday=False, name="元旦")
    before = (CalendarDay.objects.count(), AuditEvent.objects.count(), CalendarState.objects.get().version)
    with pytest.raises(services.SlaError):
        services.save_calendar_day(admin_user, day=date(2027, 1, 1), is_workday=True)
    with pytest.raises(services.SlaError):
        services.save_calendar_day(admin_user, day=date(2027, 1, 2), is_workday=False, name="x" * 51)
    with pytest.raises(TransitionForbidden):
        services.delete_calendar_day(clerk, CalendarDay.objects.get())
    assert (CalendarDay.objects.count(), AuditEvent.objects.count(), CalendarState.objects.get().version) == before
    assert CalendarDay.objects.get().is_workday is False
