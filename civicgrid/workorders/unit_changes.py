"""A unit switched off or on, followed through in the work orders.

``people.services.save_unit`` keeps the unit itself; people does not know work orders (they
depend on it, not the other way). When a unit stops (or starts again) being active, the
responsibility rules naming it stop (or start) applying, so the orders still waiting for dispatch
inside those rules' scopes get the unit the list names now, and the caller learns how many open
orders the stopped unit still holds (they need a redispatch by a person: the platform does not
move work away from a unit on its own).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from civicgrid.people import services as people_services
from civicgrid.people.models import Unit

from . import routing
from .models import FINAL_STATUSES, Responsibility, WorkOrder


@dataclass
class UnitSaved:
    unit: Unit
    resuggested: list[str] = field(default_factory=list)  # numbers of waiting orders now suggested another unit
    still_held: int = 0  # open orders the unit holds while it is inactive


def save_unit(actor, unit: Unit, **fields) -> UnitSaved:
    """``people.services.save_unit`` and, when ``is_active`` changes, the follow-through above,
    in the same transaction."""
    was_active = None if unit.pk is None else Unit.objects.filter(pk=unit.pk).values_list("is_active", flat=True).first()
    with transaction.atomic():
        saved = people_services.save_unit(actor, unit, **fields)
        result = UnitSaved(saved)
        if was_active is None or was_active == saved.is_active:
            return result
        rules = Responsibility.objects.filter(unit=saved).select_related("area", "category")
        result.resuggested = routing.refresh_suggestions([routing.scope_of(rule) for rule in rules])
        if not saved.is_active:
            result.still_held = WorkOrder.objects.filter(unit=saved).exclude(status__in=FINAL_STATUSES).count()
    return result
