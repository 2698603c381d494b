"""Similar proposals of a campaign: TF-IDF over character bigrams and jieba words, cosine.

The text goes through ``civicgrid.core.text`` (the same normalisation and words as every other
text feature). Character bigrams catch near spellings (加装电梯 / 装电梯) that word segmentation
splits differently; words weigh whole terms. The vectoriser is fitted on the campaign's open
proposals and kept per process until a proposal is added or merged (key: ids and count), so a
resident typing gets answers from a fitted model, not a refit per keystroke.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from civicgrid.core.text import normalise, words

# Below this cosine a proposal is not shown as similar.
THRESHOLD = 0.2
LIMIT = 5
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


def _model(key, docs: list[str]):
    from sklearn.feature_extraction.text import TfidfVectorizer

    with _lock:
        cached = _cache.get(key)
        if cached is not None:
            return cached
    vectoriser = TfidfVectorizer(analyzer=features, sublinear_tf=True)
    matrix = vectoriser.fit_transform(docs)
    with _lock:
        if len(_cache) > 32:
            _cache.clear()
        _cache[key] = (vectoriser, matrix)
    return vectoriser, matrix


def similar(text: str, rows: list[tuple[int, str]], *, threshold: float = THRESHOLD, limit: int = LIMIT) -> list[Match]:
    """``rows`` = (id, title + description) of the candidates; the best matches above the threshold."""
    if not rows or not normalise(text):
        return []
    key = (len(rows), hash(tuple(r[0] for r in rows)), hash(tuple(r[1] for r in rows)))
    vectoriser, matrix = _model(key, [r[1] for r in rows])
    query = vectoriser.transform([text])
    if query.nnz == 0:
        return []
    scores = (matrix @ query.T).toarray().ravel()
    found = [Match(rows[i][0], round(float(s), 3)) for i, s in enumerate(scores) if s >= threshold]
    found.sort(key=lambda m: (-m.score, m.id))
    return found[:limit]
