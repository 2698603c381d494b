"""A small Excel writer for any list a page exports: headers and rows in, .xlsx bytes out.

Write-only mode keeps memory flat however many rows there are (the order export allows tens of
thousands). The header is bold and frozen so it stays on screen while scrolling; widths follow
the longest value of the first rows, counting CJK characters double since they render twice as
wide as Latin ones.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import datetime

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MIN_WIDTH, MAX_WIDTH = 6, 60
# Widths are measured on this many leading rows: enough to be representative without holding
# the whole export in memory.
SAMPLE_ROWS = 200


def display_width(value) -> int:
    text = "" if value is None else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cell_value(value):
    # Excel has no time zones: aware datetimes are written as local wall-clock time.
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def write_xlsx(headers: Sequence[str], rows: Iterable[Sequence], *, title: str = "Sheet1",
               notes: Sequence[str] = (), notes_title: str = "notes") -> bytes:
    """The workbook as bytes. ``notes`` (e.g. that the export was capped) go on a second sheet,
    so the first sheet holds exactly the header and the rows."""
    rows = iter(rows)
    sample: list[list] = []
    for row in rows:
        sample.append([_cell_value(v) for v in row])
        if len(sample) >= SAMPLE_ROWS:
            break

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31] or "Sheet1")
    for index, header in enumerate(headers, start=1):
        widest = max([display_width(header), *(display_width(r[index - 1]) for r in sample if len(r) >= index)])
        sheet.column_dimensions[get_column_letter(index)].width = min(max(widest + 2, MIN_WIDTH), MAX_WIDTH)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=str(header))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in sample:
        sheet.append(row)
    for row in rows:
        sheet.append([_cell_value(v) for v in row])
    if notes:
        notes_sheet = book.create_sheet(title=notes_title[:31] or "notes")
        notes_sheet.column_dimensions["A"].width = MAX_WIDTH * 2
        for note in notes:
            notes_sheet.append([str(note)])

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
