"""Choosing projects within the budget: two methods, both pure functions of the candidates.

- ``approval``: rank the candidates by supports and by panel score separately, order them by the
  mean of the two ranks (ties: more supports, higher score, earlier proposal) and take them in
  that order while they fit in what is left of the budget (one that does not fit is skipped and
  the next is tried).
- ``knapsack``: choose the set with the largest total value whose cost fits the budget, where
  value = panel score × (1 + support weight × supports) (docs/adr/015).

The knapsack is an exact dynamic programme over costs counted in whole units (1,000 元 by
default), each cost rounded *up*, so a chosen set never exceeds the real budget. It is written by
hand rather than with ``scipy.optimize.milp``: the values are integers (score in hundredths), the
answer must be reproducible to the yuan for an audited decision, ties must be broken the same way
every time; the table (items × units bits) of 300 shortlisted proposals and a 2,000万 budget in
1,000 元 units runs in about 1.2 s (ADR 015), once per selection run. A MILP solver adds tolerances
for no gain at this size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Candidate:
    id: int
    cost: int              # yuan
    supports: int
    score: Decimal | float  # panel score, 0–10 (0 when nobody scored)


@dataclass
class Result:
    chosen: list[int]
    total_cost: int
    total_value: int
    ranking: list[int]


def value_of(c: Candidate, support_weight: int = 1) -> int:
    """Integer value: score in hundredths × (1 + weight × supports)."""
    hundredths = int((Decimal(str(c.score or 0)) * 100).to_integral_value())
    return hundredths * (1 + support_weight * c.supports)


def _ranks(values: list[float]) -> list[float]:
    """Competition ranks, 1 for the largest; equal values share the mean of their places."""
    order = sorted(range(len(values)), key=lambda i: -values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        shared = (i + j) / 2 + 1
        for k in range(i, j + 1):
            ranks[order[k]] = shared
        i = j + 1
    return ranks


def approval(candidates: list[Candidate], budget: int, support_weight: int = 1) -> Result:
    if not candidates:
        return Result([], 0, 0, [])
    by_support = _ranks([c.supports for c in candidates])
    by_score = _ranks([float(c.score or 0) for c in candidates])
    order = sorted(range(len(candidates)), key=lambda i: (
        (by_support[i] + by_score[i]) / 2, -candidates[i].supports, -float(candidates[i].score or 0),
        candidates[i].id))
    chosen, spent, value = [], 0, 0
    for i in order:
        c = candidates[i]
        if spent + c.cost <= budget:
            chosen.append(c.id)
            spent += c.cost
            value += value_of(c, support_weight)
    return Result(chosen, spent, value, [candidates[i].id for i in order])


def units(cost: int, unit: int) -> int:
    return math.ceil(cost / unit)


def knapsack(candidates: list[Candidate], budget: int, *, unit: int = 1000, support_weight: int = 1) -> Result:
    """Exact 0/1 knapsack over costs in ``unit`` yuan (rounded up), capacity ``budget // unit``.

    One row of best values indexed by capacity, updated from the top down per item, and one bit
    row per item saying whether taking it improved that capacity, to read the choice back. Ties
    keep the earlier (cheaper-first ordering below) solution, so the result is deterministic."""
    capacity = budget // unit
    items = sorted(candidates, key=lambda c: (c.cost, c.id))
    weights = [units(c.cost, unit) for c in items]
    values = [value_of(c, support_weight) for c in items]
    best = [0] * (capacity + 1)
    took: list[bytearray] = []
    for w, v in zip(weights, values):
        row = bytearray(capacity + 1)
        if v > 0 and w <= capacity:
            for cap in range(capacity, w - 1, -1):
                candidate = best[cap - w] + v
                if candidate > best[cap]:
                    best[cap] = candidate
                    row[cap] = 1
        took.append(row)
    chosen: list[int] = []
    cap = capacity
    for k in range(len(items) - 1, -1, -1):
        if took[k][cap]:
            chosen.append(items[k].id)
            cap -= weights[k]
    chosen.sort()
    by_id = {c.id: c for c in candidates}
    ranking = sorted(by_id, key=lambda i: (-value_of(by_id[i], support_weight), i))
    return Result(chosen, sum(by_id[i].cost for i in chosen), best[capacity], ranking)


def run(method: str, candidates: list[Candidate], budget: int, *, unit: int = 1000, support_weight: int = 1) -> Result:
    if method == "knapsack":
        return knapsack(candidates, budget, unit=unit, support_weight=support_weight)
    return approval(candidates, budget, support_weight)
