"""The textcheck app's entry points for shared code (intake and the work-order moves).

Each is one call from ``workorders/intake.py`` or ``workorders/services.py`` and never raises: a
failing check is logged and the caller carries on as it did before this app existed (intake gives
the normal priority; an answer is published as before). See ADR 009.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import DatabaseError, transaction

log = logging.getLogger(__name__)


@dataclass
class IntakeUrgency:
    """The detector's verdict on one appeal at intake. ``applied``: it set the urgent priority
    (False when the operator chose the priority explicitly; the flag is still recorded)."""

    result: object
    applied: bool


def assess_intake(title, text, explicit_priority=None) -> IntakeUrgency | None:
    """None unless the appeal reads as urgent (or when the detector fails)."""
    try:
        from .urgency import assess_appeal

        result = assess_appeal(title if isinstance(title, str) else "", text if isinstance(text, str) else "")
    except Exception:  # noqa: BLE001 - intake must work whatever the detector does
        log.exception("urgency detector failed; the appeal keeps its normal priority")
        return None
    if not result.urgent:
        return None
    return IntakeUrgency(result, applied=not explicit_priority)


def record_urgency(triples) -> None:
    """Store the flags of (IntakeUrgency | None, order, appeal) just written, in the intake's
    transaction; a failure is logged, rolled back to a savepoint and does not stop the intake."""
    triples = [(u, o, a) for u, o, a in triples if u is not None]
    if not triples:
        return
    try:
        from .services import record_urgency_flags

        with transaction.atomic():
            record_urgency_flags(triples)
    except (DatabaseError, Exception):  # noqa: BLE001
        log.exception("could not record urgency flags; the orders were taken in without them")


def answer_written(order, actor) -> None:
    """The handler wrote an answer (resolve): check it now, so reviewers see it before closing."""
    try:
        from .services import check_order_answer

        with transaction.atomic():
            check_order_answer(order, actor=actor)
    except Exception:  # noqa: BLE001 - a move never fails because of the check
        log.exception("reply check failed on order %s", getattr(order, "number", "?"))


def holds_answer(order) -> bool:
    """True when the order's current answer is flagged and no reviewer approved it: the echo
    wall must not show it yet. False (publish as before) when the check itself fails."""
    try:
        from .services import check_order_answer

        with transaction.atomic():
            check = check_order_answer(order, actor=None)
        return check is not None and check.holds
    except Exception:  # noqa: BLE001
        log.exception("reply check failed on order %s; publishing as before", getattr(order, "number", "?"))
        return False
