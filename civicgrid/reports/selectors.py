"""Everything the monthly analysis report shows, as plain data (dicts, lists, numbers): the PDF and
the workbook only lay it out, the tests recount it from the orders.

Reads only, always inside the reader's jurisdiction: the caller passes a ``Jurisdiction`` that
covers the area (``report_scope`` checks it) and every figure here is narrowed to that area's
subtree. The 三率, on-time rate and overdue count come from ``workorders.metrics`` (one definition
for the whole platform); volumes, channels and categories are counts over the month's orders and
appeals, the previous month alongside for month-over-month change.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.dashboard.api.params import Month, parse_month, ranking_kinds_for, this_month
from civicgrid.geo.models import PATH_SEPARATOR, Area
from civicgrid.people.jurisdiction import Jurisdiction
from civicgrid.people.models import CENTER_ROLES, Unit
from civicgrid.workorders import metrics
from civicgrid.workorders.models import (
    OPEN_STATUSES, Appeal, Callback, Category, Channel, OrderEvent, Resolution, Satisfaction, Status, WorkOrder,
)

from . import recommendations
from .config import option
from .errors import ReportInputError
from .hotspots import hotspots_for

REPORT_KINDS = ("district", "street", "community")


# --- who may report on what ---------------------------------------------------------------------
def can_report(j: Jurisdiction) -> bool:
    return j.is_global or j.has_role(*CENTER_ROLES)


def reportable_areas(j: Jurisdiction):
    """The districts, streets and communities the reader may report on (their own subtree)."""
    qs = Area.objects.filter(kind__in=REPORT_KINDS)
    if not j.is_global:
        qs = qs.filter(j.area_q("path"))
    return qs.order_by("path")


def parse_request(j: Jurisdiction, area_code: str, month_code: str, now: datetime | None = None) -> tuple[Area, Month]:
    """(area, month) for a report, or ReportInputError with a message in the user's language. An
    area outside the jurisdiction is refused with the same words as a missing one."""
    area = Area.objects.filter(code=(area_code or "").strip()).first()
    if area is None or not (j.is_global or j.covers_path(area.path)):
        raise ReportInputError(_("No area with code %(code)s in your jurisdiction.") % {"code": area_code})
    if area.kind not in REPORT_KINDS:
        raise ReportInputError(_("Reports are made for a district, a street or a community, not a %(kind)s.")
                               % {"kind": area.get_kind_display()})
    month = parse_month((month_code or "").strip())
    if month is None:
        raise ReportInputError(_("The month must be written YYYY-MM, for example 2026-11; got %(value)s.")
                               % {"value": month_code})
    if month.first > this_month(now).first:
        raise ReportInputError(_("%(month)s has not begun yet: choose the current month or an earlier one.")
                               % {"month": month.code})
    return area, month


def narrowed(j: Jurisdiction, area: Area) -> Jurisdiction:
    """The reader's jurisdiction cut down to ``area`` (which it covers): rankings of units then
    count only the work done in that area, not everywhere the reader may look."""
    return Jurisdiction(user_id=j.user_id, roles=j.roles, area_paths=(area.path,))


# --- the data ------------------------------------------------------------------------------------
@dataclass
class ReportData:
    area: Area
    month: Month
    generated_at: datetime
    as_of: datetime
    partial: bool
    scheme: dict
    summary: list[dict]
    has_data: bool
    daily: list[dict]
    channels: list[dict]
    categories_l1: list[dict]
    categories_l2: list[dict]
    area_kind: str | None
    area_ranking: list[dict]
    unit_ranking: list[dict]
    hotspots: dict
    problems: list[dict]
    recommendations: list[dict]
    timings: dict = field(default_factory=dict)

    @property
    def title(self) -> str:
        return _("%(area)s: monthly analysis of appeals, %(month)s") % {"area": self.area.name,
                                                                        "month": month_label(self.month)}

    @property
    def file_stem(self) -> str:
        return f"report-{self.area.code}-{self.month.code}"


def _change(now, before) -> float | None:
    """Relative change of a count (0.25 = +25%); None without a previous figure."""
    if now is None or before is None or before == 0:
        return None
    return round((now - before) / before, 4)


def _diff(now, before) -> float | None:
    """Difference of two rates in percentage points (as a fraction: 0.012 = +1.2 points)."""
    if now is None or before is None:
        return None
    return round(now - before, 4)


def previous_bounds(month: Month, now: datetime) -> tuple[datetime, datetime]:
    """The period to compare with: the previous month, or while ``month`` is still running the
    same number of days and hours at the start of the previous month (like with like)."""
    start, end = month.bounds()
    p_start, p_end = month.previous.bounds()
    if now < end:
        p_end = min(p_end, p_start + (now - start))
    return p_start, p_end


def _counts(j: Jurisdiction, area: Area, start: datetime, end: datetime) -> dict:
    orders = WorkOrder.objects.filter(area_path__startswith=area.path)
    return {
        "appeals": Appeal.objects.filter(area_path__startswith=area.path, received_at__gte=start, received_at__lt=end).count(),
        "opened": orders.filter(created_at__gte=start, created_at__lt=end).count(),
        "closed": orders.filter(status=Status.CLOSED, closed_at__gte=start, closed_at__lt=end).count(),
    }


def _summary(j, area, month, now) -> tuple[list[dict], dict, object]:
    start, end = month.bounds()
    p_start, p_end = previous_bounds(month, now)
    current, previous = _counts(j, area, start, end), _counts(j, area, p_start, p_end)
    m_now = metrics.metrics_for_area(j, area, start, end)
    m_before = metrics.metrics_for_area(j, area, p_start, p_end)
    rows = [
        ("appeals", _("Appeals received"), "count", current["appeals"], previous["appeals"]),
        ("opened", _("Orders opened"), "count", current["opened"], previous["opened"]),
        ("closed", _("Orders closed"), "count", current["closed"], previous["closed"]),
        ("on_time_rate", _("On-time closing rate"), "rate", m_now.on_time_rate, m_before.on_time_rate),
        ("overdue", _("Overdue orders (open past deadline)"), "count", m_now.overdue, m_before.overdue),
        ("response_rate", _("Response rate"), "rate", m_now.response_rate, m_before.response_rate),
        ("resolution_rate", _("Resolution rate"), "rate", m_now.resolution_rate, m_before.resolution_rate),
        ("satisfaction_rate", _("Satisfaction rate"), "rate", m_now.satisfaction_rate, m_before.satisfaction_rate),
        ("score", _("Composite score (三率)"), "score", m_now.score, m_before.score),
    ]
    out = []
    for key, label, kind, value, before in rows:
        if kind == "rate":
            change = _diff(value, before)
        elif kind == "score":
            change = None if value is None or before is None else round(value - before, 2)
        else:
            change = _change(value, before)
        out.append({"key": key, "label": label, "kind": kind, "value": value, "previous": before, "change": change})
    scheme = m_now.scheme
    weights = {"response": float(scheme.response_weight), "resolution": float(scheme.resolution_weight),
               "satisfaction": float(scheme.satisfaction_weight),
               "basically_value": float(scheme.basically_satisfied_value)}
    return out, weights, m_now


def _daily(area: Area, month: Month, as_of: datetime) -> list[dict]:
    start, end = month.bounds()
    orders = WorkOrder.objects.filter(area_path__startswith=area.path)

    def per_day(qs, field_name):
        return dict(qs.annotate(day=TruncDate(field_name)).values_list("day").annotate(n=Count("id")).order_by())

    created = per_day(orders.filter(created_at__gte=start, created_at__lt=end), "created_at")
    closed = per_day(orders.filter(status=Status.CLOSED, closed_at__gte=start, closed_at__lt=end), "closed_at")
    appeals = per_day(Appeal.objects.filter(area_path__startswith=area.path, received_at__gte=start,
                                            received_at__lt=end), "received_at")
    last = min(month.next_first - timedelta(days=1), timezone.localdate(as_of))
    days, d = [], month.first
    while d <= last:
        days.append({"day": d, "appeals": appeals.get(d, 0), "created": created.get(d, 0), "closed": closed.get(d, 0)})
        d += timedelta(days=1)
    return days


def _channels(area: Area, month: Month, now: datetime) -> list[dict]:
    def count(bounds):
        start, end = bounds
        return dict(Appeal.objects.filter(area_path__startswith=area.path, received_at__gte=start, received_at__lt=end)
                    .values_list("channel").annotate(n=Count("id")).order_by())

    current, before = count(month.bounds()), count(previous_bounds(month, now))
    total = sum(current.values())
    labels = dict(Channel.choices)
    rows = [{"channel": c, "label": str(labels.get(c, c)), "count": current.get(c, 0), "previous": before.get(c, 0),
             "share": round(current.get(c, 0) / total, 4) if total else None,
             "change": _change(current.get(c, 0), before.get(c, 0))}
            for c in set(current) | set(before)]
    return sorted(rows, key=lambda r: (-r["count"], -r["previous"], r["channel"]))


def _category_counts(area: Area, bounds: tuple[datetime, datetime]) -> Counter:
    start, end = bounds
    return Counter(dict(WorkOrder.objects.filter(area_path__startswith=area.path, created_at__gte=start, created_at__lt=end)
                        .values_list("category__path").annotate(n=Count("id")).order_by()))


def _categories(area: Area, month: Month, now: datetime) -> tuple[list[dict], list[dict]]:
    current, before = _category_counts(area, month.bounds()), _category_counts(area, previous_bounds(month, now))

    def level(counts: Counter, depth: int) -> Counter:
        out: Counter = Counter()
        for path, n in counts.items():
            codes = [c for c in (path or "").split("/") if c]
            out["/".join(codes[:depth]) if len(codes) >= depth else ""] += n
        return out

    codes = {c for p in list(current) + list(before) for c in (p or "").split("/") if c}
    names = dict(Category.objects.filter(code__in=codes).values_list("code", "name"))
    unclassified = _("Unclassified")
    total = sum(current.values())
    tables = []
    for depth in (1, 2):
        a, b = level(current, depth), level(before, depth)
        rows = []
        for key in set(a) | set(b):
            chain = key.split("/") if key else []
            rows.append({
                "code": chain[-1] if chain else "",
                "name": names.get(chain[-1], chain[-1]) if chain else unclassified,
                "parent": names.get(chain[0], chain[0]) if depth == 2 and chain else "",
                "count": a.get(key, 0), "previous": b.get(key, 0),
                "share": round(a.get(key, 0) / total, 4) if total else None,
                "change": _change(a.get(key, 0), b.get(key, 0)), "delta": a.get(key, 0) - b.get(key, 0),
            })
        rows.sort(key=lambda r: (-r["count"], -r["previous"], r["code"]))
        tables.append(rows)
    return tables[0], tables[1]


def _rank_rows(ranked: list[metrics.Metrics], kinds: dict | None = None) -> list[dict]:
    rows = []
    for m in ranked:
        row = m.as_dict()
        row["code"], row["name"] = row.pop("key"), row.pop("label")
        if kinds is not None:
            row["unit_kind"] = kinds.get(row["code"], "")
        rows.append(row)
    return rows


def _area_names(area: Area) -> dict[str, str]:
    return dict(Area.objects.filter(path__startswith=area.path).values_list("path", "name"))


def _place(path: str, names: dict[str, str], top: Area) -> str:
    """The order's area under the report's area: "恩县路社区 / 恩县路第一网格"."""
    parts, prefix = [], ""
    for code in [c for c in path.split(PATH_SEPARATOR) if c]:
        prefix += code + PATH_SEPARATOR
        if len(prefix) > len(top.path) and prefix in names:
            parts.append(names[prefix])
    return " / ".join(parts[-2:]) or top.name


def _problems(j: Jurisdiction, area: Area, month: Month, as_of: datetime) -> list[dict]:
    """问题清单: per (area of the order, category), what went wrong in the month: recurring
    (≥ recurring_min_orders orders opened), overdue (the metrics' definition: open, not suspended,
    past the handling deadline at the month's end or now), unsatisfied (valid callbacks of the month
    saying 不满意 or 未解决), reopened (orders reopened in the month)."""
    start, end = month.bounds()
    cut = min(end, as_of)
    orders = WorkOrder.objects.filter(area_path__startswith=area.path)
    groups: dict = defaultdict(lambda: {"opened": 0, "overdue": 0, "unsatisfied": 0, "reopened": 0,
                                        "units": Counter(), "samples": []})

    def add(rows, name):
        for path, cat, unit, number in rows:
            g = groups[(path, cat)]
            g[name] += 1
            if unit:
                g["units"][unit] += 1
            if number not in g["samples"] and len(g["samples"]) < 3:
                g["samples"].append(number)

    add(orders.filter(created_at__gte=start, created_at__lt=end)
        .values_list("area_path", "category_id", "unit_id", "number").order_by("created_at", "id"), "opened")
    open_now = [s for s in OPEN_STATUSES if s != Status.SUSPENDED]
    add(orders.filter(status__in=open_now, handle_due__lt=cut)
        .values_list("area_path", "category_id", "unit_id", "number").order_by("handle_due", "id"), "overdue")
    bad = Q(satisfaction=Satisfaction.UNSATISFIED) | Q(resolution=Resolution.UNRESOLVED)
    add(Callback.objects.filter(area_path__startswith=area.path, reached=True, created_at__gte=start, created_at__lt=end)
        .filter(bad).values_list("order__area_path", "order__category_id", "order__unit_id", "order__number")
        .order_by("created_at", "id"), "unsatisfied")
    reopened = (OrderEvent.objects.filter(order__area_path__startswith=area.path, action="reopen",
                                          created_at__gte=start, created_at__lt=end)
                .values_list("order__area_path", "order__category_id", "order__unit_id", "order__number")
                .order_by("order_id").distinct())
    add(reopened, "reopened")

    minimum = option("recurring_min_orders")
    names = _area_names(area)
    categories = {c.pk: c for c in Category.objects.filter(pk__in={k[1] for k in groups if k[1]})}
    parents = dict(Category.objects.filter(code__in={c for cat in categories.values() for c in cat.ancestor_codes})
                   .values_list("code", "name"))
    units = dict(Unit.objects.filter(pk__in={u for g in groups.values() for u in g["units"]}).values_list("pk", "name"))
    rows = []
    for (path, cat_id), g in groups.items():
        kinds = []
        if g["opened"] >= minimum:
            kinds.append(_("problem: recurring"))
        if g["overdue"]:
            kinds.append(_("problem: overdue"))
        if g["unsatisfied"]:
            kinds.append(_("problem: unsatisfied"))
        if g["reopened"]:
            kinds.append(_("problem: reopened"))
        if not kinds:
            continue
        cat = categories.get(cat_id)
        cat_name = " / ".join(parents.get(c, c) for c in cat.ancestor_codes[-2:]) if cat else _("Unclassified")
        unit_id = g["units"].most_common(1)[0][0] if g["units"] else None
        severity = (g["opened"] if g["opened"] >= minimum else 0) + 2 * g["overdue"] + 3 * g["unsatisfied"] + 3 * g["reopened"]
        rows.append({"place": _place(path, names, area), "area_path": path, "category": cat_name,
                     "category_code": cat.code if cat else "", "opened": g["opened"], "overdue": g["overdue"],
                     "unsatisfied": g["unsatisfied"], "reopened": g["reopened"], "kinds": "、".join(kinds),
                     "unit": units.get(unit_id, ""), "unit_id": unit_id, "samples": list(g["samples"]),
                     "severity": severity})
    rows.sort(key=lambda r: (-r["severity"], -r["opened"], r["place"], r["category"]))
    for i, r in enumerate(rows, start=1):
        r["no"] = i
    return rows


def build_report(j: Jurisdiction, area: Area, month: Month, now: datetime | None = None) -> ReportData:
    """The whole report's data for ``area`` (covered by ``j``) and ``month``."""
    now = now or timezone.now()
    timings = {}
    t0 = time.perf_counter()
    scoped = narrowed(j, area)
    start, end = month.bounds()
    as_of = min(end, now)
    summary, scheme, m_now = _summary(scoped, area, month, now)
    timings["summary"] = time.perf_counter() - t0
    t = time.perf_counter()
    daily = _daily(area, month, as_of)
    channels = _channels(area, month, now)
    cat1, cat2 = _categories(area, month, now)
    timings["volumes"] = time.perf_counter() - t
    t = time.perf_counter()
    kinds = [k for k in ranking_kinds_for(area) if k != "department"]
    area_kind = kinds[0] if kinds else None
    area_ranking = _rank_rows(metrics.rank_areas(scoped, area_kind, start, end, within=area)) if area_kind else []
    unit_metrics = metrics.rank_units(scoped, start, end)
    unit_kinds = dict(Unit.objects.filter(code__in=[m.key for m in unit_metrics]).values_list("code", "kind"))
    unit_ranking = _rank_rows(unit_metrics, unit_kinds)
    timings["rankings"] = time.perf_counter() - t
    t = time.perf_counter()
    hotspots = hotspots_for(scoped, area, month, now=now)
    timings["hotspots"] = time.perf_counter() - t
    t = time.perf_counter()
    problems = _problems(scoped, area, month, now)
    recs = recommendations.for_units(area, month, unit_ranking, m_now, now=now)
    timings["problems"] = time.perf_counter() - t
    has_data = any(r["value"] for r in summary if r["kind"] == "count" and r["key"] != "overdue")
    return ReportData(
        area=area, month=month, generated_at=now, as_of=as_of, partial=end > now, scheme=scheme, summary=summary,
        has_data=has_data, daily=daily, channels=channels, categories_l1=cat1, categories_l2=cat2,
        area_kind=area_kind, area_ranking=area_ranking, unit_ranking=unit_ranking, hotspots=hotspots,
        problems=problems, recommendations=recs, timings=timings,
    )


def month_label(month: Month) -> str:
    return _("%(year)d, month %(month)d") % {"year": month.first.year, "month": month.first.month}


def recent_months(now: datetime | None = None, count: int = 12) -> list[Month]:
    m, out = this_month(now), []
    for _i in range(count):
        out.append(m)
        m = m.previous
    return out


__all__ = ["ReportData", "ReportInputError", "build_report", "parse_request", "can_report", "reportable_areas",
           "narrowed", "recent_months", "month_label", "reports_for", "report_for"]


# --- generated reports ---------------------------------------------------------------------------
def reports_for(j: Jurisdiction):
    """Reports the reader may see: those of areas inside their jurisdiction."""
    from .models import GeneratedReport

    if not can_report(j):
        return GeneratedReport.objects.none()
    qs = GeneratedReport.objects.select_related("area", "requested_by")
    return qs if j.is_global else qs.filter(j.area_q("area_path"))


def report_for(j: Jurisdiction, pk) -> object | None:
    return reports_for(j).filter(pk=pk).first()
