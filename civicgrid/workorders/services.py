"""Writes of work orders. ``transition`` is the only function that changes an order's status.

Every move: lock the order row, check the move against the transitions table and the actor's
jurisdiction, apply its effects, save only what changed, append the order's history and an audit
row, and queue notifications in the same transaction (the outbox), so that nothing is half done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.apps import apps
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.core.masking import mask_address, mask_id_number, mask_name, mask_phone
from civicgrid.core.services import record_event
from civicgrid.dashboard import rollups
from civicgrid.people.jurisdiction import jurisdiction_for
from civicgrid.people.models import Unit, UnitKind
from civicgrid.sla.deadlines import add_limit, policy_for
from civicgrid.sla.models import LimitUnit
from civicgrid.textcheck import hooks as textcheck_hooks

from . import notify, routing
from .errors import IllegalTransition, OrderError, TransitionForbidden, VersionConflict
from .models import (
    LEVEL_ORDER,
    Attachment,
    ExtensionRequest,
    HandlingLevel,
    OrderEvent,
    WorkOrder,
)
from .transitions import TRANSITIONS, Scope, Transition

# Level of the chain that a unit of each kind works at.
LEVEL_OF_UNIT_KIND = {
    UnitKind.COMMUNITY_OFFICE: HandlingLevel.COMMUNITY,
    UnitKind.STREET_OFFICE: HandlingLevel.STREET,
    UnitKind.DEPARTMENT: HandlingLevel.DISTRICT,
    UnitKind.ENTERPRISE: HandlingLevel.DISTRICT,
}
# Defaults when no SLA policy matches at all (Shandong rules; see sla migration for the data).
FALLBACK_LIMITS = {"dispatch": (2, LimitUnit.HOURS), "response": (24, LimitUnit.HOURS),
                   "handle": (5, LimitUnit.WORKDAYS), "return": (2, LimitUnit.WORKDAYS)}
FALLBACK_EXTENSION_MAX = 10
FALLBACK_MAX_REOPENS = 2


@dataclass
class MoveInput:
    reason: str = ""
    answer: str = ""
    unit: Unit | None = None
    target_order: WorkOrder | None = None
    days: int | None = None
    evidence: list[Attachment] | None = None
    expected_version: int | None = None


# --- permission -------------------------------------------------------------------------------
def _acts_for_unit(jurisdiction, order: WorkOrder) -> bool:
    if order.unit_id is None:
        return False
    if order.unit_id in jurisdiction.unit_ids:
        return True
    unit = order.unit
    if unit.kind == UnitKind.STREET_OFFICE:
        return jurisdiction.covers_with_role(unit.area.path, {"street_dispatcher"})
    if unit.kind == UnitKind.COMMUNITY_OFFICE:
        return jurisdiction.covers_with_role(unit.area.path, {"community_staff", "community_secretary"}) or (
            unit.area.path and order.area_path.startswith(unit.area.path)
            and jurisdiction.covers_with_role(order.area_path, {"grid_worker", "grid_leader"})
        )
    return False


def can_make(actor, order: WorkOrder, move: Transition) -> bool:
    """May ``actor`` (None: the platform itself) make ``move`` on ``order``? Status aside."""
    if actor is None:
        return move.system_allowed or move.scope == Scope.SYSTEM
    if move.scope == Scope.SYSTEM:
        return False
    j = jurisdiction_for(actor)
    if move.scope == Scope.REPORTER:
        return order.appeals.filter(reporter=actor).exists()
    if j.is_global:
        return True
    if move.scope == Scope.UNIT:
        return bool(j.roles & {str(r) for r in move.roles}) and _acts_for_unit(j, order)
    return j.covers_with_role(order.area_path, move.roles)


def allowed_moves(actor, order: WorkOrder) -> list[Transition]:
    """Exactly the moves the table lets this user make on this order now (for the UI and API)."""
    moves = [t for t in TRANSITIONS.values() if order.status in t.sources and can_make(actor, order, t)]
    if any(t.name in _EXTENSION_MOVES for t in moves):
        # One request at a time: asking while one waits, or deciding when none waits, is refused
        # by _effects, so neither is offered.
        pending = order.extensions.filter(state=ExtensionRequest.State.PENDING).exists()
        moves = [t for t in moves if not (t.name == "request_extension" and pending)
                 and not (t.name in ("approve_extension", "deny_extension") and not pending)]
    return moves


_EXTENSION_MOVES = frozenset({"request_extension", "approve_extension", "deny_extension"})


def unit_serves(unit: Unit, order: WorkOrder) -> bool:
    """May ``unit`` be given ``order``? Only a unit serving an area that contains the order's place:
    the departments of its district (or above), its street office, its community office. The
    dispatch page offers exactly these (``selectors.units_for_order``)."""
    return order.area_path.startswith(unit.area.path)


# --- deadlines --------------------------------------------------------------------------------
def _limits(order: WorkOrder):
    policy = order.sla_policy or policy_for(area_path=order.area_path, category=order.category, priority=order.priority)
    return policy


def _limit(policy, name: str) -> tuple[int, str]:
    if policy is None:
        return FALLBACK_LIMITS[name]
    return getattr(policy, f"{name}_limit"), getattr(policy, f"{name}_unit")


def set_intake_deadlines(order: WorkOrder, now: datetime) -> None:
    policy = _limits(order)
    order.sla_policy = policy
    order.dispatch_due = add_limit(now, *_limit(policy, "dispatch"))


def _set_dispatch_deadlines(order: WorkOrder, now: datetime) -> None:
    policy = _limits(order)
    order.sla_policy = policy
    order.response_due = add_limit(now, *_limit(policy, "response"))
    order.handle_due = add_limit(now, *_limit(policy, "handle"))
    order.return_due = add_limit(now, *_limit(policy, "return"))
    order.is_overdue = False


# --- effects of each move ---------------------------------------------------------------------
def _require(condition: bool, message: str) -> None:
    if not condition:
        raise OrderError(message, code="invalid")


def _effects(order: WorkOrder, move: Transition, actor, data: MoveInput, now: datetime) -> dict:
    """Apply the move's effects to ``order`` (unsaved); return details for the history row."""
    details: dict = {}
    name = move.name
    if name in ("dispatch", "redispatch", "reopen"):
        unit = data.unit if name != "reopen" else (data.unit or order.unit)
        _require(unit is not None, _("Choose the unit to dispatch the order to."))
        _require(unit.is_active, _("The unit %(unit)s is not active.") % {"unit": unit.name})
        if data.unit is not None:
            # A reopened order going back to its own unit is not re-checked: that unit was chosen
            # when the order was dispatched.
            _require(unit_serves(unit, order), _("%(unit)s does not serve %(area)s, where this order lies; choose "
                                                 "one of the units offered for it.")
                     % {"unit": unit.name, "area": order.area.name})
        if name == "reopen":
            policy = _limits(order)
            allowed = policy.max_reopens if policy else FALLBACK_MAX_REOPENS
            _require(order.reopen_count < allowed,
                     _("This order was reopened %(n)d times already, the most allowed.") % {"n": order.reopen_count})
            order.reopen_count += 1
            order.accepted_at = order.resolved_at = order.closed_at = None
            order.published_at = None
            order.public_answer = ""
        order.unit = unit
        order.level = LEVEL_OF_UNIT_KIND.get(unit.kind, HandlingLevel.DISTRICT)
        order.handler = None
        order.dispatched_at = now
        _set_dispatch_deadlines(order, now)
        details["unit"] = unit.code
    elif name == "accept":
        order.accepted_at = now
        order.handler = actor
    elif name == "return":
        _require(order.return_due is None or now <= order.return_due,
                 _("The time to return this order ended at %(t)s; ask the dispatcher to redispatch it instead.")
                 % {"t": timezone.localtime(order.return_due).strftime("%Y-%m-%d %H:%M")})
        details["unit"] = order.unit.code if order.unit_id else None
        order.unit = None
        order.handler = None
        order.accepted_at = None
        # Back in the dispatchers' queue: a fresh dispatch limit from now, not the first one.
        set_intake_deadlines(order, now)
    elif name == "resolve":
        order.answer = data.answer
        order.resolved_at = now
        textcheck_hooks.answer_written(order, actor)
    elif name == "reject_resolution":
        order.resolved_at = None
    elif name == "close":
        order.closed_at = now
        _publish_on_echo_wall(order, now)
    elif name == "close_on_spot":
        evidence = data.evidence or []
        _require(any(a.order_id == order.pk for a in evidence),
                 _("Handling on the spot needs at least one photo of the result."))
        order.answer = data.answer
        order.handler = actor
        order.level = HandlingLevel.GRID
        order.resolved_at = order.closed_at = now
        details["evidence"] = [a.pk for a in evidence]
        _publish_on_echo_wall(order, now)
    elif name == "report_up":
        index = LEVEL_ORDER.index(order.level)
        _require(index + 1 < len(LEVEL_ORDER), _("The order is already at the district, the top of the chain."))
        details["from_level"] = order.level
        order.level = LEVEL_ORDER[index + 1]
        details["to_level"] = order.level
        order.unit = None
        order.handler = None
        order.accepted_at = None
        if order.suggested_unit_id is None:
            # A patrol finding the grid could not solve goes up without a suggestion (the grid was
            # to handle it): the dispatcher above now gets the unit the responsibility list names.
            unit, _rule = routing.resolve_unit(order.category, order.area_path)
            if unit is not None:
                order.suggested_unit_id = unit.pk
                details["suggested_unit"] = unit.code
        set_intake_deadlines(order, now)
    elif name == "request_extension":
        policy = _limits(order)
        most = (policy.extension_max if policy else FALLBACK_EXTENSION_MAX) - order.extension_days
        _require(data.days is not None and 1 <= data.days <= max(most, 0),
                 _("An extension can be 1 to %(n)d working days for this order.") % {"n": max(most, 0)})
        _require(not order.extensions.filter(state=ExtensionRequest.State.PENDING).exists(),
                 _("An extension request is already waiting for a decision."))
        request = ExtensionRequest.objects.create(order=order, days=data.days, reason=data.reason, requested_by=actor)
        details.update({"days": data.days, "request": request.pk})
    elif name in ("approve_extension", "deny_extension"):
        request = order.extensions.select_for_update().filter(state=ExtensionRequest.State.PENDING).first()
        _require(request is not None, _("There is no extension request to decide."))
        request.state = (ExtensionRequest.State.APPROVED if name == "approve_extension"
                         else ExtensionRequest.State.DENIED)
        request.decided_by, request.decided_at, request.decision_note = actor, now, data.reason[:300]
        request.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
        details.update({"days": request.days, "request": request.pk})
        if name == "approve_extension":
            policy = _limits(order)
            unit = policy.extension_unit if policy else LimitUnit.WORKDAYS
            order.handle_due = add_limit(order.handle_due or now, request.days, unit)
            order.extension_days += request.days
            order.is_overdue = order.handle_due < now
    elif name == "suspend":
        details["handle_due"] = order.handle_due.isoformat() if order.handle_due else None
    elif name == "resume":
        last = order.events.filter(action="suspend").order_by("-created_at").first()
        if last is not None and order.handle_due is not None:
            # The time spent suspended does not count against the handling limit.
            order.handle_due = order.handle_due + (now - last.created_at)
    elif name == "merge":
        target = data.target_order
        _require(target is not None, _("Choose the order to merge into."))
        _require(target.pk != order.pk, _("An order cannot be merged into itself."))
        _require(target.is_open, _("The order %(n)s is no longer open.") % {"n": target.number})
        order.merged_into = target
        details["into"] = target.number
        # Which appeals moved, so that notify can tell each of their reporters.
        details["appeals"] = list(order.appeals.order_by("pk").values_list("pk", flat=True))
    elif name == "withdraw":
        order.closed_at = now
    return details


def _publish_on_echo_wall(order: WorkOrder, now: datetime) -> None:
    """The echo wall shows closed orders with their answer, personal data masked; never private
    categories, never an order whose reporter declined."""
    declined = order.echo_opt_out or order.appeals.filter(echo_opt_out=True).exists()
    private = order.category is not None and order.category.is_private
    # A flagged answer waits for a reviewer or a rewrite (textcheck, ADR 009).
    if declined or private or not order.answer or textcheck_hooks.holds_answer(order):
        order.published_at = None
        order.public_answer = ""
        return
    order.public_answer = mask_text(order.answer, order)
    order.published_at = now


def mask_text(text: str, order: WorkOrder) -> str:
    """Remove the reporters' names and phone numbers, ID numbers and addresses below building
    level from a text meant for the public."""
    import re

    masked = text
    for appeal in order.appeals.all():
        if appeal.reporter_name:
            masked = masked.replace(appeal.reporter_name, mask_name(appeal.reporter_name))
        if appeal.reporter_phone:
            masked = masked.replace(appeal.reporter_phone, mask_phone(appeal.reporter_phone))
    masked = re.sub(r"(?<!\d)\d{17}[\dXx](?!\d)", lambda m: mask_id_number(m.group(0)), masked)
    masked = re.sub(r"(?<!\d)1[3-9]\d{9}(?!\d)", lambda m: mask_phone(m.group(0)), masked)
    masked = re.sub(r"\d+\s*单元\s*\d*\s*(室|户)?|\d+\s*室", "***", masked)
    if order.address:
        masked = masked.replace(order.address, mask_address(order.address))
    return masked


# --- the one service that moves an order -----------------------------------------------------
def transition(order: WorkOrder | int, action: str, actor, **kwargs) -> WorkOrder:
    """Make ``action`` on the order as ``actor`` (None: the platform). Returns the saved order.

    Raises IllegalTransition (not from this status), TransitionForbidden (not this actor),
    VersionConflict (the order changed since the caller looked) or OrderError (bad input).
    """
    data = MoveInput(**kwargs)
    move = TRANSITIONS.get(action)
    if move is None:
        raise IllegalTransition(_("“%(action)s” is not a move of the work-order process.") % {"action": action})
    order_id = order.pk if isinstance(order, WorkOrder) else order
    with transaction.atomic():
        locked = (
            WorkOrder.objects.select_for_update(of=("self",))
            .select_related("unit", "unit__area", "area", "category", "sla_policy")
            .get(pk=order_id)
        )
        if data.expected_version is not None and data.expected_version != locked.version:
            raise VersionConflict(
                _("Order %(n)s was changed by someone else (version %(v)d); reload it and try again.")
                % {"n": locked.number, "v": locked.version}
            )
        if locked.status not in move.sources:
            raise IllegalTransition(
                _("“%(move)s” is not possible while the order is “%(status)s”.")
                % {"move": move.label, "status": locked.get_status_display()}
            )
        if not can_make(actor, locked, move):
            raise TransitionForbidden(
                _("You may not make “%(move)s” on order %(n)s.") % {"move": move.label, "n": locked.number}
            )
        data.reason = (data.reason or "").strip()
        data.answer = (data.answer or "").strip()
        if move.needs_reason:
            _require(bool(data.reason), _("Give a reason for “%(move)s”.") % {"move": move.label})
        if move.needs_answer:
            _require(bool(data.answer), _("Write the answer the resident will read."))
        if move.needs_unit and data.unit is None:
            raise OrderError(_("Choose the unit to dispatch the order to."), code="invalid")
        if move.needs_target_order and data.target_order is not None:
            data.target_order = WorkOrder.objects.select_for_update(of=("self",)).get(pk=data.target_order.pk)

        now = timezone.now()
        before = {f: getattr(locked, f) for f in _TRACKED}
        counted_before = rollups.snapshot(locked)
        from_status = locked.status
        details = _effects(locked, move, actor, data, now)
        if move.target is not None:
            locked.status = move.target
        locked.version += 1
        changed = [f for f in _TRACKED if getattr(locked, f) != before[f]]
        locked.save(update_fields=[*changed, "version", "updated_at"])
        rollups.order_changed(counted_before, rollups.snapshot(locked))

        if move.name == "merge":
            _merge_appeals(locked, data.target_order)
            if apps.is_installed("civicgrid.duplicates"):
                from civicgrid.duplicates.hooks import orders_merged

                details["me_too_moved"] = orders_merged(locked, data.target_order)

        event = OrderEvent.objects.create(
            order=locked, action=move.name, from_status=from_status, to_status=locked.status,
            actor=actor, actor_repr=actor.get_username() if actor else "system",
            unit=locked.unit, reason=data.reason or data.answer, data=details, is_public=move.public,
        )
        record_event(
            actor=actor, action=f"order.{move.name}", obj=locked,
            changes={f: [_plain(before[f]), _plain(getattr(locked, f))] for f in changed},
            reason=data.reason,
        )
        if move.name == "merge":
            _record_merged_in(locked, data.target_order, actor, data.reason, details["appeals"])
        notify.on_transition(locked, event)
    return locked


_TRACKED = (
    "status", "unit_id", "handler_id", "level", "answer", "dispatched_at", "accepted_at", "resolved_at",
    "closed_at", "response_due", "handle_due", "return_due", "dispatch_due", "reopen_count", "extension_days",
    "is_overdue", "merged_into_id", "published_at", "public_answer", "sla_policy_id", "suggested_unit_id",
)


def _plain(value):
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _record_merged_in(order: WorkOrder, target: WorkOrder, actor, reason: str, appeals: list[int]) -> None:
    """The surviving order's side of a merge: its history and the audit log say which order it
    absorbed (the absorbed order's own rows name the target), in the merge's transaction."""
    OrderEvent.objects.create(
        order=target, action="merged_in", from_status=target.status, to_status=target.status, actor=actor,
        actor_repr=actor.get_username() if actor else "system", unit=target.unit, reason=reason,
        data={"from": order.number, "appeals": appeals, "appeals_count": target.appeals_count}, is_public=False,
    )
    record_event(actor=actor, action="order.merged_in", obj=target, reason=reason,
                 changes={"from": order.number, "appeals_count": [target.appeals_count - len(appeals),
                                                                  target.appeals_count]})


def _merge_appeals(order: WorkOrder, target: WorkOrder) -> None:
    """The merged order's appeals now point at the target; every reporter keeps their tracking
    number and is told where their appeal went (notify.on_transition)."""
    moved = order.appeals.count()
    order.appeals.update(order=target)
    # updated_at by hand: update() skips auto_now, and a client pulling ?updated_after= must see the target change.
    now = timezone.now()
    WorkOrder.objects.filter(pk=target.pk).update(appeals_count=target.appeals_count + moved, updated_at=now)
    target.appeals_count += moved
    target.updated_at = now
