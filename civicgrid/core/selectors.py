"""Reads of the core app."""

from __future__ import annotations

from .models import AuditEvent


def audit_events_for_object(obj):
    return AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
