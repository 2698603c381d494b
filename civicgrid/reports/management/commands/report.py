"""``civicgrid report monthly --area CODE --month YYYY-MM [--out DIR] [--format pdf,xlsx]`` writes
the monthly analysis report of an area as a PDF and an Excel workbook in Chinese;
``civicgrid report font`` says which CJK font the PDF will embed (or what to install).

The command reads everything (it runs as the operator of the machine, with no jurisdiction
limit) and writes files only: reports asked for in the platform are recorded there (``/reports/``).
"""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _
from tqdm import tqdm

from civicgrid.people.jurisdiction import Jurisdiction
from civicgrid.reports import fonts, render, selectors

OPERATOR = Jurisdiction(user_id=None, is_global=True)


def parse_formats(value: str) -> tuple[str, ...]:
    formats = tuple(dict.fromkeys(f.strip().lower() for f in (value or "").split(",") if f.strip()))
    unknown = [f for f in formats if f not in render.FORMATS]
    if not formats or unknown:
        raise CommandError(_("--format takes pdf, xlsx or pdf,xlsx; got %(value)s.") % {"value": value})
    return formats


class Command(BaseCommand):
    help = "Monthly analysis report (PDF and Excel, in Chinese) of a district, street or community."
    # `report font` runs from `make install`, before any database exists; `monthly` reads the
    # database but needs none of the system checks (some of which query it).
    requires_system_checks: list = []

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        monthly = sub.add_parser("monthly", help="write the monthly report of an area")
        monthly.add_argument("--area", required=True, help="area code (district, street or community)")
        monthly.add_argument("--month", required=True, help="YYYY-MM")
        monthly.add_argument("--out", default=".", help="folder for the files (default: the current one)")
        monthly.add_argument("--format", default="pdf,xlsx", help="pdf, xlsx or pdf,xlsx (default)")
        sub.add_parser("font", help="print the CJK font the PDF embeds, or what to install")

    def handle(self, *args, **options):
        with translation.override("zh-hans"):
            if options["action"] == "font":
                return self._font()
            return self._monthly(options)

    def _font(self):
        try:
            choice = fonts.find_font()
        except fonts.FontMissing as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{choice.path} ({choice.source})")

    def _monthly(self, options):
        started = time.perf_counter()
        formats = parse_formats(options["format"])
        if "pdf" in formats:
            try:
                fonts.find_font()
            except fonts.FontMissing as exc:
                raise CommandError(str(exc)) from None
        try:
            area, month = selectors.parse_request(OPERATOR, options["area"], options["month"])
        except selectors.ReportInputError as exc:
            raise CommandError(str(exc)) from None
        t0 = time.perf_counter()
        data = selectors.build_report(OPERATOR, area, month)
        query_seconds = time.perf_counter() - t0

        # One bar per file: both files have the same sections, and a bar that counted the PDF's and
        # the workbook's passes together announced twice as many sections as the report has.
        labels = {"pdf": "PDF", "xlsx": "Excel"}
        written = []
        for fmt in formats:
            bar = tqdm(total=len(render.SECTIONS), desc=_("%(format)s report sections") % {"format": labels[fmt]},
                       unit="section", file=self.stderr._out)

            def progress(section, bar=bar):
                bar.set_postfix_str(section)
                bar.update(1)

            try:
                written += render.write_files(data, Path(options["out"]), (fmt,), progress)
            except OSError as exc:
                raise CommandError(_("Cannot write the report into %(dir)s: %(error)s") % {
                    "dir": options["out"], "error": exc.strerror or exc}) from None
            finally:
                bar.close()
        self.stdout.write(data.title)
        if not data.has_data:
            self.stdout.write(_("No appeals or orders in this month: the report says so."))
        for f in written:
            extra = (_("%(n)d pages") % {"n": f["pages"]}) if f["format"] == "pdf" else (
                _("%(n)d sheets: %(names)s") % {"n": len(f["sheets"]), "names": "、".join(f["sheets"])})
            self.stdout.write(f"  {f['path']}  {f['size'] / 1024:,.1f} KiB  {extra}  {f['seconds']:.2f} s")
        self.stdout.write(_("data queries %(q).2f s; total %(t).2f s") % {
            "q": query_seconds, "t": time.perf_counter() - started})
