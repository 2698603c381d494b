"""Bulk moves from the workbench: each order goes through ``services.transition`` in its own
transaction, so one refusal (someone else moved it, not allowed, no suggested unit) never undoes
or blocks the others, and every dispatched order has its own history and audit rows."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from civicgrid.people.jurisdiction import jurisdiction_for
from civicgrid.people.models import Unit

from . import selectors, services

# One request dispatches at most a page or two of a queue; more is a mistake, not a workflow.
MAX_BULK = 200


@dataclass
class BulkResult:
    done: list[str] = field(default_factory=list)
    # (order number, why it was not moved), in the order the numbers were given.
    failed: list[tuple[str, str]] = field(default_factory=list)


def dispatch_many(actor, numbers, unit: Unit | None, *, versions: dict[str, int] | None = None) -> BulkResult:
    """Dispatch each order to ``unit`` (None: to the order's own suggested unit). ``versions``
    maps a number to the version the user saw, so an order changed since is reported, not moved.
    Orders outside the actor's jurisdiction are reported like missing ones."""
    result = BulkResult()
    wanted = list(dict.fromkeys(n.strip() for n in numbers if n and n.strip()))
    if len(wanted) > MAX_BULK:
        raise ValidationError(_("Select at most %(n)d orders at a time.") % {"n": MAX_BULK})
    visible = {
        o.number: o
        for o in selectors.orders_for(jurisdiction_for(actor)).filter(number__in=wanted).select_related("suggested_unit")
    }
    versions = versions or {}
    for number in wanted:
        order = visible.get(number)
        if order is None:
            result.failed.append((number, _("No such work order.")))
            continue
        target = unit or order.suggested_unit
        if target is None:
            result.failed.append((number, _("No unit is suggested for this order; choose one.")))
            continue
        try:
            services.transition(order, "dispatch", actor, unit=target, expected_version=versions.get(number))
        except ValidationError as exc:
            result.failed.append((number, " ".join(exc.messages)))
        else:
            result.done.append(number)
    return result
