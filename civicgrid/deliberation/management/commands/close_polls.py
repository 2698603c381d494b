"""``civicgrid close-polls [--now ISO8601]``: close and count every vote past its closing time
(the ``close_polls`` job, run once; the scheduler runs it every few minutes)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from civicgrid.core.management.times import parse_now
from civicgrid.deliberation.tasks import close_polls_job


class Command(BaseCommand):
    help = "Close and count every deliberation vote whose closing time has passed. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--now", default=None, help="close as at this time (ISO 8601; default: now)")

    def handle(self, *args, **options):
        now = parse_now(options["now"]) if options["now"] else None
        report = close_polls_job(now=now)
        if options["verbosity"] > 0:
            results = ", ".join(f"{k} {v}" for k, v in sorted(report.results.items())) or "-"
            self.stdout.write(f"close polls: {report}; results: {results}")
