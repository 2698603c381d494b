"""The hotspot detectors: pure functions over numpy arrays (no ORM, no Django).

The platform feeds them rows read by ``selectors.appeal_frame``; ``civicgrid bench hotspots`` feeds
them a million synthetic appeals. Days are integer day numbers (days since 1970-01-01 in local
time; 1970-01-01 was a Thursday), windows are half-open ``[start, end)``. ADR 011 explains the
statistics and the heat index.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .config import ClusterParams, RecurringParams, SpikeParams, TopicParams

EARTH_RADIUS_M = 6_371_008.8
M_PER_DEG = 111_320.0


def weekday(day: np.ndarray | int):
    """Monday = 0 for day numbers since 1970-01-01 (a Thursday)."""
    return (np.asarray(day) + 3) % 7


# --- spikes -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SpikeHit:
    group: int          # the caller's grid × category code
    observed: int
    expected: float
    p_value: float
    q_value: float      # Benjamini–Hochberg adjusted


def benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """Adjusted p-values (q) of the BH step-up procedure: flag q ≤ FDR."""
    p = np.asarray(p, dtype=float)
    m = p.size
    if m == 0:
        return p
    order = np.argsort(p, kind="stable")
    ranked = p[order] * m / np.arange(1, m + 1)
    q_sorted = np.minimum.accumulate(ranked[::-1])[::-1]
    q = np.empty(m)
    q[order] = np.minimum(q_sorted, 1.0)
    return q


def spike_table(group: np.ndarray, day: np.ndarray, *, end_day: int, params: SpikeParams = SpikeParams()):
    """Every grid × category pair seen in the window or its baseline, as arrays
    (groups, observed, expected, p, q): the tests the correction counts."""
    from scipy.stats import poisson

    group = np.asarray(group, dtype=np.int64)
    day = np.asarray(day, dtype=np.int64)
    w_start = end_day - params.window_days
    b_start = w_start - 7 * params.baseline_weeks
    in_window = (day >= w_start) & (day < end_day)
    in_base = (day >= b_start) & (day < w_start)
    used = in_window | in_base
    groups, inverse = np.unique(group[used], return_inverse=True)
    n = groups.size
    if n == 0:
        empty = np.zeros(0)
        return groups, empty.astype(np.int64), empty, empty, empty
    win_sel = in_window[used]
    observed = np.bincount(inverse[win_sel], minlength=n)
    base_days = day[used][~win_sel]
    per_weekday = np.bincount(inverse[~win_sel] * 7 + weekday(base_days), minlength=n * 7).reshape(n, 7)
    rate = per_weekday / float(params.baseline_weeks)          # appeals per given weekday
    window_weekdays = np.bincount(weekday(np.arange(w_start, end_day)), minlength=7)
    expected = np.maximum(rate @ window_weekdays, params.min_expected)
    p = poisson.sf(observed - 1, expected)                      # P(X ≥ observed)
    q = benjamini_hochberg(p)
    return groups, observed, expected, p, q


def detect_spikes(group, day, *, end_day: int, params: SpikeParams = SpikeParams()) -> list[SpikeHit]:
    """Grid × category pairs whose count in the last ``window_days`` days is improbably high
    against their own weekday profile of the ``baseline_weeks`` before; strongest first."""
    groups, observed, expected, p, q = spike_table(group, day, end_day=end_day, params=params)
    flagged = (q <= params.fdr) & (observed >= params.min_count) & (observed >= params.min_ratio * expected)
    idx = np.flatnonzero(flagged)
    idx = idx[np.lexsort((-observed[idx], p[idx]))]
    return [SpikeHit(int(groups[i]), int(observed[i]), float(expected[i]), float(p[i]), float(q[i])) for i in idx]


def naive_spikes(group, day, *, end_day: int, params: SpikeParams = SpikeParams()) -> list[tuple[int, int, float, float]]:
    """The same test written as a plain Python loop over rows (the benchmark's baseline):
    (group, observed, expected, p) of every pair, no correction."""
    from scipy.stats import poisson

    w_start = end_day - params.window_days
    b_start = w_start - 7 * params.baseline_weeks
    observed: dict[int, int] = {}
    per_weekday: dict[int, list[int]] = {}
    for g, d in zip(group, day):
        g, d = int(g), int(d)
        if w_start <= d < end_day:
            observed[g] = observed.get(g, 0) + 1
            per_weekday.setdefault(g, [0] * 7)
        elif b_start <= d < w_start:
            per_weekday.setdefault(g, [0] * 7)[(d + 3) % 7] += 1
    out = []
    for g, counts in per_weekday.items():
        expected = sum(counts[(d + 3) % 7] / params.baseline_weeks for d in range(w_start, end_day))
        expected = max(expected, params.min_expected)
        obs = observed.get(g, 0)
        out.append((g, obs, expected, float(poisson.sf(obs - 1, expected))))
    return out


# --- spatial clusters ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ClusterHit:
    group: int
    members: np.ndarray     # indices into the caller's arrays
    centre_lat: float
    centre_lon: float
    radius_m: float

    @property
    def count(self) -> int:
        return int(self.members.size)


def haversine_m(lat1, lon1, lat2, lon2):
    lat1, lon1, lat2, lon2 = (np.radians(np.asarray(v, dtype=float)) for v in (lat1, lon1, lat2, lon2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


def detect_clusters(lat, lon, group=None, *, params: ClusterParams = ClusterParams(),
                    algorithm: str = "ball_tree") -> list[ClusterHit]:
    """DBSCAN in metres (haversine on a ball tree) per group (a category group); largest first.
    Rows with a NaN coordinate are ignored. ``algorithm="brute"`` is the benchmark's baseline."""
    from sklearn.cluster import DBSCAN

    lat = np.asarray(lat, dtype=float)
    lon = np.asarray(lon, dtype=float)
    group = np.zeros(lat.size, dtype=np.int64) if group is None else np.asarray(group, dtype=np.int64)
    ok = np.isfinite(lat) & np.isfinite(lon)
    hits: list[ClusterHit] = []
    for g in np.unique(group[ok]):
        idx = np.flatnonzero(ok & (group == g))
        if idx.size < params.min_samples:
            continue
        points = np.radians(np.column_stack([lat[idx], lon[idx]]))
        labels = DBSCAN(eps=params.eps_m / EARTH_RADIUS_M, min_samples=params.min_samples, metric="haversine",
                        algorithm=algorithm, n_jobs=1).fit_predict(points)
        if labels.max(initial=-1) < 0:
            continue
        order = np.argsort(labels, kind="stable")
        sorted_labels = labels[order]
        starts = np.searchsorted(sorted_labels, np.arange(labels.max() + 1))
        ends = np.append(starts[1:], labels.size)
        for s, e in zip(starts, ends):
            members = idx[order[s:e]]
            c_lat, c_lon = float(lat[members].mean()), float(lon[members].mean())
            radius = float(haversine_m(c_lat, c_lon, lat[members], lon[members]).max())
            hits.append(ClusterHit(int(g), members, c_lat, c_lon, radius))
    hits.sort(key=lambda h: (-h.count, h.group, h.centre_lat))
    return hits


# --- recurring problems at one address ----------------------------------------------------------
@dataclass(frozen=True)
class RecurringHit:
    place: int              # a building id (≥ 0) or a snapped point (< 0)
    category: int
    count: int              # appeals plus reopenings
    members: np.ndarray


def place_keys(building, lat, lon, *, round_m: float = 30.0) -> np.ndarray:
    """The building id where there is one (≥ 0), else a negative key of the point snapped to a
    square of ``round_m`` metres (rows without either get key -1 and are skipped)."""
    building = np.asarray(building, dtype=np.int64)
    lat = np.asarray(lat, dtype=float)
    lon = np.asarray(lon, dtype=float)
    ok = np.isfinite(lat) & np.isfinite(lon)
    y = np.zeros(lat.size, dtype=np.int64)
    x = np.zeros(lat.size, dtype=np.int64)
    y[ok] = np.floor(lat[ok] * M_PER_DEG / round_m).astype(np.int64)
    # One longitude scale per call keeps a snapped square the same for every row of it.
    scale = M_PER_DEG * math.cos(math.radians(float(np.median(lat[ok])))) if ok.any() else M_PER_DEG
    x[ok] = np.floor(lon[ok] * scale / round_m).astype(np.int64)
    snapped = -(2 + (y + 2_000_000) * 4_000_000 + (x + 2_000_000))
    keys = np.where(building >= 0, building, np.where(ok, snapped, -1))
    return keys


def linked_place_keys(building, lat, lon, category, *, round_m: float = 30.0, rows=None) -> np.ndarray:
    """``place_keys``, except that points without a building within ``round_m`` of each other
    (chained, per category) share one key: a fixed square grid splits the reports of one doorway
    that straddle a square's edge. ``rows`` limits the linking to those rows (the window)."""
    from scipy.sparse.csgraph import connected_components
    from sklearn.neighbors import radius_neighbors_graph

    keys = place_keys(building, lat, lon, round_m=round_m)
    building = np.asarray(building, dtype=np.int64)
    lat = np.asarray(lat, dtype=float)
    lon = np.asarray(lon, dtype=float)
    category = np.asarray(category, dtype=np.int64)
    sel = np.zeros(keys.size, dtype=bool)
    sel[np.arange(keys.size) if rows is None else np.asarray(rows, dtype=np.int64)] = True
    loose = sel & (building < 0) & np.isfinite(lat) & np.isfinite(lon)
    for c in np.unique(category[loose]):
        idx = np.flatnonzero(loose & (category == c))
        if idx.size < 2:
            continue
        graph = radius_neighbors_graph(np.radians(np.column_stack([lat[idx], lon[idx]])), round_m / EARTH_RADIUS_M,
                                       metric="haversine", mode="connectivity", n_jobs=1)
        _n, comp = connected_components(graph, directed=False)
        _u, first = np.unique(comp, return_index=True)
        keys[idx] = keys[idx[first]][comp]
    return keys


def detect_recurring(place, category, day, *, end_day: int, params: RecurringParams = RecurringParams(),
                     weights=None) -> list[RecurringHit]:
    """Place × category pairs with ``≥ min_count`` appeals (each weighted: 1 + the order's
    reopenings) in the last ``days`` days; most first."""
    place = np.asarray(place, dtype=np.int64)
    category = np.asarray(category, dtype=np.int64)
    day = np.asarray(day, dtype=np.int64)
    weights = np.ones(place.size) if weights is None else np.asarray(weights, dtype=float)
    sel = np.flatnonzero((day >= end_day - params.days) & (day < end_day) & (place != -1) & (category >= 0))
    if sel.size == 0:
        return []
    places, place_id = np.unique(place[sel], return_inverse=True)
    cats, cat_id = np.unique(category[sel], return_inverse=True)
    combined, inverse = np.unique(place_id.ravel() * cats.size + cat_id.ravel(), return_inverse=True)
    inverse = inverse.ravel()
    uniq = np.column_stack([places[combined // cats.size], cats[combined % cats.size]])
    totals = np.bincount(inverse, weights=weights[sel], minlength=len(uniq))
    flagged = np.flatnonzero(totals >= params.min_count)
    if flagged.size == 0:
        return []
    order = np.argsort(inverse, kind="stable")
    starts = np.searchsorted(inverse[order], flagged)
    ends = np.searchsorted(inverse[order], flagged, side="right")
    hits = [RecurringHit(int(uniq[f, 0]), int(uniq[f, 1]), int(round(totals[f])), sel[order[s:e]])
            for f, s, e in zip(flagged, starts, ends)]
    hits.sort(key=lambda h: (-h.count, h.place, h.category))
    return hits


# --- hot topics ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Topic:
    words: tuple[str, ...]   # the label: the centroid's top words
    members: np.ndarray      # indices into the caller's documents, most typical first
    heat: float
    supports: int

    @property
    def size(self) -> int:
        return int(self.members.size)


def _identity(doc):
    return doc


def heat_index(supports, age_days, *, half_life_days: float) -> np.ndarray:
    """Per message: (1 + ln(1 + supports)) · 2^(−age / half-life). A topic's heat is the sum."""
    supports = np.maximum(np.asarray(supports, dtype=float), 0)
    age = np.maximum(np.asarray(age_days, dtype=float), 0)
    return (1.0 + np.log1p(supports)) * np.exp2(-age / half_life_days)


def detect_topics(docs: list[list[str]], supports=None, age_days=None, *,
                  params: TopicParams = TopicParams()) -> list[Topic]:
    """Topics among tokenised documents (``core.text.words``), hottest first; see ADR 011."""
    from scipy import sparse
    from sklearn.cluster import MiniBatchKMeans
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    from .labels import label_words

    n = len(docs)
    supports = np.zeros(n) if supports is None else np.asarray(supports, dtype=float)
    age_days = np.zeros(n) if age_days is None else np.asarray(age_days, dtype=float)
    if n < max(params.min_size, 2):
        return []
    # The share rule only means something in a large corpus: a word is dropped when it is in more
    # than max_df of the documents *and* in more than 100 of them.
    max_df = max(int(params.max_df * n), 100) if params.max_df < 1 else 1.0
    vectoriser = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, min_df=2, max_df=max_df,
                                 max_features=params.max_features,
                                 dtype=np.float32)
    try:
        X = vectoriser.fit_transform(docs)
    except ValueError:  # no word occurs twice
        return []
    vocabulary = vectoriser.get_feature_names_out()
    has_words = np.asarray(X.getnnz(axis=1)) > 0
    rows = np.flatnonzero(has_words)
    if rows.size < max(params.min_size, 2):
        return []
    X = X[rows]
    X = X.tocsr()
    k = int(min(max(rows.size // params.docs_per_topic, 2), params.max_topics, rows.size))
    # k-means on unit vectors ranks by cosine. On the raw TF-IDF its dense centroids (k × vocabulary)
    # make every step slow; a 200-dimension LSA keeps the topics and costs seconds (ADR 011).
    if X.shape[1] > params.svd_components + 1 and rows.size > params.svd_components + 1:
        from sklearn.decomposition import TruncatedSVD

        Z = TruncatedSVD(params.svd_components, random_state=params.seed, n_iter=3).fit_transform(X)
    else:
        Z = X.toarray()
    Z = normalize(np.asarray(Z, dtype=np.float64))
    labels = MiniBatchKMeans(n_clusters=k, random_state=params.seed, n_init=1, batch_size=max(2048, 3 * k),
                             max_iter=100).fit_predict(Z)
    # Coherence is judged in the TF-IDF space itself: each document's cosine to the normalised mean
    # of its cluster, computed over the non-zeros only (no dense n × vocabulary matrix).
    one_hot = sparse.csr_matrix((np.ones(labels.size), (labels, np.arange(labels.size))), shape=(k, labels.size))
    centres = normalize(np.asarray((one_hot @ X).todense()))
    row_of = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
    sims = np.bincount(row_of, weights=X.data * centres[labels[row_of], X.indices], minlength=X.shape[0])
    weight = heat_index(supports, age_days, half_life_days=params.half_life_days)
    kept = np.flatnonzero(np.bincount(labels[sims >= params.min_similarity], minlength=k) > 0)
    # A large k splits one story into near-copies, some too small to count on their own; clusters
    # whose centroids are close are one topic, and the size rule applies to the merged topic.
    parent = list(range(len(kept)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    if len(kept) > 1:
        close = np.argwhere(np.triu(centres[kept] @ centres[kept].T, 1) >= params.merge_similarity)
        for a, b in close:
            parent[root(int(a))] = root(int(b))
    groups: dict[int, list[int]] = {}
    for i, c in enumerate(kept):
        groups.setdefault(root(i), []).append(int(c))

    def describe(clusters):
        """(members most typical first, TF-IDF centre, label) of a set of k-means clusters."""
        local = np.flatnonzero(np.isin(labels, clusters) & (sims >= params.min_similarity))
        if local.size == 0:
            return local, None, ()
        local = local[np.argsort(-sims[local], kind="stable")]
        centre = np.asarray(X[local].mean(axis=0)).ravel()
        top = np.argsort(-centre, kind="stable")[: max(params.label_candidates, params.top_words)]
        top = top[centre[top] > 0]
        label = label_words([vocabulary[t] for t in top], centre[top], size=params.label_words)
        return local, centre, label

    # Near-duplicates: two groups whose clean labels share most words, or whose members' centres
    # are close, tell the same story (the same template of complaint split by k-means) — one topic.
    parts = [(clusters, *describe(clusters)) for clusters in groups.values()]
    parts = [p for p in parts if p[1].size]
    parent = list(range(len(parts)))
    if len(parts) > 1:
        unit = normalize(np.vstack([p[2] for p in parts]))
        close = np.triu(unit @ unit.T, 1) >= params.merge_similarity
        for a in range(len(parts)):
            la = set(parts[a][3])
            for b in range(a + 1, len(parts)):
                lb = set(parts[b][3])
                same_words = la and lb and len(la & lb) / len(la | lb) >= params.label_merge
                if close[a, b] or same_words:
                    parent[root(a)] = root(b)
    merged: dict[int, list[int]] = {}
    for i, p in enumerate(parts):
        merged.setdefault(root(i), []).extend(p[0])
    topics: list[Topic] = []
    for clusters in merged.values():
        local, centre, label = describe(clusters)
        if local.size < params.min_size:
            continue
        top = np.argsort(-centre, kind="stable")[:3]
        # A topic is what its members say in common: most of them use its leading words. Clusters
        # of unrelated texts pass the centroid test now and then, never this one.
        share = float((X[local][:, top] > 0).mean())
        if share < params.min_label_share or len(label) < min(2, params.label_words):
            continue
        members = rows[local]
        topics.append(Topic(tuple(label), members, float(weight[members].sum()), int(supports[members].sum())))
    topics.sort(key=lambda t: (-t.heat, -t.size, t.words))
    return topics
