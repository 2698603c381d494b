"""Read the State Council's yearly holiday notice (国务院办公厅关于 YYYY 年部分节假日安排的通知).

Every December an administrator has to enter the next year's holidays and adjusted working days
(chinesecalendar stops at 2026, ADR 006): about thirty dates, easy to mistype one by one in the
admin. The notice has a fixed shape, one line per holiday::

    二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。2月14日（周六）、2月28日（周六）上班。

so the administrator pastes it and this module turns it into dates. It is written by hand because
no maintained library reads these notices; it checks what the notice states about itself (the
weekday in brackets, "共 N 天") so that a wrong year or a typo is refused, not imported.
Pure functions: no database here (services.import_holiday_notice writes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils.translation import gettext as _

# Section heads: 一、 二、 … (also "1." as people retype notices).
_SECTION = re.compile(r"(?:^|\n|(?<=[。；;]))\s*(?:[一二三四五六七八九十]+、|\d+[.、．])\s*")
# A date: optional year, optional month (a range's end may omit both), day, optional bracket note.
_DATE = r"(?:(?P<{p}y>\d{{4}})\s*年)?\s*(?:(?P<{p}m>\d{{1,2}})\s*月)?\s*(?P<{p}d>\d{{1,2}})\s*日\s*(?:[（(](?P<{p}note>[^）)]*)[）)])?"
_SPAN = re.compile(_DATE.format(p="a") + r"(?:\s*(?:至|—|-|–|~|〜)\s*" + _DATE.format(p="b") + r")?\s*(?:放假|休息)(?!\s*[）)])")
_COUNT = re.compile(r"共\s*(\d+)\s*天")
_ONE_DATE = re.compile(_DATE.format(p=""))
_DATE_PLAIN = r"(?:\d{4}\s*年)?\s*(?:\d{1,2}\s*月)?\s*\d{1,2}\s*日\s*(?:[（(][^）)]*[）)])?"
_WORKDAYS = re.compile(r"((?:" + _DATE_PLAIN + r"\s*[、，,和及]?\s*)+)(?:调休)?上班")
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_WEEKDAY_NOTE = re.compile(r"(?:周|星期)([一二三四五六日天])")
_ADVISORY = re.compile(r"鼓励|提倡|建议")


@dataclass(frozen=True)
class NoticeDay:
    date: date
    is_workday: bool
    name: str


@dataclass
class ParsedNotice:
    year: int
    days: list[NoticeDay] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def holidays(self) -> list[NoticeDay]:
        return [d for d in self.days if not d.is_workday]

    @property
    def workdays(self) -> list[NoticeDay]:
        return [d for d in self.days if d.is_workday]


def _sections(text: str) -> list[str]:
    text = text.replace("\r\n", "\n").replace("\u3000", " ")
    starts = [m.end() for m in _SECTION.finditer(text)]
    if not starts:
        return [line for line in text.split("\n") if line.strip()]
    ends = [m.start() for m in _SECTION.finditer(text)][1:] + [len(text)]
    return [text[s:e].strip() for s, e in zip(starts, ends) if text[s:e].strip()]


def _section_name(section: str) -> str:
    head = re.split(r"[：:]", section, maxsplit=1)
    if len(head) == 2 and len(head[0].strip()) <= 20 and "月" not in head[0]:
        return head[0].strip()
    return ""


def _make_date(year: int, month: int, day: int, where: str, problems: list[str]) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        problems.append(_("%(where)s: %(year)s-%(month)s-%(day)s is not a date.")
                        % {"where": where, "year": year, "month": month, "day": day})
        return None


def _check_weekday(found: date, note: str | None, where: str, problems: list[str]) -> None:
    """The notice names each date's weekday in brackets; a mismatch means a wrong year or a typo."""
    match = _WEEKDAY_NOTE.search(note or "")
    if match and _WEEKDAYS[match.group(1)] != found.weekday():
        problems.append(_("%(where)s: the notice says %(date)s is 周%(said)s, but it is %(actual)s. "
                          "Check the year and the date.")
                        % {"where": where, "date": found.isoformat(), "said": match.group(1),
                           "actual": "周" + "一二三四五六日"[found.weekday()]})


def parse_holiday_notice(text: str, year: int) -> ParsedNotice:
    """The holidays and adjusted working days of ``year`` that ``text`` announces.

    Each section's holiday span gives days off (every date of it, weekends included, named after
    the section); each "…上班" list gives adjusted working days (named "<section>调休"). Problems
    (no date found, a weekday or day count that contradicts the notice, a date outside the year
    other than a span starting in late December, the same date twice) are listed in ``problems``;
    the caller imports nothing while there are any.
    """
    result = ParsedNotice(year=year)
    problems = result.problems
    seen: dict[date, NoticeDay] = {}
    text = (text or "").strip()
    if not text:
        problems.append(_("The notice is empty: paste the text of the State Council's notice."))
        return result

    def add(day: NoticeDay, where: str) -> None:
        if day.date in seen:
            if seen[day.date].is_workday != day.is_workday:
                problems.append(_("%(where)s: %(date)s is both a day off and a working day.")
                                % {"where": where, "date": day.date.isoformat()})
            return
        seen[day.date] = day
        result.days.append(day)

    for index, section in enumerate(_sections(text), start=1):
        name = _section_name(section) or _("holiday %(n)s") % {"n": index}
        where = name
        found_any, problems_before = False, len(problems)
        for span in _SPAN.finditer(section):
            before = section[max(0, span.start() - 12):span.start()]
            if _ADVISORY.search(before):
                continue  # "鼓励…安排职工在除夕（2月9日）休息" is advice, not a holiday
            y_a = int(span.group("ay") or year)
            m_a = int(span.group("am") or 0)
            if not m_a:
                problems.append(_("%(where)s: a holiday's first date has no month.") % {"where": where})
                continue
            first = _make_date(y_a, m_a, int(span.group("ad")), where, problems)
            if first is None:
                continue
            _check_weekday(first, span.group("anote"), where, problems)
            last = first
            if span.group("bd"):
                y_b = int(span.group("by") or (y_a if not span.group("bm") or int(span.group("bm")) >= m_a else y_a + 1))
                m_b = int(span.group("bm") or m_a)
                last = _make_date(y_b, m_b, int(span.group("bd")), where, problems)
                if last is None:
                    continue
                _check_weekday(last, span.group("bnote"), where, problems)
                if last < first:
                    problems.append(_("%(where)s: the holiday ends (%(last)s) before it starts (%(first)s).")
                                    % {"where": where, "first": first.isoformat(), "last": last.isoformat()})
                    continue
            length = (last - first).days + 1
            count = _COUNT.search(section[span.end():span.end() + 20])
            if count and int(count.group(1)) != length:
                problems.append(_("%(where)s: %(first)s to %(last)s is %(length)s days, but the notice says 共%(count)s天.")
                                % {"where": where, "first": first.isoformat(), "last": last.isoformat(),
                                   "length": length, "count": count.group(1)})
                continue
            if first.year != year and not (first.year == year - 1 and first.month == 12):
                problems.append(_("%(where)s: %(date)s is not in %(year)s.")
                                % {"where": where, "date": first.isoformat(), "year": year})
                continue
            found_any = True
            for offset in range(length):
                add(NoticeDay(first + timedelta(days=offset), False, name[:50]), where)
        for listing in _WORKDAYS.finditer(section):
            for one in _ONE_DATE.finditer(listing.group(1)):
                if not one.group("m"):
                    problems.append(_("%(where)s: a working day without a month (%(text)s).")
                                    % {"where": where, "text": one.group(0).strip()})
                    continue
                day = _make_date(int(one.group("y") or year), int(one.group("m")), int(one.group("d")), where, problems)
                if day is None:
                    continue
                _check_weekday(day, one.group("note"), where, problems)
                if day.year != year:
                    problems.append(_("%(where)s: %(date)s is not in %(year)s.")
                                    % {"where": where, "date": day.isoformat(), "year": year})
                    continue
                found_any = True
                add(NoticeDay(day, True, (name + "调休")[:50]), where)
        if not found_any and len(problems) == problems_before and re.search(r"\d\s*月", section):
            problems.append(_("%(where)s: no holiday or working day could be read from “%(text)s”.")
                            % {"where": where, "text": section[:60]})
    if not result.days and not problems:
        problems.append(_("No dates were found: paste the notice's list of holidays (一、元旦：…)."))
    result.days.sort(key=lambda d: d.date)
    return result
