"""Precision, recall and F1 of a yes/no detector, shared by every evaluation command
(urgency, reply checks, duplicates), so each figure means the same in each printout."""

from __future__ import annotations


class BinaryScores:
    """Mixin for a class with ``tp``, ``fp`` and ``fn`` counts; an empty denominator scores 0."""

    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0
