"""``civicgrid sla-sweep [--now ISO8601]``: one sweep (reminders, overdue, supervision, whistles)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from civicgrid.core.management.times import parse_now
from civicgrid.sla.sweep import BATCH_SIZE, run_sweep


class Command(BaseCommand):
    help = ("Send due reminders (催办), mark overdue orders, escalate supervision (督办) and press late "
            "whistle reports. Idempotent; after downtime it catches up.")

    def add_arguments(self, parser):
        parser.add_argument("--now", default=None, help="sweep as at this time (ISO 8601; default: now)")
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **options):
        now = parse_now(options["now"]) if options["now"] else None
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        show = not options["no_progress"] and options["verbosity"] > 0
        bar = tqdm(desc="sla sweep", unit="order", file=self.stderr._out, disable=not show, leave=False)

        def progress(step: str, rows: int) -> None:
            bar.set_postfix_str(step, refresh=False)
            bar.update(rows)

        try:
            summary = run_sweep(now, batch_size=options["batch_size"], progress=progress)
        finally:
            bar.close()
        if options["verbosity"] > 0:
            w = self.stdout.write
            w(self.style.SUCCESS(f"SLA sweep at {timezone.localtime(summary.now):%Y-%m-%d %H:%M:%S %z} "
                                 f"in {summary.seconds:.2f} s: {summary.changes} changes"))
            w(f"  reminders (催办) {summary.reminders}")
            w(f"  overdue notices {summary.overdue}, orders newly marked overdue {summary.orders_marked_overdue}")
            w(f"  supervision steps (督办) {summary.supervised}")
            w(f"  late whistle reports {summary.whistle_overdue}")
