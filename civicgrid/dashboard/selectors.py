"""What the street sub-center (指挥分中心) and the district command center read.

Figures come from the rollups (``models``), kept equal to a recount on every change, so every
number here is a sum over at most a few thousand rows whatever the number of orders. Lists of
orders read the orders table through its deadline and overdue indexes, with a limit.

Every function takes the reader's jurisdiction and an area the reader may see (``center_area``
decides that); nothing here widens a jurisdiction.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import F, Q, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from civicgrid.geo.models import PATH_SEPARATOR, Area
from civicgrid.people.jurisdiction import Jurisdiction
from civicgrid.people.models import CENTER_ROLES, Unit, UnitKind
from civicgrid.sla.models import Priority, WhistleResponse, WhistleStatus
from civicgrid.workorders.metrics import Figures, Metrics, _ranked, scheme_finder
from civicgrid.workorders.models import OPEN_STATUSES, Category, Status, WorkOrder

from .models import CategoryTally, DailyTally, MonthlyTally, OrderTally

OPEN = [str(s) for s in OPEN_STATUSES]
KIND_BELOW = {"district": "street", "street": "community", "community": "grid"}


def can_see_center(j: Jurisdiction) -> bool:
    return j.is_global or j.has_role(*CENTER_ROLES)


def center_area(j: Jurisdiction, code: str | None) -> Area | None:
    """The area to show: ``code`` when the reader may see it, else None; without a code, the top
    of the reader's jurisdiction (the first district for administrators)."""
    if not can_see_center(j):
        return None
    if code:
        area = Area.objects.filter(code=code).first()
        if area is None or not can_open(j, area):
            return None
        return area
    if j.is_global:
        return Area.objects.filter(parent__isnull=True).order_by("code").first()
    paths = sorted(j.area_paths, key=lambda p: (p.count(PATH_SEPARATOR), p))
    return Area.objects.filter(path=paths[0]).first() if paths else None


def can_open(j: Jurisdiction, area: Area) -> bool:
    """Whether the reader may open the command center of ``area`` (``center_area`` answers 404
    otherwise): only areas inside the jurisdiction."""
    return can_see_center(j) and (j.is_global or j.covers_path(area.path))


def breadcrumbs(area: Area) -> list[Area]:
    codes = [c for c in area.path.split(PATH_SEPARATOR) if c]
    by_code = {a.code: a for a in Area.objects.filter(code__in=codes)}
    return [by_code[c] for c in codes if c in by_code]


def breadcrumb_links(j: Jurisdiction, area: Area) -> list[dict]:
    """The area's ancestors and itself, top first, each with ``link``: whether the reader may open
    it. A community's staff see their street and district named, but not offered as a link that
    would answer 404."""
    return [{"code": a.code, "name": a.name, "link": can_open(j, a)} for a in breadcrumbs(area)]


def _today(now: datetime | None) -> date:
    return timezone.localtime(now or timezone.now()).date()


def _sum(qs, *fields) -> dict:
    totals = qs.aggregate(**{f: Sum(f) for f in fields})
    return {f: totals[f] or 0 for f in fields}


def _open_tallies(area: Area):
    return OrderTally.objects.filter(area_path__startswith=area.path, status__in=OPEN)


def overdue_count(area: Area) -> int:
    """How many open orders are overdue: the figure tile and the head of the overdue list."""
    return _sum(_open_tallies(area).filter(is_overdue=True).exclude(status=Status.SUSPENDED), "count")["count"]


def escalated_count(area: Area) -> int:
    """Open orders under supervision, plus whistled ones (the list shows them), once each."""
    supervised = _sum(_open_tallies(area).filter(supervised=True), "count")["count"]
    return supervised + (WorkOrder.objects.filter(pk__in=_waiting(area).values("whistle__order_id"),
                                                  status__in=OPEN, supervision_level="").count())


def whistles_waiting_count(area: Area) -> int:
    return _waiting(area).count()


def summary(j: Jurisdiction, area: Area, now: datetime | None = None) -> dict:
    today = _today(now)
    tallies = _open_tallies(area)
    open_count = _sum(tallies, "count")["count"]
    overdue = overdue_count(area)
    escalated = escalated_count(area)
    day = _sum(DailyTally.objects.filter(area_path__startswith=area.path, day=today), "created", "closed")
    month = _sum(DailyTally.objects.filter(area_path__startswith=area.path, day__gt=today - timedelta(days=30),
                                           day__lte=today), "closed", "closed_on_time")
    # The rollups carry no priority (and the dashboard takes no migration for it): one count over
    # today's orders through the created_at index.
    start = timezone.make_aware(datetime.combine(today, datetime.min.time()))
    urgent_today = WorkOrder.objects.filter(area_path__startswith=area.path, priority=Priority.URGENT,
                                            created_at__gte=start, created_at__lt=start + timedelta(days=1)).count()
    return {
        "in_today": day["created"], "open": open_count, "overdue": overdue, "closed_today": day["closed"],
        "escalated": escalated, "whistles_waiting": whistles_waiting_count(area), "urgent_today": urgent_today,
        "on_time_rate": round(month["closed_on_time"] / month["closed"], 4) if month["closed"] else None,
        "as_of": now or timezone.now(),
    }


def trend(j: Jurisdiction, area: Area, days: int = 30, now: datetime | None = None) -> list[dict]:
    today = _today(now)
    first = today - timedelta(days=days - 1)
    rows = {r["day"]: r for r in DailyTally.objects.filter(area_path__startswith=area.path, day__gte=first, day__lte=today)
            .values("day").annotate(created=Sum("created"), closed=Sum("closed"), closed_on_time=Sum("closed_on_time"))
            .order_by()}
    out = []
    for i in range(days):
        d = first + timedelta(days=i)
        r = rows.get(d, {})
        out.append({"day": d, "created": r.get("created") or 0, "closed": r.get("closed") or 0,
                    "closed_on_time": r.get("closed_on_time") or 0})
    return out


def categories(j: Jurisdiction, area: Area, days: int = 30, now: datetime | None = None) -> list[dict]:
    today = _today(now)
    open_by = dict(OrderTally.objects.filter(area_path__startswith=area.path, status__in=OPEN)
                   .values_list("category_root").annotate(n=Sum("count")).order_by())
    created_by = dict(CategoryTally.objects.filter(area_path__startswith=area.path, day__gt=today - timedelta(days=days),
                                                day__lte=today)
                      .values_list("category_root").annotate(n=Sum("created")).order_by())
    ids = {k for k, v in open_by.items() if v} | {k for k, v in created_by.items() if v}
    names = {c.pk: c for c in Category.objects.filter(pk__in=ids)}
    rows = [{"code": names[k].code if k in names else "", "name": names[k].name if k in names else "",
             "open": open_by.get(k) or 0, "created": created_by.get(k) or 0} for k in ids]
    return sorted(rows, key=lambda r: (-r["created"], -r["open"], r["code"]))


def _bucket(path: str, children: dict[str, Area]) -> str | None:
    prefix = ""
    for code in [c for c in path.split(PATH_SEPARATOR) if c]:
        prefix += code + PATH_SEPARATOR
        if prefix in children:
            return prefix
    return None


def load_map(j: Jurisdiction, area: Area, now: datetime | None = None) -> dict:
    """The area's children (a grid: itself) with their open, overdue and 30-day counts, as GeoJSON."""
    children = {a.path: a for a in Area.objects.filter(parent=area).order_by("code")}
    if not children:
        children = {area.path: area}
    with_children = set(Area.objects.filter(parent__path__in=list(children)).values_list("parent__path", flat=True))
    counts = {p: {"open": 0, "overdue": 0, "created_30d": 0} for p in children}
    for r in (OrderTally.objects.filter(area_path__startswith=area.path, status__in=OPEN).values("area_path")
              .annotate(n=Sum("count"), late=Sum("count", filter=Q(is_overdue=True) & ~Q(status=Status.SUSPENDED)))
              .order_by()):
        key = _bucket(r["area_path"], children)
        if key:
            counts[key]["open"] += r["n"] or 0
            counts[key]["overdue"] += r["late"] or 0
    today = _today(now)
    for r in (DailyTally.objects.filter(area_path__startswith=area.path, day__gt=today - timedelta(days=30), day__lte=today)
              .values("area_path").annotate(n=Sum("created")).order_by()):
        key = _bucket(r["area_path"], children)
        if key:
            counts[key]["created_30d"] += r["n"] or 0
    features = []
    for path, a in children.items():
        features.append({"type": "Feature", "geometry": a.boundary, "properties": {
            "code": a.code, "name": a.name, "kind": a.kind, **counts[path], "drill": path in with_children}})
    return {"type": "FeatureCollection", "features": features}


def _months(start: datetime, end: datetime) -> tuple[date, date]:
    first = timezone.localtime(start).date().replace(day=1)
    last = timezone.localtime(end).date()
    return first, last


def rankings(j: Jurisdiction, area: Area, kind: str, start: datetime, end: datetime) -> dict:
    """三率 ranking of the streets, communities or departments working in ``area`` for the months
    in [start, end) — the same figures as ``workorders.metrics`` for whole months — with the red
    list (红榜, the best) and the black list (黑榜, the worst)."""
    first, last = _months(start, end)
    qs = MonthlyTally.objects.filter(area_path__startswith=area.path, month__gte=first, month__lt=last)
    fields = ("dispatched", "responded", "closed", "closed_on_time", "callbacks", "resolved_verdicts",
              "satisfied", "basically")
    scheme_for = scheme_finder()
    sums = {f"s_{f}": Sum(f) for f in fields}
    groups: dict = {}
    if kind == "department":
        units = {u.pk: u for u in Unit.objects.filter(kind=UnitKind.DEPARTMENT).select_related("area")}
        for r in qs.values("unit").annotate(**sums).order_by():
            if r["unit"] in units:
                groups.setdefault(r["unit"], Figures()).add(**{f: r[f"s_{f}"] for f in fields})
        rows = [Metrics(key=units[k].code, label=units[k].name, figures=f, scheme=scheme_for(units[k].area.path))
                for k, f in groups.items()]
    else:
        areas = {a.path: a for a in Area.objects.filter(kind=kind, path__startswith=area.path).order_by("path")}
        lengths = {len(p) for p in areas}
        if len(lengths) == 1:
            # Codes of one level have one width, so the area's path is a fixed-length prefix: the
            # database groups by it and returns one row per area.
            grouped = qs.annotate(prefix=Substr("area_path", 1, lengths.pop())).values("prefix").annotate(**sums).order_by()
            rows_in = ((r["prefix"], r) for r in grouped)
        else:
            rows_in = ((_bucket(r["area_path"], areas), r)
                       for r in qs.values("area_path").annotate(**sums).order_by())
        for key, r in rows_in:
            if key in areas:
                groups.setdefault(key, Figures()).add(**{f: r[f"s_{f}"] for f in fields})
        rows = [Metrics(key=a.code, label=a.name, figures=groups.get(p, Figures()), scheme=scheme_for(p))
                for p, a in areas.items()]
    ranked = _ranked(rows)
    scored = [m for m in ranked if m.rank is not None]
    red_size = getattr(settings, "CENTER_RED_LIST_SIZE", 3)
    black_size = getattr(settings, "CENTER_BLACK_LIST_SIZE", 3)
    # With few ranked rows the lists split them (the better half can be red, the worse half black)
    # so that nobody is on both.
    red = scored[:min(red_size, (len(scored) + 1) // 2)]
    black = scored[len(scored) - min(black_size, len(scored) // 2):] if len(scored) > 1 else []
    out = []
    for m in ranked:
        out.append({"code": m.key, "name": m.label, "rank": m.rank, "response_rate": m.response_rate,
                    "resolution_rate": m.resolution_rate, "satisfaction_rate": m.satisfaction_rate,
                    "score": m.score, "dispatched": m.figures.dispatched, "callbacks": m.figures.callbacks,
                    "list": "red" if m in red else "black" if m in black else None})
    return {"rows": out, "red": [r for r in out if r["list"] == "red"], "black": [r for r in out if r["list"] == "black"]}


def _orders_in(area: Area):
    return (WorkOrder.objects.select_related("category", "area", "unit")
            .filter(area_path__startswith=area.path, status__in=OPEN))


def overdue_orders(j: Jurisdiction, area: Area, limit: int = 20) -> list[WorkOrder]:
    return list(_orders_in(area).filter(is_overdue=True).exclude(status=Status.SUSPENDED)
                .order_by("handle_due", "id")[:limit])


def escalated_orders(j: Jurisdiction, area: Area, limit: int = 20) -> list[WorkOrder]:
    """Open orders under supervision (督办) or with a whistle still waiting for departments, the
    earliest deadline first. Two small reads (the supervised ones through their partial index)
    rather than one OR that would scan every open order."""
    whistled = list(_waiting(area).values_list("whistle__order_id", flat=True).distinct()[:limit * 4])
    supervised = list(_orders_in(area).exclude(supervision_level="").order_by("handle_due", "id")[:limit])
    others = list(_orders_in(area).filter(pk__in=whistled, supervision_level="")) if whistled else []
    far = timezone.now() + timedelta(days=36500)
    merged = sorted(supervised + others, key=lambda o: (o.handle_due or far, o.pk))
    return merged[:limit]


def urgent_orders(j: Jurisdiction, area: Area, limit: int = 20) -> list[WorkOrder]:
    """Open urgent orders (Priority.URGENT: flagged at intake or set by staff), the earliest
    handling deadline first."""
    return list(_orders_in(area).filter(priority=Priority.URGENT)
                .order_by(F("handle_due").asc(nulls_last=True), "id")[:limit])


def urgent_open_count(area: Area) -> int:
    return _orders_in(area).filter(priority=Priority.URGENT).count()


def _waiting(area: Area):
    return WhistleResponse.objects.filter(reported_at__isnull=True, whistle__status=WhistleStatus.OPEN,
                                          whistle__area_path__startswith=area.path)


def whistles_waiting(j: Jurisdiction, area: Area, limit: int = 20, now: datetime | None = None) -> list[dict]:
    now = now or timezone.now()
    rows = (_waiting(area).select_related("unit", "whistle", "whistle__order", "whistle__street")
            .order_by("whistle__report_due", "id")[:limit])
    return [{"order_number": r.whistle.order.number, "order_title": r.whistle.order.title,
             "street": r.whistle.street.name if r.whistle.street_id else "", "unit": r.unit.name,
             "deadline": r.whistle.report_due, "overdue": r.whistle.report_due < now} for r in rows]
