"""``civicgrid import-responsibilities FILE [--dry-run]``: load or update a jurisdiction's
responsibility list (职责清单) from CSV, all or nothing (columns: area, category, unit[, level,
note, is_active])."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from civicgrid.workorders.responsibility_import import import_rules_csv


class Command(BaseCommand):
    help = ("Create or change responsibility rules from a CSV file (area,category,unit[,level,note,is_active]); "
            "nothing is written if any line is wrong.")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="check the file and count, write nothing")

    def handle(self, *args, **options):
        try:
            summary = import_rules_csv(None, options["file"], dry_run=options["dry_run"])
        except ValidationError as exc:
            raise CommandError("\n  ".join(exc.messages)) from exc
        values = {"source": summary.source, "created": summary.created, "updated": summary.updated,
                  "unchanged": summary.unchanged, "orders": len(summary.orders_resuggested)}
        if summary.dry_run:
            text = _("Dry run, nothing written: %(summary)s") % {"summary": _(
                "%(source)s: %(created)d rule(s) to create, %(updated)d to change, %(unchanged)d unchanged; "
                "%(orders)d order(s) waiting for dispatch would suggest another unit.") % values}
        else:
            text = _("%(source)s: %(created)d rule(s) created, %(updated)d changed, %(unchanged)d unchanged; "
                     "%(orders)d order(s) waiting for dispatch now suggest another unit.") % values
        self.stdout.write(self.style.SUCCESS(text))
