"""Assessment figures per unit and per area (subtree) for a period [start, end): the 三率 and the
rest. Reads only, always through the reader's jurisdiction.

Definitions (each a count over the period, attributed to the order's unit and area):

- response rate: orders dispatched in the period that were accepted (签收) within the response
  limit ÷ orders dispatched in the period;
- resolution rate: valid callbacks (resident reached) saying 解决 ÷ valid callbacks;
- satisfaction rate: (满意 + v × 基本满意) ÷ valid callbacks, v from the scheme (default 0.9);
- composite score: Σ weight × rate ÷ Σ weight × 100 over the rates that have data (default weights
  10/50/40, so with all three rates it is 10·r + 50·s + 40·t);
- on-time rate: orders closed in the period by their handling deadline ÷ orders closed in it;
- overdue: orders still open (not suspended) whose handling deadline passed before the period's
  end (or now, if earlier);
- reopen rate: orders reopened in the period ÷ orders closed in the period (by their events);
- average handling time: dispatched → resolved, in hours, over orders resolved in the period.

A rate with nothing to divide by is None (shown as "—"), never 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, F, Q
from django.utils import timezone

from civicgrid.geo.models import PATH_SEPARATOR, Area
from civicgrid.people.jurisdiction import Jurisdiction
from civicgrid.people.models import Unit

from .models import OPEN_STATUSES, Callback, MetricScheme, OrderEvent, Resolution, Satisfaction, Status, WorkOrder

DEFAULT_SCHEME = {"response_weight": Decimal(10), "resolution_weight": Decimal(50),
                  "satisfaction_weight": Decimal(40), "basically_satisfied_value": Decimal("0.9")}


@dataclass
class Figures:
    dispatched: int = 0
    responded: int = 0
    callbacks: int = 0
    resolved_verdicts: int = 0
    satisfied: int = 0
    basically: int = 0
    closed: int = 0
    closed_on_time: int = 0
    overdue: int = 0
    reopened: int = 0
    closings: int = 0
    handled: int = 0
    handling_seconds: float = 0.0

    def add(self, **counts) -> None:
        for name, value in counts.items():
            setattr(self, name, getattr(self, name) + (value or 0))


def _ratio(num: float, den: float) -> float | None:
    return None if not den else num / den


@dataclass
class Metrics:
    key: object
    label: str
    figures: Figures
    scheme: MetricScheme
    rank: int | None = None
    extra: dict = field(default_factory=dict)

    @property
    def response_rate(self) -> float | None:
        return _round(_ratio(self.figures.responded, self.figures.dispatched), 4)

    @property
    def resolution_rate(self) -> float | None:
        return _round(_ratio(self.figures.resolved_verdicts, self.figures.callbacks), 4)

    @property
    def satisfaction_rate(self) -> float | None:
        f = self.figures
        v = float(self.scheme.basically_satisfied_value)
        return _round(_ratio(f.satisfied + v * f.basically, f.callbacks), 4)

    @property
    def score(self) -> float | None:
        f, s = self.figures, self.scheme
        v = float(s.basically_satisfied_value)
        parts = [
            (float(s.response_weight), _ratio(f.responded, f.dispatched)),
            (float(s.resolution_weight), _ratio(f.resolved_verdicts, f.callbacks)),
            (float(s.satisfaction_weight), _ratio(f.satisfied + v * f.basically, f.callbacks)),
        ]
        parts = [(w, r) for w, r in parts if r is not None]
        total = sum(w for w, _ in parts)
        if not parts or not total:
            return None
        return _round(sum(w * r for w, r in parts) / total * 100, 2)

    @property
    def on_time_rate(self) -> float | None:
        return _round(_ratio(self.figures.closed_on_time, self.figures.closed), 4)

    @property
    def overdue(self) -> int:
        return self.figures.overdue

    @property
    def reopen_rate(self) -> float | None:
        return _round(_ratio(self.figures.reopened, self.figures.closings), 4)

    @property
    def avg_handling_hours(self) -> float | None:
        return _round(_ratio(self.figures.handling_seconds / 3600, self.figures.handled), 2)

    def as_dict(self) -> dict:
        return {
            "key": self.key, "label": self.label, "rank": self.rank,
            "response_rate": self.response_rate, "resolution_rate": self.resolution_rate,
            "satisfaction_rate": self.satisfaction_rate, "score": self.score,
            "on_time_rate": self.on_time_rate, "overdue": self.overdue, "reopen_rate": self.reopen_rate,
            "avg_handling_hours": self.avg_handling_hours,
            "dispatched": self.figures.dispatched, "callbacks": self.figures.callbacks,
            "closed": self.figures.closed,
        }


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


# --- schemes ----------------------------------------------------------------------------------
def _deepest(schemes, area_path: str) -> MetricScheme:
    fitting = [m for m in schemes if m.area_id is None or area_path.startswith(m.area.path)]
    if not fitting:
        return MetricScheme(**DEFAULT_SCHEME)
    return max(fitting, key=lambda m: (m.area.depth + 1) if m.area_id else 0)


def scheme_for(area_path: str = "") -> MetricScheme:
    """The scheme of the deepest jurisdiction containing ``area_path``, else the default row, else
    the public 10/50/40 scheme."""
    codes = [c for c in area_path.split(PATH_SEPARATOR) if c]
    candidates = MetricScheme.objects.filter(Q(area__isnull=True) | Q(area__code__in=codes)).select_related("area")
    return _deepest(candidates, area_path)


def scheme_finder():
    """``scheme_for`` for many paths with one query (rankings over dozens of areas)."""
    schemes = list(MetricScheme.objects.select_related("area"))
    return lambda area_path: _deepest(schemes, area_path)


# --- collection -------------------------------------------------------------------------------
def _scoped(qs, j: Jurisdiction, path_field: str, unit_field: str):
    if j.is_global:
        return qs
    return qs.filter(j.area_q(path_field) | j.unit_q(unit_field))


def collect(j: Jurisdiction, start: datetime, end: datetime, key_of) -> dict:
    """Figures per group; ``key_of(unit_id, area_path)`` names a row's group (None: not counted)."""
    groups: dict = {}

    def fold(rows, path_name="area_path", **mapping):
        for row in rows:
            key = key_of(row["unit_id"], row[path_name])
            if key is None:
                continue
            groups.setdefault(key, Figures()).add(**{name: row[col] for name, col in mapping.items()})

    as_of = min(end, timezone.now())
    orders = _scoped(WorkOrder.objects.all(), j, "area_path", "unit")
    accepted_in_time = Q(accepted_at__isnull=False) & (Q(response_due__isnull=True) | Q(accepted_at__lte=F("response_due")))
    fold(orders.filter(dispatched_at__gte=start, dispatched_at__lt=end).values("unit_id", "area_path").annotate(
        n=Count("id"), ok=Count("id", filter=accepted_in_time)).order_by(), dispatched="n", responded="ok")
    on_time = Q(handle_due__isnull=True) | Q(closed_at__lte=F("handle_due"))
    fold(orders.filter(status=Status.CLOSED, closed_at__gte=start, closed_at__lt=end).values("unit_id", "area_path")
         .annotate(n=Count("id"), ok=Count("id", filter=on_time)).order_by(), closed="n", closed_on_time="ok")
    # A suspended (挂账) order's clock is stopped: it is not overdue while suspended.
    open_now = [s for s in OPEN_STATUSES if s != Status.SUSPENDED]
    fold(orders.filter(status__in=open_now, handle_due__lt=as_of).values("unit_id", "area_path")
         .annotate(n=Count("id")).order_by(), overdue="n")

    callbacks = _scoped(Callback.objects.filter(reached=True, created_at__gte=start, created_at__lt=end),
                        j, "area_path", "unit")
    fold(callbacks.values("unit_id", "area_path").annotate(
        n=Count("id"),
        res=Count("id", filter=Q(resolution=Resolution.RESOLVED)),
        sat=Count("id", filter=Q(satisfaction=Satisfaction.SATISFIED)),
        basic=Count("id", filter=Q(satisfaction=Satisfaction.BASICALLY)),
    ).order_by(), callbacks="n", resolved_verdicts="res", satisfied="sat", basically="basic")

    events = _scoped(OrderEvent.objects.filter(created_at__gte=start, created_at__lt=end), j, "order__area_path", "unit")
    fold(events.filter(action="reopen").values("unit_id", "order__area_path")
         .annotate(n=Count("order_id", distinct=True)).order_by(), path_name="order__area_path", reopened="n")
    fold(events.filter(action__in=("close", "close_on_spot")).values("unit_id", "order__area_path")
         .annotate(n=Count("order_id", distinct=True)).order_by(), path_name="order__area_path", closings="n")

    handled = orders.filter(resolved_at__gte=start, resolved_at__lt=end, dispatched_at__isnull=False)
    for unit_id, area_path, dispatched_at, resolved_at in handled.values_list(
            "unit_id", "area_path", "dispatched_at", "resolved_at").iterator():
        key = key_of(unit_id, area_path)
        if key is not None:
            groups.setdefault(key, Figures()).add(handled=1, handling_seconds=(resolved_at - dispatched_at).total_seconds())
    return groups


# --- per unit ---------------------------------------------------------------------------------
def unit_metrics(j: Jurisdiction, start: datetime, end: datetime) -> list[Metrics]:
    """Every unit that had work in the period, within the reader's jurisdiction."""
    groups = collect(j, start, end, lambda unit_id, path: unit_id)
    units = {u.pk: u for u in Unit.objects.filter(pk__in=[k for k in groups if k is not None]).select_related("area")}
    return [Metrics(key=units[k].code, label=units[k].name, figures=f, scheme=scheme_for(units[k].area.path))
            for k, f in groups.items() if k in units]


def metrics_for_unit(j: Jurisdiction, unit: Unit, start: datetime, end: datetime) -> Metrics:
    figures = collect(j, start, end, lambda unit_id, path: "u" if unit_id == unit.pk else None).get("u", Figures())
    return Metrics(key=unit.code, label=unit.name, figures=figures, scheme=scheme_for(unit.area.path))


def rank_units(j: Jurisdiction, start: datetime, end: datetime) -> list[Metrics]:
    return _ranked(unit_metrics(j, start, end))


# --- per area ---------------------------------------------------------------------------------
def metrics_for_area(j: Jurisdiction, area: Area, start: datetime, end: datetime) -> Metrics | None:
    """The whole subtree of ``area``; None when the area is outside the reader's jurisdiction."""
    if not j.covers_path(area.path):
        return None
    figures = collect(j, start, end, lambda unit_id, path: "a" if path.startswith(area.path) else None).get("a", Figures())
    return Metrics(key=area.code, label=area.name, figures=figures, scheme=scheme_for(area.path))


def areas_of_kind(j: Jurisdiction, kind: str, within: Area | None = None):
    qs = Area.objects.filter(kind=kind)
    if not j.is_global:
        qs = qs.filter(j.area_q("path"))
    if within is not None:
        qs = qs.filter(path__startswith=within.path)
    return qs.order_by("path")


def rank_areas(j: Jurisdiction, kind: str, start: datetime, end: datetime, within: Area | None = None) -> list[Metrics]:
    """Every area of ``kind`` (streets, communities, grids) in the reader's jurisdiction, each
    with its whole subtree, ranked; areas without any figure are listed too, last."""
    areas = {a.path: a for a in areas_of_kind(j, kind, within)}

    def key_of(unit_id, path):
        prefix = ""
        for code in path.split(PATH_SEPARATOR)[:-1]:
            prefix += code + PATH_SEPARATOR
            if prefix in areas:
                return prefix
        return None

    groups = collect(j, start, end, key_of)
    return _ranked([Metrics(key=a.code, label=a.name, figures=groups.get(p, Figures()), scheme=scheme_for(p))
                    for p, a in areas.items()])


def _ranked(rows: list[Metrics]) -> list[Metrics]:
    """Best composite score first; ties share a rank (1, 2, 2, 4); no score: unranked, last."""
    rows.sort(key=lambda m: (m.score is None, -(m.score or 0), str(m.key)))
    previous, rank = object(), 0
    for index, row in enumerate(rows, start=1):
        if row.score is None:
            row.rank = None
            continue
        if row.score != previous:
            rank, previous = index, row.score
        row.rank = rank
    return rows
