"""The staff order page that notifications link to: timeline and exactly the moves the
transitions table allows this user.

The full workbench (queues, bulk dispatch, maps) is the faces issue's; these pages only parse,
authorise through the selectors, call ``services.transition`` and render.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicgrid.people.jurisdiction import jurisdiction_for
from civicgrid.people.models import Unit

from . import selectors, services
from .transitions import TRANSITIONS


@login_required
def order_detail(request, number: str):
    jurisdiction = jurisdiction_for(request.user)
    order = selectors.get_order(jurisdiction, number)
    if order is None:
        raise Http404()
    moves = services.allowed_moves(request.user, order)
    return render(request, "workorders/order_detail.html", {
        "order": order,
        "timeline": selectors.timeline(jurisdiction, order),
        "appeals": selectors.appeals_of(jurisdiction, order),
        "attachments": selectors.attachments_of(jurisdiction, order),
        "moves": moves,
        "units": selectors.units_for_choice() if any(m.needs_unit for m in moves) else [],
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
