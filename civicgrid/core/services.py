"""Writes of the core app: the audit log."""

from __future__ import annotations

from typing import Any

from django.db import models

from . import context
from .models import AuditEvent


def _actor_fields(actor) -> dict[str, Any]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return {"actor": None, "actor_repr": "system" if actor is None else "anonymous"}
    return {"actor": actor, "actor_repr": actor.get_username()[:150]}


def _object_fields(obj) -> dict[str, str]:
    if obj is None:
        return {"object_type": "", "object_id": "", "object_repr": ""}
    if isinstance(obj, models.Model):
        return {
            "object_type": obj._meta.label_lower,
            "object_id": str(obj.pk),
            "object_repr": str(obj)[:200],
        }
    return {"object_type": type(obj).__name__.lower(), "object_id": "", "object_repr": str(obj)[:200]}


def record_event(
    *,
    actor,
    action: str,
    obj=None,
    changes: dict | None = None,
    reason: str = "",
    kind: str = AuditEvent.Kind.CHANGE,
) -> AuditEvent:
    """Append one audit row. Call it inside the transaction of the change it records."""
    ctx = context.current()
    return AuditEvent.objects.create(
        kind=kind,
        action=action,
        changes=changes or {},
        reason=reason[:500],
        ip_address=ctx.ip_address,
        user_agent=ctx.user_agent,
        request_id=ctx.request_id,
        **_actor_fields(actor),
        **_object_fields(obj),
    )


def audit_row(*, actor, action: str, obj=None, changes: dict | None = None, reason: str = "",
              kind: str = AuditEvent.Kind.CHANGE) -> AuditEvent:
    """The unsaved row ``record_event`` would write, for services that write many at once with
    ``AuditEvent.objects.bulk_create`` inside the transaction of their change (batch intake)."""
    ctx = context.current()
    return AuditEvent(
        kind=kind, action=action, changes=changes or {}, reason=reason[:500], ip_address=ctx.ip_address,
        user_agent=ctx.user_agent, request_id=ctx.request_id, **_actor_fields(actor), **_object_fields(obj),
    )


def record_personal_data_read(*, actor, obj, fields: list[str], purpose: str = "") -> AuditEvent:
    """Reads of personal data (unmasked names, phones, ID numbers) are logged too."""
    return record_event(
        actor=actor,
        action="personal_data.read",
        obj=obj,
        changes={"fields": sorted(fields)},
        reason=purpose,
        kind=AuditEvent.Kind.READ,
    )


def diff_fields(instance: models.Model, updates: dict[str, Any]) -> dict[str, list[Any]]:
    """Apply ``updates`` to ``instance`` and return {field: [old, new]} for what really changed."""
    changed: dict[str, list[Any]] = {}
    for field, new in updates.items():
        old = getattr(instance, field)
        if old != new:
            setattr(instance, field, new)
            changed[field] = [_plain(old), _plain(new)]
    return changed


def _plain(value):
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)
