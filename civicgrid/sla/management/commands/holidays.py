"""``civicgrid holidays status|show|import``: the working-day calendar's holiday table.

- ``status``: which years chinesecalendar knows, which have administrators' rows, which fall back to
  Monday–Friday (this year and the next are what deadlines reach).
- ``show --year Y``: the year's days off and adjusted working days as the platform counts them.
- ``import FILE --year Y [--replace] [--dry-run] [--keep-deadlines]``: enter the year from the text of
  the State Council's notice (FILE, or - for standard input), all or nothing; open orders' deadlines
  in working days move with it unless --keep-deadlines.

Messages are in the platform's language (zh-hans by default).
"""

from __future__ import annotations

import sys
from datetime import date, timedelta

import chinese_calendar

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils import translation
from django.utils.translation import gettext as _

from civicgrid.core.language import platform_language
from civicgrid.sla import calendar, services
from civicgrid.sla.models import CalendarDay

WEEKDAYS = "一二三四五六日"


def _library_name(day: date) -> str:
    """chinesecalendar's name of the holiday a day belongs to, in Chinese (its names are English)."""
    if not calendar.library_knows(day.year):
        return ""
    _on_holiday, name = chinese_calendar.get_holiday_detail(day)
    holiday = next((h for h in chinese_calendar.Holiday if h.value == name), None)
    if holiday is None:
        return ""
    return holiday.chinese if translation.get_language().startswith("zh") else holiday.value


def _source(year: int, entered_years) -> str:
    """Where the year's working days come from: administrators' rows override chinesecalendar."""
    if year in entered_years:
        return _("entered by administrators")
    if calendar.library_knows(year):
        return _("known to chinesecalendar")
    return _("NO DATA: working days fall back to Monday–Friday")


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


class Command(BaseCommand):
    help = "The holiday table of the working-day calendar: status, show a year, import the State Council's notice."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("status", help="years known, entered, and falling back to Monday–Friday")
        show = sub.add_parser("show", help="a year's days off and adjusted working days")
        show.add_argument("--year", type=int, required=True)
        imp = sub.add_parser("import", help="enter a year from the text of the State Council's notice")
        imp.add_argument("file", help="a UTF-8 text file with the notice, or - for standard input")
        imp.add_argument("--year", type=int, required=True)
        imp.add_argument("--replace", action="store_true", help="delete the year's rows the notice does not list")
        imp.add_argument("--dry-run", action="store_true", help="say what would change; write nothing")
        imp.add_argument("--keep-deadlines", action="store_true",
                         help="leave open orders' deadlines as they are (default: they move with the calendar)")

    def handle(self, *args, **options):
        with platform_language():
            getattr(self, f"_{options['action']}")(options)

    # --- status -----------------------------------------------------------------------------------
    def _status(self, options):
        today = timezone.localdate()
        entered = {}
        for day in CalendarDay.objects.values_list("date", flat=True):
            entered[day.year] = entered.get(day.year, 0) + 1
        for year in range(today.year - 1, today.year + 2):
            state = _source(year, set(entered))
            if not calendar.is_known_year(year):
                state = self.style.WARNING(state)
            rows = _("%(n)s rows") % {"n": entered.get(year, 0)}
            self.stdout.write(f"{year}  {state}  ({rows})")
        missing = calendar.years_without_data(today.year, today.year + 1)
        if missing:
            self.stdout.write(self.style.WARNING(
                _("Enter %(years)s from the State Council's notice: civicgrid holidays import NOTICE.txt --year %(year)s")
                % {"years": ", ".join(map(str, missing)), "year": missing[0]}))

    # --- show -------------------------------------------------------------------------------------
    def _show(self, options):
        year = options["year"]
        if not 2000 <= year <= 2100:
            raise CommandError(_("Enter a year between 2000 and 2100."))
        rows = {r.date: r for r in CalendarDay.objects.filter(date__year=year)}
        day, off, extra = date(year, 1, 1), 0, 0
        while day.year == year:
            weekend = day.weekday() >= 5
            working = calendar.is_workday(day)
            if working == weekend:  # a day off on a weekday, or a working weekend day
                row = rows.get(day)
                kind = _("working day") if working else _("day off")
                name = row.name if row else _library_name(day)
                self.stdout.write(f"{day.isoformat()} 周{WEEKDAYS[day.weekday()]}  {kind}  {name}".rstrip())
                extra += working
                off += not working
            day += timedelta(days=1)
        known = _source(year, calendar.years_with_overrides())
        self.stdout.write(_("%(year)s: %(off)s weekdays off, %(extra)s weekend working days (%(known)s).")
                          % {"year": year, "off": off, "extra": extra, "known": known})

    # --- import -----------------------------------------------------------------------------------
    def _import(self, options):
        path = options["file"]
        try:
            text = sys.stdin.read() if path == "-" else open(path, encoding="utf-8-sig").read()
        except FileNotFoundError as exc:
            raise CommandError(_("%(path)s does not exist.") % {"path": path}) from exc
        except OSError as exc:
            raise CommandError(_("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc.strerror}) from exc
        except UnicodeDecodeError as exc:
            raise CommandError(_("%(path)s is not UTF-8 text: save the notice as UTF-8.") % {"path": path}) from exc
        year = options["year"]
        try:
            if options["dry_run"]:
                plan = services.plan_holiday_notice(year=year, text=text, replace=options["replace"])
                if options["keep_deadlines"]:
                    plan.moves = []
            else:
                plan = services.import_holiday_notice(None, year=year, text=text, replace=options["replace"],
                                                      move_deadlines=not options["keep_deadlines"])
        except ValidationError as exc:
            raise CommandError(_("The notice was not imported; nothing changed:") + "\n  " + "\n  ".join(exc.messages)) from exc
        w = self.stdout.write
        for day in plan.days:
            kind = _("working day") if day.is_workday else _("day off")
            w(f"{day.date.isoformat()} 周{WEEKDAYS[day.date.weekday()]}  {kind}  {day.name}")
        for row in plan.delete:
            w(_("%(date)s deleted (not in the notice): %(name)s") % {"date": row.date.isoformat(), "name": row.name})
        orders = sorted({m.number for m in plan.moves})
        for move in plan.moves[:20]:
            w(_("%(number)s %(deadline)s %(old)s → %(new)s") % {
                "number": move.number, "deadline": services.deadline_label(move.column),
                "old": _when(move.old), "new": _when(move.new)})
        if len(plan.moves) > 20:
            w(_("… and %(n)s more deadlines") % {"n": len(plan.moves) - 20})
        if options["dry_run"]:
            summary = _("%(year)s: %(off)s days off and %(work)s adjusted working days in the notice; %(create)s to add, "
                        "%(change)s to change, %(unchanged)s unchanged, %(delete)s to delete; deadlines of %(orders)s "
                        "open orders would move.")
        else:
            summary = _("%(year)s: %(off)s days off and %(work)s adjusted working days in the notice; %(create)s added, "
                        "%(change)s changed, %(unchanged)s unchanged, %(delete)s deleted; deadlines of %(orders)s open "
                        "orders moved.")
        summary = summary % {
            "year": year, "off": len([d for d in plan.days if not d.is_workday]),
            "work": len([d for d in plan.days if d.is_workday]), "create": len(plan.create),
            "change": len(plan.change), "unchanged": plan.unchanged, "delete": len(plan.delete), "orders": len(orders)}
        if options["dry_run"]:
            w(self.style.WARNING(_("Dry run, nothing written.") + " " + summary))
        else:
            w(self.style.SUCCESS(summary))
