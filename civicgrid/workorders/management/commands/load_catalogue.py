"""``civicgrid load-catalogue FILE``: load or update a jurisdiction's category catalogue (idempotent)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from civicgrid.workorders.catalogue import DEFAULT_CATALOGUE, load_catalogue


class Command(BaseCommand):
    help = "Load or update the category catalogue from a CSV file (code,name,parent,keywords,is_private,is_utility,default_priority)."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(DEFAULT_CATALOGUE),
                            help="the CSV file (default: the project's default catalogue)")

    def handle(self, *args, **options):
        try:
            summary = load_catalogue(None, options["file"])
        except ValidationError as exc:
            raise CommandError("\n".join(exc.messages)) from exc
        self.stdout.write(f"catalogue {options['file']}: {summary.created} created, {summary.updated} updated, "
                          f"{summary.unchanged} unchanged")
