"""Web pages of hotspots and proactive tasks: the /proactive/ page, the command-center panel (loaded
after the first paint) and the two buttons (turn a finding into a task, confirm 每月一题). They parse,
authorise through the selectors and call the services."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from civicgrid.dashboard.api.params import parse_month, this_month
from civicgrid.people.jurisdiction import jurisdiction_for
from civicgrid.workorders.selectors import visible_numbers

from . import selectors, services
from .models import FindingKind

KIND_ORDER = [FindingKind.SPIKE, FindingKind.CLUSTER, FindingKind.RECURRING, FindingKind.TOPIC]
PANEL_LIMIT = 5
PAGE_TOPICS = 10   # the page lists the hottest topics; "all" shows the rest


def _scope(request, code=None):
    j = jurisdiction_for(request.user)
    if not selectors.can_see(j):
        raise PermissionDenied
    area = selectors.area_for(j, code if code is not None else (request.GET.get("area") or None))
    if area is None:
        raise Http404
    return j, area


SAMPLES_SHOWN = 3


def _grouped(found, limits: dict, tasked: dict | None = None, visible: set | None = None) -> list[dict]:
    """Findings by kind; each row is (finding, the task order covering it, its sample orders). Only
    orders the reader may open are named (``visible``): a district topic read by a community holds
    orders of other communities, whose links answered 404."""
    groups = []
    tasked = tasked or {}
    visible = visible or set()
    for kind in KIND_ORDER:
        rows = [f for f in found if f.kind == kind]
        limit = limits.get(kind)
        shown = rows[:limit] if limit else rows
        groups.append({"kind": kind, "label": FindingKind(kind).label, "rows": shown,
                       "pairs": [(f, tasked.get(f.key) if tasked.get(f.key) in visible else None,
                                  [n for n in f.sample_orders if n in visible][:SAMPLES_SHOWN]) for f in shown],
                       "total": len(rows), "more": max(len(rows) - limit, 0) if limit else 0})
    return groups


def _context(request, j, area, limit=None) -> dict:
    now = selectors.current(j, area)
    month = parse_month(request.GET.get("month")) or this_month()
    if limit:
        limits = {kind: limit for kind in KIND_ORDER}
    else:
        limits = {} if request.GET.get("all") else {FindingKind.TOPIC: PAGE_TOPICS}
    tasked = selectors.open_tasks_sharing_orders(j, area, now.findings)
    top = selectors.monthly_top_problem(area, month)
    visible = visible_numbers(j, [n for f in now.findings for n in f.sample_orders] + list(tasked.values())
                              + [top.task_order if top else None])
    return {
        "area": area, "groups": _grouped(now.findings, limits, tasked, visible),
        "found_count": len(now.findings),
        "topics_as_of": now.topics_as_of, "top": top, "month": month,
        "top_task_visible": bool(top and top.task_order in visible),
        "next": request.get_full_path(), "can_rescan": j.covers_path(area.path),
    }


@login_required
def page(request):
    j, area = _scope(request)
    context = _context(request, j, area)
    clusters = [{"lat": f.evidence["centre"]["lat"], "lon": f.evidence["centre"]["lon"], "radius": f.evidence["radius_m"],
                 "title": f.title, "count": f.count}
                for g in context["groups"] if g["kind"] == FindingKind.CLUSTER for f in g["rows"]]
    context.update(needs_map=True, tasks=selectors.tasks_for(j, area)[:100],
                   map_data={"clusters": clusters, "area": area.boundary})
    return render(request, "proactive/page.html", context)


@login_required
def panel(request):
    """The command-center panel alone (dashboard/center.html loads it after its first paint). Its
    buttons come back to the page that embeds it (htmx names it), else to the command center."""
    j, area = _scope(request)
    context = _context(request, j, area, limit=PANEL_LIMIT)
    embedding = urlsplit(request.headers.get("HX-Current-URL", ""))
    if embedding.path and url_has_allowed_host_and_scheme(request.headers["HX-Current-URL"],
                                                          allowed_hosts={request.get_host()}):
        context["next"] = embedding.path + (f"?{embedding.query}" if embedding.query else "")
    else:
        context["next"] = f"{reverse('dashboard:center')}?area={area.code}"
    return render(request, "proactive/_panel.html", context)


def _back(request, area) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return f"{reverse('proactive:page')}?area={area.code}"


@login_required
@require_POST
def create_task(request):
    j, area = _scope(request, request.POST.get("area") or None)
    finding = selectors.find_finding_for_task(j, request.POST.get("key", ""), area=area)
    if finding is None:
        messages.error(request, _no_finding())
        return redirect(_back(request, area))
    try:
        task = services.create_task_from_finding(actor=request.user, finding=finding)
    except services.ProactiveError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _created(task))
    return redirect(_back(request, area))


@login_required
@require_POST
def rescan(request):
    """"重新扫描": the area's scan now (seconds on a busy district), then back to the page."""
    from django.utils import formats, timezone
    from django.utils.translation import gettext as _

    j, area = _scope(request, request.POST.get("area") or None)
    try:
        snap = services.rescan_area(actor=request.user, area=area)
    except services.ProactiveError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(area)s rescanned: findings as of %(time)s.") % {
            "area": area.name, "time": formats.date_format(timezone.localtime(snap.as_of), "Y-m-d H:i")})
    return redirect(_back(request, area))


@login_required
@require_POST
def confirm_monthly(request):
    j, area = _scope(request, request.POST.get("area") or None)
    month = parse_month(request.POST.get("month")) or this_month()
    try:
        task = services.confirm_monthly_problem(actor=request.user, area=area, month=month)
    except services.ProactiveError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _created(task))
    return redirect(_back(request, area))


def _no_finding() -> str:
    from django.utils.translation import gettext as _

    return _("That finding is no longer current; the list has been refreshed.")


def _created(task) -> str:
    from django.utils.translation import gettext as _

    return _("Proactive task created: work order %(number)s.") % {"number": task.order.number}
