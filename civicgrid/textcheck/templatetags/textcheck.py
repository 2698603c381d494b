"""Template pieces shared pages include: the order's checks panel, the urgent badge in lists."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from civicgrid.people.jurisdiction import jurisdiction_for

from .. import selectors, services
from ..replies import REASON_LABELS

register = template.Library()


@register.inclusion_tag("textcheck/_order_checks.html", takes_context=True)
def textcheck_order_panel(context, order):
    """The urgency flag and the check of the current answer, on the staff order page (the page has
    already decided that the reader may see the order)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if not jurisdiction_for(user).is_staff:
        return {"show": False, "staff": False}
    flag = selectors.urgency_flag(order)
    check = selectors.current_reply_check(order)
    return {
        "show": flag is not None or check is not None, "staff": True, "order": order, "flag": flag, "check": check,
        "reason_labels": [_(REASON_LABELS.get(r, r)) for r in (check.reasons if check else [])],
        "can_review": check is not None and check.holds and services._reviewer_may(user, order),
        "can_rewrite": check is not None and check.holds and order.status in services.REWRITABLE
        and (jurisdiction_for(user).is_global or order.handler_id == getattr(user, "pk", None)
             or (order.unit_id and order.unit_id in jurisdiction_for(user).unit_ids)),
        "csrf_token": context.get("csrf_token"),
    }


@register.simple_tag
def textcheck_mark_urgent(orders) -> str:
    """Attach each order's urgency flag and held-answer state, one query each (call once before a
    table's rows)."""
    selectors.attach_urgency_flags(orders)
    selectors.attach_held_replies(orders)
    return ""


@register.inclusion_tag("textcheck/_urgent_badge.html")
def textcheck_urgent_badge(order):
    flag = getattr(order, "urgency_flag_row", None)
    return {"flag": flag, "urgent": flag is not None or order.priority == "urgent"}


@register.inclusion_tag("textcheck/_held_badge.html")
def textcheck_held_badge(order):
    """"Answer held" on a list row whose current answer waits for a reviewer."""
    return {"held": getattr(order, "reply_held", False)}
