"""Similar proposals of a campaign: TF-IDF over character bigrams and jieba words, cosine.

The text goes through ``civicgrid.core.text`` (the same normalisation and words as every other
text feature). Character bigrams catch near spellings (加装电梯 / 装电梯) that word segmentation
splits differently; words weigh whole terms.

A resident types while others submit, so the model is kept per process and campaign: the
vectoriser is fitted once on the campaign's open proposals, a proposal added since is only
*transformed* (its unseen n-grams are ignored) and appended, a proposal merged away is dropped
from the rows used, and the whole is refitted when the campaign has grown by a tenth since the last
fit. Proposals are never edited, so a row's vector stays right. A keystroke costs one transform of
the typed text and one sparse product.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from civicgrid.core.text import normalise, words

# Below this cosine a proposal is not shown as similar.
THRESHOLD = 0.2
LIMIT = 5
REFIT_GROWTH = 1.1
_cache: dict = {}
_lock = threading.Lock()


def features(text: str) -> list[str]:
    flat = normalise(text).replace(" ", "")
    grams = [flat[i:i + 2] for i in range(len(flat) - 1) if flat[i].isalnum() and flat[i + 1].isalnum()]
    return grams + [f"w:{w}" for w in words(text)]


@dataclass
class Match:
    id: int
    score: float


@dataclass
class _Model:
    vectoriser: object
    ids: list[int]
    matrix: object
    fitted_rows: int
    hashes: dict


def _stale(model: "_Model", rows) -> bool:
    """A known id with another text (a test database reusing ids, a restored backup): refit."""
    return any(model.hashes.get(i, h) != h for i, h in ((i, hash(t)) for i, t in rows))


def _fit(rows: list[tuple[int, str]]) -> _Model:
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectoriser = TfidfVectorizer(analyzer=features, sublinear_tf=True)
    matrix = vectoriser.fit_transform([text for _id, text in rows])
    return _Model(vectoriser, [i for i, _t in rows], matrix, len(rows), {i: hash(t) for i, t in rows})


def _model(group, rows: list[tuple[int, str]]) -> tuple[_Model, list[int]]:
    """The group's model brought up to ``rows``; and the matrix rows of ``rows`` in order."""
    from scipy.sparse import vstack

    with _lock:
        model = _cache.get(group)
    if model is None or len(rows) > model.fitted_rows * REFIT_GROWTH or _stale(model, rows):
        model = _fit(rows)
    else:
        known = set(model.ids)
        new = [(i, t) for i, t in rows if i not in known]
        if new:
            added = model.vectoriser.transform([t for _i, t in new])
            model = _Model(model.vectoriser, model.ids + [i for i, _t in new], vstack([model.matrix, added]).tocsr(),
                           model.fitted_rows, {**model.hashes, **{i: hash(t) for i, t in new}})
    with _lock:
        if group not in _cache and len(_cache) > 32:
            _cache.clear()
        _cache[group] = model
    position = {i: k for k, i in enumerate(model.ids)}
    return model, [position[i] for i, _t in rows]


def similar(text: str, rows: list[tuple[int, str]], *, group=None, threshold: float = THRESHOLD,
            limit: int = LIMIT) -> list[Match]:
    """``rows`` = (id, title + description) of the candidates; the best matches above the threshold.
    ``group`` (the campaign) names the cached model; without it the model is fitted for this call."""
    if not rows or not normalise(text):
        return []
    if group is None:
        model, order = _fit(rows), list(range(len(rows)))
    else:
        model, order = _model(group, rows)
    query = model.vectoriser.transform([text])
    if query.nnz == 0:
        return []
    scores = (model.matrix[order] @ query.T).toarray().ravel()
    found = [Match(rows[k][0], round(float(s), 3)) for k, s in enumerate(scores) if s >= threshold]
    found.sort(key=lambda m: (-m.score, m.id))
    return found[:limit]
