"""建议清单: for each unit that handled work in the area during the month, its recurring
problems, its weakest rate, its overdue orders and recommendation sentences generated from rules.

The rules (thresholds in ``config``; ADR 012 lists them with their reasons), in this order:

1. response rate under ``response_rate_floor`` → sign for orders within the response limit;
2. resolution rate under ``resolution_rate_floor`` → review unresolved orders one by one, call for
   joint handling (吹哨报到) where the unit cannot solve it alone;
3. satisfaction rate under ``satisfaction_rate_floor`` → talk with the resident before closing;
4. on-time rate under ``on_time_rate_floor`` → plan deadlines, ask for extensions in time;
5. overdue orders open now → settle each one with a date;
6. reopened orders (重办) in the month → verify before closing;
7. a category with ≥ ``unit_recurring_min_orders`` orders → treat it at the source (未诉先办);
8. none of the above → one sentence saying the figures meet their targets.

A rate with no data (None) triggers nothing: a unit is never blamed for what was not measured.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime

from django.db.models import Count
from django.utils.translation import gettext as _

from civicgrid.dashboard.api.params import Month
from civicgrid.geo.models import Area
from civicgrid.people.models import Unit, UnitKind
from civicgrid.workorders.models import Category, OrderEvent, WorkOrder

from .config import option


def pct(rate) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def rate_labels() -> dict:
    return {"response_rate": _("Response rate"), "resolution_rate": _("Resolution rate"),
            "satisfaction_rate": _("Satisfaction rate")}


def _recurring(area: Area, month: Month, unit_ids: list[int]) -> dict[int, list[tuple[str, int]]]:
    start, end = month.bounds()
    rows = (WorkOrder.objects.filter(area_path__startswith=area.path, created_at__gte=start, created_at__lt=end,
                                     unit_id__in=unit_ids)
            .values_list("unit_id", "category_id").annotate(n=Count("id")).order_by())
    minimum = option("unit_recurring_min_orders")
    names = dict(Category.objects.filter(pk__in={c for _u, c, _n in rows if c}).values_list("pk", "name"))
    out: dict = defaultdict(list)
    for unit_id, cat_id, n in rows:
        if n >= minimum:
            out[unit_id].append((names.get(cat_id, _("Unclassified")), n))
    for unit_id in out:
        out[unit_id].sort(key=lambda p: (-p[1], p[0]))
    return out


def _reopened(area: Area, month: Month) -> Counter:
    start, end = month.bounds()
    return Counter(dict(OrderEvent.objects.filter(order__area_path__startswith=area.path, action="reopen",
                                                  created_at__gte=start, created_at__lt=end)
                        .values_list("order__unit_id").annotate(n=Count("order_id", distinct=True)).order_by()))


def rate_floors() -> dict:
    """Each rate's target, from the report configuration (``settings.REPORTS`` can override)."""
    return {"response_rate": option("response_rate_floor"), "resolution_rate": option("resolution_rate_floor"),
            "satisfaction_rate": option("satisfaction_rate_floor")}


def sentences(row: dict, recurring: list[tuple[str, int]], reopened: int, area_metrics) -> list[str]:
    """The recommendation sentences for one unit's ranking row (rules 1–8 above)."""
    out = []
    labels = rate_labels()
    floors = rate_floors()
    area_rates = {k: getattr(area_metrics, k, None) for k in floors}
    advice = {
        "response_rate": _("sign for every dispatched order within the response limit and name a person on duty for new orders"),
        "resolution_rate": _("review each unresolved order with the resident, and call for joint handling (吹哨报到) where the unit cannot solve it alone"),
        "satisfaction_rate": _("talk with the resident before closing, explain what was done and why, and answer in plain words"),
    }
    for key, floor in floors.items():
        value = row.get(key)
        if value is not None and value < floor:
            out.append(_("%(rate)s is %(value)s (area: %(area)s, target %(floor)s): %(advice)s.") % {
                "rate": labels[key], "value": pct(value), "area": pct(area_rates[key]), "floor": pct(floor),
                "advice": advice[key]})
    on_time = row.get("on_time_rate")
    if on_time is not None and on_time < option("on_time_rate_floor"):
        out.append(_("Only %(value)s of the orders closed this month were closed on time: plan each order against its "
                     "deadline and ask for an extension before it passes.") % {"value": pct(on_time)})
    if row.get("overdue"):
        out.append(_("%(n)d orders are overdue: settle each one with a date this week and report progress to the "
                     "command center.") % {"n": row["overdue"]})
    if reopened:
        out.append(_("%(n)d orders were reopened (重办) this month: verify on site before closing.") % {"n": reopened})
    for name, n in recurring[:3]:
        out.append(_("%(category)s came up %(n)d times this month: treat it at the source (未诉先办) with a proactive "
                     "task instead of answering each appeal.") % {"category": name, "n": n})
    return out


def weakest(row: dict) -> tuple[str, float] | None:
    """The rate furthest below its target; None when every measured rate meets its target (calling
    a 100% rate "weakest" would send a reader looking for a problem that is not there) or without data."""
    measured = [(row[k] - f, k) for k, f in rate_floors().items() if row.get(k) is not None and row[k] < f]
    if not measured:
        return None
    _gap, key = min(measured)
    return key, row[key]


def for_units(area: Area, month: Month, unit_ranking: list[dict], area_metrics, now: datetime | None = None) -> list[dict]:
    units = {u.code: u for u in Unit.objects.filter(code__in=[r["code"] for r in unit_ranking])}
    ids = [u.pk for u in units.values()]
    recurring = _recurring(area, month, ids)
    reopened = _reopened(area, month)
    labels = rate_labels()
    kinds = dict(UnitKind.choices)
    out = []
    for row in unit_ranking:
        unit = units.get(row["code"])
        if unit is None:
            continue
        weak = weakest(row)
        said = sentences(row, recurring.get(unit.pk, []), reopened.get(unit.pk, 0), area_metrics)
        out.append({
            "code": unit.code, "name": unit.name, "kind": str(kinds.get(unit.kind, unit.kind)), "rank": row["rank"],
            "dispatched": row["dispatched"], "score": row["score"], "response_rate": row["response_rate"],
            "resolution_rate": row["resolution_rate"], "satisfaction_rate": row["satisfaction_rate"],
            "on_time_rate": row["on_time_rate"], "overdue": row["overdue"], "reopened": reopened.get(unit.pk, 0),
            "weakest": labels[weak[0]] if weak else "", "weakest_value": weak[1] if weak else None,
            "recurring": [f"{name} {n}" for name, n in recurring.get(unit.pk, [])],
            "issues": len(said),
            "sentences": said or [_("All figures meet their targets this month: keep the current practice.")],
        })
    # The units that most need attention first: most sentences, then the weakest score.
    out.sort(key=lambda r: (-r["issues"], r["score"] if r["score"] is not None else 101, r["code"]))
    return out
