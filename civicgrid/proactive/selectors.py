"""Reads of hotspots (热点), anomalies and proactive tasks, always scoped to an area the reader may see.

Spikes, clusters and recurring addresses are cheap (numpy over one query) and are computed when
read. Hot topics cost seconds of jieba and clustering: the scans (daily job, ``civicgrid proactive
scan``, a staff "rescan") compute them and store them in ``Snapshot`` rows, and every page, API and
report reads them from there with the time they were computed (ADR 011).

``appeal_frame`` reads the appeals of an area and a period into numpy arrays (one query); the pure
detectors of ``detectors`` turn them into hits; this module names them (Chinese titles, areas,
categories, sample orders) as :class:`Finding` rows with a stable dedupe key. Other apps (the
monthly report) use ``findings_for`` and ``monthly_top_problem``; the signatures are in ADR 011.
"""

from __future__ import annotations

import math
from functools import lru_cache
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from civicgrid.core.listing import join_list
from civicgrid.geo.models import PATH_SEPARATOR, Area, Building
from civicgrid.geo.paths import ancestor_paths
from civicgrid.people.jurisdiction import Jurisdiction
from civicgrid.people.models import CENTER_ROLES
from civicgrid.workorders.models import OPEN_STATUSES, Appeal, Category, WorkOrder

from . import detectors
from .config import ProactiveConfig, config_for
from .models import FindingKind, ProactiveTask, Snapshot

EPOCH = date(1970, 1, 1).toordinal()
KINDS = (FindingKind.SPIKE, FindingKind.CLUSTER, FindingKind.RECURRING, FindingKind.TOPIC)
LIVE_KINDS = (FindingKind.SPIKE, FindingKind.CLUSTER, FindingKind.RECURRING)


@dataclass(frozen=True)
class Finding:
    kind: str
    key: str
    title: str
    area_code: str
    area_name: str
    category_code: str
    category_name: str
    count: int
    score: float
    p_value: float | None
    expected: float | None
    period_start: date
    period_end: date
    sample_orders: tuple[str, ...]
    evidence: dict = field(default_factory=dict, compare=False)

    def as_dict(self) -> dict:
        return {"kind": self.kind, "key": self.key, "title": self.title, "area_code": self.area_code,
                "area_name": self.area_name, "category_code": self.category_code,
                "category_name": self.category_name, "count": self.count, "score": self.score,
                "p_value": self.p_value, "expected": self.expected, "period_start": self.period_start.isoformat(),
                "period_end": self.period_end.isoformat(), "sample_orders": list(self.sample_orders),
                "evidence": self.evidence}

    @classmethod
    def from_dict(cls, d: dict) -> Finding:
        return cls(kind=d["kind"], key=d["key"], title=d["title"], area_code=d["area_code"],
                   area_name=d["area_name"], category_code=d.get("category_code", ""),
                   category_name=d.get("category_name", ""), count=int(d["count"]), score=float(d["score"]),
                   p_value=d.get("p_value"), expected=d.get("expected"),
                   period_start=date.fromisoformat(d["period_start"]), period_end=date.fromisoformat(d["period_end"]),
                   sample_orders=tuple(d.get("sample_orders") or ()), evidence=d.get("evidence") or {})


@dataclass(frozen=True)
class TopProblem:
    month: str
    area_code: str
    area_name: str
    kind: str               # "category_area" | "topic"
    title: str
    category_code: str
    category_name: str
    count: int
    heat: float
    sample_orders: tuple[str, ...]
    key: str
    task_order: str | None = None
    evidence: dict = field(default_factory=dict, compare=False)


# --- who sees what ------------------------------------------------------------------------------
def can_see(j: Jurisdiction) -> bool:
    """Findings are for the command centers (district, street, community) and administrators."""
    return j.is_global or j.has_role(*CENTER_ROLES)


def area_for(j: Jurisdiction, code: str | None) -> Area | None:
    """``code`` when the reader may see it; without a code, the top of the reader's jurisdiction."""
    if not can_see(j):
        return None
    if code:
        area = Area.objects.filter(code=code).first()
        if area is None or not j.covers_path(area.path):
            return None
        return area
    if j.is_global:
        return Area.objects.filter(parent__isnull=True).order_by("code").first()
    paths = sorted(j.area_paths, key=lambda p: (p.count(PATH_SEPARATOR), p))
    return Area.objects.filter(path=paths[0]).first() if paths else None


def areas_of(scope) -> list[Area]:
    """The areas a scope names: an Area, an area code, or a Jurisdiction's top areas."""
    if isinstance(scope, Area):
        return [scope]
    if isinstance(scope, str):
        area = Area.objects.filter(code=scope).first()
        if area is None:
            raise Area.DoesNotExist(scope)
        return [area]
    if isinstance(scope, Jurisdiction):
        if scope.is_global:
            return list(Area.objects.filter(parent__isnull=True).order_by("code"))
        if not can_see(scope):
            return []
        return list(Area.objects.filter(path__in=scope.area_paths).order_by("path"))
    raise TypeError(f"findings_for needs a Jurisdiction, an Area or an area code, not {type(scope).__name__}")


# --- days ---------------------------------------------------------------------------------------
def day_number(when: datetime | date) -> int:
    if isinstance(when, datetime):
        when = timezone.localtime(when).date() if timezone.is_aware(when) else when.date()
    return when.toordinal() - EPOCH


def day_date(n: int) -> date:
    return date.fromordinal(int(n) + EPOCH)


def _period_label(kind: str, end_day: int) -> str:
    last = day_date(end_day - 1)
    if kind in (FindingKind.SPIKE, FindingKind.CLUSTER):
        year, week, _d = last.isocalendar()
        return f"{year}-W{week:02d}"
    return last.strftime("%Y-%m")


# --- the rows -----------------------------------------------------------------------------------
@dataclass
class AppealFrame:
    order_id: np.ndarray
    number: list[str]
    day: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    building: np.ndarray
    grid: np.ndarray            # index into ``grids``
    grids: list[str]            # grid paths
    category: np.ndarray        # category id, -1 when none
    reopen: np.ndarray
    supports: np.ndarray        # the order's "me too" appeals beyond the first
    texts: list[str] | None = None
    address: list[str] = field(default_factory=list)   # the address as given

    def __len__(self) -> int:
        return int(self.day.size)


def appeal_frame(area: Area, start: datetime, end: datetime, *, texts: bool = False) -> AppealFrame:
    """Appeals received in [start, end) inside ``area`` (merged ones included: each is a call)."""
    qs = (Appeal.objects.filter(area_path__startswith=area.path, received_at__gte=start, received_at__lt=end)
          .order_by("received_at", "pk"))
    cols = ["order_id", "order__number", "received_at", "lat", "lon", "building_id", "area_path", "category_id",
            "order__reopen_count", "order__appeals_count", "address"]
    if texts:
        cols += ["title", "text"]
    rows = list(qs.values_list(*cols))
    n = len(rows)
    grids: dict[str, int] = {}
    tz = timezone.get_current_timezone()
    frame = AppealFrame(
        order_id=np.fromiter((r[0] for r in rows), dtype=np.int64, count=n),
        number=[r[1] for r in rows],
        day=np.fromiter((r[2].astimezone(tz).date().toordinal() - EPOCH for r in rows), dtype=np.int64, count=n),
        lat=np.fromiter((r[3] if r[3] is not None else math.nan for r in rows), dtype=float, count=n),
        lon=np.fromiter((r[4] if r[4] is not None else math.nan for r in rows), dtype=float, count=n),
        building=np.fromiter((r[5] if r[5] is not None else -1 for r in rows), dtype=np.int64, count=n),
        grid=np.fromiter((grids.setdefault(r[6], len(grids)) for r in rows), dtype=np.int64, count=n),
        grids=[],
        category=np.fromiter((r[7] if r[7] is not None else -1 for r in rows), dtype=np.int64, count=n),
        reopen=np.fromiter((r[8] for r in rows), dtype=np.int64, count=n),
        supports=np.fromiter((max(r[9] - 1, 0) for r in rows), dtype=np.int64, count=n),
        texts=[f"{r[11]}\n{r[12]}" for r in rows] if texts else None,
        address=[r[10] or "" for r in rows],
    )
    frame.grids = list(grids)
    return frame


class _Names:
    """Names of the areas, categories and buildings a scan mentions, read once."""

    def __init__(self):
        self.categories = {c.pk: c for c in Category.objects.only("id", "code", "name", "path", "level")}
        self.by_code = {c.code: c for c in self.categories.values()}
        self._areas: dict[str, Area | None] = {}

    def rolled(self, category_ids: np.ndarray, level: int) -> np.ndarray:
        """Category ids rolled up to ``level`` (-1 stays -1)."""
        lookup = {}
        for pk, c in self.categories.items():
            codes = [x for x in c.path.split("/") if x]
            code = codes[min(level, len(codes)) - 1]
            lookup[pk] = self.by_code[code].pk if code in self.by_code else pk
        return np.fromiter((lookup.get(int(c), -1) for c in category_ids), dtype=np.int64, count=category_ids.size)

    def category(self, pk: int) -> Category | None:
        return self.categories.get(int(pk))

    def area(self, path: str) -> Area | None:
        if path not in self._areas:
            self._areas[path] = Area.objects.filter(path=path).first()
        return self._areas[path]


def _sample(frame: AppealFrame, members: np.ndarray, limit: int) -> tuple[str, ...]:
    seen: list[str] = []
    for i in members[::-1]:  # the latest first
        number = frame.number[int(i)]
        if number not in seen:
            seen.append(number)
        if len(seen) >= limit:
            break
    return tuple(seen)


def _anchor(frame: AppealFrame, members: np.ndarray, lat: float | None = None, lon: float | None = None) -> dict:
    """The appeal where a proactive order is placed: the member nearest ``lat``/``lon`` (else the
    median member), so the point is one intake has already located in a grid."""
    ok = members[np.isfinite(frame.lat[members])]
    if ok.size == 0:
        i = int(members[0])
    elif lat is not None:
        d = detectors.haversine_m(lat, lon, frame.lat[ok], frame.lon[ok])
        i = int(ok[int(np.argmin(d))])
    else:
        i = int(ok[ok.size // 2])
    point = {"grid": frame.grids[int(frame.grid[i])].strip("/").split("/")[-1]}
    if np.isfinite(frame.lat[i]):
        point.update(lat=round(float(frame.lat[i]), 7), lon=round(float(frame.lon[i]), 7))
    if frame.building[i] >= 0:
        point["building_id"] = int(frame.building[i])
    return point


def _main_category(frame: AppealFrame, names: _Names, members: np.ndarray) -> dict | None:
    """The leaf category most of the members have (a spike or cluster is counted on a rolled-up
    category; the commander needs to read 路灯, not 城乡建设)."""
    counts = Counter(int(c) for c in frame.category[members] if int(c) in names.categories)
    if not counts:
        return None
    top, n = counts.most_common(1)[0]
    return {"name": names.categories[top].name, "code": names.categories[top].code, "count": n}


def _common_address(frame: AppealFrame, members: np.ndarray) -> str:
    counts = Counter(frame.address[int(i)].strip() for i in members if frame.address and frame.address[int(i)].strip())
    return counts.most_common(1)[0][0] if counts else ""


def nearest_building(lat: float, lon: float, within_m: float) -> Building | None:
    """The building nearest a point, within ``within_m`` metres (a bounding box query, then exact)."""
    if not (np.isfinite(lat) and np.isfinite(lon)):
        return None
    dlat = within_m / detectors.M_PER_DEG
    dlon = dlat / max(math.cos(math.radians(lat)), 0.01)
    near = list(Building.objects.filter(lat__range=(lat - dlat, lat + dlat), lon__range=(lon - dlon, lon + dlon))
                .only("id", "address", "lat", "lon")[:200])
    if not near:
        return None
    d = detectors.haversine_m(lat, lon, [b.lat for b in near], [b.lon for b in near])
    i = int(np.argmin(d))
    return near[i] if d[i] <= within_m else None


def _grid_codes(frame: AppealFrame, members: np.ndarray) -> list[str]:
    return sorted({frame.grids[int(g)].strip("/").split("/")[-1] for g in np.unique(frame.grid[members])})


# --- the detectors, named -----------------------------------------------------------------------
def _spikes(frame: AppealFrame, names: _Names, cfg: ProactiveConfig, start_day: int, end_day: int) -> list[Finding]:
    params = cfg.spikes
    if end_day - start_day != params.window_days:
        from dataclasses import replace

        params = replace(params, window_days=end_day - start_day)
    category = names.rolled(frame.category, params.category_level)
    ok = category >= 0
    n_cat = int(category.max()) + 2 if category.size else 1
    group = frame.grid * n_cat + (category + 1)
    hits = detectors.detect_spikes(group[ok], frame.day[ok], end_day=end_day, params=params)
    out = []
    in_window = (frame.day >= start_day) & (frame.day < end_day)
    period = _period_label(FindingKind.SPIKE, end_day)
    for h in hits:
        grid_i, cat_id = divmod(h.group, n_cat)
        cat = names.category(cat_id - 1)
        grid = names.area(frame.grids[grid_i])
        if grid is None or cat is None:
            continue
        members = np.flatnonzero(in_window & (group == h.group) & ok)
        title = _("%(area)s: %(category)s appeals surged (%(observed)d in %(days)d days, %(expected).1f expected)") % {
            "area": grid.name, "category": cat.name, "observed": h.observed, "days": params.window_days,
            "expected": h.expected}
        out.append(Finding(
            kind=FindingKind.SPIKE, key=f"spike:{grid.code}:{cat.code}:{period}", title=title, area_code=grid.code,
            area_name=grid.name, category_code=cat.code, category_name=cat.name, count=h.observed, score=h.p_value,
            p_value=h.p_value, expected=round(h.expected, 3), period_start=day_date(start_day),
            period_end=day_date(end_day - 1), sample_orders=_sample(frame, members, cfg.sample_orders),
            evidence={"observed": h.observed, "expected": round(h.expected, 3), "p_value": h.p_value,
                      "q_value": h.q_value, "window_days": params.window_days,
                      "baseline_weeks": params.baseline_weeks, "main_category": _main_category(frame, names, members),
                      "anchor": _anchor(frame, members)}))
    return out


def _clusters(frame: AppealFrame, names: _Names, cfg: ProactiveConfig, start_day: int, end_day: int) -> list[Finding]:
    params = cfg.clusters
    sel = np.flatnonzero((frame.day >= start_day) & (frame.day < end_day))
    category = names.rolled(frame.category, params.category_level)
    hits = detectors.detect_clusters(frame.lat[sel], frame.lon[sel], category[sel], params=params)
    period = _period_label(FindingKind.CLUSTER, end_day)
    out = []
    for h in hits:
        members = sel[h.members]
        cat = names.category(h.group)
        grid_counts = Counter(int(g) for g in frame.grid[members])
        grid = names.area(frame.grids[grid_counts.most_common(1)[0][0]])
        if grid is None:
            continue
        leaf_names = Counter(names.categories[int(c)].name for c in frame.category[members] if int(c) in names.categories)
        cat_name = cat.name if cat else _("uncategorised")
        # ~200 m cells keep two clusters of one grid and category apart in the dedupe key.
        cell = f"{round(h.centre_lat * 500)}:{round(h.centre_lon * 500)}"
        title = _("%(count)d %(category)s appeals within %(radius)d m near %(place)s") % {
            "count": h.count, "category": cat_name, "radius": max(int(round(h.radius_m)), 1), "place": grid.name}
        out.append(Finding(
            kind=FindingKind.CLUSTER, key=f"cluster:{grid.code}:{cat.code if cat else ''}:{period}:{cell}",
            title=title, area_code=grid.code, area_name=grid.name, category_code=cat.code if cat else "",
            category_name=cat_name, count=h.count, score=float(h.count), p_value=None, expected=None,
            period_start=day_date(start_day), period_end=day_date(end_day - 1),
            sample_orders=_sample(frame, members, cfg.sample_orders),
            evidence={"centre": {"lat": round(h.centre_lat, 7), "lon": round(h.centre_lon, 7)},
                      "radius_m": round(h.radius_m, 1), "eps_m": params.eps_m, "min_samples": params.min_samples,
                      "categories": dict(leaf_names.most_common()), "grids": _grid_codes(frame, members),
                      "main_category": _main_category(frame, names, members),
                      "anchor": _anchor(frame, members, h.centre_lat, h.centre_lon)}))
    return out


def _recurring(frame: AppealFrame, names: _Names, cfg: ProactiveConfig, start_day: int, end_day: int) -> list[Finding]:
    params = cfg.recurring
    if end_day - start_day != params.days:
        from dataclasses import replace

        params = replace(params, days=end_day - start_day)
    category = names.rolled(frame.category, params.category_level)
    window = np.flatnonzero((frame.day >= start_day) & (frame.day < end_day))
    place = detectors.linked_place_keys(frame.building, frame.lat, frame.lon, category, round_m=params.round_m,
                                        rows=window)
    # A reopened order is the same complaint again: it counts once more, on its first appeal only.
    first = np.zeros(len(frame), dtype=bool)
    if len(frame):
        _u, first_idx = np.unique(frame.order_id, return_index=True)
        first[first_idx] = True
    weights = 1.0 + np.where(first, frame.reopen, 0)
    hits = detectors.detect_recurring(place, category, frame.day, end_day=end_day, params=params, weights=weights)
    buildings = {b.pk: b for b in Building.objects.filter(pk__in=[h.place for h in hits if h.place >= 0])}
    period = _period_label(FindingKind.RECURRING, end_day)
    out = []
    for h in hits:
        cat = names.category(h.category)
        grid = names.area(frame.grids[int(frame.grid[h.members[0]])])
        if cat is None or grid is None:
            continue
        building = buildings.get(h.place)
        if building is not None:
            place_name, place_key = building.address, f"b{building.code}"
        elif _common_address(frame, h.members):
            # The address residents gave reads better than coordinates (no building matched).
            place_name = _common_address(frame, h.members)
            place_key = f"p{-h.place}"
        elif (near := nearest_building(float(np.nanmean(frame.lat[h.members])),
                                       float(np.nanmean(frame.lon[h.members])), 2 * params.round_m)) is not None:
            # A commander reads an address, not coordinates: the nearest building's, "near" it.
            place_name = _("near %(address)s") % {"address": near.address}
            place_key = f"p{-h.place}"
        else:
            i = int(h.members[0])
            place_name = _("near %(lat).5f, %(lon).5f in %(grid)s") % {"lat": frame.lat[i], "lon": frame.lon[i],
                                                                       "grid": grid.name}
            place_key = f"p{-h.place}"
        title = _("%(place)s: %(count)d %(category)s appeals in %(days)d days") % {
            "place": place_name, "count": h.count, "category": cat.name, "days": params.days}
        out.append(Finding(
            kind=FindingKind.RECURRING, key=f"recurring:{grid.code}:{cat.code}:{period}:{place_key}", title=title,
            area_code=grid.code, area_name=grid.name, category_code=cat.code, category_name=cat.name, count=h.count,
            score=float(h.count), p_value=None, expected=None, period_start=day_date(start_day),
            period_end=day_date(end_day - 1), sample_orders=_sample(frame, h.members, cfg.sample_orders),
            evidence={"place": place_name, "building": building.code if building else None,
                      "appeals": int(h.members.size), "reopened": int(h.count - h.members.size),
                      "days": params.days, "anchor": _anchor(frame, h.members)}))
    return out


def topic_rows(frame: AppealFrame, start_day: int, end_day: int) -> np.ndarray:
    """One document per order (its first appeal in the window): "me too" appeals are supports."""
    sel = np.flatnonzero((frame.day >= start_day) & (frame.day < end_day))
    if sel.size == 0:
        return sel
    _u, first = np.unique(frame.order_id[sel], return_index=True)
    return np.sort(sel[first])


@lru_cache(maxsize=200_000)
def _words(text: str) -> tuple[str, ...]:
    """jieba words of one appeal; a scan segments the same texts for the day's window and the
    month's, and jieba is most of a topic scan's time."""
    from civicgrid.core.text import words

    return tuple(words(text))


def _topics(frame: AppealFrame, names: _Names, cfg: ProactiveConfig, start_day: int, end_day: int,
            area: Area, now_day: float) -> list[Finding]:
    params = cfg.topics
    rows = topic_rows(frame, start_day, end_day)
    if rows.size == 0 or frame.texts is None:
        return []
    docs = [_words(frame.texts[int(i)]) for i in rows]
    topics = detectors.detect_topics(docs, frame.supports[rows], now_day - frame.day[rows], params=params)
    period = _period_label(FindingKind.TOPIC, end_day)
    out = []
    for t in topics:
        members = rows[t.members]
        label = "·".join(t.words[:3])
        cats = Counter(int(c) for c in frame.category[members] if int(c) >= 0)
        cat = names.category(cats.most_common(1)[0][0]) if cats else None
        title = _("Hot topic: %(words)s") % {"words": join_list(t.words)}
        out.append(Finding(
            kind=FindingKind.TOPIC, key=f"topic:{area.code}:{'-'.join(sorted(t.words[:3]))}:{period}", title=title,
            area_code=area.code, area_name=area.name, category_code=cat.code if cat else "",
            category_name=cat.name if cat else "", count=t.size, score=round(t.heat, 4), p_value=None, expected=None,
            period_start=day_date(start_day), period_end=day_date(end_day - 1),
            sample_orders=tuple(frame.number[int(i)] for i in members[: cfg.sample_orders]),
            evidence={"words": list(t.words), "label": label, "heat": round(t.heat, 4), "supports": t.supports,
                      "half_life_days": params.half_life_days, "grids": _grid_codes(frame, members),
                      "anchor": _anchor(frame, members[:1])}))
    return out


def tasked_keys(keys) -> set[str]:
    return set(ProactiveTask.objects.filter(key__in=list(keys)).values_list("key", flat=True))


def scan_area(area: Area, *, now: datetime | None = None, kinds=None, start: datetime | None = None,
              end: datetime | None = None, include_tasked: bool = False) -> list[Finding]:
    """Every detector over ``area``. Each kind uses its configured window ending at ``now``, unless
    ``start``/``end`` give one window for all (the report's month)."""
    kinds = set(kinds or KINDS)
    cfg = config_for(area.path)
    now = now or timezone.now()
    if end is not None:
        end_day = day_number(end - timedelta(microseconds=1)) + 1
        fixed_start = day_number(start) if start is not None else None
    else:
        end_day = day_number(now) + 1   # today counts
        fixed_start = None
    windows = {
        FindingKind.SPIKE: cfg.spikes.window_days, FindingKind.CLUSTER: cfg.clusters.window_days,
        FindingKind.RECURRING: cfg.recurring.days, FindingKind.TOPIC: cfg.topics.window_days,
    }
    starts = {k: (fixed_start if fixed_start is not None else end_day - w) for k, w in windows.items() if k in kinds}
    if not starts:
        return []
    earliest = min(starts.values())
    if FindingKind.SPIKE in kinds:
        earliest = min(earliest, starts[FindingKind.SPIKE] - 7 * cfg.spikes.baseline_weeks)
    tz = timezone.get_current_timezone()
    frame = appeal_frame(area, timezone.make_aware(datetime.combine(day_date(earliest), datetime.min.time()), tz),
                         timezone.make_aware(datetime.combine(day_date(end_day), datetime.min.time()), tz),
                         texts=FindingKind.TOPIC in kinds)
    names = _Names()
    found: list[Finding] = []
    if FindingKind.SPIKE in kinds:
        found += _spikes(frame, names, cfg, starts[FindingKind.SPIKE], end_day)
    if FindingKind.CLUSTER in kinds:
        found += _clusters(frame, names, cfg, starts[FindingKind.CLUSTER], end_day)
    if FindingKind.RECURRING in kinds:
        found += _recurring(frame, names, cfg, starts[FindingKind.RECURRING], end_day)
    if FindingKind.TOPIC in kinds:
        now_day = (timezone.localtime(now) - timezone.localtime(now).replace(hour=0, minute=0, second=0,
                                                                             microsecond=0)).total_seconds() / 86400
        found += _topics(frame, names, cfg, starts[FindingKind.TOPIC], end_day, area, end_day - 1 + now_day)
    if not include_tasked:
        done = tasked_keys(f.key for f in found)
        found = [f for f in found if f.key not in done]
    return found


# --- stored hot topics ---------------------------------------------------------------------------
def latest_snapshot(area: Area, scope: str = Snapshot.Scope.DAY, period: str | None = None) -> Snapshot | None:
    """The snapshot that covers ``area``: its own, else its nearest scanned ancestor's; the latest."""
    qs = Snapshot.objects.filter(area_path__in=ancestor_paths(area.path), scope=scope)
    if period is not None:
        qs = qs.filter(period=period)
    rows = list(qs.only("id", "area_path", "as_of", "period", "scope", "trigger", "findings"))
    if not rows:
        return None
    return max(rows, key=lambda r: (r.area_path.count(PATH_SEPARATOR), r.as_of))


def snapshot_findings(snapshot: Snapshot | None, area: Area, kinds=(FindingKind.TOPIC,)) -> list[Finding]:
    """The findings of a snapshot that concern ``area``: all of them when it is the area's own,
    else those with a grid inside the area (a district's scan read by one of its streets)."""
    if snapshot is None:
        return []
    found = [Finding.from_dict(d) for d in snapshot.findings if d.get("kind") in kinds]
    if snapshot.area_path == area.path:
        return found
    codes = {c for f in found for c in f.evidence.get("grids", [])}
    inside = set(Area.objects.filter(code__in=codes, path__startswith=area.path).values_list("code", flat=True))
    return [f for f in found if inside & set(f.evidence.get("grids", []))]


def _window_topics(area: Area, start: datetime | None, end: datetime) -> tuple[list[Finding], datetime | None]:
    """Stored topics for [start, end): a calendar month's snapshot when the window starts on the
    first of a month, else the day snapshot of the window's last day."""
    last = timezone.localtime(end - timedelta(microseconds=1)).date() if timezone.is_aware(end) else end.date()
    first = (timezone.localtime(start).date() if start is not None and timezone.is_aware(start)
             else (start.date() if start is not None else None))
    if first is not None and first.day == 1 and (first.year, first.month) == (last.year, last.month):
        snap = latest_snapshot(area, Snapshot.Scope.MONTH, first.strftime("%Y-%m"))
    else:
        snap = latest_snapshot(area, Snapshot.Scope.DAY, last.isoformat())
    return snapshot_findings(snap, area), (snap.as_of if snap else None)


def findings_for(scope, start: datetime, end: datetime, *, kinds=None, now: datetime | None = None,
                 include_tasked: bool = False, live_topics: bool = False) -> list[Finding]:
    """Findings of ``scope`` (a Jurisdiction, an Area or an area code) with the recent window
    [start, end); see ADR 011. A Jurisdiction without a command center gets an empty list.
    Spikes, clusters and recurring addresses are computed now; hot topics are read from the scans'
    snapshot of that window (none when it was not scanned), unless ``live_topics``."""
    kinds = set(kinds or KINDS)
    out: list[Finding] = []
    for area in areas_of(scope):
        live = kinds if live_topics else kinds - {FindingKind.TOPIC}
        if live:
            out += scan_area(area, now=now or end, kinds=live, start=start, end=end, include_tasked=True)
        if FindingKind.TOPIC in kinds and not live_topics:
            out += _window_topics(area, start, end)[0]
    if not include_tasked:
        done = tasked_keys(f.key for f in out)
        out = [f for f in out if f.key not in done]
    return out


def _cached_scan(area: Area, *, now: datetime | None, kinds) -> list[Finding]:
    """A live scan of ``area`` as of ``now`` (or the current time, then cached for
    PROACTIVE["cache_seconds"], default 600). Tasks created since are filtered by the caller."""
    from django.conf import settings
    from django.core.cache import cache

    seconds = int((getattr(settings, "PROACTIVE", {}) or {}).get("cache_seconds", 600))
    if now is not None or seconds <= 0:
        return scan_area(area, now=now, kinds=kinds, include_tasked=True)
    stamp = timezone.now()
    # The findings' titles are in the reader's language: one cached scan per language, or the
    # first reader's language is what everyone sees for the next minutes (a Chinese report too).
    key = (f"proactive:scan:{area.code}:{','.join(sorted(kinds or KINDS))}:{translation.get_language()}:"
           f"{int(stamp.timestamp()) // seconds}")
    found = cache.get(key)
    if found is None:
        found = scan_area(area, now=stamp, kinds=kinds, include_tasked=True)
        cache.set(key, found, seconds)
    return found


@dataclass(frozen=True)
class Current:
    """What the command center shows: live spikes, clusters and recurring addresses, and the hot
    topics of the latest scan (``topics_as_of`` None when the area was never scanned)."""

    findings: list[Finding]
    topics_as_of: datetime | None
    scan_trigger: str = ""


def current(j: Jurisdiction, area: Area, *, now: datetime | None = None, kinds=None,
            include_tasked: bool = False) -> Current:
    if not can_see(j) or not j.covers_path(area.path):
        return Current([], None)
    kinds = set(kinds or KINDS)
    live = [k for k in LIVE_KINDS if k in kinds]
    found = _cached_scan(area, now=now, kinds=live) if live else []
    as_of, trigger = None, ""
    if FindingKind.TOPIC in kinds:
        snap = latest_snapshot(area)
        found = found + sorted(snapshot_findings(snap, area), key=lambda f: -f.score)
        as_of, trigger = (snap.as_of, snap.trigger) if snap else (None, "")
    if not include_tasked:
        done = tasked_keys(f.key for f in found)
        found = [f for f in found if f.key not in done]
    return Current(found, as_of, trigger)


def current_findings(j: Jurisdiction, area: Area, *, now: datetime | None = None, kinds=None) -> list[Finding]:
    """What the command center offers now (``current``): findings not yet turned into tasks, for an
    area the reader may see (``area_for``)."""
    return current(j, area, now=now, kinds=kinds).findings


def find_finding(j: Jurisdiction, key: str, *, area: Area | None = None, now: datetime | None = None) -> Finding | None:
    """The finding with this key as the command center shows it now (default area: the top of
    the reader's jurisdiction): evidence is recomputed or read from the stored scan, never taken
    from a client."""
    parts = (key or "").split(":")
    if len(parts) < 4 or parts[0] not in KINDS:
        return None
    area = area or area_for(j, None)
    if area is None or not can_see(j) or not j.covers_path(area.path):
        return None
    # The same (cached) scan the command center showed, so what a person saw is what they confirm.
    for f in current(j, area, now=now, include_tasked=True).findings:
        if f.key == key:
            return f
    return None


def find_finding_for_task(j: Jurisdiction, key: str, *, area: Area | None = None) -> Finding | None:
    """``find_finding`` with its words (title) in the platform's language: a task opens a work order
    that the handling unit reads, whatever language the commander who confirmed it reads."""
    from civicgrid.core.language import platform_language

    with platform_language():
        return find_finding(j, key, area=area)


# --- tasks --------------------------------------------------------------------------------------
def tasks_for(j: Jurisdiction, area: Area | None = None):
    """Proactive tasks inside the reader's areas (and ``area`` when given), newest first."""
    if not can_see(j):
        return ProactiveTask.objects.none()
    qs = ProactiveTask.objects.select_related("order", "area", "category", "order__suggested_unit", "order__unit")
    qs = qs.filter(j.area_q("area_path"))
    if area is not None:
        qs = qs.filter(area_path__startswith=area.path)
    return qs.order_by("-created_at", "-pk")


def open_tasks_sharing_orders(j: Jurisdiction, area: Area, findings, limit: int = 200) -> dict[str, str]:
    """{finding key: order number of an open proactive task that already covers some of its
    appeals}. A spike, a cluster, a recurring address and the month's top problem are often the same
    few orders seen four ways; once one is a task the others are still offered, and the commander
    is told before opening a second order for the same problem."""
    covered: dict[str, str] = {}
    for number, evidence in (tasks_for(j, area).filter(order__status__in=OPEN_STATUSES)
                             .values_list("order__number", "evidence")[:limit]):
        for sample in (evidence or {}).get("sample_orders", []):
            covered.setdefault(sample, number)
    out = {}
    for f in findings:
        hit = next((covered[n] for n in f.sample_orders if n in covered), None)
        if hit:
            out[f.key] = hit
    return out


def get_task(j: Jurisdiction, pk: int) -> ProactiveTask | None:
    return tasks_for(j).filter(pk=pk).first()


# --- 每月一题 -------------------------------------------------------------------------------------
def _month_bounds(month) -> tuple[str, datetime, datetime]:
    from civicgrid.dashboard.api.params import Month, parse_month

    if isinstance(month, str):
        parsed = parse_month(month)
        if parsed is None:
            raise ValueError(f"month must be YYYY-MM, got {month!r}")
        month = parsed
    elif isinstance(month, date) and not isinstance(month, Month):
        month = Month(month.replace(day=1))
    start, end = month.bounds()
    return month.code, start, end


def monthly_top_problem(area, month, *, live_topics: bool = False) -> TopProblem | None:
    """每月一题: the month's top problem of ``area`` (Area or code; see ADR 011), None without orders.
    The month's hot topics come from the scans' month snapshot (``evidence["topics_as_of"]``), or
    are computed now with ``live_topics`` (the scan itself)."""
    if isinstance(area, str):
        area = Area.objects.get(code=area)
    code, start, end = _month_bounds(month)
    key = f"monthly:{area.code}:{code}"
    below = Area.objects.filter(parent=area)
    depth = area.path.count(PATH_SEPARATOR) + 1 if below.exists() else area.path.count(PATH_SEPARATOR)
    orders = WorkOrder.objects.filter(area_path__startswith=area.path, created_at__gte=start, created_at__lt=end,
                                      merged_into__isnull=True, category__isnull=False)
    rows = list(orders.values_list("area_path", "category_id", "appeals_count"))
    if not rows:
        return None
    tally: Counter = Counter()
    for path, cat_id, calls in rows:
        parts = [p for p in path.split(PATH_SEPARATOR) if p]
        sub_path = PATH_SEPARATOR.join(parts[:depth]) + PATH_SEPARATOR
        tally[(sub_path, cat_id)] += calls or 1
    (sub_path, cat_id), count = sorted(tally.items(), key=lambda kv: (-kv[1], kv[0]))[0]
    sub = Area.objects.filter(path=sub_path).first() or area
    cat = Category.objects.get(pk=cat_id)
    task = ProactiveTask.objects.filter(key=key).select_related("order").first()
    samples = tuple(orders.filter(area_path__startswith=sub.path, category_id=cat_id)
                    .order_by("-appeals_count", "-created_at").values_list("number", flat=True)[:10])
    best = TopProblem(month=code, area_code=sub.code, area_name=sub.name, kind="category_area",
                      title=_("%(area)s · %(category)s") % {"area": sub.name, "category": cat.name},
                      category_code=cat.code, category_name=cat.name, count=count, heat=float(count),
                      sample_orders=samples, key=key, task_order=task.order.number if task else None,
                      evidence={"scope": area.code})
    if live_topics:
        topics, as_of = scan_area(area, kinds=[FindingKind.TOPIC], start=start, end=end, now=end,
                                  include_tasked=True), None
    else:
        snap = latest_snapshot(area, Snapshot.Scope.MONTH, code)
        topics, as_of = snapshot_findings(snap, area), (snap.as_of if snap else None)
    topics = sorted(topics, key=lambda f: -f.score)
    if topics and topics[0].score > best.heat:
        t = topics[0]
        best = TopProblem(month=code, area_code=area.code, area_name=area.name, kind="topic", title=t.title,
                          category_code=t.category_code, category_name=t.category_name, count=t.count,
                          heat=t.score, sample_orders=t.sample_orders, key=key,
                          task_order=task.order.number if task else None,
                          evidence={"scope": area.code, **t.evidence,
                                    "topics_as_of": as_of.isoformat() if as_of else None})
    return best
