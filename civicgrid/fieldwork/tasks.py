"""Periodic job of the field-work app: the daily key-group care reminders. ``civicgrid.core.jobs``
schedules it (Celery beat in production, a thread of ``civicgrid serve`` in the embedded default)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils import translation

logger = logging.getLogger("civicgrid.fieldwork")


def care_reminders_job(now=None):
    """Remind the grid workers and 包联 party members of every key-group household overdue for a
    visit; once per overdue spell, so running it more often than daily sends nothing twice."""
    from .services import send_care_reminders

    with translation.override(settings.LANGUAGE_CODE):
        report = send_care_reminders(now=now)
    logger.info("care reminders: %d overdue, %d reminded now, %d already reminded, %d people told",
                report.overdue, report.sent, report.already, report.people_told)
    return report
