"""The grid worker's phone pages: patrol and visit log, one-tap report, my grid, my open orders.

They parse, check that the user works in a grid, call the services or selectors and render.
A grid that is not the user's answers 404 like a missing one.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from civicgrid.people.jurisdiction import Jurisdiction, jurisdiction_for
from civicgrid.people.models import CITIZEN_ROLES
from civicgrid.workorders.intake import GRID_ROLES, IntakeForbidden
from civicgrid.core.forms import add_service_errors

from . import selectors, services
from .filters import PatrolFilterSet
from .forms import CarePolicyForm, EndPatrolForm, SnapForm, VisitForm
from .periods import Month, parse_month, this_month

CITIZEN_ROLE_NAMES = {str(r) for r in CITIZEN_ROLES}

RECENT_VISITS = 5


def _field_jurisdiction(request) -> Jurisdiction:
    jurisdiction = jurisdiction_for(request.user)
    if not jurisdiction.has_role(*GRID_ROLES):
        raise PermissionDenied(_("These pages are for grid workers and grid leaders."))
    return jurisdiction


def _duration_minutes(patrol, now) -> int:
    return int((now - patrol.started_at).total_seconds() // 60)


@login_required
def home(request):
    jurisdiction = _field_jurisdiction(request)
    now = timezone.now()
    patrol = selectors.open_patrol(jurisdiction)
    return render(request, "fieldwork/home.html", {
        "figures": selectors.grid_figures(jurisdiction, now=now),
        "patrol": patrol,
        "patrol_minutes": _duration_minutes(patrol, now) if patrol else None,
        "visits": selectors.my_visits(jurisdiction)[:RECENT_VISITS],
        "end_form": EndPatrolForm(),
        "care_overdue": len(selectors.my_overdue_care(jurisdiction, now=now)),
    })


@login_required
@require_POST
def patrol_start(request):
    jurisdiction = _field_jurisdiction(request)
    grid = selectors.my_grid(jurisdiction, request.POST.get("grid", ""))
    if grid is None:
        raise Http404()
    try:
        services.start_patrol(actor=request.user, grid=grid)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Patrol of %(grid)s started.") % {"grid": grid.name})
    return redirect("fieldwork:home")


@login_required
@require_POST
def patrol_end(request, patrol_id: int):
    jurisdiction = _field_jurisdiction(request)
    patrol = selectors.patrol_of(jurisdiction, patrol_id)
    if patrol is None:
        raise Http404()
    form = EndPatrolForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors.get("note", []))
        services.end_patrol(actor=request.user, patrol=patrol, note=form.cleaned_data["note"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Patrol ended."))
    return redirect("fieldwork:home")


@login_required
@require_http_methods(["GET", "POST"])
def snap(request):
    jurisdiction = _field_jurisdiction(request)
    form = SnapForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = services.snap_report(actor=request.user, photos=data["photos"], lon=data.get("lon"),
                                          lat=data.get("lat"), text=data["text"],
                                          category_code=data.get("category_code"), accuracy=data.get("accuracy"))
        except IntakeForbidden as exc:
            raise PermissionDenied(exc.messages[0]) from exc
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return render(request, "fieldwork/snap_done.html", {"appeal": result.appeal, "order": result.order})
    grids = selectors.my_grids(jurisdiction)
    return render(request, "fieldwork/snap.html", {
        "form": form, "needs_map": True, "grid_codes": [g.code for g in grids],
    }, status=400 if request.method == "POST" else 200)


def _safe_next(value: str) -> str | None:
    """Only the care list may be returned to after a visit (no open redirects)."""
    return value if value in ("/field/care/",) else None


@login_required
@require_http_methods(["GET", "POST"])
def visits(request):
    jurisdiction = _field_jurisdiction(request)
    grids = selectors.my_grids(jurisdiction)
    households = list(selectors.households_for_choice(jurisdiction, grids))
    initial = {}
    chosen = next((h for h in households if str(h.pk) == request.GET.get("household", "")), None)
    if chosen is not None:
        initial = {"household": chosen.pk, "kind": "household", "grid": chosen.building.grid.code,
                   "next": _safe_next(request.GET.get("next", "")) or ""}
    form = VisitForm(request.POST or None, request.FILES or None, grids=grids, households=households, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        grid = next(g for g in grids if g.code == data["grid"])
        household = next((h for h in households if h.pk == data["household"]), None)
        try:
            visit = services.log_visit(
                actor=request.user, grid=grid, kind=data["kind"], household=household, summary=data["summary"],
                needs=data["needs"], follow_up=data["follow_up"], finding_text=data["finding_text"],
                photos=data["photos"], category_code=data.get("category_code") or None,
                lon=data.get("lon"), lat=data.get("lat"))
        except IntakeForbidden as exc:
            raise PermissionDenied(exc.messages[0]) from exc
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if visit.appeal_id:
                appeal = visit.appeal
                messages.success(request, _("Visit logged; the problem was filed as appeal %(n)s (order %(order)s, "
                                            "category %(category)s).")
                                 % {"n": appeal.tracking_number, "order": appeal.order.number,
                                    "category": appeal.order.category.name if appeal.order.category else _("none")})
            else:
                messages.success(request, _("Visit logged."))
            return redirect(_safe_next(data.get("next") or "") or "fieldwork:visits")
    return render(request, "fieldwork/visits.html", {
        "form": form, "visits": selectors.my_visits(jurisdiction)[:50], "has_grids": bool(grids), "tab": "visits",
    }, status=400 if request.method == "POST" else 200)


@login_required
def grid(request, code: str):
    jurisdiction = _field_jurisdiction(request)
    area = selectors.my_grid(jurisdiction, code)
    if area is None:
        raise Http404()
    building = None
    households = []
    if request.GET.get("building"):
        building = selectors.building_in_grid(jurisdiction, area, request.GET["building"])
        if building is None:
            raise Http404()
        households = selectors.households_of(jurisdiction, building)
    return render(request, "fieldwork/grid.html", {
        "grid": area, "buildings": selectors.buildings_of(jurisdiction, area), "building": building,
        "households": households,
    })


@login_required
def orders(request):
    jurisdiction = _field_jurisdiction(request)
    return render(request, "fieldwork/orders.html", {"orders": selectors.my_open_orders(jurisdiction)[:200]})


# --- overviews for grid workers and staff ------------------------------------------------------------
def _area_jurisdiction(request) -> Jurisdiction:
    """Staff who act within an area (grid workers up to the district command center)."""
    jurisdiction = jurisdiction_for(request.user)
    if not selectors.may_read_fieldwork(jurisdiction):
        raise PermissionDenied(_("These pages are for staff who work within an area."))
    return jurisdiction


def _is_field_worker(jurisdiction: Jurisdiction) -> bool:
    return not jurisdiction.is_global and jurisdiction.has_role(*GRID_ROLES) and not (
        set(jurisdiction.roles) - {str(r) for r in GRID_ROLES} - CITIZEN_ROLE_NAMES)


@login_required
def care(request):
    """需关爱走访: key-group households overdue for a visit, the most overdue first. A grid worker sees
    their grids; other staff their household scope, or one grid of it (``?grid=CODE``)."""
    jurisdiction = _area_jurisdiction(request)
    now = timezone.now()
    grid_area = None
    if request.GET.get("grid"):
        grid_area = selectors.area_for(jurisdiction, request.GET["grid"])
        if grid_area is None or grid_area.kind != "grid" or not jurisdiction.covers_household_path(grid_area.path):
            raise Http404()
    worker = _is_field_worker(jurisdiction)
    if worker and grid_area is None:
        dues = selectors.my_overdue_care(jurisdiction, now=now)
    else:
        dues = selectors.overdue_care(jurisdiction, grid=grid_area, now=now)
    return render(request, "fieldwork/care.html", {
        "rows": selectors.care_rows(dues[:300], now=now), "total": len(dues), "grid": grid_area, "worker": worker,
        "policies": selectors.policies_for(jurisdiction), "tab": "care", "staff_tab": "care",
        "grids": selectors.my_grids(jurisdiction) if worker else [],
        "may_set_rules": selectors.may_set_care_rules(jurisdiction),
    })


# --- care rules: read by everyone with an area, set by the district command center ------------------
def _rule_values(form: CarePolicyForm, area) -> dict:
    data = form.cleaned_data
    return {"area": area, "tag": data["tag"], "period": data["period"], "days": data.get("days"),
            "starts_on": data.get("starts_on"), "is_active": data["is_active"], "note": data["note"]}


def _save_rule(request, form: CarePolicyForm, area, *, instance=None):
    """Save the rule through the service: the redirect back to the rules on success, None when the
    service refused (its reasons are then on the form)."""
    try:
        policy = services.save_care_policy(request.user, instance=instance, **_rule_values(form, area))
    except services.FieldworkForbidden as exc:
        raise PermissionDenied(exc.messages[0]) from exc
    except ValidationError as exc:
        add_service_errors(form, exc)
        return None
    messages.success(request, _("Care rule saved: %(rule)s.") % {"rule": policy})
    return redirect("fieldwork:care-rules")


@login_required
@require_http_methods(["GET", "POST"])
def care_rules(request):
    """关爱规则: the rules in force in the reader's areas, with the households each covers and how
    many are overdue now; the district command center adds rules here. Everyone with an area reads
    it (a grid worker needs to know the interval); only those who may set a rule see the form."""
    jurisdiction = _area_jurisdiction(request)
    areas = selectors.care_rule_areas(jurisdiction) if selectors.may_set_care_rules(jurisdiction) else []
    form = None
    if areas:
        form = CarePolicyForm(request.POST or None, areas=areas, initial={"is_active": True,
                                                                          "starts_on": timezone.localdate()})
    elif request.method == "POST":
        raise PermissionDenied(_("Only administrators and the district command center set care rules."))
    if request.method == "POST" and form.is_valid():
        area = next(a for a in areas if a.code == form.cleaned_data["area"])
        saved = _save_rule(request, form, area)
        if saved:
            return saved
    usage = selectors.care_rule_usage(jurisdiction)
    rows = [{"policy": p, "covered": usage.get(p.pk, (0, 0))[0], "overdue": usage.get(p.pk, (0, 0))[1],
             "editable": services.may_set_care_rule(request.user, p.area)}
            for p in selectors.policies_for(jurisdiction)]
    return render(request, "fieldwork/care_rules.html", {
        "rows": rows, "form": form, "counts": jurisdiction.is_global or bool(jurisdiction.household_paths),
        "worker": _is_field_worker(jurisdiction), "tab": "care", "staff_tab": "care",
    }, status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def care_rule_edit(request, policy_id: int):
    """Change one rule (its area stays: a rule elsewhere is a new rule)."""
    jurisdiction = _area_jurisdiction(request)
    policy = selectors.policies_for(jurisdiction).filter(pk=policy_id).first()
    if policy is None:
        raise Http404()
    if not services.may_set_care_rule(request.user, policy.area):
        raise PermissionDenied(_("Only administrators and the district command center set care rules."))
    initial = {f: getattr(policy, f) for f in ("tag", "period", "days", "starts_on", "is_active", "note")}
    form = CarePolicyForm(request.POST or None, fixed_area=policy.area, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = _save_rule(request, form, policy.area, instance=policy)
        if saved:
            return saved
    return render(request, "fieldwork/care_rule_edit.html", {
        "policy": policy, "form": form, "worker": _is_field_worker(jurisdiction), "tab": "care", "staff_tab": "care",
    }, status=400 if request.method == "POST" else 200)


@login_required
def patrols(request):
    """巡查记录: patrols of the reader's grids (and their own), filtered by grid, worker and month."""
    jurisdiction = _area_jurisdiction(request)
    now = timezone.now()
    filterset = PatrolFilterSet(request.GET or None, queryset=selectors.patrol_log(jurisdiction))
    qs = filterset.qs if filterset.is_bound and filterset.is_valid() else selectors.patrol_log(jurisdiction)
    rows = [{"patrol": p, "minutes": selectors.patrol_minutes(p, now), "metres": selectors.route_metres(p.route)}
            for p in qs.select_related("grid", "worker")[:200]]
    return render(request, "fieldwork/patrols.html", {
        "rows": rows, "filterset": filterset, "worker": _is_field_worker(jurisdiction), "tab": "patrols",
        "staff_tab": "patrols", "status": 400 if filterset.is_bound and not filterset.is_valid() else 200,
    }, status=400 if filterset.is_bound and not filterset.is_valid() else 200)


def _month_param(request) -> Month:
    raw = request.GET.get("month", "")
    if not raw:
        return this_month()
    month = parse_month(raw)
    if month is None:
        raise ValidationError({"month": [_("Give the month as YYYY-MM, e.g. 2026-03.")]}, code="invalid")
    return month


@login_required
def coverage(request):
    """走访覆盖率: households visited in a month per grid, community or street, with a bar chart."""
    jurisdiction = _area_jurisdiction(request)
    area = selectors.area_for(jurisdiction, request.GET.get("area"))
    if area is None:
        raise Http404()
    try:
        month = _month_param(request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        month = this_month()
    report = selectors.coverage(jurisdiction, area, month, request.GET.get("level") or None)
    if report is None:
        raise Http404()
    chart = {"labels": [r.area.name for r in report.rows], "percent": [r.percent or 0 for r in report.rows],
             "title": _("Households visited (%)")}
    return render(request, "fieldwork/coverage.html", {
        "report": report, "month": month, "previous": month.previous, "next": _next_month(month),
        "crumbs": [*area.ancestors(), area] if jurisdiction.is_global else [
            a for a in [*area.ancestors(), area] if jurisdiction.covers_path(a.path)],
        "levels": [lv for lv in selectors.LEVEL_ORDER if selectors.LEVEL_ORDER.index(lv) > selectors.LEVEL_ORDER.index(area.kind)],
        "chart": chart, "staff_tab": "coverage", "tab": "coverage", "worker": _is_field_worker(jurisdiction),
    })


def _next_month(month: Month) -> Month | None:
    following = Month(month.next_first)
    return following if following.first <= this_month().first else None


@login_required
def baolian(request):
    """包联 chain of an area, building or household, and the places nobody answers for (staff)."""
    from civicgrid.geo.models import Building, Household
    from civicgrid.people import selectors as people_selectors

    jurisdiction = _area_jurisdiction(request)
    household = building = None
    if request.GET.get("household"):
        household = Household.objects.select_related("building", "building__grid").filter(
            pk=request.GET["household"] if request.GET["household"].isdigit() else None).first()
        if household is None:
            raise Http404()
        area = household.building.grid
    elif request.GET.get("building"):
        building = Building.objects.select_related("grid").filter(code=request.GET["building"]).first()
        if building is None:
            raise Http404()
        area = building.grid
    else:
        area = selectors.area_for(jurisdiction, request.GET.get("area"))
        if area is None:
            raise Http404()
    chain = people_selectors.baolian_chain(jurisdiction, household=household, building=building,
                                           area=area if household is None and building is None else None)
    if chain is None:
        raise Http404()
    gaps = people_selectors.baolian_gaps(jurisdiction, area, limit=100) if household is None and building is None else None
    children = []
    if household is None and building is None and area.kind != "grid":
        children = list(area.children.order_by("code"))
    elif household is None and building is None:
        children = []
    return render(request, "fieldwork/baolian.html", {
        "area": area, "building": building, "household": household, "chain": chain, "gaps": gaps,
        "children": children, "buildings": list(area.buildings.order_by("code")[:200]) if area.kind == "grid"
        and building is None and household is None else [],
        "staff_tab": "baolian", "tab": "baolian", "worker": _is_field_worker(jurisdiction),
        "crumbs": [a for a in [*area.ancestors(), area] if jurisdiction.covers_path(a.path)],
    })
