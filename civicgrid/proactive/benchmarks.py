"""``civicgrid bench hotspots``: the four detectors over a million synthetic appeals, in memory.

What is timed is exactly what a scan runs after its one query: the pure functions of
``detectors`` on numpy arrays. The appeals (numpy, seeded) span 13 weeks over a 20 × 20 lattice of
synthetic grids on a 12 × 9 km box, with 30 leaf categories in 6 groups (a Zipf mix), a weekday
profile, 60% of them at one of 200,000 buildings; injected into the last days: spikes (a grid ×
category at several times its rate), clusters (12 appeals within ~40 m), recurring buildings
(6 appeals of one category in 30 days) and topics (60 documents sharing four words among random
text). The report gives each detector's time, the recall of what was injected, and baselines
from the same run: the spike test and the recurring count as plain Python loops over a sample
(extrapolated), and DBSCAN by brute force on the largest category group.
Tokenisation (jieba) is not part of it: documents are generated as word lists.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
from tqdm import tqdm

from . import detectors
from .config import ClusterParams, RecurringParams, SpikeParams, TopicParams

END_DAY = 20_000 + 4          # a Monday; the window ends before it
SPAN_DAYS = 91
N_GRIDS_SIDE = 20
N_CATEGORIES = 30
N_GROUPS = 6
N_BUILDINGS = 200_000
BOX = (120.30, 36.04, 120.42, 36.12)   # lon0, lat0, lon1, lat1
VOCABULARY = 5000


class Synthetic:
    """A million appeals as arrays, and what was injected."""

    def __init__(self, n: int, seed: int, recent_days: int = 7):
        rng = np.random.default_rng(seed)
        self.n_background = n
        lon0, lat0, lon1, lat1 = BOX
        weekday_weight = np.array([1.1, 1.05, 1.0, 1.0, 1.0, 0.8, 0.75])
        days = np.arange(END_DAY - SPAN_DAYS, END_DAY)
        p_day = weekday_weight[detectors.weekday(days)]
        day = rng.choice(days, size=n, p=p_day / p_day.sum())
        cat_p = 1.0 / np.arange(1, N_CATEGORIES + 1) ** 0.8
        category = rng.choice(N_CATEGORIES, size=n, p=cat_p / cat_p.sum())
        b_lon = rng.uniform(lon0, lon1, N_BUILDINGS)
        b_lat = rng.uniform(lat0, lat1, N_BUILDINGS)
        at_building = rng.random(n) < 0.6
        building = np.where(at_building, rng.integers(0, N_BUILDINGS, n), -1)
        jitter = 8 / detectors.M_PER_DEG
        lon = np.where(at_building, b_lon[np.maximum(building, 0)] + rng.normal(0, jitter, n), rng.uniform(lon0, lon1, n))
        lat = np.where(at_building, b_lat[np.maximum(building, 0)] + rng.normal(0, jitter, n), rng.uniform(lat0, lat1, n))
        parts = [dict(day=day, category=category, lon=lon, lat=lat, building=building)]
        self.b_lon, self.b_lat = b_lon, b_lat

        # Spikes: ten grid × category pairs get 4× their weekly rate on top, in the last week.
        self.spikes = []
        weekly = n / (SPAN_DAYS / 7) * (cat_p / cat_p.sum()) / N_GRIDS_SIDE ** 2
        for c in rng.choice(8, size=10):
            gx, gy = rng.integers(0, N_GRIDS_SIDE, 2)
            extra = max(int(round(3 * weekly[c])), 12)
            cx0 = lon0 + (lon1 - lon0) * gx / N_GRIDS_SIDE
            cy0 = lat0 + (lat1 - lat0) * gy / N_GRIDS_SIDE
            parts.append(dict(
                day=rng.integers(END_DAY - 7, END_DAY, extra), category=np.full(extra, c),
                lon=cx0 + rng.uniform(0.05, 0.95, extra) * (lon1 - lon0) / N_GRIDS_SIDE,
                lat=cy0 + rng.uniform(0.05, 0.95, extra) * (lat1 - lat0) / N_GRIDS_SIDE,
                building=np.full(extra, -1)))
            self.spikes.append((int(gy * N_GRIDS_SIDE + gx), int(c)))
        # Clusters: 12 appeals of one category within ~40 m, in the last week.
        self.clusters = []
        for _ in range(10):
            c = int(rng.integers(0, N_CATEGORIES))
            clon, clat = rng.uniform(lon0 + 0.01, lon1 - 0.01), rng.uniform(lat0 + 0.01, lat1 - 0.01)
            k = 12
            parts.append(dict(day=rng.integers(END_DAY - recent_days, END_DAY, k), category=np.full(k, c),
                              lon=clon + rng.normal(0, 12 / 90_000, k), lat=clat + rng.normal(0, 12 / 111_320, k),
                              building=np.full(k, -1)))
            self.clusters.append((c % N_GROUPS, clat, clon))
        # Recurring: six appeals of one category at one building within 30 days.
        self.recurring = []
        for b in rng.choice(N_BUILDINGS, size=20, replace=False):
            c = int(rng.integers(0, N_CATEGORIES))
            k = 6
            parts.append(dict(day=rng.integers(END_DAY - 30, END_DAY, k), category=np.full(k, c),
                              lon=np.full(k, b_lon[b]), lat=np.full(k, b_lat[b]), building=np.full(k, b)))
            self.recurring.append((int(b), c))

        self.day = np.concatenate([p["day"] for p in parts]).astype(np.int64)
        self.category = np.concatenate([p["category"] for p in parts]).astype(np.int64)
        self.lon = np.concatenate([p["lon"] for p in parts])
        self.lat = np.concatenate([p["lat"] for p in parts])
        self.building = np.concatenate([p["building"] for p in parts]).astype(np.int64)
        gx = np.clip(((self.lon - lon0) / (lon1 - lon0) * N_GRIDS_SIDE).astype(np.int64), 0, N_GRIDS_SIDE - 1)
        gy = np.clip(((self.lat - lat0) / (lat1 - lat0) * N_GRIDS_SIDE).astype(np.int64), 0, N_GRIDS_SIDE - 1)
        self.grid = gy * N_GRIDS_SIDE + gx
        self.supports = rng.poisson(0.3, self.day.size)

        # Documents of the recent window: random Zipf words, plus five injected topics of 60.
        recent = np.flatnonzero(self.day >= END_DAY - recent_days)
        word_p = 1.0 / np.arange(1, VOCABULARY + 1) ** 1.05
        word_p /= word_p.sum()
        lengths = rng.integers(6, 14, recent.size)
        flat = rng.choice(VOCABULARY, size=int(lengths.sum()), p=word_p)
        offsets = np.concatenate([[0], np.cumsum(lengths)])
        words = [f"w{i}" for i in range(VOCABULARY)]
        self.docs = [[words[j] for j in flat[offsets[i]:offsets[i + 1]]] for i in range(recent.size)]
        self.doc_age = (END_DAY - self.day[recent]).astype(float)
        self.doc_supports = self.supports[recent]
        self.topics = []
        for t in range(5):
            core = [f"topic{t}_{j}" for j in range(4)]
            start = len(self.docs)
            for _ in range(60):
                extra = rng.choice(VOCABULARY, size=int(rng.integers(3, 7)), p=word_p)
                self.docs.append(core + [words[j] for j in extra])
            self.doc_age = np.append(self.doc_age, rng.uniform(0, recent_days, 60))
            self.doc_supports = np.append(self.doc_supports, rng.poisson(3, 60))
            self.topics.append(set(range(start, start + 60)))

    def __len__(self) -> int:
        return int(self.day.size)


def _recall(found: int, total: int) -> str:
    return f"{found}/{total} ({found / total:.0%})" if total else "—"


class HotspotsBenchmark:
    name = "hotspots"
    help = "Spikes, clusters, recurring and topics over N synthetic appeals (default 1,000,000), in memory."

    def add_arguments(self, parser):
        parser.add_argument("--appeals", type=int, default=1_000_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--sample", type=int, default=100_000,
                            help="rows of the pure-Python baselines (extrapolated to all)")
        parser.add_argument("--brute", type=int, default=15_000,
                            help="points of the brute-force DBSCAN baseline (0: skip)")

    def run(self, command, options):
        out = command.stdout.write
        t0 = time.perf_counter()
        with tqdm(total=1, desc="generating", unit="set", disable=None) as bar:
            data = Synthetic(options["appeals"], options["seed"])
            bar.update()
        n = len(data)
        out(f"{n:,} appeals over {SPAN_DAYS} days generated in {time.perf_counter() - t0:.1f} s "
            f"({len(data.docs):,} documents in the topic window)")
        n_cat = N_CATEGORIES
        timings: dict[str, float] = {}
        recalls: dict[str, str] = {}
        found_counts: dict[str, int] = {}

        # Imports are not what is measured (a scan process has them loaded already).
        import scipy.stats  # noqa: F401
        import sklearn.cluster  # noqa: F401
        import sklearn.decomposition  # noqa: F401
        import sklearn.feature_extraction.text  # noqa: F401

        steps = tqdm(total=4, desc="detectors", unit="detector", disable=None)
        # Spikes: grid × leaf category.
        group = data.grid * n_cat + data.category
        t = time.perf_counter()
        spikes = detectors.detect_spikes(group, data.day, end_day=END_DAY, params=SpikeParams())
        timings["spikes"] = time.perf_counter() - t
        flagged = {divmod(h.group, n_cat) for h in spikes}
        recalls["spikes"] = _recall(sum(1 for s in set(data.spikes) if s in flagged), len(set(data.spikes)))
        found_counts["spikes"] = len(spikes)
        steps.update()

        # Clusters: DBSCAN over the last 7 days, per category group.
        params = ClusterParams()
        recent = np.flatnonzero(data.day >= END_DAY - params.window_days)
        t = time.perf_counter()
        clusters = detectors.detect_clusters(data.lat[recent], data.lon[recent], data.category[recent] % N_GROUPS,
                                             params=params)
        timings["clusters"] = time.perf_counter() - t
        hit = 0
        for g, clat, clon in data.clusters:
            if any(c.group == g and detectors.haversine_m(c.centre_lat, c.centre_lon, clat, clon) < 50 for c in clusters):
                hit += 1
        recalls["clusters"] = _recall(hit, len(data.clusters))
        found_counts["clusters"] = len(clusters)
        steps.update()

        # Recurring: building (or snapped point) × leaf category, 30 days, reopenings weighted in.
        rparams = RecurringParams()
        t = time.perf_counter()
        place = detectors.place_keys(data.building, data.lat, data.lon, round_m=rparams.round_m)
        recurring = detectors.detect_recurring(place, data.category, data.day, end_day=END_DAY, params=rparams)
        timings["recurring"] = time.perf_counter() - t
        flagged_r = {(h.place, h.category) for h in recurring}
        recalls["recurring"] = _recall(sum(1 for r in data.recurring if r in flagged_r), len(data.recurring))
        found_counts["recurring"] = len(recurring)
        steps.update()

        # Topics over the last 7 days' documents.
        tparams = replace(TopicParams(), half_life_days=14.0)
        t = time.perf_counter()
        topics = detectors.detect_topics(data.docs, data.doc_supports, data.doc_age, params=tparams)
        timings["topics"] = time.perf_counter() - t
        # Found = some topic is labelled by at least three of the injected four words; the member
        # share says how many of the injected documents that topic gathered.
        hit, gathered = 0, 0
        for t_i, injected in enumerate(data.topics):
            core = {f"topic{t_i}_{j}" for j in range(4)}
            best = [tp for tp in topics if len(core & set(tp.words)) >= 3]
            if best:
                hit += 1
                gathered += max(len(injected & set(tp.members.tolist())) for tp in best)
        share = gathered / sum(len(x) for x in data.topics)
        recalls["topics"] = _recall(hit, len(data.topics)) + f", {share:.0%} of docs"
        found_counts["topics"] = len(topics)
        steps.update()
        steps.close()

        # Baselines, same data, same run.
        baselines = {}
        sample = min(options["sample"], n)
        span = (data.day >= END_DAY - 7 - 28)
        rows = np.flatnonzero(span)
        pick = rows[:: max(rows.size // sample, 1)][:sample]
        t = time.perf_counter()
        detectors.naive_spikes(group[pick].tolist(), data.day[pick].tolist(), end_day=END_DAY)
        baselines["spikes"] = (time.perf_counter() - t) * rows.size / max(pick.size, 1)
        pick = np.arange(0, n, max(n // sample, 1))[:sample]
        t = time.perf_counter()
        counts: dict = {}
        for p_, c_, d_ in zip(place[pick].tolist(), data.category[pick].tolist(), data.day[pick].tolist()):
            if END_DAY - rparams.days <= d_ < END_DAY and p_ != -1:
                counts[(p_, c_)] = counts.get((p_, c_), 0) + 1
        [k for k, v in counts.items() if v >= rparams.min_count]
        baselines["recurring"] = (time.perf_counter() - t) * n / max(pick.size, 1)
        if options["brute"]:
            groups = data.category[recent] % N_GROUPS
            biggest = np.bincount(groups).argmax()
            pts = recent[groups == biggest][: options["brute"]]
            t = time.perf_counter()
            detectors.detect_clusters(data.lat[pts], data.lon[pts], params=params, algorithm="ball_tree")
            tree_t = time.perf_counter() - t
            t = time.perf_counter()
            detectors.detect_clusters(data.lat[pts], data.lon[pts], params=params, algorithm="brute")
            brute_t = time.perf_counter() - t
            baselines["clusters"] = (brute_t, tree_t, pts.size)

        total = sum(timings.values())
        out("")
        out(f"{'detector':<10} {'time s':>8} {'found':>7}  recall of injected   baseline")
        for name in ("spikes", "clusters", "recurring", "topics"):
            base = ""
            if name in ("spikes", "recurring"):
                b = baselines[name]
                base = f"pure-Python loop {b:.1f} s (extrapolated), {b / timings[name]:.0f}× slower"
            elif name == "clusters" and "clusters" in baselines:
                brute_t, tree_t, m = baselines["clusters"]
                base = (f"brute-force DBSCAN on {m:,} points {brute_t:.2f} s vs ball tree {tree_t:.2f} s "
                        f"({brute_t / max(tree_t, 1e-9):.1f}×)")
            out(f"{name:<10} {timings[name]:>8.2f} {found_counts[name]:>7,}  {recalls[name]:<28} {base}")
        out(f"{'total':<10} {total:>8.2f}   (target: under 60 s for 1,000,000 appeals)")
        out(f"window: spikes {SpikeParams().window_days} d vs {SpikeParams().baseline_weeks} weeks, "
            f"clusters {params.window_days} d ({recent.size:,} points), recurring {rparams.days} d, "
            f"topics 7 d ({len(data.docs):,} documents)")


class PanelBenchmark:
    """The command center's proactive panel, the /proactive/ page, 每月一题 and the monthly report's
    hotspot section, timed on the current database (the demo: ``civicgrid demo --reset`` and
    ``civicgrid proactive scan``) as one user sees them, each on a cold cache (what the first
    visitor after a restart or a cache expiry waits for) and then warm."""

    name = "proactive-panel"
    help = "time the proactive panel, page, 每月一题 and the report's hotspot section on this database"

    def add_arguments(self, parser):
        parser.add_argument("--user", default="district", help="the account the pages are opened as")
        parser.add_argument("--repeat", type=int, default=3, help="runs of each measure (the median is printed)")
        parser.add_argument("--month", help="YYYY-MM of 每月一题 and the report (default: the previous month)")

    def run(self, command, options):
        import statistics

        from django.contrib.auth import get_user_model
        from django.core.cache import cache
        from django.db import connection, reset_queries
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        from civicgrid.dashboard.api.params import parse_month, this_month
        from civicgrid.people.jurisdiction import jurisdiction_for

        from . import selectors

        out = command.stdout.write
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            out(f"no user {options['user']!r}: run `civicgrid demo --reset` first")
            return
        j = jurisdiction_for(user)
        area = selectors.area_for(j, None)
        month = parse_month(options.get("month") or "") or this_month().previous
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)

        def timed(fn, cold: bool):
            runs = []
            queries = 0
            for _ in range(max(options["repeat"], 1)):
                if cold:
                    cache.clear()
                reset_queries()
                with CaptureQueriesContext(connection) as ctx:
                    t = time.perf_counter()
                    fn()
                    runs.append(time.perf_counter() - t)
                queries = len(ctx.captured_queries)
            return statistics.median(runs), queries

        def get(url):
            def call():
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)
            return call

        def report_section():
            from civicgrid.reports.hotspots import hotspots_for

            hotspots_for(j, area, month)

        measures = [
            ("panel /proactive/panel/", get(f"/proactive/panel/?area={area.code}")),
            ("page /proactive/", get(f"/proactive/?area={area.code}&month={month.code}")),
            ("monthly_top_problem", lambda: selectors.monthly_top_problem(area, month)),
            ("report hotspot section", report_section),
        ]
        out(f"{area.name} ({area.code}), month {month.code}, as {user.username}; median of {options['repeat']} runs")
        out(f"{'measure':<26} {'cold s':>8} {'warm s':>8} {'queries':>8}")
        for label, fn in tqdm(measures, desc="timing", unit="measure", disable=None):
            cold, queries = timed(fn, True)
            warm, _q = timed(fn, False)
            out(f"{label:<26} {cold:>8.3f} {warm:>8.3f} {queries:>8}")


BENCHMARKS = [HotspotsBenchmark(), PanelBenchmark()]
