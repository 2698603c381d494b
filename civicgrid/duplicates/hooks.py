"""The duplicates app's entry point for the work-order moves (called from workorders/services.py).

When an order is merged into another, its "me too" rows follow its appeals to the target, so the
count people see on the surviving order includes everyone who joined either one. A resident who
had joined both keeps only the target's row (one per resident and order); the other stays with the
merged order as the history of what they clicked. Runs inside the merge's transaction.
"""

from __future__ import annotations


def orders_merged(order, target) -> int:
    """Move ``order``'s me-too rows to ``target``; returns how many moved."""
    from .models import MeToo

    already = MeToo.objects.filter(order=target).values("user_id")
    return MeToo.objects.filter(order=order).exclude(user_id__in=already).update(order=target)
