"""``manage.py import_divisions FILE --kind street --parent-column areaCode [--within 370203]``

Statistical division codes (统计用区划代码) from CSV; 6/9/12-digit codes are padded to 12 digits.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from civicgrid.geo import services
from civicgrid.geo.models import AreaKind

from ._progress import tqdm_progress
from .import_areas import print_summary


class Command(BaseCommand):
    help = "Import areas of one kind (no boundaries) from a CSV of statistical division codes, in one transaction."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--kind", required=True, choices=AreaKind.values)
        parser.add_argument("--code-column", default="code")
        parser.add_argument("--name-column", default="name")
        parser.add_argument("--parent-column", default=None, help="column with the parent's code (not for districts)")
        parser.add_argument("--within", default="", help="only rows whose 12-digit code starts with this (e.g. 370203)")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        try:
            summary = services.import_divisions_csv(
                None, options["file"], kind=options["kind"], code_column=options["code_column"],
                name_column=options["name_column"], parent_column=options["parent_column"],
                code_startswith=options["within"],
                progress=tqdm_progress(self.stderr._out, not options["no_progress"]),
            )
        except ValidationError as exc:
            raise CommandError("\n  ".join(exc.messages)) from exc
        print_summary(self, summary)
