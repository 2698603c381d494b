"""Who hears about a move of an order. Called inside the transaction of the move, so the outbox
rows commit (or roll back) with it.

The notifications app (outbox, inbox, e-mail, webhooks, SMS) plugs in here; until it does, a move
is recorded in the order's history and the audit log only.
"""

from __future__ import annotations


def on_transition(order, event) -> None:
    return None


def on_pressure(pressure) -> None:
    """A reminder, escalation or supervision was recorded by the sweep (sla app)."""
    return None


def on_whistle(whistle, event: str) -> None:
    """A whistle was blown, a department reported, or a report went overdue (sla app)."""
    return None
