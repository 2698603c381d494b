"""回访: the resident's verdict on a closed order, given online by the resident or to a hotline
operator (or district staff) on the phone.

One valid callback per closing round (``Callback.round`` = the order's reopen count when judged);
a resident who could not be reached is recorded as such, with no verdict, and can be called again.
An unresolved or unsatisfied verdict reopens the order through ``services.transition`` while the
SLA policy allows more reopens; after that the order stays closed with the verdict.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.core.services import record_event
from civicgrid.dashboard import rollups
from civicgrid.people.jurisdiction import jurisdiction_for
from civicgrid.people.models import Role
from civicgrid.sla.deadlines import policy_for

from . import notify, services
from .errors import IllegalTransition, OrderError, TransitionForbidden
from .models import Callback, Resolution, Satisfaction, Status, WorkOrder

logger = logging.getLogger("civicgrid.workorders")

# Who may record a callback on the phone (the hotline's 回访 seats and the district center).
PHONE_ROLES = frozenset({Role.HOTLINE_OPERATOR, Role.DISTRICT_COMMANDER})
CHANNELS = ("web", "phone")
COMMENT_MAX = 1000


class DuplicateCallback(OrderError):
    http_status = 409

    def __init__(self, message):
        super().__init__(message, code="conflict")


def max_reopens(order: WorkOrder) -> int:
    policy = order.sla_policy or policy_for(area_path=order.area_path, category=order.category, priority=order.priority)
    return policy.max_reopens if policy is not None else services.FALLBACK_MAX_REOPENS


def can_record(actor, order: WorkOrder, channel: str) -> bool:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    if channel == "web":
        return order.appeals.filter(reporter=actor).exists()
    j = jurisdiction_for(actor)
    return j.is_global or j.covers_with_role(order.area_path, PHONE_ROLES)


def _invalid(field: str, message: str) -> OrderError:
    return OrderError({field: [message]}, code="invalid")


def record_callback(actor, order: WorkOrder | int, *, reached: bool = True, resolution: str = "",
                    satisfaction: str = "", comment: str = "", channel: str = "web") -> Callback:
    """Record the verdict of the order's current closing round; reopen it when the resident is not
    satisfied or the problem is not solved (and reopens remain)."""
    if channel not in CHANNELS:
        raise _invalid("channel", _("The channel must be web or phone."))
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise _invalid("comment", _("The comment may have at most %(n)d characters.") % {"n": COMMENT_MAX})
    if reached:
        if resolution not in Resolution.values:
            raise _invalid("resolution", _("Say whether the problem was resolved."))
        if satisfaction not in Satisfaction.values:
            raise _invalid("satisfaction", _("Say how satisfied the resident is."))
    else:
        if channel == "web":
            raise _invalid("reached", _("Only a phone callback can record that the resident was not reached."))
        if resolution or satisfaction:
            raise _invalid("reached", _("A resident who was not reached gives no verdict."))

    order_id = order.pk if isinstance(order, WorkOrder) else order
    with transaction.atomic():
        locked = WorkOrder.objects.select_for_update(of=("self",)).select_related(
            "unit", "category", "sla_policy").get(pk=order_id)
        if not can_record(actor, locked, channel):
            raise TransitionForbidden(_("You may not record a callback on order %(n)s.") % {"n": locked.number})
        if locked.status != Status.CLOSED:
            raise IllegalTransition(
                _("A callback is possible only after the order is closed; order %(n)s is “%(status)s”.")
                % {"n": locked.number, "status": locked.get_status_display()})
        round_ = locked.reopen_count
        if Callback.objects.filter(order=locked, round=round_, reached=True).exists():
            raise DuplicateCallback(_("The resident's verdict on this closing of order %(n)s is already recorded.")
                                    % {"n": locked.number})
        appeal = None
        if channel == "web":
            appeal = locked.appeals.filter(reporter=actor).order_by("received_at", "pk").first()
        else:
            appeal = locked.appeals.order_by("received_at", "pk").first()
        callback = Callback.objects.create(
            order=locked, appeal=appeal, round=round_, reached=reached,
            resolution=resolution if reached else "", satisfaction=satisfaction if reached else "",
            comment=comment, channel=channel, recorded_by=actor, unit=locked.unit, area_path=locked.area_path,
        )
        rollups.callback_recorded(callback)
        # The verdict is part of the order (its callbacks, the 三率): it changed, for incremental pulls.
        WorkOrder.objects.filter(pk=locked.pk).update(updated_at=timezone.now())
        poor = reached and (resolution == Resolution.UNRESOLVED or satisfaction == Satisfaction.UNSATISFIED)
        outcome = "recorded"
        if poor:
            if locked.reopen_count < max_reopens(locked):
                reason = _("Callback: %(res)s, %(sat)s. %(comment)s") % {
                    "res": callback.get_resolution_display(), "sat": callback.get_satisfaction_display(),
                    "comment": comment}
                services.transition(locked, "reopen", None, reason=reason.strip())
                outcome = "reopened"
            else:
                outcome = "no_reopens_left"
        record_event(
            actor=actor, action="order.callback", obj=locked,
            changes={"round": round_, "reached": reached, "resolution": callback.resolution,
                     "satisfaction": callback.satisfaction, "channel": channel, "outcome": outcome},
        )
        notify.on_callback(callback, reopened=outcome == "reopened")
    return callback
