"""The two selection methods; the knapsack against brute force on small random instances."""

from __future__ import annotations

import itertools
import random
from decimal import Decimal

import pytest

from civicgrid.proposals.selection import Candidate, approval, knapsack, value_of


def brute_force(cands, budget, weight=1):
    best = (0, ())
    for r in range(len(cands) + 1):
        for combo in itertools.combinations(cands, r):
            if sum(c.cost for c in combo) <= budget:
                v = sum(value_of(c, weight) for c in combo)
                if v > best[0]:
                    best = (v, combo)
    return best


@pytest.mark.parametrize("seed", range(40))
def test_knapsack_matches_brute_force_on_random_instances(seed):
    rng = random.Random(seed)
    n = rng.randint(1, 11)
    cands = [Candidate(i + 1, rng.randint(1, 60) * 1000, rng.randint(0, 30), Decimal(rng.randint(0, 1000)) / 100)
             for i in range(n)]
    budget = rng.randint(20, 250) * 1000
    weight = rng.choice([1, 2])
    result = knapsack(cands, budget, unit=1000, support_weight=weight)
    best_value, _combo = brute_force(cands, budget, weight)
    assert result.total_value == best_value
    chosen = [c for c in cands if c.id in result.chosen]
    assert sum(value_of(c, weight) for c in chosen) == best_value
    assert result.total_cost == sum(c.cost for c in chosen) <= budget


def test_knapsack_rounds_costs_up_and_never_exceeds_the_budget():
    # 2,500 元 counts as 3 units of 1,000: two of them (5,000) would fit 5,000 exactly but count 6 units.
    cands = [Candidate(1, 2500, 5, Decimal("8")), Candidate(2, 2500, 5, Decimal("8")), Candidate(3, 1000, 0, Decimal("1"))]
    result = knapsack(cands, 5000, unit=1000)
    assert result.chosen == [1, 3]
    assert result.total_cost == 3500
    assert result.total_value == 800 * 6 + 100


def test_knapsack_beats_the_greedy_ranking_where_it_should():
    # One big popular proposal against two smaller ones that together are worth more.
    cands = [Candidate(1, 600_000, 10, Decimal("9")), Candidate(2, 500_000, 8, Decimal("8.5")),
             Candidate(3, 500_000, 8, Decimal("8.5"))]
    assert approval(cands, 1_000_000).chosen == [1]
    result = knapsack(cands, 1_000_000)
    assert result.chosen == [2, 3]
    assert result.total_value == 2 * 850 * 9


def test_approval_orders_by_the_mean_of_the_two_ranks_and_skips_what_does_not_fit():
    cands = [Candidate(1, 400, 30, Decimal("6")),   # supports rank 1, score rank 3 -> 2.0
             Candidate(2, 300, 20, Decimal("9")),   # 2, 1 -> 1.5
             Candidate(3, 500, 10, Decimal("7")),   # 3, 2 -> 2.5
             Candidate(4, 100, 0, Decimal("0"))]    # 4, 4 -> 4
    result = approval(cands, 900)
    assert result.ranking == [2, 1, 3, 4]
    assert result.chosen == [2, 1, 4]      # 3 (500) no longer fits after 700; 4 (100) does
    assert result.total_cost == 800


def test_value_is_score_in_hundredths_times_one_plus_weighted_supports():
    assert value_of(Candidate(1, 1, 4, Decimal("7.25"))) == 725 * 5
    assert value_of(Candidate(1, 1, 4, Decimal("7.25")), support_weight=2) == 725 * 9
    assert value_of(Candidate(1, 1, 4, Decimal("0"))) == 0


def test_empty_and_unaffordable():
    assert knapsack([], 1000).chosen == []
    assert approval([], 1000).chosen == []
    assert knapsack([Candidate(1, 5000, 3, Decimal("5"))], 4000).chosen == []
