"""``civicgrid bench <benchmark> [options]``: performance and accuracy figures, printed, never asserted.

Benchmarks live with the app they measure: any installed civicgrid app may have a ``benchmarks``
module with a ``BENCHMARKS`` list of objects that have ``name``, ``help``, ``add_arguments(parser)``
and ``run(command, options)``. Adding one (dashboard, intake, sla, ...) needs no change here.
"""

from __future__ import annotations

from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError


def discover() -> dict:
    found = {}
    for config in apps.get_app_configs():
        if not config.name.startswith("civicgrid."):
            continue
        try:
            module = import_module(f"{config.name}.benchmarks")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.benchmarks":
                raise
            continue
        for bench in getattr(module, "BENCHMARKS", []):
            if bench.name in found:
                raise CommandError(f"Two benchmarks are called {bench.name!r} ({config.name} and another app).")
            found[bench.name] = bench
    return found


class Command(BaseCommand):
    help = "Run a benchmark and print its figures (see benchmarks/README.md)."

    def add_arguments(self, parser):
        self._benchmarks = discover()
        sub = parser.add_subparsers(dest="benchmark", metavar="BENCHMARK", required=True)
        for name, bench in sorted(self._benchmarks.items()):
            bench.add_arguments(sub.add_parser(name, help=bench.help, description=bench.help))

    def handle(self, *args, **options):
        bench = self._benchmarks.get(options["benchmark"])
        if bench is None:
            raise CommandError(f"Unknown benchmark {options['benchmark']!r}; known: {', '.join(sorted(self._benchmarks))}")
        from django.conf import settings

        if settings.DEBUG:
            # DEBUG wraps every cursor to log its SQL, which production never pays; measure
            # what production runs, whatever mode the command was started in.
            settings.DEBUG = False
            self.stderr.write("note: DEBUG turned off for the benchmark (no per-query SQL logging)")
        bench.run(self, options)
