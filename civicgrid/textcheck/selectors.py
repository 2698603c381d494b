"""Reads of the textcheck app, always through the reader's jurisdiction (orders_for)."""

from __future__ import annotations

from django.db.models import QuerySet

from civicgrid.people.jurisdiction import Jurisdiction
from civicgrid.workorders.selectors import orders_for

from .models import ReplyCheck, ReplyState, UrgencyFlag


def urgency_flag(order) -> UrgencyFlag | None:
    """The order's flag; the caller has already shown that the reader may see the order."""
    return UrgencyFlag.objects.filter(order=order).first()


def attach_urgency_flags(orders) -> None:
    """Sets ``order.urgency_flag_row`` (a flag or None) on each order with one query (lists)."""
    orders = list(orders)
    flags = {f.order_id: f for f in UrgencyFlag.objects.filter(order_id__in=[o.pk for o in orders])}
    for order in orders:
        order.urgency_flag_row = flags.get(order.pk)


def attach_held_replies(orders) -> None:
    """Sets ``order.reply_held`` on each order with one query: True when the order's current
    answer is held for review (a flagged check of the answer it has now)."""
    from .services import answer_hash

    orders = list(orders)
    held = set(ReplyCheck.objects.filter(order_id__in=[o.pk for o in orders if o.answer], state=ReplyState.FLAGGED)
               .values_list("order_id", "answer_hash"))
    for order in orders:
        order.reply_held = bool(order.answer) and (order.pk, answer_hash(order.answer)) in held


def current_reply_check(order) -> ReplyCheck | None:
    """The check of the answer the order has now (None before any answer was written)."""
    from .services import answer_hash

    if not order.answer:
        return None
    return (ReplyCheck.objects.filter(order=order, answer_hash=answer_hash(order.answer))
            .exclude(state=ReplyState.REPLACED).order_by("-pk").first())


def reply_checks_for(jurisdiction: Jurisdiction, *, state: str | None = ReplyState.FLAGGED) -> QuerySet[ReplyCheck]:
    """Checks of orders the reader may see, held ones by default, oldest waiting first."""
    qs = ReplyCheck.objects.filter(order__in=orders_for(jurisdiction).values("pk")).select_related(
        "order", "order__area", "order__unit", "reviewed_by")
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("created_at", "pk")


def get_reply_check(jurisdiction: Jurisdiction, pk) -> ReplyCheck | None:
    try:
        return reply_checks_for(jurisdiction, state=None).filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        return None
