"""``civicgrid close-polls [--now ISO8601]``: close and count every vote past its closing time
(the ``close_polls`` job, run once; the scheduler runs it every few minutes)."""

from __future__ import annotations

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from civicgrid.deliberation.tasks import close_polls_job


def parse_now(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise CommandError(f"--now {text!r} is not an ISO 8601 time, e.g. 2026-10-09T17:30+08:00.") from None
    # A time without an offset is Beijing time, as the people who type it read their clocks.
    return timezone.make_aware(value) if timezone.is_naive(value) else value


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
