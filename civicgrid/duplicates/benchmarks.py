"""``civicgrid bench duplicates``: the duplicate detector on NYC 311 (same as ``civicgrid duplicates eval``)."""

from __future__ import annotations


class _Duplicates:
    name = "duplicates"
    help = "Duplicate suggestions on NYC 311: precision/recall/F1 against resolution-text labels, sweep, baseline."

    def add_arguments(self, parser):
        from .management.commands.duplicates import add_eval_arguments

        add_eval_arguments(parser)

    def run(self, command, options):
        from .management.commands.duplicates import run_eval

        run_eval(command.stdout, options)


BENCHMARKS = [_Duplicates()]
