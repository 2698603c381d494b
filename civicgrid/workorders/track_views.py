"""The resident's tracking page: status and public history for whoever knows the tracking number
and the phone given with the appeal."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import selectors
from .models import Callback, Status


@require_http_methods(["GET", "POST"])
def track(request, tracking_number: str):
    """Status and public history of an appeal, for whoever knows its number and the phone given."""
    phone = (request.POST.get("phone") or "").strip()
    appeal = selectors.track_appeal(tracking_number, phone) if request.method == "POST" else None
    if request.method == "POST" and appeal is None:
        messages.error(request, _("No appeal with this tracking number and phone."))
    context = {"tracking_number": tracking_number, "appeal": appeal}
    if appeal is not None:
        order = appeal.order
        context.update({
            "order": order,
            "timeline": selectors.public_timeline(order),
            "can_rate": order.status == Status.CLOSED
            and not Callback.objects.filter(order=order, round=order.reopen_count, reached=True).exists(),
        })
    return render(request, "workorders/track.html", context)
