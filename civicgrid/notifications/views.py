"""Pages: the user's inbox, the resident's rating form and the public echo wall (回音壁)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicgrid.geo.models import Area, AreaKind
from civicgrid.workorders import callbacks, echowall
from civicgrid.workorders.errors import OrderError
from civicgrid.workorders.models import Category, Resolution, Satisfaction, Status, WorkOrder

from . import selectors, services


@login_required
def inbox(request):
    unread = request.GET.get("unread") in ("1", "true", "yes")
    page = Paginator(selectors.inbox_for(request.user, unread=True if unread else None), 30).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {
        "page": page, "unread_only": unread, "unread_count": selectors.unread_count(request.user),
    })


@login_required
@require_POST
def inbox_read(request):
    raw = request.POST.getlist("id")
    ids = None
    if raw:
        try:
            ids = [int(i) for i in raw]
        except ValueError:
            messages.error(request, _("Unknown message."))
            return redirect("notifications:inbox")
    services.mark_read(request.user, ids=ids)
    return redirect("notifications:inbox")


def _own_closed_order(user, number: str) -> WorkOrder:
    order = WorkOrder.objects.filter(number=number, appeals__reporter=user).distinct().first()
    if order is None:
        raise Http404()
    return order


@login_required
def rate(request, number: str):
    """The resident's verdict on their closed order (回访 online)."""
    order = _own_closed_order(request.user, number)
    errors = {}
    if request.method == "POST":
        try:
            callbacks.record_callback(
                request.user, order, resolution=request.POST.get("resolution", ""),
                satisfaction=request.POST.get("satisfaction", ""), comment=request.POST.get("comment", ""),
                channel="web",
            )
        except OrderError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        else:
            messages.success(request, _("Thank you, your rating was recorded."))
            return redirect("notifications:rate", number=order.number)
    order.refresh_from_db()
    done = order.callbacks.filter(round=order.reopen_count, reached=True).first()
    return render(request, "notifications/rate.html", {
        "order": order, "done": done, "errors": errors, "can_rate": order.status == Status.CLOSED and done is None,
        "resolutions": Resolution.choices, "satisfactions": Satisfaction.choices,
    }, status=400 if errors else 200)


@login_required
@require_POST
def echo_opt_out(request, number: str):
    order = WorkOrder.objects.filter(number=number, appeals__reporter=request.user).distinct().first()
    if order is None:
        raise Http404()
    echowall.opt_out(request.user, order)
    messages.success(request, _("Your appeal will not be shown on the echo wall."))
    return redirect("echo-wall")


def echo_wall(request):
    """Public: answered appeals, personal data masked. ``q`` searches only what is already public
    and masked (the published answer, category and area names), never the raw titles."""
    params = {k: request.GET.get(k, "").strip() for k in ("area", "category", "month", "q")}
    error = ""
    try:
        orders = echowall.echo_wall(**{k: params[k] for k in ("area", "category", "month")})
    except ValidationError as exc:
        error = " ".join(exc.messages)
        orders = WorkOrder.objects.none()
    if params["q"]:
        q = params["q"][:50]
        orders = orders.filter(Q(public_answer__icontains=q) | Q(category__name__icontains=q) | Q(area__name__icontains=q))
    page = Paginator(orders, 20).get_page(request.GET.get("page"))
    return render(request, "notifications/echo_wall.html", {
        "page": page, "entries": echowall.entries(page.object_list), "params": params, "error": error,
        "categories": Category.objects.filter(is_active=True, level__lte=2).order_by("path"),
        "areas": Area.objects.filter(kind__in=[AreaKind.STREET, AreaKind.COMMUNITY]).order_by("path"),
        "query": urlencode({k: v for k, v in params.items() if v}),
    }, status=400 if error else 200)
