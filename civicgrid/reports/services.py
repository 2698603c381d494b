"""Writes of the reports app: generating a monthly report in the platform.

``generate_report`` checks that the actor may report on the area, builds the data inside the
actor's jurisdiction, writes the files (in Chinese) to the media storage, records the report row
and an audit row in one transaction. A refusal (no command-center role, area outside the
jurisdiction, bad month) raises before anything is written.
"""

from __future__ import annotations

import tempfile
import time
from datetime import datetime
from pathlib import Path

from django.core.files import File
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from civicgrid.core.services import record_event
from civicgrid.people.jurisdiction import jurisdiction_for

from . import fonts, render, selectors
from .errors import ReportForbidden, ReportInputError, ReportUnavailable
from .models import GeneratedReport


def parse_formats(value) -> tuple[str, ...]:
    items = value if isinstance(value, (list, tuple)) else (value or "").split(",")
    formats = tuple(dict.fromkeys(str(f).strip().lower() for f in items if str(f).strip()))
    if not formats or any(f not in render.FORMATS for f in formats):
        raise ReportInputError(_("The format must be pdf, xlsx or both."))
    return formats


def generate_report(*, actor, area_code: str, month_code: str, formats=render.FORMATS,
                    now: datetime | None = None) -> GeneratedReport:
    j = jurisdiction_for(actor)
    if not selectors.can_report(j):
        raise ReportForbidden(_("Reports are for the command center, street dispatchers and community staff."))
    area, month = selectors.parse_request(j, area_code, month_code, now=now)
    formats = parse_formats(formats)
    if "pdf" in formats:
        try:
            fonts.find_font()
        except fonts.FontMissing as exc:
            raise ReportUnavailable(str(exc)) from None
    started = time.perf_counter()
    with translation.override("zh-hans"):
        data = selectors.build_report(j, area, month, now=now)
        with tempfile.TemporaryDirectory(prefix="civicgrid-report-") as tmp:
            written = render.write_files(data, Path(tmp), formats)
            report = GeneratedReport(area=area, area_path=area.path, area_code=area.code, month=month.code,
                                     requested_by=actor if getattr(actor, "is_authenticated", False) else None,
                                     title=data.title, has_data=data.has_data)
            for f in written:
                with open(f["path"], "rb") as fh:
                    getattr(report, f["format"]).save(f["path"].name, File(fh), save=False)
                setattr(report, f"{f['format']}_size", f["size"])
                setattr(report, f"{f['format']}_sha256", f["sha256"])
                if f["format"] == "pdf":
                    report.pages = f["pages"]
                else:
                    report.sheets = len(f["sheets"])
    report.seconds = round(time.perf_counter() - started, 3)
    with transaction.atomic():
        report.save()
        record_event(actor=actor, action="report.generate", obj=report, changes={
            "area": area.code, "month": month.code, "formats": list(formats),
            "files": {f["format"]: {"name": getattr(report, f["format"]).name, "size": f["size"], "sha256": f["sha256"]}
                      for f in written}})
    return report
