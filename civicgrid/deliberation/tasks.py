"""Periodic job of the deliberation app: votes close themselves at their closing time.
``civicgrid.core.jobs`` schedules it (Celery beat in production, a thread of ``civicgrid serve``
in the embedded default); ``civicgrid close-polls [--now ISO8601]`` runs it once by hand."""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils import translation

logger = logging.getLogger("civicgrid.deliberation")


def close_polls_job(now=None):
    """Close and count every open vote past its closing time, as the system, through the same
    service staff use. Idempotent: a second run finds nothing left to close."""
    from .services import close_expired_polls

    # Result notifications and messages are written in the site's language, not a request's.
    with translation.override(settings.LANGUAGE_CODE):
        report = close_expired_polls(now=now)
    if report.due:
        logger.info("close polls: %s; results %s", report, report.results)
    return report
