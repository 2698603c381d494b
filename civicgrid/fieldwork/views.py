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
from civicgrid.workorders.intake import GRID_ROLES, IntakeForbidden

from . import selectors, services
from .forms import EndPatrolForm, SnapForm, VisitForm

RECENT_VISITS = 5


def _field_jurisdiction(request) -> Jurisdiction:
    jurisdiction = jurisdiction_for(request.user)
    if not jurisdiction.has_role(*GRID_ROLES):
        raise PermissionDenied(_("These pages are for grid workers and grid leaders."))
    return jurisdiction


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


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
            _add_errors(form, exc)
        else:
            return render(request, "fieldwork/snap_done.html", {"appeal": result.appeal, "order": result.order})
    grids = selectors.my_grids(jurisdiction)
    return render(request, "fieldwork/snap.html", {
        "form": form, "needs_map": True, "grid_codes": [g.code for g in grids],
    }, status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def visits(request):
    jurisdiction = _field_jurisdiction(request)
    grids = selectors.my_grids(jurisdiction)
    households = list(selectors.households_for_choice(jurisdiction, grids))
    form = VisitForm(request.POST or None, request.FILES or None, grids=grids, households=households)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        grid = next(g for g in grids if g.code == data["grid"])
        household = next((h for h in households if h.pk == data["household"]), None)
        try:
            visit = services.log_visit(
                actor=request.user, grid=grid, kind=data["kind"], household=household, summary=data["summary"],
                needs=data["needs"], follow_up=data["follow_up"], finding_text=data["finding_text"],
                photos=data["photos"])
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            if visit.appeal_id:
                messages.success(request, _("Visit logged; the problem was filed as appeal %(n)s.")
                                 % {"n": visit.appeal.tracking_number})
            else:
                messages.success(request, _("Visit logged."))
            return redirect("fieldwork:visits")
    return render(request, "fieldwork/visits.html", {
        "form": form, "visits": selectors.my_visits(jurisdiction)[:50], "has_grids": bool(grids),
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
