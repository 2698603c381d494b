"""The resident's tracking page (linked from SMS and notifications): whoever knows the tracking
number proves they made the appeal with a one-time code texted to the phone on record; the page
then shows status, public history, answer and photos for a while. A signed-in resident who made
the appeal needs no code."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from civicgrid.portal import services as portal_services
from civicgrid.portal import tracking
from civicgrid.portal.progress import progress_context

from . import selectors
from .models import Appeal


def _signed_in_reporter(request, appeal: Appeal | None) -> bool:
    return appeal is not None and request.user.is_authenticated and appeal.reporter_id == request.user.pk


def _send(request, tracking_number: str):
    phone = (request.POST.get("phone") or "").strip()
    appeal = selectors.track_appeal(tracking_number, phone)
    if _signed_in_reporter(request, appeal):
        tracking.remember_verified(request.session, tracking_number)
        return redirect("workorders:track", tracking_number=tracking_number)
    try:
        portal_services.request_track_code(tracking_number, phone)
    except ValidationError as exc:
        return _page(request, tracking_number, "phone", error=" ".join(exc.messages), phone=phone, status=400)
    tracking.remember_asked(request.session, tracking_number)
    messages.info(request, _("If the tracking number and the phone belong to one appeal, a code has been sent "
                             "to that phone by SMS. No text? Check both and ask again in a minute."))
    return redirect("workorders:track", tracking_number=tracking_number)


def _verify(request, tracking_number: str):
    if tracking.is_locked(request.session, tracking_number):
        return _page(request, tracking_number, "code", error=_locked_message(), status=400)
    appeal, failure = portal_services.verify_track_code(tracking_number, request.POST.get("code", ""))
    if appeal is not None:
        tracking.remember_verified(request.session, tracking_number)
        return redirect("workorders:track", tracking_number=tracking_number)
    wrong = tracking.count_wrong(request.session, tracking_number)
    if failure == "locked" or wrong >= tracking.MAX_WRONG:
        return _page(request, tracking_number, "code", error=_locked_message(), status=400)
    return _page(request, tracking_number, "code", status=400, error=_(
        "The code is wrong or has expired. %(left)d tries left.") % {"left": tracking.MAX_WRONG - wrong})


def _locked_message() -> str:
    return _("Three wrong codes: this code is locked. Ask for a new code.")


def _page(request, tracking_number: str, step: str, *, error: str = "", phone: str = "", status: int = 200):
    context = {"tracking_number": tracking_number, "step": step, "error": error, "phone": phone,
               "locked": tracking.is_locked(request.session, tracking_number)}
    if step == "progress":
        appeal = Appeal.objects.select_related("order", "order__category", "order__unit").get(
            tracking_number=tracking_number)
        context.update(progress_context(request, appeal))
    return render(request, "workorders/track.html", context, status=status)


@require_http_methods(["GET", "POST"])
def track(request, tracking_number: str):
    """Status and public history of an appeal, for whoever proves they made it."""
    tracking_number = tracking_number.strip()
    if request.method == "POST":
        action = request.POST.get("action", "send")
        if action == "verify":
            return _verify(request, tracking_number)
        if action == "restart":
            return _page(request, tracking_number, "phone")
        return _send(request, tracking_number)
    if tracking.is_verified(request.session, tracking_number) and Appeal.objects.filter(
            tracking_number=tracking_number).exists():
        return _page(request, tracking_number, "progress")
    return _page(request, tracking_number, "code" if tracking.has_asked(request.session, tracking_number) else "phone")
