"""Periodic job of the proactive app: the daily scan. ``civicgrid.core.jobs`` schedules it (Celery
beat in production, a thread of ``civicgrid serve`` in the embedded default)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.utils import timezone

logger = logging.getLogger("civicgrid.proactive")


@dataclass
class ScanSummary:
    areas: int = 0
    findings: dict[str, int] = field(default_factory=dict)
    created: int = 0
    refused: int = 0


def run_scan(*, areas, now=None, create_as=None, progress=None, trigger: str = "job") -> tuple[ScanSummary, list]:
    """Every detector over each area, stored as the area's snapshot (what the pages read); with
    ``create_as`` (a user) the findings not yet tasks become tasks."""
    from . import selectors, services

    now = now or timezone.now()
    summary = ScanSummary()
    found_all = []
    for area in areas:
        _snap, found = services.scan_and_store(area=area, now=now, trigger=trigger)
        done = selectors.tasked_keys(f.key for f in found)
        found = [f for f in found if f.key not in done]
        summary.areas += 1
        for f in found:
            summary.findings[f.kind] = summary.findings.get(f.kind, 0) + 1
            if create_as is not None:
                try:
                    services.create_task_from_finding(actor=create_as, finding=f)
                    summary.created += 1
                except services.ProactiveError as exc:
                    summary.refused += 1
                    logger.info("finding %s not turned into a task: %s", f.key, "; ".join(exc.messages))
        found_all += found
        if progress is not None:
            progress.update()
    return summary, found_all


def scan_job() -> ScanSummary:
    """The daily scan of every top area. Tasks are created only when PROACTIVE["auto_create"] is on
    and PROACTIVE["auto_create_user"] names the account they are created as; otherwise the
    findings wait in the command center for a person to confirm."""
    from django.conf import settings

    from civicgrid.geo.models import Area

    from .config import config_for

    user = None
    raw = getattr(settings, "PROACTIVE", {}) or {}
    if config_for().auto_create and raw.get("auto_create_user"):
        user = get_user_model().objects.filter(username=raw["auto_create_user"], is_active=True).first()
    summary, _found = run_scan(areas=list(Area.objects.filter(parent__isnull=True).order_by("code")), create_as=user)
    logger.info("proactive scan: %d areas, findings %s, %d tasks created", summary.areas, summary.findings,
                summary.created)
    return summary
