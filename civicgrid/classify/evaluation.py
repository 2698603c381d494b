"""Measuring a classifier: scores on labelled texts, k-fold cross-validation, and the raw-message
cross-validation of the benchmark.

The public training file holds most raw messages twice: once raw and once jieba-segmented (317 of
its 320 raw rows have a segmented twin whose every word occurs in the raw text). Testing on a raw
message while its twin is in the training rows measures recall of a memorised text, not
classification (macro-F1 ≈ 0.99 that way). ``raw_cross_validation`` therefore removes the twins of
each held-out raw row from that fold's training rows; ``with_twins=True`` gives the naive figure
for comparison.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np

from .engine import TextClassifier


@dataclass
class Scores:
    macro_f1: float
    accuracy: float
    labels: list[str]
    per_class: dict[str, dict]  # label -> {"precision", "recall", "f1", "support"}
    confusion: list[list[int]]  # rows: true label, columns: predicted, in ``labels`` order
    rows: int


def score(y_true: list[str], y_pred: list[str], labels: list[str] | None = None) -> Scores:
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

    y_true, y_pred = [str(v) for v in y_true], [str(v) for v in y_pred]
    labels = [str(v) for v in labels] if labels else sorted(set(y_true) | set(y_pred))
    present = [label for label in labels if label in set(y_true)]
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    per_class = {label: {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4),
                         "f1": round(float(f[i]), 4), "support": int(s[i])} for i, label in enumerate(labels)}
    return Scores(
        macro_f1=float(f1_score(y_true, y_pred, labels=present, average="macro", zero_division=0)),
        accuracy=float(accuracy_score(y_true, y_pred)),
        labels=labels, per_class=per_class,
        confusion=confusion_matrix(y_true, y_pred, labels=labels).tolist(), rows=len(y_true),
    )


@dataclass
class CrossValidation:
    folds: int
    fold_macro_f1: list[float]
    pooled: Scores
    extra: dict = field(default_factory=dict)

    @property
    def mean(self) -> float:
        return float(np.mean(self.fold_macro_f1))

    @property
    def std(self) -> float:
        return float(np.std(self.fold_macro_f1))

    def as_metrics(self) -> dict:
        return {"macro_f1": round(self.mean, 4), "macro_f1_std": round(self.std, 4),
                "accuracy": round(self.pooled.accuracy, 4), "folds": self.folds, "rows": self.pooled.rows,
                "per_class": {k: v["f1"] for k, v in self.pooled.per_class.items()}, **self.extra}


def cross_validate(texts: list[str], labels: list[str], *, folds: int = 5, seed: int = 0, progress=None,
                   make_model=TextClassifier) -> CrossValidation:
    """Stratified k-fold (k lowered to the rarest label's count when needed, at least 2)."""
    from sklearn.model_selection import StratifiedKFold

    y = np.asarray(labels)
    folds = max(2, min(folds, min(Counter(labels).values())))
    pred = np.empty(len(y), dtype=object)
    per_fold = []
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(texts, y):
        model = make_model().fit([texts[i] for i in train], list(y[train]), calibrate=False)
        got = [p.label for p in model.predict([texts[i] for i in test])]
        pred[test] = got
        per_fold.append(score(list(y[test]), got).macro_f1)
        if progress:
            progress()
    return CrossValidation(folds, per_fold, score(list(y), list(pred)))


# --- the raw-message protocol of the benchmark ----------------------------------------------------
_HAN = re.compile(r"[^\u4e00-\u9fff]")


def _trigrams(text: str) -> set[str]:
    s = _HAN.sub("", text)
    return {s[i:i + 3] for i in range(len(s) - 2)}


def segmented_twins(texts: list[str], raw_rows: list[int], segmented_rows: list[int],
                    *, containment: float = 0.8) -> dict[int, set[int]]:
    """For each raw row, the segmented rows that are the same message: at least ``containment`` of
    their words occur in the raw text. Candidates come from shared rare character trigrams."""
    index: dict[str, list[int]] = defaultdict(list)
    for j in segmented_rows:
        for g in _trigrams(texts[j]):
            index[g].append(j)
    twins: dict[int, set[int]] = {}
    for i in raw_rows:
        votes: Counter = Counter()
        for g in _trigrams(texts[i]):
            hits = index.get(g, ())
            if len(hits) < 200:
                votes.update(hits)
        found = set()
        for j, _n in votes.most_common(10):
            words = texts[j].split()
            if words and sum(1 for w in words if w in texts[i]) / len(words) >= containment:
                found.add(j)
        twins[i] = found
    return twins


def overlapping(candidates: list[str], texts: list[str], *, containment: float = 0.5) -> list[int]:
    """Indexes of ``candidates`` that are (nearly) one of ``texts``: at least ``containment`` of the
    shorter one's Chinese character trigrams occur in the other (a copy, or the same message with
    another subject line or a few words changed)."""
    index: dict[str, set[int]] = defaultdict(set)
    grams = [_trigrams(t) for t in texts]
    for a, g in enumerate(grams):
        for x in g:
            index[x].add(a)
    out = []
    for k, text in enumerate(candidates):
        g = _trigrams(text)
        votes: Counter = Counter()
        for x in g:
            votes.update(index.get(x, ()))
        if any(n / max(1, min(len(g), len(grams[a]))) >= containment for a, n in votes.items()):
            out.append(k)
    return out


def raw_cross_validation(texts: list[str], labels: list[str], forms: list[str], *, folds: int = 5, seed: int = 0,
                         with_twins: bool = False, make_model=TextClassifier, progress=None,
                         unlabelled: list[str] | None = None) -> CrossValidation:
    """Stratified k-fold over the raw rows only: each fold trains on every segmented row (less the
    held-out rows' twins unless ``with_twins``) and the other raw folds, and tests on its raw fold.

    ``unlabelled`` texts are given to every fold's fit for self-training, less those that overlap
    any raw row of the file (``overlapping``): a held-out message must not come back unlabelled."""
    from sklearn.model_selection import StratifiedKFold

    y = np.asarray(labels)
    raw = np.array([i for i, f in enumerate(forms) if f == "raw"])
    seg = [i for i, f in enumerate(forms) if f != "raw"]
    twins = segmented_twins(texts, list(raw), seg) if not with_twins else {}
    extra = {}
    fit_extra = {}
    if unlabelled:
        clash = set(overlapping(unlabelled, [texts[i] for i in raw]))
        fit_extra["unlabelled"] = [t for k, t in enumerate(unlabelled) if k not in clash]
        extra = {"unlabelled_used": len(fit_extra["unlabelled"]), "unlabelled_overlapping_raw": len(clash)}
    pred = np.empty(len(raw), dtype=object)
    per_fold = []
    dropped = 0
    for train_idx, test_idx in StratifiedKFold(folds, shuffle=True, random_state=seed).split(raw, y[raw]):
        test = raw[test_idx]
        drop = set().union(*(twins.get(i, set()) for i in test)) if twins else set()
        dropped += len(drop)
        train = [j for j in seg if j not in drop] + list(raw[train_idx])
        model = make_model().fit([texts[j] for j in train], list(y[train]), calibrate=False, **fit_extra)
        got = [p.label for p in model.predict([texts[i] for i in test])]
        pred[test_idx] = got
        per_fold.append(score(list(y[test]), got).macro_f1)
        if progress:
            progress()
    return CrossValidation(folds, per_fold, score(list(y[raw]), list(pred)),
                           extra={"twins_removed": dropped, "raw_rows": len(raw), **extra})
