"""The resident portal (mobile first): report, track, my appeals, echo wall, community notices.
Views parse, authorise, call a selector or service and render."""

from __future__ import annotations

import math

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civicgrid.geo.models import Area, AreaKind, Building
from civicgrid.people.jurisdiction import jurisdiction_for
from civicgrid.proposals import selectors as proposal_selectors
from civicgrid.workorders.errors import OrderError
from civicgrid.core.forms import add_service_errors

from . import selectors, services, tracking
from .forms import NoticeForm, TrackForm
from .progress import progress_context, status_tone


def _float(value):
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _notice_area(request) -> tuple[Area | None, str]:
    """Whose notices to show: the chosen community, else the resident's home area, else the
    district."""
    code = (request.GET.get("community") or "").strip()
    if code:
        chosen = Area.objects.filter(code=code, kind=AreaKind.COMMUNITY).first()
        if chosen is not None:
            return chosen, code
    home = selectors.home_area_for(request.user)
    if home is not None:
        return home, home.code
    return selectors.default_district(), ""


@require_GET
def home(request):
    area, chosen = _notice_area(request)
    is_resident = request.user.is_authenticated and not jurisdiction_for(request.user).is_staff
    return render(request, "portal/home.html", {
        "track_form": TrackForm(), "notices": selectors.notices_for_area(area)[:10], "notice_area": area,
        "communities": selectors.communities(), "chosen": chosen, "is_resident": is_resident,
        "my_count": selectors.my_appeals(request.user).count() if is_resident else 0,
        "my_proposal_count": proposal_selectors.my_proposals(request.user).count() if is_resident else 0,
        "can_publish": request.user.is_authenticated and not is_resident and bool(selectors.publishable_areas(request.user)),
    })


@require_http_methods(["GET", "POST"])
def track_start(request):
    """Track by number: the number and the phone on one page, then the code on the tracking page."""
    form = TrackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        number = form.cleaned_data["tracking_number"]
        try:
            services.request_track_code(number, form.cleaned_data["phone"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            tracking.remember_asked(request.session, number)
            messages.info(request, _("If the tracking number and the phone belong to one appeal, a code has been sent "
                                     "to that phone by SMS. No text? Check both and ask again in a minute."))
            return redirect("workorders:track", tracking_number=number)
    return render(request, "portal/track_start.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_GET
def mine(request):
    appeals = list(selectors.my_appeals(request.user)[:100])
    rows = [{"appeal": a, "tone": status_tone(a.order.status)} for a in appeals]
    return render(request, "portal/mine.html", {"rows": rows})


@login_required
@require_GET
def mine_detail(request, tracking_number: str):
    appeal = selectors.my_appeal(request.user, tracking_number)
    if appeal is None:
        raise Http404()
    return render(request, "portal/mine_detail.html", progress_context(request, appeal))


@login_required
@require_POST
def withdraw(request, tracking_number: str):
    appeal = selectors.my_appeal(request.user, tracking_number)
    if appeal is None:
        raise Http404()
    try:
        services.withdraw_appeal(request.user, appeal.order, reason=request.POST.get("reason", ""))
    except OrderError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Your appeal was withdrawn."))
    return redirect("portal:mine-detail", tracking_number=tracking_number)


@require_GET
def address_suggest(request):
    """htmx: the address book's buildings that fit what has been typed (public addresses only)."""
    candidates = selectors.address_suggestions(request.GET.get("address", ""))
    where = {b.code: b for b in Building.objects.filter(code__in=[c.code for c in candidates])}
    items = [{"code": c.code, "address": c.address, "lon": where[c.code].lon, "lat": where[c.code].lat}
             for c in candidates if c.code in where]
    return render(request, "portal/_address_suggestions.html", {"items": items,
                                                                 "typed": request.GET.get("address", "").strip()})


@require_GET
def similar(request):
    """htmx: open problems nearby that look like the one being reported."""
    lon, lat = _float(request.GET.get("lon")), _float(request.GET.get("lat"))
    code = (request.GET.get("building_code") or "").strip()
    if (lon is None or lat is None) and code:
        building = Building.objects.filter(code=code).first()
        if building is not None:
            lon, lat = building.lon, building.lat
    from civicgrid.duplicates import views as duplicates

    orders = duplicates.portal_hint(request, lon=lon, lat=lat, text=request.GET.get("text", ""),
                                    category_code=request.GET.get("category_code", ""))
    return render(request, "portal/_similar.html", {"orders": orders})


@login_required
@require_http_methods(["GET", "POST"])
def notice_new(request):
    """Community, street and district staff publish a notice for an area they answer for."""
    areas = selectors.publishable_areas(request.user)
    if not areas:
        raise PermissionDenied(_("Only community, street and district staff publish notices."))
    form = NoticeForm(request.POST or None, areas=areas)
    if request.method == "POST" and form.is_valid():
        try:
            services.publish_notice(request.user, area=form.cleaned_data["area"], title=form.cleaned_data["title"],
                                    body=form.cleaned_data["body"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The notice was published."))
            return redirect("portal:notice-new")
    return render(request, "portal/notice_new.html", {
        "form": form, "notices": selectors.notices_published_by_jurisdiction(request.user)[:30],
    }, status=400 if form.errors else 200)


@login_required
@require_POST
def notice_withdraw(request, pk: int):
    notice = selectors.notices_published_by_jurisdiction(request.user).filter(pk=pk).first()
    if notice is None:
        raise Http404()
    try:
        services.withdraw_notice(request.user, notice)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The notice was withdrawn."))
    return redirect("portal:notice-new")
