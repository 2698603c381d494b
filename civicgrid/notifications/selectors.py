"""Reads of the notifications app. A user's inbox is theirs alone: nobody else's jurisdiction
reaches it."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import InboxMessage


def inbox_for(user, *, unread: bool | None = None) -> QuerySet[InboxMessage]:
    if user is None or not user.is_authenticated:
        return InboxMessage.objects.none()
    qs = InboxMessage.objects.filter(user=user)
    if unread is True:
        qs = qs.filter(read_at__isnull=True)
    elif unread is False:
        qs = qs.filter(read_at__isnull=False)
    return qs


def unread_count(user) -> int:
    return inbox_for(user, unread=True).count()
