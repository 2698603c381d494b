"""Web pages of duplicate detection: the suggestion panels (hotline entry, order page), the
merge and "me too" actions, and the acceptance figures. Views parse, authorise, call, render."""

from __future__ import annotations

import math
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civicgrid.geo.models import Building
from civicgrid.people.jurisdiction import jurisdiction_for
from civicgrid.people.models import Role
from civicgrid.workorders import addressbook
from civicgrid.workorders import selectors as order_selectors
from civicgrid.workorders import services as order_services
from civicgrid.workorders.forms import AppealForm
from civicgrid.workorders.intake import HOTLINE_ROLES, IntakeForbidden, address_candidates
from civicgrid.workorders.models import Category, Channel, Status
from civicgrid.workorders.transitions import TRANSITIONS
from civicgrid.core.forms import add_service_errors

from . import selectors, services

ME_TOO_SESSION = "duplicates_me_too"
# Orders still waiting for their first dispatch: the ones worth merging before anyone works twice.
MERGEABLE_FIRST = (Status.NEW, Status.RETURNED)
ACCEPTANCE_ROLES = (Role.DISTRICT_COMMANDER, Role.STREET_DISPATCHER)


def _float(value):
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _session_key(request) -> str:
    if not request.session.session_key:
        request.session.save()
    return request.session.session_key or ""


def _place(request) -> tuple[float | None, float | None]:
    """The point typed, else the building chosen, else the address if the address book knows it."""
    lon, lat = _float(request.GET.get("lon")), _float(request.GET.get("lat"))
    if lon is not None and lat is not None:
        return lon, lat
    code = (request.GET.get("building_code") or "").strip()
    building = Building.objects.filter(code=code).first() if code else None
    if building is None and (request.GET.get("address") or "").strip():
        match = addressbook.match_address(request.GET["address"])
        if match.found:
            building = Building.objects.filter(pk=match.building_id).first()
    return (building.lon, building.lat) if building is not None else (None, None)


# --- hotline entry -------------------------------------------------------------------------------
@login_required
@require_GET
def intake_panel(request):
    """htmx: open orders of the operator's jurisdiction that the appeal being typed may repeat."""
    jurisdiction = jurisdiction_for(request.user)
    if not jurisdiction.has_role(*HOTLINE_ROLES):
        raise PermissionDenied(_("Only hotline operators and dispatchers enter hotline appeals."))
    text = f"{request.GET.get('title', '')}\n{request.GET.get('text', '')}"
    code = (request.GET.get("category_code") or "").strip()
    category = Category.objects.filter(code=code, is_active=True).first() if code else None
    # No category typed yet: the text decides (a guessed category would hide the order when wrong).
    lon, lat = _place(request)
    found = selectors.find(selectors.staff_orders(jurisdiction), text=text, lon=lon, lat=lat, category=category)
    services.record_shown(request.user, found, surface="intake")
    return render(request, "duplicates/_intake.html", {"suggestions": found})


@login_required
@require_POST
def intake_merge(request, number: str):
    """The hotline form submitted with "take in and merge into this order"."""
    jurisdiction = jurisdiction_for(request.user)
    if not jurisdiction.has_role(*HOTLINE_ROLES):
        raise PermissionDenied(_("Only hotline operators and dispatchers enter hotline appeals."))
    target = order_selectors.get_order(jurisdiction, number)
    if target is None:
        raise Http404()
    form = AppealForm(request.POST, channel=Channel.HOTLINE)
    candidates = []
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        data.pop("photos", None)
        try:
            result = services.submit_and_merge(request.user, target, channel=Channel.HOTLINE,
                                               **{"title": "", **data, "text": data.get("text", "")})
        except IntakeForbidden as exc:
            raise PermissionDenied(exc.messages[0]) from exc
        except ValidationError as exc:
            candidates = address_candidates(exc)
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Appeal %(tracking)s was taken in and merged into order %(n)s.")
                             % {"tracking": result.appeal.tracking_number, "n": target.number})
            return redirect("workorders:detail", number=target.number)
    return render(request, "workorders/report_form.html", {
        "form": form, "channel": Channel.HOTLINE, "candidates": candidates, "page_title": _("Hotline entry")},
        status=400)


# --- the order page ------------------------------------------------------------------------------
@login_required
@require_GET
def order_panel(request, number: str):
    """htmx: for a new order, the older open orders it may repeat, each with one-click merge."""
    jurisdiction = jurisdiction_for(request.user)
    order = order_selectors.get_order(jurisdiction, number)
    if order is None:
        raise Http404()
    can_merge = order.status in MERGEABLE_FIRST and order_services.can_make(request.user, order, TRANSITIONS["merge"])
    if not can_merge:
        return HttpResponse("")
    found = selectors.for_order(jurisdiction, order)
    services.record_shown(request.user, found, surface="order", for_order=order)
    return render(request, "duplicates/_order.html", {"order": order, "suggestions": found})


@login_required
@require_POST
def order_merge(request, number: str):
    jurisdiction = jurisdiction_for(request.user)
    order = order_selectors.get_order(jurisdiction, number)
    target = order_selectors.get_order(jurisdiction, (request.POST.get("target") or "").strip())
    if order is None or target is None:
        raise Http404()
    version = request.POST.get("version", "")
    try:
        services.merge_from_suggestion(request.user, order, target, surface="order",
                                       expected_version=int(version) if version.isdigit() else None)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("workorders:detail", number=order.number)
    messages.success(request, _("Order %(n)s was merged into %(target)s.") % {"n": order.number, "target": target.number})
    return redirect("workorders:detail", number=target.number)


# --- me too ----------------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def me_too(request, number: str):
    """"Me too" on an open order from the portal's hint. A visitor signs in with their phone and a
    code first (the portal's own sign-in); what they typed waits in the session meanwhile."""
    order = selectors.public_orders().filter(number=number).select_related("category").first()
    if order is None:
        raise Http404()
    here = reverse("duplicates:me-too", args=[number])
    if request.method == "POST" and not request.user.is_authenticated:
        request.session[ME_TOO_SESSION] = {"number": number, "text": (request.POST.get("text") or "")[:2000]}
        return redirect(f"{reverse('people:resident_login')}?{urlencode({'next': here})}")
    saved = request.session.get(ME_TOO_SESSION) or {}
    text = request.POST.get("text") if request.method == "POST" else (
        saved.get("text", "") if saved.get("number") == number else "")
    error = ""
    if request.method == "POST" and request.POST.get("confirm") == "1":
        try:
            appeal = services.join_me_too(request.user, order, text=text or "", session_key=_session_key(request))
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            request.session.pop(ME_TOO_SESSION, None)
            messages.success(request, _("Thank you: your report was added to order %(n)s. Your tracking number is "
                                        "%(tracking)s.") % {"n": order.number, "tracking": appeal.tracking_number})
            return redirect("portal:mine-detail", tracking_number=appeal.tracking_number)
    from civicgrid.workorders.services import mask_text

    return render(request, "duplicates/me_too.html", {
        "order": order, "title": mask_text(order.title, order), "text": text or "", "error": error,
        "joined": selectors.has_joined(request.user, order),
        "login_url": f"{reverse('people:resident_login')}?{urlencode({'next': here})}",
    }, status=400 if error else 200)


# --- acceptance ------------------------------------------------------------------------------------
@login_required
@require_GET
def acceptance(request):
    """District and street staff: how often the suggestions shown were taken, per surface."""
    jurisdiction = jurisdiction_for(request.user)
    if not jurisdiction.has_role(*ACCEPTANCE_ROLES):
        raise PermissionDenied(_("The acceptance figures are for district and street staff."))
    try:
        days = max(1, min(int(request.GET.get("days", 30)), 3650))
    except ValueError:
        days = 30
    since = timezone.now() - timedelta(days=days)
    rows = selectors.acceptance(jurisdiction, since=since)
    shown = sum(r.shown for r in rows)
    taken = sum(r.taken for r in rows)
    return render(request, "duplicates/acceptance.html", {
        "rows": rows, "days": days, "shown": shown, "taken": taken,
        "rate": taken / shown if shown else None, "me_too": selectors.me_too_total(jurisdiction, since=since),
        "rules": selectors.active_rules(),
    })


def portal_hint(request, **query) -> list[selectors.PublicSuggestion]:
    """The portal's similar-problem hint (called by portal.views.similar): the engine's public
    suggestions, logged as shown."""
    shown, found = selectors.public_similar(**query)
    services.record_shown(request.user, found, surface="portal", session_key=_session_key(request) if found else "")
    return shown
