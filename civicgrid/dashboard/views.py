"""The street sub-center (指挥分中心) and district command center pages.

Views parse the area and month, check the reader may see a command center, and hand everything to
the dashboard selectors, which scope every figure by the reader's jurisdiction. The page carries
every number twice: drawn (ECharts, Leaflet) and as tables, for screen readers and no-JS readers.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from civicgrid.people.jurisdiction import jurisdiction_for

from . import selectors
from .api.params import RANKING_KINDS, month_error, parse_month, ranking_kinds_for, this_month

REFRESH_SECONDS = 60
LIST_LIMIT = 20
WALL_LIST_LIMIT = 8

CENTER_TITLES = {"district": _("District command center"), "street": _("Street sub-center"),
                 "community": _("Community center"), "grid": _("Grid")}
KIND_LABELS = {"street": _("Streets"), "community": _("Communities"), "department": _("Departments")}


def _scope(request):
    """(jurisdiction, area) for the request, or the refusal: 403 for people who have no command
    center at all, 404 for an area outside the jurisdiction (the same answer as a missing one)."""
    j = jurisdiction_for(request.user)
    if not selectors.can_see_center(j):
        raise PermissionDenied
    area = selectors.center_area(j, request.GET.get("area") or None)
    if area is None:
        raise Http404
    return j, area


def percent(rate) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def _tiles(summary: dict) -> list[dict]:
    """The figure tiles in reading order; ``tone`` picks the colour of the value."""
    s = summary
    return [
        {"key": "in_today", "label": _("In today"), "value": s["in_today"], "tone": ""},
        {"key": "urgent_today", "label": _("Urgent today"), "value": s["urgent_today"],
         "tone": "bad" if s["urgent_today"] else ""},
        {"key": "open", "label": pgettext_lazy("command center", "Open"), "value": s["open"], "tone": ""},
        {"key": "overdue", "label": pgettext_lazy("command center", "Overdue"), "value": s["overdue"], "tone": "bad" if s["overdue"] else "ok"},
        {"key": "closed_today", "label": _("Closed today"), "value": s["closed_today"], "tone": "ok"},
        {"key": "on_time_rate", "label": _("On-time rate (30 days)"), "value": percent(s["on_time_rate"]),
         "tone": "" if s["on_time_rate"] is None else ("ok" if s["on_time_rate"] >= 0.9 else "warn"),
         # A commander reads 99.8% beside 52 overdue as a contradiction unless told what it counts.
         "hint": _("Of the orders closed in the last 30 days, the share closed by their deadline. "
                   "Open orders past their deadline are not in it: they are counted under Overdue.")},
        {"key": "escalated", "label": _("Escalated / supervised"), "value": s["escalated"],
         "tone": "warn" if s["escalated"] else ""},
        {"key": "whistles_waiting", "label": _("Whistles awaiting report"), "value": s["whistles_waiting"],
         "tone": "warn" if s["whistles_waiting"] else ""},
    ]


def _figures_context(j, area) -> dict:
    summary = selectors.summary(j, area)
    return {"area": area, "summary": summary, "tiles": _tiles(summary), "refresh_seconds": REFRESH_SECONDS}


def _lists_context(j, area, limit: int, wall: bool = False) -> dict:
    return {
        "area": area,
        "wall": wall,
        "urgent_orders": selectors.urgent_orders(j, area, limit=limit),
        "urgent_open": selectors.urgent_open_count(area),
        "overdue_orders": selectors.overdue_orders(j, area, limit=limit),
        "escalated_orders": selectors.escalated_orders(j, area, limit=limit),
        "whistles": selectors.whistles_waiting(j, area, limit=limit),
        # The lists show the first few; their heads say how many there are in all, as the tiles do.
        "overdue_total": selectors.overdue_count(area),
        "escalated_total": selectors.escalated_count(area),
        "whistles_total": selectors.whistles_waiting_count(area),
        "refresh_seconds": REFRESH_SECONDS,
    }


def _rankings_context(request, j, area) -> dict:
    kinds = ranking_kinds_for(area)
    kind = request.GET.get("rank")
    if kind not in RANKING_KINDS or kind not in kinds:
        kind = kinds[0]
    # A month that is not YYYY-MM is named back with the form it takes; the panel shows this month.
    raw = (request.GET.get("month") or "").strip()
    month = parse_month(raw) or this_month()
    start, end = month.bounds()
    ranking = selectors.rankings(j, area, kind, start, end)
    rows = [{**row, "response_pct": percent(row["response_rate"]), "resolution_pct": percent(row["resolution_rate"]),
             "satisfaction_pct": percent(row["satisfaction_rate"])} for row in ranking["rows"]]
    return {
        "rank_kind": kind,
        "rank_tabs": [{"kind": k, "label": KIND_LABELS[k], "current": k == kind} for k in kinds],
        "rank_label": KIND_LABELS[kind],
        "month": month,
        "month_error": month_error(raw) if raw and parse_month(raw) is None else "",
        "rank_rows": rows,
        "red_list": [r for r in rows if r["list"] == "red"],
        "black_list": [r for r in rows if r["list"] == "black"],
    }


def _tools(j) -> dict:
    """Which intelligence pages the toolbar links to: only those the reader may open (a link that
    ends in 403 is worse than none). Each app keeps its own rule; this only asks it."""
    from civicgrid.classify.selectors import can_view_versions
    from civicgrid.duplicates.views import ACCEPTANCE_ROLES
    from civicgrid.proactive.selectors import can_see as can_see_findings
    from civicgrid.reports.selectors import can_report

    return {"classifier": can_view_versions(j), "duplicates": j.is_global or j.has_role(*ACCEPTANCE_ROLES),
            "reports": can_report(j), "proactive": can_see_findings(j), "replies": j.is_staff}


def _map_rows(geojson: dict) -> list[dict]:
    return [f["properties"] for f in geojson.get("features", [])]


def _page_context(request, j, area, *, wall: bool = False) -> dict:
    trend = selectors.trend(j, area)
    categories = selectors.categories(j, area)
    load = selectors.load_map(j, area)
    code = area.code
    return {
        **_figures_context(j, area),
        **_lists_context(j, area, WALL_LIST_LIMIT if wall else LIST_LIMIT, wall=wall),
        # The rankings arrive right after the first paint (their own request), which keeps the
        # page itself within its time budget at a million orders (benchmarks/README.md).
        "rankings_url": _rankings_url(request, area, wall),
        "center_title": CENTER_TITLES.get(area.kind, ""),
        "breadcrumbs": selectors.breadcrumb_links(j, area),
        "trend": trend,
        "categories": categories,
        "map_rows": _map_rows(load),
        "needs_map": True,
        # What dashboard.js needs: the data of the first paint, and where to refresh it from.
        "center_data": {
            "area": {"code": code, "name": area.name, "kind": area.kind},
            "trend": [{**d, "day": d["day"].isoformat()} for d in trend],
            "categories": categories,
            "map": load,
            "urls": {
                "trend": f"{reverse('dashboard-api-trend')}?area={code}",
                "categories": f"{reverse('dashboard-api-categories')}?area={code}",
                "map": f"{reverse('dashboard-api-map')}?area={code}",
            },
            "refresh_seconds": REFRESH_SECONDS,
            "labels": {
                "created": str(_("Received")), "closed": str(_("Closed")), "on_time": str(_("Closed on time")),
                "open": str(pgettext_lazy("command center", "Open")),
                "overdue": str(pgettext_lazy("command center", "Overdue")), "created_30d": str(_("Received (30 days)")),
            },
        },
    }


@login_required
def center(request):
    j, area = _scope(request)
    return render(request, "dashboard/center.html", {**_page_context(request, j, area), "tools": _tools(j)})


@login_required
def wall(request):
    """The district wall screen (大屏): the same figures for a 1920×1080 display, no navigation."""
    j, area = _scope(request)
    return render(request, "dashboard/wall.html", _page_context(request, j, area, wall=True))


@login_required
def figures(request):
    """The figure tiles alone: what the pages poll every minute instead of reloading."""
    j, area = _scope(request)
    return render(request, "dashboard/_figures.html", _figures_context(j, area))


def _rankings_url(request, area, wall: bool) -> str:
    query = request.GET.copy()
    query["area"] = area.code
    if wall:
        query["wall"] = "1"
    return f"{reverse('dashboard:rankings')}?{query.urlencode()}"


@login_required
def rankings(request):
    """The 三率 rankings panel alone (loaded by the pages after their first paint)."""
    j, area = _scope(request)
    return render(request, "dashboard/_rankings.html", {
        "area": area, "wall": bool(request.GET.get("wall")), **_rankings_context(request, j, area)})


@login_required
def participation(request):
    """The participation panel (居民参与) alone: deliberation, wishes, proposals and field work,
    loaded after the first paint like the rankings."""
    from .participation import panels

    j, area = _scope(request)
    return render(request, "dashboard/_participation.html", {"area": area, "panels": panels(j, area)})


@login_required
def lists(request):
    """The overdue, escalated and whistle lists alone, polled like the figures."""
    j, area = _scope(request)
    wall = bool(request.GET.get("wall"))
    return render(request, "dashboard/_lists.html",
                  _lists_context(j, area, WALL_LIST_LIMIT if wall else LIST_LIMIT, wall=wall))
