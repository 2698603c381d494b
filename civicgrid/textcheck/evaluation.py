"""Evaluation of the two checks: reading the case files and computing the figures.

Used by ``civicgrid textcheck eval-urgency|eval-replies`` and by the benchmarks; pure functions over
rows, so the tests can feed them small data of their own.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

from civicgrid.core.scores import BinaryScores

CASES = Path(__file__).resolve().parent / "data" / "urgency_cases.csv"
MESSAGES = "messages_with_replies.csv"
LABELS = "replies_interpretability_labels.csv"
UNLABELLED = "unlabelled_messages.csv"


class DataError(Exception):
    pass


def _open_csv(path: Path) -> list[dict]:
    path = Path(path)
    if not path.is_file():
        raise DataError(_("There is no file %(path)s.") % {"path": path})
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return list(csv.DictReader(fh))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise DataError(_("%(path)s is not a UTF-8 CSV file: %(error)s") % {"path": path, "error": exc}) from exc


def read_cases(path: Path = CASES) -> list[dict]:
    """Rows of text, urgent (1/0), trick, set; refuses a file without those columns or labels."""
    rows = _open_csv(path)
    if rows and not {"text", "urgent"} <= set(rows[0]):
        raise DataError(_("%(path)s needs the columns text and urgent.") % {"path": path})
    out = []
    for n, row in enumerate(rows, start=2):
        label = (row.get("urgent") or "").strip()
        if label not in ("0", "1"):
            raise DataError(_("Line %(n)d of %(path)s: urgent must be 1 or 0, got %(value)r.")
                            % {"n": n, "path": path, "value": label})
        out.append({"text": row.get("text") or "", "urgent": label == "1", "trick": row.get("trick", ""),
                    "set": row.get("set", "") or "dev"})
    return out


@dataclass
class Binary(BinaryScores):
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, truth: bool, predicted: bool) -> None:
        if truth and predicted:
            self.tp += 1
        elif predicted:
            self.fp += 1
        elif truth:
            self.fn += 1
        else:
            self.tn += 1

    @property
    def accuracy(self) -> float:
        n = self.tp + self.fp + self.fn + self.tn
        return (self.tp + self.tn) / n if n else 0.0


@dataclass
class UrgencyEval:
    overall: Binary
    by_set: dict[str, Binary]
    wrong: list[tuple[dict, object]] = field(default_factory=list)


def evaluate_urgency(cases: list[dict], lexicon=None) -> UrgencyEval:
    from .urgency import assess

    overall, by_set, wrong = Binary(), {}, []
    for case in cases:
        result = assess(case["text"], lexicon)
        overall.add(case["urgent"], result.urgent)
        by_set.setdefault(case["set"], Binary()).add(case["urgent"], result.urgent)
        if result.urgent != case["urgent"]:
            wrong.append((case, result))
    return UrgencyEval(overall, by_set, wrong)


def read_unlabelled(directory: Path) -> list[dict]:
    rows = _open_csv(Path(directory) / UNLABELLED)
    return [{"id": r.get("留言编号", ""), "title": r.get("留言主题", ""), "text": r.get("留言详情", "")} for r in rows]


def read_replies(directory: Path) -> list[dict]:
    """messages_with_replies.csv joined with the labels on 留言编号; label 1 = the reply explains
    itself, 0 = it explains nothing. ``nothing`` is the class the check looks for."""
    directory = Path(directory)
    labels = {}
    for row in _open_csv(directory / LABELS):
        value = (row.get("interpretability_manual_0_1") or "").strip()
        if value in ("0", "1"):
            labels[(row.get("留言编号") or "").strip()] = int(value)
    out = []
    for row in _open_csv(directory / MESSAGES):
        key = (row.get("留言编号") or "").strip()
        if key in labels:
            out.append({"id": key, "subject": row.get("留言主题", ""), "appeal": row.get("留言详情", ""),
                        "reply": row.get("答复意见", ""), "nothing": labels[key] == 0})
    if not out:
        raise DataError(_("No reply in %(dir)s has a label.") % {"dir": directory})
    return out


def roc_auc(truth: list[bool], scores: list[float]) -> float:
    """Area under the ROC curve (ties count half), without scikit-learn's import cost."""
    pos = [s for t, s in zip(truth, scores) if t]
    neg = [s for t, s in zip(truth, scores) if not t]
    if not pos or not neg:
        return float("nan")
    ranked = sorted((s, i) for i, s in enumerate(scores))
    ranks = [0.0] * len(scores)
    i = 0
    while i < len(ranked):
        j = i
        while j + 1 < len(ranked) and ranked[j + 1][0] == ranked[i][0]:
            j += 1
        for k in range(i, j + 1):
            ranks[ranked[k][1]] = (i + j) / 2 + 1
        i = j + 1
    pos_ranks = sum(r for r, t in zip(ranks, truth) if t)
    return (pos_ranks - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg))


def confusion(truth: list[bool], scores: list[float], threshold: float) -> Binary:
    b = Binary()
    for t, s in zip(truth, scores):
        b.add(t, s >= threshold)
    return b


THRESHOLD_GRID = [round(0.30 + 0.05 * i, 2) for i in range(14)]


def best_threshold(truth: list[bool], scores: list[float]) -> float:
    return max(THRESHOLD_GRID, key=lambda t: (confusion(truth, scores, t).f1, -abs(t - 0.75)))


def cross_validated(truth: list[bool], scores: list[float], folds: int = 5, seed: int = 0) -> tuple[Binary, list[float]]:
    """Choose the threshold on k-1 folds by F1, count the held-out fold at it; summed over folds.
    Only the threshold is chosen from data (the score's weights are fixed), so this is the honest
    figure for "tuned by looking"."""
    idx = list(range(len(truth)))
    random.Random(seed).shuffle(idx)
    total, chosen = Binary(), []
    for f in range(folds):
        test = set(idx[f::folds])
        train = [i for i in idx if i not in test]
        t = best_threshold([truth[i] for i in train], [scores[i] for i in train])
        chosen.append(t)
        for i in test:
            total.add(truth[i], scores[i] >= t)
    return total, chosen
