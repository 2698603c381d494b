"""Web pages of the checks: the review list of held answers, approve and rewrite (POST)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from civicgrid.core.listing import join_list
from civicgrid.people.jurisdiction import jurisdiction_for
from civicgrid.workorders.selectors import get_order

from . import selectors, services
from .models import ReplyState
from .replies import REASON_LABELS, THRESHOLD


def _staff(request):
    j = jurisdiction_for(request.user)
    if not j.is_staff:
        raise PermissionDenied
    return j


@login_required
def review_list(request):
    j = _staff(request)
    state = request.GET.get("state", ReplyState.FLAGGED)
    if state not in ReplyState.values:
        state = ReplyState.FLAGGED
    page = Paginator(selectors.reply_checks_for(j, state=state), 30).get_page(request.GET.get("page"))
    for check in page.object_list:
        check.reason_labels = [_(REASON_LABELS.get(r, r)) for r in check.reasons]
    return render(request, "textcheck/review_list.html", {
        "page": page, "state": state, "can_review": services.can_review(request.user), "threshold": THRESHOLD,
        # Waiting ones first: that tab is the reviewer's work.
        "states": sorted(ReplyState.choices, key=lambda c: c[0] != ReplyState.FLAGGED),
    })


@login_required
@require_POST
def approve(request, pk: int):
    j = _staff(request)
    check = selectors.get_reply_check(j, pk)
    if check is None:
        raise Http404()
    try:
        services.approve_reply(request.user, check, note=request.POST.get("note", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Answer approved for the echo wall: %(n)s.") % {"n": check.order.number})
    if request.POST.get("next") == "order":
        return redirect("workorders:detail", number=check.order.number)
    return redirect("textcheck:review")


@login_required
@require_POST
def check_answer(request, number: str):
    """The reply check of a draft answer, as a fragment shown under the answer box before sending."""
    j = _staff(request)
    order = get_order(j, number)
    if order is None:
        raise Http404()
    from .replies import check_reply

    result = check_reply(order.title, order.description, request.POST.get("answer", "")[:20000])
    return render(request, "textcheck/_reply_result.html", {
        "result": result, "reason_labels": [_(REASON_LABELS.get(r, r)) for r in result.reasons],
    })


@login_required
@require_POST
def rewrite(request, number: str):
    j = _staff(request)
    order = get_order(j, number)
    if order is None:
        raise Http404()
    try:
        check = services.rewrite_answer(request.user, order, request.POST.get("answer", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if check.holds:
            messages.warning(request, _("The new answer is still held for review."))
        else:
            messages.success(request, _("The new answer passed the check."))
    return redirect("workorders:detail", number=order.number)


@login_required
@require_GET
def urgency_preview(request):
    """The live urgency verdict under the staff intake form's text: what intake will decide when
    the form is sent (the same detector), so the operator sees it while the caller is on the line."""
    _staff(request)
    from .urgency import MAX_ANALYSED_CHARS, assess_appeal

    from civicgrid.workorders.catalogue import get_catalogue

    title, text = request.GET.get("title", ""), request.GET.get("text", "")
    if not (title.strip() or text.strip()):
        return render(request, "textcheck/_urgency_preview.html", {"empty": True})
    result = assess_appeal(title, text)
    # Text that is not urgent still takes its category's default priority at intake (a category whose
    # orders are urgent by nature, such as 电动车违规充电): the preview said "normal" for those.
    code = request.GET.get("category_code", "").strip()
    # The catalogue intake reads (a per-process snapshot): the panel asks on every pause in typing.
    category = get_catalogue().by_code.get(code) if code else None
    category = category if category is not None and category.is_active else None
    return render(request, "textcheck/_urgency_preview.html", {
        "result": result, "reasons": join_list(result.reasons), "max_chars": MAX_ANALYSED_CHARS,
        "category": category})
