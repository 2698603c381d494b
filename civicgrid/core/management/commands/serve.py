"""Serve civicgrid with waitress: the embedded default for `make run`, scripts and benchmarks.

Production deployments put gunicorn behind a reverse proxy instead (see README); waitress is
pure Python, so this works on any machine the project installs on.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Serve civicgrid over HTTP (waitress), with the embedded in-process jobs."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--no-jobs", action="store_true",
                            help="do not run the background jobs in this process (JOBS_BACKEND=inprocess)")

    def handle(self, *args, host, port, threads, no_jobs=False, **options):
        try:
            from waitress import serve
        except ImportError as exc:  # pragma: no cover - waitress is a declared dependency
            raise CommandError("waitress is not installed: run `make install`") from exc
        if not settings.DEBUG:
            call_command("collectstatic", interactive=False, verbosity=0)
        from civicgrid.wsgi import application

        jobs_note = self.start_jobs(no_jobs)

        self.stdout.write(
            f"civicgrid ({settings.MODE}, {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}) "
            f"serving on http://{host}:{port}/  ({jobs_note}; Ctrl+C to stop)"
        )
        serve(application, host=host, port=port, threads=threads, ident="civicgrid")

    @staticmethod
    def start_jobs(no_jobs: bool) -> str:
        """The embedded default has no Celery: the same periodic jobs run in a daemon thread here."""
        if settings.JOBS_BACKEND != "inprocess":
            return "jobs: celery workers"
        if no_jobs:
            return "jobs: off"
        from civicgrid.core import jobs

        jobs.start_inprocess()
        return "jobs: in-process"
