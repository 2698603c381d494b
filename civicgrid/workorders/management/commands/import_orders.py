"""``civicgrid import-orders FILE --mapping MAPPING [--source NAME] [--dry-run]``: 12345 work
orders from Excel (.xlsx) or CSV into intake, each row in its own transaction.

MAPPING maps the file's columns to ``submit_appeal`` fields, as a JSON file ({"column": "field"})
or inline ``column=field,column=field``; see docs/import-mapping.sample.json. A failing row is
reported with its line and reason while the others import. Importing the same file twice creates
nothing twice: each row is identified by its ``external_id`` column, or, without one, by a hash of
the row's mapped values.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from tqdm import tqdm

from civicgrid.core.files import read_text
from civicgrid.workorders.intake import submit_appeal
from civicgrid.workorders.models import Channel

FIELDS = {"title", "text", "address", "lon", "lat", "coord_system", "building_code", "category_code", "priority",
          "reporter_name", "reporter_phone", "is_anonymous", "received_at", "external_id", "echo_opt_out"}
BOOL_FIELDS = {"is_anonymous", "echo_opt_out"}


class DryRun(Exception):
    pass


def parse_mapping(raw: str) -> dict[str, str]:
    path = Path(raw)
    if raw.endswith(".json") or (path.exists() and path.is_file()):
        try:
            mapping = json.loads(path.read_text(encoding="utf-8-sig"))
        except (OSError, json.JSONDecodeError) as exc:
            raise CommandError(f"Cannot read the mapping {raw}: {exc}") from exc
        if not isinstance(mapping, dict):
            raise CommandError("The mapping file must hold one JSON object {\"column\": \"field\"}.")
    else:
        mapping = {}
        for pair in raw.split(","):
            if "=" not in pair:
                raise CommandError(f"Mapping item {pair!r} is not column=field.")
            column, field = pair.split("=", 1)
            mapping[column.strip()] = field.strip()
    unknown = sorted(set(mapping.values()) - FIELDS)
    if unknown:
        raise CommandError(f"Unknown field(s) in the mapping: {', '.join(unknown)}; known: {', '.join(sorted(FIELDS))}.")
    if "text" not in mapping.values():
        raise CommandError("The mapping must give the column for text (the appeal's content).")
    return mapping


def read_rows(path: Path):
    """(line number, {column: value}) for each data row; line numbers as a spreadsheet shows them."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(path, read_only=True, data_only=True).active
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        rows = sheet.iter_rows(values_only=True)
        header = [str(c).strip() if c is not None else "" for c in next(rows, [])]
        for line, values in enumerate(rows, start=2):
            if values is None or all(v in (None, "") for v in values):
                continue
            yield line, dict(zip(header, values))
        return
    try:
        text = read_text(path)
    except (OSError, UnicodeError) as exc:
        raise CommandError(_("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc}) from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    reader.fieldnames = [(c or "").strip() for c in reader.fieldnames or []]
    for record in reader:
        yield reader.line_num, record


def to_fields(record: dict, mapping: dict[str, str]) -> dict:
    fields = {}
    for column, field in mapping.items():
        value = record.get(column)
        if value is None:
            continue
        if isinstance(value, str):
            value = value.strip()
        if field in BOOL_FIELDS:
            value = str(value).strip().lower() in ("1", "true", "yes", "是", "y")
        elif field in ("external_id", "reporter_phone", "building_code", "category_code") and not isinstance(value, str):
            value = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
        if value == "":
            continue
        fields[field] = value
    return fields


def row_hash(fields: dict) -> str:
    payload = json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str)
    return "h" + hashlib.sha256(payload.encode()).hexdigest()[:40]


class Command(BaseCommand):
    help = "Import 12345 work orders from .xlsx or .csv through intake (each row its own transaction)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--mapping", required=True, help="JSON file or inline column=field,column=field")
        parser.add_argument("--source", default=None, help="name of the source system (default: the file name)")
        parser.add_argument("--dry-run", action="store_true", help="check every row, write nothing")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.exists():
            raise CommandError(f"No such file: {path}")
        mapping = parse_mapping(options["mapping"])
        columns = {field: column for column, field in mapping.items()}
        source = (options["source"] or path.stem)[:40]
        dry = options["dry_run"]
        imported = duplicates = 0
        failures: list[tuple[int, str]] = []
        rows = list(read_rows(path))
        for line, record in tqdm(rows, desc="import", unit="row", file=self.stderr._out, leave=False):
            fields = to_fields(record, mapping)
            if not fields.get("external_id"):
                fields["external_id"] = row_hash(fields)
            try:
                with transaction.atomic():
                    result = submit_appeal(channel=Channel.IMPORT, actor=None, source=source,
                                           **{"title": "", "text": "", **fields})
                    if dry and result.created:
                        raise DryRun
            except DryRun:
                imported += 1
                continue
            except ValidationError as exc:
                failures.append((line, _reason(exc, columns)))
                continue
            if result.created:
                imported += 1
            else:
                duplicates += 1
        counts = {"file": path.name, "rows": len(rows), "imported": imported, "duplicates": duplicates,
                  "failed": len(failures)}
        if dry:
            summary = _("%(file)s: %(rows)d rows; would import %(imported)d, skipped as duplicates %(duplicates)d, "
                        "failed %(failed)d") % counts
        else:
            summary = _("%(file)s: %(rows)d rows; imported %(imported)d, skipped as duplicates %(duplicates)d, "
                        "failed %(failed)d") % counts
        self.stdout.write(summary)
        for line, reason in failures:
            self.stdout.write("  " + _("line %(line)d: %(reason)s") % {"line": line, "reason": reason})


def _reason(exc: ValidationError, columns: dict[str, str]) -> str:
    """The problems of a row, each under the file's own column name (the field's name where no
    column maps to it, e.g. the location made of several)."""
    if hasattr(exc, "error_dict"):
        return pgettext("between problems of one line", "; ").join(
            f"{columns.get(field, field)}: {' '.join(messages)}" for field, messages in exc.message_dict.items())
    return " ".join(exc.messages)
