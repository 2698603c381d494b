"""Reading the State Council's holiday notice: three real notices give exactly the calendar
chinesecalendar has for their years; a notice that contradicts itself is refused with the reason."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import pytest
from django.utils import translation

from civicgrid.sla.notice import NoticeDay, parse_holiday_notice

NOTICES = Path(__file__).parent / "notices"


def notice(name: str) -> str:
    return (NOTICES / name).read_text(encoding="utf-8")


@pytest.fixture(autouse=True)
def _chinese():
    with translation.override("zh-hans"):
        yield


@pytest.mark.parametrize(("year", "off", "work"), [(2024, 28, 8), (2025, 28, 5), (2026, 33, 6)])
def test_real_notices_give_the_calendar_chinesecalendar_has(year, off, work):
    parsed = parse_holiday_notice(notice(f"{year}.txt"), year)
    assert parsed.problems == []
    assert (len(parsed.holidays), len(parsed.workdays)) == (off, work)
    listed = {d.date: d.is_workday for d in parsed.days}
    day, differ = date(year, 1, 1), []
    while day.year == year:
        if listed.get(day, day.weekday() < 5) != chinese_calendar.is_workday(day):
            differ.append(day)
        day += timedelta(days=1)
    assert differ == []


def test_days_are_named_after_their_holiday():
    parsed = parse_holiday_notice(notice("2025.txt"), 2025)
    assert parsed.days[:3] == [NoticeDay(date(2025, 1, 1), False, "元旦"), NoticeDay(date(2025, 1, 26), True, "春节调休"),
                               NoticeDay(date(2025, 1, 28), False, "春节")]
    assert [d for d in parsed.days if d.name == "国庆节、中秋节"][0].date == date(2025, 10, 1)
    # The advice to rest on New Year's Eve (鼓励…安排职工在除夕（2月9日）休息) is not a holiday.
    assert date(2024, 2, 9) not in {d.date for d in parse_holiday_notice(notice("2024.txt"), 2024).days}


def test_a_notice_pasted_for_the_wrong_year_is_refused_by_its_weekdays():
    parsed = parse_holiday_notice(notice("2026.txt"), 2027)
    assert parsed.problems[0] == "元旦：通知写 2027-01-01 是周四，实际是周五。请核对年份和日期。"
    assert len(parsed.problems) == 20


def test_a_day_count_that_does_not_match_the_span_is_refused():
    parsed = parse_holiday_notice(notice("2026.txt").replace("共9天", "共8天"), 2026)
    assert parsed.problems == ["春节：2026-02-15 至 2026-02-23 是 9 天，通知写的是共8天。"]


@pytest.mark.parametrize(("text", "problems"), [
    ("", ["通知是空的：请粘贴国务院通知的正文。"]),
    ("hello world", ["没有找到日期：请粘贴通知中的节假日安排（一、元旦：……）。"]),
    ("一、春节：2月30日至3月2日放假。", ["春节：2026-2-30 不是有效日期。"]),
    ("一、国庆节：10月7日至1日放假。", ["国庆节：放假结束日（2026-10-01）早于开始日（2026-10-07）。"]),
    ("一、国庆节：2025年10月1日至7日放假。", ["国庆节：2025-10-01 不在 2026 年内。"]),
    ("一、元旦：1月1日放假。1月1日上班。", ["元旦：2026-01-01 既是放假日又是上班日。"]),
])
def test_bad_notices_say_what_is_wrong(text, problems):
    parsed = parse_holiday_notice(text, 2026)
    assert parsed.problems == problems


def test_a_new_year_holiday_starting_in_december_belongs_to_the_new_year():
    parsed = parse_holiday_notice("一、元旦：2026年12月31日（周四）至2027年1月2日（周六）放假调休，共3天。2027年1月9日（周六）上班。", 2027)
    assert parsed.problems == []
    assert [(d.date, d.is_workday) for d in parsed.days] == [
        (date(2026, 12, 31), False), (date(2027, 1, 1), False), (date(2027, 1, 2), False), (date(2027, 1, 9), True)]
