"""Command-line time arguments shared by the commands that can run "as at" a time (``--now``)."""

from __future__ import annotations

from datetime import datetime

from django.core.management.base import CommandError
from django.utils import timezone


def parse_now(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise CommandError(f"--now {text!r} is not an ISO 8601 time, e.g. 2026-10-09T17:30+08:00.") from None
    # A time without an offset is Beijing time, as the people who type it read their clocks.
    return timezone.make_aware(value) if timezone.is_naive(value) else value
