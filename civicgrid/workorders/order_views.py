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

from civicgrid.people.jurisdiction import jurisdiction_for
from civicgrid.people.models import Unit

from . import selectors, services
from .response_templates import templates_for
from .transitions import TRANSITIONS
from .workbench_views import next_deadline, time_left


@login_required
def order_detail(request, number: str):
    jurisdiction = jurisdiction_for(request.user)
    order = selectors.get_order(jurisdiction, number)
    if order is None:
        raise Http404()
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
    return render(request, "workorders/order_detail.html", {
        "order": order,
        "is_staff": jurisdiction.is_staff,
        "timeline": selectors.timeline(jurisdiction, order),
        "appeals": selectors.appeals_of(jurisdiction, order),
        "attachments": selectors.attachments_of(jurisdiction, order),
        "whistles": selectors.whistles_of(jurisdiction, order) if jurisdiction.is_staff else [],
        "callbacks": order.callbacks.order_by("created_at") if jurisdiction.is_staff else [],
        "moves": moves,
        "units": selectors.units_for_choice().order_by("kind", "code") if any(m.needs_unit for m in moves) else [],
        "templates": templates,
        "chosen_template": chosen,
        "deadlines": deadlines,
        "needs_map": order.lon is not None or bool(order.area.boundary),
        "grid_code": order.area.code,
    })


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
        messages.error(request, _("Please check the numbers you entered."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Done: %(move)s.") % {"move": move.label})
    return redirect("workorders:detail", number=order.number)
