"""The pure scorer: every rule of ``rank`` on hand-made documents."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from civicgrid.duplicates import scoring
from civicgrid.duplicates.scoring import Doc, Params

T = datetime(2026, 11, 20, 12, 0)
P = Params(radius_m=100, window_days=7, min_similarity=0.3)


def doc(key, *, path="01/0101/010101/", dlat=0.0, days=0.0, words=("路面", "坑")):
    return Doc(key, path, 120.3, 36.05 + dlat, T - timedelta(days=days), scoring.vector(words))


def test_metres_and_bounding_box():
    assert round(scoring.metres(120.3, 36.05, 120.3, 36.051)) == 111
    min_lon, max_lon, min_lat, max_lat = scoring.bbox(120.3, 36.05, 111.32)
    assert (round(max_lat - 36.05, 6), round(36.05 - min_lat, 6)) == (0.001, 0.001)
    # A degree of longitude is shorter than one of latitude away from the equator: the box is wider.
    assert round(max_lon - 120.3, 9) == round(0.001 / math.cos(math.radians(36.05)), 9)


def test_cosine_of_word_counts():
    assert scoring.cosine(scoring.vector(["a", "b"]), scoring.vector(["a", "b"])) == 1.0
    assert round(scoring.cosine(scoring.vector(["a", "b"]), scoring.vector(["a", "c"])), 4) == 0.5
    assert scoring.cosine(scoring.vector([]), scoring.vector(["a"])) == 0.0


def test_categories_match_same_leaf_or_an_ancestor_either_way():
    assert scoring.categories_match("01/0101/010101/", "01/0101/010101/")
    assert scoring.categories_match("01/0101/", "01/0101/010101/")  # the query's leaf unknown
    assert scoring.categories_match("01/0101/010101/", "01/0101/")  # the order's leaf unknown
    assert not scoring.categories_match("01/0101/010101/", "01/0101/010102/")
    assert not scoring.categories_match("01/0101/010101/", "")
    assert scoring.categories_match("", "01/0101/010102/")


def test_rank_keeps_only_same_problem_and_orders_by_score():
    query = doc("q")
    candidates = [
        doc("same-place", dlat=0.0001, days=1),
        doc("farther", dlat=0.0008, days=1),
        doc("too-far", dlat=0.0010, days=1),           # 111 m > 100 m
        doc("too-old", dlat=0.0001, days=7.5),
        doc("later", dlat=0.0001, days=-0.1),          # filed after the query: not a candidate
        doc("other-leaf", path="01/0101/010102/", dlat=0.0001),
        doc("unlike", dlat=0.0001, words=("绿化",)),
        doc("q", dlat=0.0),                              # itself
    ]
    found = scoring.rank(query, candidates, P)
    assert [(s.key, s.score, round(s.metres)) for s in found] == [("same-place", 0.9666, 11), ("farther", 0.7331, 89)]
    assert scoring.rank(query, candidates, P, limit=1)[0].key == "same-place"


def test_without_words_place_and_category_decide():
    query = doc("q", words=())
    found = scoring.rank(query, [doc("unlike", dlat=0.0001, words=("绿化",)), doc("near", dlat=0.0005)], P)
    assert [(s.key, s.score, s.similarity) for s in found] == [("unlike", 0.8888, 0.0), ("near", 0.444, 0.0)]
