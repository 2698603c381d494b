"""Category suggestion at intake: a pluggable hook.

``suggest_category(text)`` calls the callable named by ``settings.CATEGORY_SUGGESTER`` (a dotted
path; default: the keyword rules below). The classifier trained on a jurisdiction's own closed orders
plugs in by naming its own function there; it must return the same triple:
``(category or None, confidence 0..1, top3 [(category, score), ...])``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings
from django.utils.module_loading import import_string

from .catalogue import get_catalogue

DEFAULT_SUGGESTER = "civicgrid.workorders.suggest.keyword_suggester"


@dataclass(frozen=True)
class Suggestion:
    category: object | None
    confidence: float
    top3: list = field(default_factory=list)

    def __iter__(self):
        return iter((self.category, self.confidence, self.top3))


@lru_cache(maxsize=8)
def _load(path: str):
    return import_string(path)


def suggest_category(text: str, *, area=None) -> Suggestion:
    suggester = _load(getattr(settings, "CATEGORY_SUGGESTER", DEFAULT_SUGGESTER))
    # A suggester that declares ``accepts_area`` also gets the appeal's area (its model's scope).
    if getattr(suggester, "accepts_area", False):
        category, confidence, top3 = suggester(text or "", area=area)
    else:
        category, confidence, top3 = suggester(text or "")
    return Suggestion(category, float(confidence or 0.0), list(top3 or []))


def keyword_suggester(text: str):
    """Rules by keywords: every keyword found in the text scores its category by its length (a
    longer word is more specific: "天然气" over "气"); the best category wins, its confidence is its
    share of all scores. Keywords are indexed by their first two characters, so a text costs one
    dict lookup per character however large the catalogue."""
    snapshot = get_catalogue()
    if not text or not snapshot.keywords:
        return None, 0.0, []
    by_start = snapshot.keywords_by_start
    scores: dict[int, float] = defaultdict(float)
    found: set[str] = set()
    for i in range(len(text) - 1):
        candidates = by_start.get(text[i:i + 2])
        if candidates is None:
            continue
        for word in candidates:
            if word not in found and text.startswith(word, i):
                found.add(word)
                for pk in snapshot.keywords[word]:
                    scores[pk] += len(word)
    if not scores:
        return None, 0.0, []
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], snapshot.by_id[kv[0]].path))
    total = sum(scores.values())
    top3 = [(snapshot.by_id[pk], round(score / total, 3)) for pk, score in ranked[:3]]
    best, confidence = top3[0]
    return best, confidence, top3
