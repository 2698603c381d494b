"""The pure detectors on crafted arrays: exact findings, exact thresholds."""

from __future__ import annotations

import math

import numpy as np
import pytest

from civicgrid.proactive import detectors as d
from civicgrid.proactive.config import ClusterParams, RecurringParams, SpikeParams, TopicParams

END = 20000 + 4  # day 20004 (a Monday is 20004? weekday() decides; the tests use weekday-free sums)


def poisson_sf(k_minus_1: int, lam: float) -> float:
    return 1.0 - sum(math.exp(-lam) * lam ** k / math.factorial(k) for k in range(k_minus_1 + 1))


def days_for(group: int, baseline_per_week: int, observed: int, end: int = END, weeks: int = 4):
    """``baseline_per_week`` appeals on the first day of each baseline week, ``observed`` in the window."""
    g, day = [], []
    for w in range(weeks):
        first = end - 7 - 7 * (w + 1)
        g += [group] * baseline_per_week
        day += [first] * baseline_per_week
    g += [group] * observed
    day += [end - 1 - (i % 7) for i in range(observed)]
    return g, day


def test_weekday_of_day_numbers():
    assert d.weekday(0) == 3  # 1970-01-01 was a Thursday
    assert d.weekday(4) == 0  # 1970-01-05, a Monday


def test_a_spike_is_flagged_and_a_normal_week_is_not():
    g1, d1 = days_for(1, 2, 10)
    g2, d2 = days_for(2, 2, 3)
    hits = d.detect_spikes(g1 + g2, d1 + d2, end_day=END)
    assert [(h.group, h.observed, h.expected) for h in hits] == [(1, 10, 2.0)]
    assert hits[0].p_value == pytest.approx(poisson_sf(9, 2.0), rel=1e-9)
    assert hits[0].p_value == pytest.approx(4.6498e-05, rel=1e-3)
    # Two tests: BH multiplies the smallest p by 2.
    assert hits[0].q_value == pytest.approx(2 * hits[0].p_value, rel=1e-9)


def test_the_exact_threshold_of_the_test():
    # λ = 2: five appeals give p = 0.0527 > 0.05 (not flagged), six give p = 0.0166 (flagged).
    g, day = days_for(1, 2, 5)
    groups, observed, expected, p, q = d.spike_table(g, day, end_day=END)
    assert (observed.tolist(), expected.tolist()) == ([5], [2.0])
    assert p[0] == pytest.approx(0.052653, abs=1e-6)
    assert d.detect_spikes(g, day, end_day=END) == []
    g, day = days_for(1, 2, 6)
    hits = d.detect_spikes(g, day, end_day=END)
    assert [h.observed for h in hits] == [6]
    assert hits[0].p_value == pytest.approx(0.016564, abs=1e-6)


def test_minimum_count_and_expected_floor():
    # A pair with no history: the expected count is floored at 1, and 4 < min_count is never a spike.
    g, day = [7] * 4, [END - 1] * 4
    assert d.detect_spikes(g, day, end_day=END) == []
    assert d.spike_table(g, day, end_day=END)[2].tolist() == [1.0]
    hits = d.detect_spikes([7] * 5, [END - 1] * 5, end_day=END)
    assert [(h.observed, h.expected) for h in hits] == [(5, 1.0)]


def test_day_of_week_profile():
    # Baseline: 3 appeals every Saturday. A 2-day window holding one Saturday expects 3, not 6/7.
    sat = next(x for x in range(END - 7, END) if d.weekday(x) == 5)
    end = sat + 1
    g = [1] * 12
    day = [sat - 7 * (w + 1) for w in range(4) for _ in range(3)]
    params = SpikeParams(window_days=2)
    groups, observed, expected, p, q = d.spike_table(g, day, end_day=end, params=params)
    assert expected.tolist() == [3.0]


def test_benjamini_hochberg_by_hand():
    q = d.benjamini_hochberg(np.array([0.01, 0.04, 0.03, 0.5]))
    assert q.tolist() == pytest.approx([0.04, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.5])


def test_naive_baseline_agrees_with_the_vectorised_test():
    g1, d1 = days_for(1, 2, 10)
    g2, d2 = days_for(2, 2, 3)
    naive = {g: (o, e, p) for g, o, e, p in d.naive_spikes(g1 + g2, d1 + d2, end_day=END)}
    groups, observed, expected, p, q = d.spike_table(g1 + g2, d1 + d2, end_day=END)
    assert naive == {int(k): (int(o), float(e), pytest.approx(float(pp))) for k, o, e, pp in zip(groups, observed, expected, p)}


def offsets(lat0, lon0, metres):
    """Points at (north, east) offsets in metres."""
    lat = [lat0 + n / 111_320 for n, _e in metres]
    lon = [lon0 + e / (111_320 * math.cos(math.radians(lat0))) for _n, e in metres]
    return lat, lon


def test_six_points_within_50_m_are_a_cluster_and_scattered_points_are_not():
    lat, lon = offsets(36.055, 120.305, [(0, 0), (10, 5), (-8, 12), (15, -10), (-12, -6), (5, 18)])
    s_lat, s_lon = offsets(36.06, 120.32, [(0, 0), (300, 0), (0, 300), (-300, 0), (0, -300), (600, 600)])
    hits = d.detect_clusters(lat + s_lat, lon + s_lon, [3] * 12, params=ClusterParams(eps_m=50, min_samples=6))
    assert len(hits) == 1
    h = hits[0]
    assert (h.group, h.count, sorted(h.members.tolist())) == (3, 6, [0, 1, 2, 3, 4, 5])
    assert 10 < h.radius_m < 25
    assert h.centre_lat == pytest.approx(np.mean(lat))
    # Five points are not enough, and the same six points in two categories are two halves.
    assert d.detect_clusters(lat[:5], lon[:5], params=ClusterParams(min_samples=6)) == []
    assert d.detect_clusters(lat, lon, [1, 2, 1, 2, 1, 2], params=ClusterParams(min_samples=6)) == []


def test_haversine_in_metres():
    assert d.haversine_m(36.0, 120.0, 36.0 + 1 / 111.195, 120.0) == pytest.approx(1000, rel=1e-3)


def test_recurring_at_one_building():
    place = np.array([11, 11, 11, 11, 12, 12, 11])
    category = np.array([5, 5, 5, 6, 5, 5, 5])
    day = np.array([END - 1, END - 5, END - 29, END - 2, END - 1, END - 3, END - 31])  # the last is too old
    hits = d.detect_recurring(place, category, day, end_day=END, params=RecurringParams(days=30, min_count=3))
    assert [(h.place, h.category, h.count, sorted(h.members.tolist())) for h in hits] == [(11, 5, 3, [0, 1, 2])]
    # A reopened order counts again: building 12 reaches three with one reopening.
    hits = d.detect_recurring(place, category, day, end_day=END, params=RecurringParams(days=30, min_count=3),
                              weights=[1, 1, 1, 1, 2, 1, 1])
    assert [(h.place, h.count) for h in hits] == [(11, 3), (12, 3)]


def test_place_keys_snap_points_without_a_building():
    lat, lon = offsets(36.055, 120.305, [(1, 1), (3, 2), (400, 400)])
    keys = d.place_keys([-1, -1, -1, 9], lat + [math.nan], lon + [math.nan], round_m=30)
    assert keys[0] == keys[1] and keys[0] < -1 and keys[2] != keys[0]
    assert keys[3] == 9


CORPUS = (
    [["丽发新城", "搅拌站", "噪音", "扰民", "晚上"], ["丽发新城", "搅拌站", "灰尘", "噪音"],
     ["搅拌站", "噪音", "丽发新城", "小区"], ["丽发新城", "附近", "搅拌站", "污染", "噪音"],
     ["搅拌站", "扰民", "丽发新城", "居民"], ["丽发新城", "搅拌站", "噪音", "严重"]]
    + [["伊景园", "车位", "捆绑", "销售"], ["伊景园", "捆绑", "车位", "维权"], ["车位", "捆绑", "伊景园", "购房"],
       ["伊景园", "车位", "捆绑", "投诉"], ["捆绑", "销售", "车位", "伊景园", "违法"], ["伊景园", "车位", "捆绑"]]
    + [["公积金", "贷款", "咨询"], ["公积金", "贷款", "买房"], ["住房", "公积金", "贷款"], ["公积金", "贷款", "额度"],
       ["公积金", "贷款", "办理"], ["公积金", "贷款", "条件"]]
)


def test_topics_on_a_small_corpus():
    supports = np.array([0] * 6 + [50] * 6 + [0] * 6)
    age = np.array([0.0] * 18)
    params = TopicParams(docs_per_topic=2, min_size=3, min_similarity=0.3)
    topics = d.detect_topics(CORPUS, supports, age, params=params)
    assert [sorted(t.members.tolist()) for t in topics] == [list(range(6, 12)), list(range(0, 6)), list(range(12, 18))]
    assert set(topics[0].words[:3]) == {"伊景园", "车位", "捆绑"}
    assert "搅拌站" in topics[1].words[:3] and "公积金" in topics[2].words[:2]
    # Heat: 6 × (1 + ln 51) for the supported topic, 6 for the others (all of age 0).
    assert topics[0].heat == pytest.approx(6 * (1 + math.log(51)))
    assert topics[1].heat == pytest.approx(6.0)
    assert topics[0].supports == 300


def test_heat_decays_with_the_half_life():
    assert d.heat_index([0, 0, math.e - 1], [0, 14, 28], half_life_days=14).tolist() == pytest.approx([1, 0.5, 0.5])


def test_topics_of_too_few_documents():
    assert d.detect_topics([["a"]]) == []
    assert d.detect_topics([["a"], ["b"], ["c"]]) == []


def test_points_of_one_doorway_across_a_square_edge_share_a_place():
    # Three reports 10 and 7 m apart straddling a 30 m square's edge, plus one 200 m away.
    lat0 = math.floor(36.09 * d.M_PER_DEG / 30) * 30 / d.M_PER_DEG   # on an edge of the squares
    lat = np.array([lat0 - 5 / d.M_PER_DEG, lat0 + 5 / d.M_PER_DEG, lat0 + 12 / d.M_PER_DEG, lat0 + 200 / d.M_PER_DEG])
    lon = np.full(4, 120.335)
    building = np.full(4, -1)
    squares = d.place_keys(building, lat, lon)
    assert squares[0] != squares[1]
    linked = d.linked_place_keys(building, lat, lon, np.zeros(4))
    assert linked[0] == linked[1] == linked[2] != linked[3]
    # Another category at the same points is another problem: never linked across categories.
    mixed = d.linked_place_keys(building, lat, lon, np.array([1, 1, 2, 1]))
    assert mixed[0] == mixed[1] != mixed[2]
    hits = d.detect_recurring(linked, np.zeros(4), np.full(4, END - 1), end_day=END, params=RecurringParams(min_count=3))
    assert [(h.count, sorted(h.members.tolist())) for h in hits] == [(3, [0, 1, 2])]
