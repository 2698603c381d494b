"""The ``civicgrid`` console command: a thin wrapper over Django's manage.py commands.

``civicgrid demo`` is ``manage.py demo``, ``civicgrid sla-sweep`` is ``manage.py sla_sweep``;
anything else is passed to manage.py as it is (``civicgrid migrate``, ``civicgrid createsuperuser``).
"""

from __future__ import annotations

import os
import sys


def manage(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and not args[0].startswith("-"):
        args[0] = args[0].replace("-", "_")
    manage(["civicgrid", *args])


if __name__ == "__main__":
    main()
