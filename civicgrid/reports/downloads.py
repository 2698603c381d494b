"""One download of a generated report's file, for the web page and the API alike."""

from __future__ import annotations

from django.http import FileResponse, Http404

from .render import CONTENT_TYPES


def file_response(report, fmt: str) -> FileResponse:
    """The report's PDF or workbook as an attachment; 404 when the report, that format or the file on
    disk is missing (a report the reader may not see arrives here as None)."""
    field = report.file_for(fmt) if report else None
    if not field:
        raise Http404
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=f"report-{report.area_code}-{report.month}.{fmt}",
                        content_type=CONTENT_TYPES[fmt])
