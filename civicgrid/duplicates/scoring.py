"""The duplicate detector's scoring, pure: no database, no Django models.

Intake, the order page, the portal and the API feed it from the database (``selectors``); the
evaluation command feeds it from NYC 311 rows (``evaluation``). Both call ``rank`` with the same
``Params``, so the figures the evaluation prints are the figures of the code that runs at intake.

A candidate is suggested when it is of the same category (or one is an ancestor of the other: a
leaf unknown on one side), lies within ``radius_m``, was opened at most ``window_days`` before the
query, and its text is at least ``min_similarity`` alike. When the query has no words yet (a
resident who has only tapped the map) text cannot decide: place and category alone do.

Similarity is the cosine of word-count vectors of ``civicgrid.core.text.words``. No IDF: an IDF
taken over the few prefiltered candidates would change a pair's similarity with its neighbours,
and the sweep of the evaluation relies on a pair scoring the same whatever else is around.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

EARTH_METRES = 6_371_000
METRES_PER_DEGREE_LAT = 111_320
# How much the text weighs against nearness in the ranking score; nearness is 1 at the point and
# 0 at the radius.
TEXT_WEIGHT = 0.7


@dataclass(frozen=True)
class Params:
    radius_m: float
    window_days: float
    min_similarity: float


@dataclass(frozen=True)
class Doc:
    """A request or an open order as the scorer sees it."""

    key: object
    category_path: str  # "01/0101/010101/"; "" when unknown
    lon: float
    lat: float
    created: datetime
    vector: dict  # word → weight, unit length (see ``vector``); empty when there is no text


@dataclass(frozen=True)
class Scored:
    key: object
    score: float
    similarity: float
    metres: float
    age_days: float


def vector(words: Iterable[str]) -> dict:
    """Unit-length word-count vector."""
    counts = Counter(words)
    norm = math.sqrt(sum(v * v for v in counts.values()))
    return {w: v / norm for w, v in counts.items()} if norm else {}


def cosine(a: dict, b: dict) -> float:
    if not a or not b:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    # Rounded so that identical texts score exactly 1 and a threshold of 0.5 means 0.5.
    return min(1.0, round(sum(v * b.get(w, 0.0) for w, v in a.items()), 9))


def metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_METRES * math.asin(min(1.0, math.sqrt(a)))


def bbox(lon: float, lat: float, radius_m: float) -> tuple[float, float, float, float]:
    """(min_lon, max_lon, min_lat, max_lat) of a box that holds the circle: the database prefilter."""
    d_lat = radius_m / METRES_PER_DEGREE_LAT
    d_lon = d_lat / max(0.01, math.cos(math.radians(lat)))
    return lon - d_lon, lon + d_lon, lat - d_lat, lat + d_lat


def categories_match(query_path: str, candidate_path: str) -> bool:
    """Same category, or one is an ancestor of the other (its leaf was not known). An unknown
    query category matches every candidate: the text has to decide then."""
    if not query_path:
        return True
    if not candidate_path:
        return False
    return candidate_path.startswith(query_path) or query_path.startswith(candidate_path)


def score(similarity: float, distance: float, radius_m: float, *, text_known: bool) -> float:
    nearness = max(0.0, 1.0 - distance / radius_m) if radius_m > 0 else 0.0
    if not text_known:
        return round(nearness, 4)
    return round(TEXT_WEIGHT * similarity + (1 - TEXT_WEIGHT) * nearness, 4)


def rank(query: Doc, candidates: Iterable[Doc], params: Params, *, limit: int | None = None) -> list[Scored]:
    """The candidates that are the same problem as ``query``, best first (score, then nearer,
    then older). ``candidates`` may be prefiltered loosely: every rule is checked again here."""
    text_known = bool(query.vector)
    found = []
    for c in candidates:
        if c.key == query.key or not categories_match(query.category_path, c.category_path):
            continue
        age = (query.created - c.created).total_seconds() / 86400
        if age < 0 or age > params.window_days:
            continue
        distance = metres(query.lon, query.lat, c.lon, c.lat)
        if distance > params.radius_m:
            continue
        similarity = cosine(query.vector, c.vector)
        if text_known and similarity < params.min_similarity:
            continue
        # Unrounded: a threshold applied later (the evaluation's sweep) must see what ``rank`` saw.
        found.append(Scored(c.key, score(similarity, distance, params.radius_m, text_known=text_known),
                            similarity, distance, age))
    found.sort(key=lambda s: (-s.score, s.metres, -s.age_days))
    return found if limit is None else found[:limit]
