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


class ModelFileError(Exception):
    """A model file that cannot or must not be loaded; the message says why and what to do."""


@dataclass
class Prediction:
    label: str
    confidence: float
    top3: list[tuple[str, float]] = field(default_factory=list)


def features_text(text: str | None) -> str:
    """The string the n-grams are taken from: NFKC, lower case, cut at MAX_ANALYSED_CHARS, and only
    letters, digits and Chinese characters (segmented and raw forms meet here)."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", str(text)[: MAX_ANALYSED_CHARS * 2]).lower()
    return _NOT_WORD.sub("", text[:MAX_ANALYSED_CHARS])


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


def build_estimator(*, c: float = 0.5):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    return make_pipeline(
        TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2, dtype=np.float32),
        LinearSVC(C=c),
    )


class TextClassifier:
    """Labels are plain strings (a category code or name); at least two are needed."""

    def __init__(self, *, c: float = 0.5):
        self.c = c
        self.estimator = None
        self.labels: list[str] = []
        self.temperature = 1.0
        self.meta: dict = {}

    # --- fitting ----------------------------------------------------------------------------
    def fit(self, texts: list[str], labels: list[str], *, calibrate: bool = True, progress=None) -> TextClassifier:
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
        self.estimator = self.build().fit(x, y_names)
        tick()
        self.meta["calibration_steps"] = steps
        return self

    def featurize(self, texts: list[str]) -> list[str]:
        return [features_text(t) for t in texts]

    def build(self):
        return build_estimator(c=self.c)

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
                                "temperature": self.temperature, "c": self.c, "meta": self.meta},
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
        model = cls(c=state.get("c", 0.5))
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
