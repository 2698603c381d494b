"""Intake pages: the resident's report form, the grid worker's patrol report (随手拍) and the
hotline operator's entry. They parse, call intake.submit_appeal and show the tracking number.

Every page answers a successful POST with a redirect to the appeal's receipt page
(POST/redirect/GET): an operator who reloads the receipt while the caller waits, or a resident who
reloads theirs, must not take the appeal in a second time."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from civicgrid.geo.models import Area, AreaKind
from civicgrid.people.jurisdiction import jurisdiction_for
from civicgrid.core.forms import add_service_errors

from .forms import AppealForm
from .intake import GRID_ROLES, HOTLINE_ROLES, IntakeForbidden, address_candidates, submit_appeal
from . import selectors
from .models import Channel

# The tracking numbers a browser session reported, so that an anonymous reporter may reload the
# receipt; the last few are enough for that.
REPORTED_SESSION_KEY = "workorders.reported"
REPORTED_SESSION_KEEP = 20

PAGE_TITLES = {"web": gettext_lazy("Report a problem"), "patrol": gettext_lazy("Patrol report (随手拍)"),
               "hotline": gettext_lazy("Hotline entry")}


def _initial(request, channel: str) -> dict:
    """A signed-in resident need not type their own name and phone again."""
    user = request.user
    if channel != Channel.WEB or not user.is_authenticated or jurisdiction_for(user).is_staff:
        return {}
    return {"reporter_name": user.real_name or "", "reporter_phone": user.phone or ""}


def _map_context(channel: str) -> dict:
    if channel == Channel.HOTLINE:
        return {}
    districts = list(Area.objects.filter(kind=AreaKind.DISTRICT).order_by("code"))
    first = next((d for d in districts if d.centroid_lat is not None), None)
    return {"needs_map": True, "district_codes": [d.code for d in districts],
            "map_center": [first.centroid_lat, first.centroid_lon] if first else None}


def _intake_page(request, channel: str):
    form = AppealForm(request.POST or None, request.FILES or None, channel=channel, initial=_initial(request, channel))
    candidates = []
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        photos = data.pop("photos", [])
        try:
            result = submit_appeal(channel=channel, actor=request.user, photos=photos,
                                   **{"title": "", **data, "text": data.get("text", "")})
        except IntakeForbidden as exc:
            raise PermissionDenied(exc.messages[0]) from exc
        except ValidationError as exc:
            candidates = address_candidates(exc)
            add_service_errors(form, exc)
        else:
            if channel == Channel.WEB:
                _remember_report(request, result.appeal.tracking_number)
            return redirect("workorders:receipt", tracking_number=result.appeal.tracking_number)
    return render(request, "workorders/report_form.html", {
        "form": form, "channel": channel, "candidates": candidates, "page_title": PAGE_TITLES[channel],
        **_map_context(channel)}, status=400 if request.method == "POST" else 200)


def _progress_url(request, appeal) -> str:
    """Where the resident's 查看办理进度 leads: their own appeal page when they filed it signed in
    (no phone and SMS code to ask again), else the public tracking page."""
    if request.user.is_authenticated and appeal.reporter_id == request.user.pk:
        return reverse("portal:mine-detail", args=[appeal.tracking_number])
    return reverse("workorders:track", args=[appeal.tracking_number])


def _receipt_page(request, appeal, order):
    return render(request, "workorders/report_done.html", {
        "appeal": appeal, "order": order, "channel": appeal.channel, "page_title": _("Appeal received"),
        "progress_url": _progress_url(request, appeal)})


def _remember_report(request, tracking_number: str) -> None:
    """An anonymous report has no reporter to own it: the browser session that sent it may open
    its receipt again (a reload, the back button)."""
    numbers = [n for n in request.session.get(REPORTED_SESSION_KEY, []) if n != tracking_number]
    request.session[REPORTED_SESSION_KEY] = (numbers + [tracking_number])[-REPORTED_SESSION_KEEP:]


@require_http_methods(["GET", "HEAD"])
def receipt(request, tracking_number: str):
    """The receipt of an appeal: a resident's web appeal for whoever filed it (the signed-in
    reporter or the session that sent it), a hotline or patrol appeal for staff who may see its
    order; 404 for anyone else. An anonymous visitor with neither is sent to sign in, whatever
    the number, so the answer tells nothing about which numbers exist."""
    jurisdiction = jurisdiction_for(request.user)
    appeal = selectors.reporter_receipt_appeal(jurisdiction, tracking_number,
                                               request.session.get(REPORTED_SESSION_KEY, []))
    if appeal is None and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if appeal is None:
        appeal = selectors.receipt_appeal(jurisdiction, tracking_number)
    if appeal is None:
        raise Http404()
    return _receipt_page(request, appeal, appeal.order)


@require_http_methods(["GET", "POST"])
def report(request):
    return _intake_page(request, Channel.WEB)


@login_required
@require_http_methods(["GET", "POST"])
def patrol(request):
    if not jurisdiction_for(request.user).has_role(*GRID_ROLES):
        raise PermissionDenied(_("Only grid workers file patrol reports."))
    return _intake_page(request, Channel.PATROL)


@login_required
@require_http_methods(["GET", "POST"])
def hotline(request):
    if not jurisdiction_for(request.user).has_role(*HOTLINE_ROLES):
        raise PermissionDenied(_("Only hotline operators and dispatchers enter hotline appeals."))
    return _intake_page(request, Channel.HOTLINE)
