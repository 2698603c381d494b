"""``civicgrid rollups --check`` compares the command-center rollups with a recount of the orders
and callbacks; ``--rebuild`` replaces them with the recount (after a bulk load that bypassed the
services, or an upgrade from a version without rollups)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from civicgrid.core.services import record_event
from civicgrid.dashboard import rollups


class Command(BaseCommand):
    help = "Check the command-center rollups against a recount, or rebuild them."

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--check", action="store_true", help="list the keys where rollups and recount differ")
        group.add_argument("--rebuild", action="store_true", help="replace the rollups with a recount")

    def handle(self, *args, **options):
        started = time.perf_counter()
        if options["rebuild"]:
            written = rollups.rebuild()
            record_event(actor=None, action="dashboard.rollups.rebuild", obj=None, changes=written)
            self.stdout.write(f"rebuilt in {time.perf_counter() - started:.1f} s: " + ", ".join(
                f"{name} {n:,} rows" for name, n in written.items()))
            return
        problems = rollups.differences(limit=50)
        if problems:
            for line in problems:
                self.stdout.write(line)
            raise CommandError(f"{len(problems)} rollup keys differ from a recount; run `civicgrid rollups --rebuild`.")
        self.stdout.write(f"rollups agree with a recount ({time.perf_counter() - started:.1f} s)")
