"""The report's hotspot section (热点) as plain rows, whatever produced them.

The proactive app (``civicgrid.proactive``, ADR 011) detects spikes, clusters, recurring
addresses and hot topics and names the month's top problem (每月一题). It is imported lazily: a
deployment without it, a version that lacks the functions, an error inside it or a month without
findings all fall back to a simple count from the orders (grid × category this month against the
previous month), so the report is always produced and says which source it used.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.dashboard.api.params import Month
from civicgrid.geo.models import PATH_SEPARATOR, Area
from civicgrid.people.jurisdiction import Jurisdiction
from civicgrid.workorders.models import Category, WorkOrder

from .config import option

log = logging.getLogger(__name__)
KIND_ORDER = ("spike", "recurring", "cluster", "topic")

def kind_label(kind: str) -> str:
    labels = {"spike": _("Spike"), "cluster": _("Spatial cluster"), "recurring": _("Recurring at one address"),
              "topic": _("Hot topic"), "growth": _("Frequent in one grid")}
    return labels.get(kind, kind)


def _proactive():
    """The proactive selectors module, or None when it is not there (yet)."""
    try:
        from civicgrid.proactive import selectors
    except ImportError:
        return None
    if not hasattr(selectors, "findings_for"):
        return None
    return selectors


def _from_findings(findings) -> list[dict]:
    rows = []
    for f in findings:
        rows.append({
            "kind": f.kind, "kind_label": kind_label(f.kind), "title": f.title, "place": f.area_name,
            "category": f.category_name, "count": int(f.count),
            "baseline": None if f.expected is None else round(float(f.expected), 1),
            "change": None if not f.expected else round(f.count / float(f.expected) - 1, 4),
            "p_value": f.p_value, "samples": list(f.sample_orders)[:3],
        })
    # The most actionable kinds first (a spike or one address calling again), then by size.
    order = {kind: i for i, kind in enumerate(KIND_ORDER)}
    rows.sort(key=lambda r: (order.get(r["kind"], len(order)), -r["count"], r["place"], r["category"]))
    return rows


def _top_from(problem) -> dict | None:
    if problem is None:
        return None
    return {"title": problem.title, "place": problem.area_name, "category": problem.category_name,
            "count": int(problem.count), "samples": list(problem.sample_orders)[:3],
            "task_order": getattr(problem, "task_order", None)}


def _counts(area: Area, month: Month) -> Counter:
    start, end = month.bounds()
    return Counter({(path, cat): n for path, cat, n in WorkOrder.objects.filter(
        area_path__startswith=area.path, created_at__gte=start, created_at__lt=end)
        .values_list("area_path", "category_id").annotate(n=Count("id")).order_by()})


def fallback(area: Area, month: Month) -> tuple[list[dict], dict | None]:
    """Grid × category counts of the month against the previous month (the orders' own area is
    normally a grid), and the month's top problem as the category × child area with most orders."""
    now, before = _counts(area, month), _counts(area, month.previous)
    minimum = option("hotspot_min_orders")
    keys = [k for k, n in now.items() if n >= minimum]
    names = dict(Area.objects.filter(path__startswith=area.path).values_list("path", "name"))
    cats = {c.pk: c for c in Category.objects.filter(pk__in={k[1] for k in keys} | {k[1] for k in now} - {None})}
    rows = []
    for path, cat_id in keys:
        n, b = now[(path, cat_id)], before.get((path, cat_id), 0)
        cat = cats.get(cat_id)
        place = names.get(path, "")
        cat_name = cat.name if cat else _("Unclassified")
        rows.append({"kind": "growth", "kind_label": kind_label("growth"),
                     "title": _("%(place)s: %(count)d orders about %(category)s") % {
                         "place": place, "count": n, "category": cat_name},
                     "place": place, "category": cat_name, "count": n, "baseline": float(b),
                     "change": None if not b else round(n / b - 1, 4), "p_value": None, "samples": []})
    rows.sort(key=lambda r: (-r["count"], -(r["change"] or 0), r["place"], r["category"]))

    # 每月一题: the child area (street of a district, community of a street) × top-level category
    # with the most orders.
    depth = len([c for c in area.path.split(PATH_SEPARATOR) if c]) + 1
    pairs: Counter = Counter()
    for (path, cat_id), n in now.items():
        codes = [c for c in path.split(PATH_SEPARATOR) if c]
        child = PATH_SEPARATOR.join(codes[:depth]) + PATH_SEPARATOR if len(codes) >= depth else area.path
        root = cats[cat_id].ancestor_codes[0] if cat_id in cats else ""
        pairs[(child, root)] += n
    top = None
    if pairs:
        (child, root), n = sorted(pairs.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        root_name = Category.objects.filter(code=root).values_list("name", flat=True).first() if root else None
        top = {"title": _("%(place)s: %(category)s (%(count)d orders)") % {
                   "place": names.get(child, area.name), "category": root_name or _("Unclassified"), "count": n},
               "place": names.get(child, area.name), "category": root_name or _("Unclassified"), "count": n,
               "samples": [], "task_order": None}
    return rows, top


def hotspots_for(j: Jurisdiction, area: Area, month: Month, now: datetime | None = None) -> dict:
    """{"source": "proactive" | "orders", "rows": [...], "top_problem": {...} | None}."""
    now = now or timezone.now()
    start, end = month.bounds()
    module = _proactive()
    if module is not None:
        try:
            scan_end = min(end, now)
            try:
                findings = module.findings_for(area, start, scan_end, now=scan_end, include_tasked=True)
            except TypeError:
                findings = module.findings_for(area, start, scan_end, now=scan_end)
            top = module.monthly_top_problem(area, month) if hasattr(module, "monthly_top_problem") else None
            rows = _from_findings(findings or [])
            if rows or top is not None:
                return {"source": "proactive", "rows": rows, "top_problem": _top_from(top)}
        except Exception:  # the report must come out even when the detectors fail: say so in the log
            log.warning("proactive findings failed for %s %s; using counts from the orders", area.code, month.code,
                        exc_info=True)
    rows, top = fallback(area, month)
    return {"source": "orders", "rows": rows, "top_problem": top}
