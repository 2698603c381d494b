"""The text classifier: features, fitting, prediction with a probability-like confidence, and its
file format with the checks that make loading it safe.

Features (docs/adr/008): TF-IDF of character 1–3-grams of the text with punctuation and whitespace
removed. They need no word segmentation, so jieba-segmented training rows and raw messages give the
same n-grams wherever the words are the same, and a prediction costs no jieba call (jieba alone
would cap throughput near 300 texts/s). The classifier is a linear SVM; its decision scores become a
confidence through a softmax whose temperature is fitted on out-of-fold scores (one number, so it
costs one extra short cross-validation at training).

File format: ``MAGIC`` line, one JSON header line (format version, scikit-learn and numpy versions,
labels, the signature), then the pickled estimator. Pickle can run code when loaded, so a file is
unpickled only when its header names this format version and this scikit-learn version and its
HMAC (keyed with the platform's SECRET_KEY) matches: only files this platform wrote are loaded.
"""

from __future__ import annotations

import hmac
import json
import pickle
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from civicgrid.core.text import MAX_ANALYSED_CHARS

MAGIC = b"CIVICGRID-CLASSIFIER\n"
FORMAT_VERSION = 1
_HMAC_SALT = "civicgrid.classify.model-file"
# Anything but letters, digits and Chinese characters: punctuation, spaces, emoji.
_NOT_WORD = re.compile(r"[\W_]+")
# The same plus ASCII letters and digits (after NFKC and lower case): see ``features_text``.
_NOT_HAN_WORD = re.compile(r"[\W_0-9a-z]+")
# The feature recipes a model can have been trained with (kept in its state, so a file written
# before a recipe changed still predicts with the features it learned from).
FEATURES_CHARS = "chars"  # letters, digits and Chinese characters
FEATURES_HAN = "han"  # the same without ASCII letters and digits (the default since 2026-12-02)


class ModelFileError(Exception):
    """A model file that cannot or must not be loaded; the message says why and what to do."""


@dataclass
class Prediction:
    label: str
    confidence: float
    top3: list[tuple[str, float]] = field(default_factory=list)


def features_text(text: str | None, recipe: str = FEATURES_HAN) -> str:
    """The string the n-grams are taken from: NFKC, lower case, cut at MAX_ANALYSED_CHARS, and only
    letters, digits and Chinese characters (segmented and raw forms meet here).

    With the ``han`` recipe ASCII letters and digits go as well: the segmented training rows lost
    most of them (single digits and the anonymised place letters were on the stop list their makers
    used), while raw messages are full of "A市", "A3区", dates, house and phone numbers, whose
    n-grams the training form lacks (macro-F1 on raw rows +0.008, docs/adr/008)."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", str(text)[: MAX_ANALYSED_CHARS * 2]).lower()[:MAX_ANALYSED_CHARS]
    return (_NOT_HAN_WORD if recipe == FEATURES_HAN else _NOT_WORD).sub("", text)


def _softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    z = scores * temperature
    z -= z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z


def _fit_temperature(scores: np.ndarray, y: np.ndarray) -> float:
    """The softmax scale that minimises the log-loss of out-of-fold scores (a grid is enough for
    one parameter, and never fails to converge)."""
    best, best_loss = 1.0, float("inf")
    rows = np.arange(len(y))
    for t in np.geomspace(0.5, 50, 60):
        p = _softmax(scores.astype(np.float64), float(t))
        loss = -np.log(np.clip(p[rows, y], 1e-12, None)).mean()
        if loss < best_loss:
            best, best_loss = float(t), loss
    return best


class CharNgramTfidf:
    """TF-IDF of character n-grams computed with numpy instead of per-n-gram Python loops.

    The maths are sklearn's ``TfidfVectorizer(analyzer="char", ngram_range=(1, 3), min_df=2,
    sublinear_tf=True, smooth_idf=True, norm="l2")`` (a test checks they agree), about ten times
    faster: an n-gram is an integer (21 bits per code point: a bigram is always above every
    unigram, a trigram above every bigram) and the vocabulary a sorted array searched with
    ``np.searchsorted``. The state is three numpy arrays, nothing else.
    """

    BITS = 21

    def __init__(self, max_n: int = 3, min_df: int = 2):
        self.max_n = max_n
        self.min_df = min_df
        self.vocabulary = np.zeros(0, dtype=np.int64)
        self.idf = np.zeros(0, dtype=np.float64)

    def keys(self, text: str) -> np.ndarray:
        cp = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
        parts = [cp]
        for n in range(2, self.max_n + 1):
            if len(cp) < n:
                break
            key = cp[: len(cp) - n + 1].copy()
            for i in range(1, n):
                key = (key << self.BITS) | cp[i: len(cp) - n + 1 + i]
            parts.append(key)
        return np.concatenate(parts) if len(parts) > 1 else cp

    def fit(self, texts: list[str]) -> CharNgramTfidf:
        per_doc = [np.unique(self.keys(t)) for t in texts]
        keys, df = np.unique(np.concatenate(per_doc) if per_doc else np.zeros(0, np.int64), return_counts=True)
        keep = df >= self.min_df
        self.vocabulary = keys[keep]
        self.idf = np.log((1 + len(texts)) / (1 + df[keep])) + 1.0
        return self

    def cells(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(rows, columns, values) of the TF-IDF matrix of ``texts``, rows L2-normalised."""
        size = len(self.vocabulary)
        rows, cols, counts = [], [], []
        for i, text in enumerate(texts):
            # Unique keys come sorted, which keeps the vocabulary search cache-friendly.
            keys, n = np.unique(self.keys(text), return_counts=True)
            if not size or not len(keys):
                continue
            col = np.searchsorted(self.vocabulary, keys)
            np.minimum(col, size - 1, out=col)
            known = self.vocabulary[col] == keys
            cols.append(col[known])
            counts.append(n[known])
            rows.append(np.full(int(known.sum()), i, dtype=np.int64))
        if not rows:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
        row, col, count = np.concatenate(rows), np.concatenate(cols), np.concatenate(counts)
        values = (1.0 + np.log(count)) * self.idf[col]
        norms = np.sqrt(np.bincount(row, weights=values * values, minlength=len(texts)))
        values /= norms[row]
        return row, col, values

    def transform(self, texts: list[str]):
        from scipy.sparse import csr_matrix

        row, col, values = self.cells(texts)
        return csr_matrix((values, (row, col)), shape=(len(texts), len(self.vocabulary)))

    def fit_transform(self, texts: list[str]):
        return self.fit(texts).transform(texts)

    def ngram(self, key: int) -> str:
        """The n-gram a key stands for (for tests and inspection)."""
        chars = []
        mask = (1 << self.BITS) - 1
        while key:
            chars.append(chr(key & mask))
            key >>= self.BITS
        return "".join(reversed(chars))


class CharSvm:
    """Character n-gram TF-IDF and a linear SVM; predicting is one sparse product with the
    weights, without sklearn's per-call input validation (it dominated one-by-one predictions)."""

    def __init__(self, c: float = 0.5, class_weight: str | None = "balanced"):
        self.c = c
        self.class_weight = class_weight
        self.vectorizer = CharNgramTfidf()
        self.coef = np.zeros((0, 0), dtype=np.float32)
        self.intercept = np.zeros(0)
        self.classes_ = np.zeros(0)

    def fit(self, texts, labels, *, unlabelled=None, per_class: int = 150) -> CharSvm:
        """``unlabelled``: texts of the same traffic without labels (already featurised). The
        ``per_class`` of them the first fit is surest about (largest margin between its two best
        labels) for each label are added with that label and the SVM is fitted again: class-balanced
        self-training (docs/adr/008; without the balance the majority labels swallow the rest)."""
        from sklearn.svm import LinearSVC

        x = self.vectorizer.fit_transform(list(texts))
        svm = LinearSVC(C=self.c, class_weight=self.class_weight).fit(x, labels)
        self.pseudo_labelled = 0
        if unlabelled and len(svm.classes_) > 2:
            from scipy.sparse import vstack

            xu = self.vectorizer.transform(list(unlabelled))
            scores = svm.decision_function(xu)
            chosen, best = surest_per_class(scores, per_class)
            if len(chosen):
                self.pseudo_labelled = len(chosen)
                svm = LinearSVC(C=self.c, class_weight=self.class_weight).fit(
                    vstack([x, xu[chosen]]).tocsr(), list(labels) + list(svm.classes_[best[chosen]]))
        self.classes_ = np.asarray([str(c) for c in svm.classes_])
        self.coef = np.ascontiguousarray(svm.coef_.T, dtype=np.float32)  # features × classes
        self.intercept = svm.intercept_.astype(np.float64)
        return self

    def decision_function(self, texts) -> np.ndarray:
        texts = list(texts)
        row, col, values = self.vectorizer.cells(texts)
        if len(texts) == 1:  # intake: one text, one product (the per-label bincounts cost more)
            scores = (values @ self.coef[col]).astype(np.float64)[None, :] if len(col) else \
                np.zeros((1, self.coef.shape[1]))
        else:
            contrib = self.coef[col] * values[:, None]  # one row of weights per n-gram present
            scores = np.empty((len(texts), self.coef.shape[1]))
            for j in range(self.coef.shape[1]):
                scores[:, j] = np.bincount(row, weights=contrib[:, j], minlength=len(texts))
        scores += self.intercept
        return scores[:, 0] if scores.shape[1] == 1 else scores  # two classes: one score, for the second


def surest_per_class(scores: np.ndarray, per_class: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows of a (texts × labels) score matrix to pseudo-label: for each label, the ``per_class``
    rows it wins with the largest margin over the runner-up (ties: the earlier row), in row order;
    and every row's winning label."""
    ordered = np.sort(scores, axis=1)
    margin, best = ordered[:, -1] - ordered[:, -2], scores.argmax(axis=1)
    chosen = []
    for j in range(scores.shape[1]):
        rows = np.flatnonzero(best == j)
        chosen.extend(rows[np.argsort(-margin[rows], kind="stable")][:per_class])
    return np.asarray(sorted(chosen), dtype=np.int64), best


def build_estimator(*, c: float = 0.5, class_weight: str | None = "balanced"):
    return CharSvm(c, class_weight)


class TextClassifier:
    """Labels are plain strings (a category code or name); at least two are needed."""

    def __init__(self, *, c: float = 0.5, features: str = FEATURES_HAN, class_weight: str | None = "balanced"):
        self.c = c
        self.features = features
        self.class_weight = class_weight
        self.estimator = None
        self.labels: list[str] = []
        self.temperature = 1.0
        self.meta: dict = {}

    # --- fitting ----------------------------------------------------------------------------
    def fit(self, texts: list[str], labels: list[str], *, calibrate: bool = True, progress=None,
            unlabelled: list[str] | None = None) -> TextClassifier:
        """``unlabelled``: texts of the same kind without labels for class-balanced self-training
        (``CharSvm.fit``); only the final fit uses them, the temperature comes from labelled folds."""
        from sklearn.model_selection import StratifiedKFold

        x = self.featurize(texts)
        y_names = np.asarray(labels)
        self.labels = sorted(set(labels))
        if len(self.labels) < 2:
            raise ValueError(_("At least two different labels are needed to train a classifier."))
        index = {label: i for i, label in enumerate(self.labels)}
        y = np.array([index[label] for label in labels])
        folds = min(3, int(np.bincount(y).min()))
        steps = (folds if calibrate and folds >= 2 else 0) + 1
        tick = progress or (lambda: None)
        if calibrate and folds >= 2:
            oof = np.zeros((len(y), len(self.labels)), dtype=np.float64)
            for train, test in StratifiedKFold(folds, shuffle=True, random_state=0).split(x, y):
                est = self.build().fit([x[i] for i in train], y_names[train])
                oof[test] = self._scores(est, [x[i] for i in test])
                tick()
            self.temperature = _fit_temperature(oof, y)
        if unlabelled:
            self.estimator = self.build().fit(x, y_names, unlabelled=self.featurize(unlabelled))
            self.meta["unlabelled"] = len(unlabelled)
            self.meta["pseudo_labelled"] = self.estimator.pseudo_labelled
        else:
            self.estimator = self.build().fit(x, y_names)
        tick()
        self.meta["calibration_steps"] = steps
        return self

    def featurize(self, texts: list[str]) -> list[str]:
        return [features_text(t, self.features) for t in texts]

    def build(self):
        return build_estimator(c=self.c, class_weight=self.class_weight)

    def _scores(self, estimator, x: list[str]) -> np.ndarray:
        """Decision scores in the order of ``self.labels`` (an estimator fitted on a fold may not
        have seen every label: its missing columns score very low)."""
        raw = estimator.decision_function(x)
        classes = list(estimator.classes_)
        if raw.ndim == 1:  # two classes: one score for the second
            raw = np.column_stack([-raw, raw])
        if classes == self.labels:
            return raw
        out = np.full((raw.shape[0], len(self.labels)), -10.0)
        for j, label in enumerate(classes):
            out[:, self.labels.index(label)] = raw[:, j]
        return out

    # --- prediction ---------------------------------------------------------------------------
    def probabilities(self, texts: list[str]) -> np.ndarray:
        return _softmax(self._scores(self.estimator, self.featurize(texts)).astype(np.float64),
                        self.temperature)

    def predict(self, texts: list[str]) -> list[Prediction]:
        if not texts:
            return []
        probs = self.probabilities(texts)
        out = []
        for row in probs:
            order = np.argsort(-row)[:3]
            top3 = [(self.labels[j], round(float(row[j]), 4)) for j in order]
            out.append(Prediction(top3[0][0], top3[0][1], top3))
        return out

    def predict_one(self, text: str) -> Prediction:
        return self.predict([text])[0]

    # --- files --------------------------------------------------------------------------------
    def to_bytes(self) -> bytes:
        import sklearn

        payload = pickle.dumps({"estimator": self.estimator, "labels": self.labels,
                                "temperature": self.temperature, "c": self.c, "meta": self.meta,
                                "features": self.features, "class_weight": self.class_weight},
                               protocol=pickle.HIGHEST_PROTOCOL)
        header = {"format": FORMAT_VERSION, "sklearn": sklearn.__version__, "numpy": np.__version__,
                  "labels": self.labels, "signature": _sign(payload)}
        return MAGIC + json.dumps(header, ensure_ascii=False).encode("utf-8") + b"\n" + payload

    @classmethod
    def from_bytes(cls, data: bytes, *, name: str = "") -> TextClassifier:
        import sklearn

        name = name or _("the model")
        data = bytes(data or b"")
        if not data.startswith(MAGIC):
            raise ModelFileError(_("%(name)s is not a civicgrid classifier model file.") % {"name": name})
        end = data.find(b"\n", len(MAGIC))
        try:
            header = json.loads(data[len(MAGIC):end].decode("utf-8")) if end > 0 else None
        except (UnicodeDecodeError, json.JSONDecodeError):
            header = None
        if not isinstance(header, dict):
            raise ModelFileError(_("%(name)s is damaged: its header cannot be read.") % {"name": name})
        if header.get("format") != FORMAT_VERSION:
            raise ModelFileError(
                _("%(name)s has file format version %(found)s; this platform reads version %(wanted)s. "
                  "Train the model again.") % {"name": name, "found": header.get("format"), "wanted": FORMAT_VERSION})
        if header.get("sklearn") != sklearn.__version__:
            raise ModelFileError(
                _("%(name)s was written with scikit-learn %(found)s; this platform runs %(wanted)s. "
                  "Train the model again.") % {"name": name, "found": header.get("sklearn"), "wanted": sklearn.__version__})
        payload = data[end + 1:]
        if not hmac.compare_digest(str(header.get("signature", "")), _sign(payload)):
            raise ModelFileError(
                _("%(name)s was not written by this platform (its signature does not match), so it is not "
                  "loaded: a model file can run code when it is loaded.") % {"name": name})
        try:
            state = pickle.loads(payload)  # noqa: S301 - signed by this platform, checked above
        except Exception as exc:  # a signed but damaged file: any unpickling error
            raise ModelFileError(_("%(name)s is damaged: %(error)s") % {"name": name, "error": exc}) from exc
        # Files written before the feature recipe had a name were trained on FEATURES_CHARS.
        model = cls(c=state.get("c", 0.5), features=state.get("features", FEATURES_CHARS),
                    class_weight=state.get("class_weight"))
        model.estimator = state["estimator"]
        model.labels = list(state["labels"])
        model.temperature = float(state["temperature"])
        model.meta = dict(state.get("meta") or {})
        return model

    def save(self, path: str | Path) -> int:
        data = self.to_bytes()
        Path(path).write_bytes(data)
        return len(data)

    @classmethod
    def load(cls, path: str | Path) -> TextClassifier:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise ModelFileError(_("Cannot read the model file %(path)s: %(error)s")
                                 % {"path": path, "error": exc.strerror or exc}) from exc
        return cls.from_bytes(data, name=str(path))


def _sign(payload: bytes) -> str:
    return salted_hmac(_HMAC_SALT, payload, algorithm="sha256").hexdigest()
