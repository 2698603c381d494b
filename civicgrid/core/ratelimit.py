"""Posting limits for residents and volunteers, counted from the audit log.

Every accepted write already appends an audit row (``record_event``), so "how many times did this
person do X in the last hour" is one indexed count on rows that exist anyway: no extra table, no
cache that differs between the embedded default and production, and the count survives restarts.
Two posts racing each other may both pass the check (the count is not locked); for a limit meant
to stop floods, not to meter exactly, one extra post is acceptable.

Limits are configuration: ``settings.CIVICGRID_RATE_LIMITS = {"deliberation.post": (20, 3600)}``
overrides the default a caller passes, and ``(0, 0)`` switches a limit off.
"""

from __future__ import annotations

import math
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.core.models import AuditEvent


class RateLimited(ValidationError):
    """Raised when an actor has used up a limit; the API answers 429."""

    http_status = 429


def limit_for(action: str, default: tuple[int, int]) -> tuple[int, int]:
    """(count, window in seconds) for ``action``: the setting if there is one, else ``default``."""
    configured = getattr(settings, "CIVICGRID_RATE_LIMITS", {}) or {}
    count, seconds = configured.get(action, default)
    return int(count), int(seconds)


def recent_count(actor, action: str, seconds: int, *, now=None) -> int:
    now = now or timezone.now()
    return AuditEvent.objects.filter(
        actor_id=actor.pk, action=action, created_at__gte=now - timedelta(seconds=seconds)
    ).count()


def enforce(actor, action: str, *, default: tuple[int, int], now=None) -> None:
    """Refuse with :class:`RateLimited` when ``actor`` already did ``action`` ``count`` times
    within the window. Call it inside the service, before the write; the write's own audit row
    (same ``action``) is what the next call counts. Anonymous actors are not limited here."""
    if actor is None or not getattr(actor, "pk", None):
        return
    count, seconds = limit_for(action, default)
    if count <= 0 or seconds <= 0:
        return
    now = now or timezone.now()
    used = recent_count(actor, action, seconds, now=now)
    if used >= count:
        minutes = max(1, math.ceil(seconds / 60))
        raise RateLimited(
            _("You have done this %(count)d times in the last %(minutes)d minutes; please try again later.")
            % {"count": used, "minutes": minutes},
            code="rate_limited",
        )
