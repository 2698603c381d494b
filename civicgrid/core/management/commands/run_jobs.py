"""``civicgrid run-jobs [--once]``: the periodic jobs for scripts and cron, without Celery."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from civicgrid.core import jobs


class Command(BaseCommand):
    help = "Run the periodic background jobs (outbox delivery, SLA sweep) once or in a loop."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run every job once and exit")
        parser.add_argument("--job", action="append", choices=sorted(jobs.JOBS), help="only this job (repeatable)")

    def handle(self, *args, once, job, **options):
        names = job or list(jobs.JOBS)
        if once:
            results = {}
            for name in tqdm(names, desc="jobs", unit="job", disable=options["verbosity"] < 1, file=self.stderr):
                if not jobs.available(name):
                    results[name] = "skipped (not installed)"
                    continue
                result = jobs.run_job(name)
                results[name] = _summary(result)
            for name in names:
                self.stdout.write(f"{name}: {results[name]}")
            return
        runner = jobs.InProcessRunner(names)
        runner.start()
        self.stdout.write(f"running jobs {', '.join(names)} (Ctrl+C to stop)")
        try:
            while runner.is_alive():
                time.sleep(1)
        except KeyboardInterrupt:
            runner.stop()
            runner.join(10)
            self.stdout.write(f"stopped; runs: {runner.runs}")
        else:  # pragma: no cover - the runner only ends when stopped
            raise CommandError("the job runner stopped unexpectedly")


def _summary(result) -> str:
    if result is None:
        return "done (see log)"
    if hasattr(result, "claimed"):
        return f"{result.claimed} due, {result.sent} sent, {result.failed} failed, {result.dead} dead"
    return str(result)
