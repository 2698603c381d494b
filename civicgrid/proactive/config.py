"""Detector parameters: ``settings.PROACTIVE`` over these defaults, with per-area overrides.

    PROACTIVE = {"spikes": {"min_count": 8}, "areas": {"370203": {"clusters": {"eps_m": 80}}}}

The deepest area on an area's path that has an override wins, key by key. District differences
live here, never in code (ADR 011).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, fields

from django.conf import settings


@dataclass(frozen=True)
class SpikeParams:
    window_days: int = 7
    baseline_weeks: int = 4
    fdr: float = 0.05           # Benjamini–Hochberg false discovery rate
    min_count: int = 5          # fewer appeals in the window are never a spike
    min_ratio: float = 2.0      # observed at least this many times the expected count
    min_expected: float = 1.0   # floor of the expected count (a grid with no history)
    category_level: int = 1     # roll categories up to this level before counting


@dataclass(frozen=True)
class ClusterParams:
    window_days: int = 7
    eps_m: float = 50.0
    min_samples: int = 6
    category_level: int = 1


@dataclass(frozen=True)
class RecurringParams:
    days: int = 30
    min_count: int = 3
    round_m: float = 30.0       # points without a building are snapped to this grid of metres
    category_level: int = 3


@dataclass(frozen=True)
class TopicParams:
    window_days: int = 30
    docs_per_topic: int = 4     # k = n / docs_per_topic, clamped to [2, max_topics]; split stories are merged back
    max_topics: int = 1000
    min_size: int = 3
    min_similarity: float = 0.35
    min_label_share: float = 0.5   # members using the three label words, on average
    merge_similarity: float = 0.5   # clusters with centroids this close are one topic
    label_merge: float = 0.5    # topics whose labels share this much (Jaccard) are one topic
    label_words: int = 4        # words of a label (2–4 readable ones, ADR 011)
    label_candidates: int = 20  # the centroid's top words the label is chosen from
    half_life_days: float = 14.0
    top_words: int = 5
    max_features: int = 50000
    max_df: float = 0.01        # words in more than this share of documents carry no topic
    svd_components: int = 150
    seed: int = 0


@dataclass(frozen=True)
class ProactiveConfig:
    spikes: SpikeParams
    clusters: ClusterParams
    recurring: RecurringParams
    topics: TopicParams
    auto_create: bool = False
    sample_orders: int = 10


_SECTIONS = {"spikes": SpikeParams, "clusters": ClusterParams, "recurring": RecurringParams, "topics": TopicParams}


def _merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in (over or {}).items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key].update(value)
        else:
            out[key] = value
    return out


def _build(raw: dict) -> ProactiveConfig:
    parts = {}
    for name, cls in _SECTIONS.items():
        known = {f.name for f in fields(cls)}
        given = raw.get(name) or {}
        unknown = set(given) - known
        if unknown:
            raise ValueError(f"PROACTIVE[{name!r}] has unknown keys: {', '.join(sorted(unknown))}")
        parts[name] = cls(**given)
    return ProactiveConfig(**parts, auto_create=bool(raw.get("auto_create", False)),
                           sample_orders=int(raw.get("sample_orders", 10)))


def config_for(area_path: str = "") -> ProactiveConfig:
    """The parameters for an area (its path), or the global ones."""
    raw = dict(getattr(settings, "PROACTIVE", {}) or {})
    overrides = raw.pop("areas", {}) or {}
    codes = [c for c in (area_path or "").split("/") if c]
    for code in codes:  # root first, so the deepest override is applied last and wins
        if code in overrides:
            raw = _merge(raw, overrides[code])
    return _build(raw)
