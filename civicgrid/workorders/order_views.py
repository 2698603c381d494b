"""The staff order page that notifications link to: timeline and exactly the moves the
transitions table allows this user.

These pages only parse, authorise through the selectors, call ``services.transition`` and
render; the queues, bulk dispatch and exports are in ``workbench_views``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicgrid.core.listing import join_list
from civicgrid.people.jurisdiction import jurisdiction_for
from civicgrid.people.models import Unit
from civicgrid.sla import services as sla_services
from civicgrid.sla.models import WhistleStatus

from . import callbacks as order_callbacks
from . import selectors, services
from .models import Callback, ExtensionRequest, Resolution, Satisfaction, Status
from .response_templates import templates_for
from .transitions import TRANSITIONS
from .workbench_views import next_deadline, time_left


@login_required
def order_detail(request, number: str):
    jurisdiction = jurisdiction_for(request.user)
    order = selectors.get_order(jurisdiction, number)
    if order is None:
        raise Http404()
    return _render_detail(request, jurisdiction, order)


def _render_detail(request, jurisdiction, order, *, posted: dict | None = None, status: int = 200):
    """The order page; after a refused form, ``posted`` puts back what the user typed (status 400)."""
    moves = services.allowed_moves(request.user, order)
    templates = list(templates_for(order)) if any(m.needs_answer for m in moves) else []
    # Without JavaScript the picker reloads the page with ?template=<id> to fill the answer.
    chosen = next((t for t in templates if str(t.pk) == request.GET.get("template", "")), None)
    now = timezone.now()
    # Only the step the order waits for now counts down; earlier steps' deadlines are history.
    current_due = next_deadline(order)
    deadlines = [
        (label, due, time_left(due, now) if due == current_due else "", due == current_due and due < now)
        for label, due in ((_("Dispatch by"), order.dispatch_due), (_("Accept by"), order.response_due),
                           (_("Resolve by"), order.handle_due))
        if due is not None
    ]
    whistles = list(selectors.whistles_of(jurisdiction, order)) if jurisdiction.is_staff else []
    can_whistle = sla_services.may_blow_whistle(request.user, order) and not any(
        w.status == WhistleStatus.OPEN for w in whistles)
    return render(request, "workorders/order_detail.html", {
        "order": order,
        "is_staff": jurisdiction.is_staff,
        "timeline": selectors.timeline(jurisdiction, order),
        "appeals": selectors.appeals_of(jurisdiction, order),
        "attachments": selectors.attachments_of(jurisdiction, order),
        "whistles": whistles,
        # The whistles this reader's department still has to report to (报到).
        "to_report": {w.pk for w in whistles if w.status == WhistleStatus.OPEN and any(
            r.unit_id in jurisdiction.unit_ids and r.reported_at is None for r in w.responses.all())},
        "can_whistle": can_whistle,
        "whistle_units": selectors.whistle_units_for(order) if can_whistle else [],
        "posted": posted or {},
        "pending_extension": order.extensions.filter(state=ExtensionRequest.State.PENDING)
                             .select_related("requested_by").first(),
        "callbacks": order.callbacks.order_by("created_at") if jurisdiction.is_staff else [],
        # 回访 on the phone: a closed order whose current round has no verdict yet.
        "can_callback": (order.status == Status.CLOSED and order_callbacks.can_record(request.user, order, "phone")
                         and not Callback.objects.filter(order=order, round=order.reopen_count, reached=True).exists()),
        "resolutions": Resolution.choices,
        "satisfactions": Satisfaction.choices,
        "moves": moves,
        "units": selectors.units_for_order(order) if any(m.needs_unit for m in moves) else [],
        "templates": templates,
        "chosen_template": chosen,
        "deadlines": deadlines,
        "needs_map": order.lon is not None or bool(order.area.boundary),
        "grid_code": order.area.code,
    }, status=status)


@login_required
@require_POST
def order_move(request, number: str):
    jurisdiction = jurisdiction_for(request.user)
    order = selectors.get_order(jurisdiction, number)
    if order is None:
        raise Http404()
    action = request.POST.get("action", "")
    move = TRANSITIONS.get(action)
    kwargs = {"reason": request.POST.get("reason", ""), "answer": request.POST.get("answer", "")}
    try:
        if request.POST.get("version"):
            kwargs["expected_version"] = int(request.POST["version"])
        if move is not None and move.needs_unit and request.POST.get("unit"):
            kwargs["unit"] = Unit.objects.filter(code=request.POST["unit"], is_active=True).first()
        if move is not None and move.needs_days and request.POST.get("days"):
            kwargs["days"] = int(request.POST["days"])
        if move is not None and move.needs_target_order and request.POST.get("target"):
            kwargs["target_order"] = selectors.get_order(jurisdiction, request.POST["target"].strip())
        services.transition(order, action, request.user, **kwargs)
    except (ValueError, TypeError):
        error = _("Please check the numbers you entered.")
    except ValidationError as exc:
        error = " ".join(exc.messages)
    else:
        messages.success(request, _("Done: %(move)s.") % {"move": move.label})
        return redirect("workorders:detail", number=order.number)
    return _refused(request, jurisdiction, order, error, form=action)


def _refused(request, jurisdiction, order, error: str, *, form: str, whistle: int | None = None):
    """A refused form: the page again, with the reason and what the user typed (an answer or a
    reason written for minutes must not be lost to a wrong number of days)."""
    messages.error(request, error)
    order.refresh_from_db()
    posted = {key: request.POST.get(key, "") for key in ("reason", "answer", "days", "unit", "target", "note",
                                                        "report_hours", "reached", "resolution", "satisfaction",
                                                        "comment")}
    posted.update({"form": form, "units": request.POST.getlist("units"), "whistle": str(whistle or "")})
    return _render_detail(request, jurisdiction, order, posted=posted, status=400)


@login_required
@require_POST
def order_whistle(request, number: str):
    """吹哨: the street (or the district) calls departments to this order; each must report (报到)."""
    jurisdiction = jurisdiction_for(request.user)
    order = selectors.get_order(jurisdiction, number)
    if order is None:
        raise Http404()
    codes = [c for c in request.POST.getlist("units") if c]
    units = list(selectors.whistle_units_for(order).filter(code__in=codes))
    try:
        if len(units) != len(set(codes)):
            raise ValidationError(_("Choose the departments from the list."))
        hours = request.POST.get("report_hours", "").strip()
        sla_services.blow_whistle(request.user, order, units=units, reason=request.POST.get("reason", ""),
                                  report_hours=int(hours) if hours else None)
    except ValueError:
        return _refused(request, jurisdiction, order, _("Please check the numbers you entered."), form="whistle")
    except ValidationError as exc:
        return _refused(request, jurisdiction, order, " ".join(exc.messages), form="whistle")
    messages.success(request, _("Whistle blown: %(units)s must report.") % {"units": join_list(u.name for u in units)})
    return redirect("workorders:detail", number=order.number)


@login_required
@require_POST
def whistle_report(request, number: str, whistle_id: int):
    """报到: a handler of a called department reports what the department did or will do."""
    jurisdiction = jurisdiction_for(request.user)
    order = selectors.get_order(jurisdiction, number)
    whistle = selectors.whistle_for_report(jurisdiction, whistle_id)
    if order is None or whistle is None or whistle.order_id != order.pk:
        raise Http404()
    try:
        sla_services.report_whistle(request.user, whistle, note=request.POST.get("note", ""))
    except ValidationError as exc:
        return _refused(request, jurisdiction, order, " ".join(exc.messages), form="report", whistle=whistle.pk)
    messages.success(request, _("Your department's report was recorded."))
    return redirect("workorders:detail", number=order.number)


@login_required
@require_POST
def order_callback(request, number: str):
    """回访 on the phone: the hotline (or the district center) records the resident's verdict, or
    that the resident was not reached."""
    jurisdiction = jurisdiction_for(request.user)
    order = selectors.get_order(jurisdiction, number)
    if order is None:
        raise Http404()
    reached = request.POST.get("reached", "yes") != "no"
    try:
        callback = order_callbacks.record_callback(
            request.user, order, reached=reached, channel="phone", comment=request.POST.get("comment", ""),
            resolution=request.POST.get("resolution", "") if reached else "",
            satisfaction=request.POST.get("satisfaction", "") if reached else "")
    except ValidationError as exc:
        return _refused(request, jurisdiction, order, " ".join(exc.messages), form="callback")
    if not callback.reached:
        messages.success(request, _("Recorded: the resident was not reached; call again later."))
    else:
        messages.success(request, _("Callback recorded: %(res)s, %(sat)s.") % {
            "res": callback.get_resolution_display(), "sat": callback.get_satisfaction_display()})
    return redirect("workorders:detail", number=order.number)
