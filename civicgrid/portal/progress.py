"""What the tracking page and "my appeals" show of one appeal: the same for both doors in."""

from __future__ import annotations

from django.urls import reverse
from django.utils.http import urlencode

from civicgrid.workorders import services as order_services
from civicgrid.workorders.models import Appeal, Callback, Status

from . import selectors

STATUS_TONE = {
    Status.CLOSED: "ok", Status.RESOLVED: "ok", Status.VERIFIED: "ok",
    Status.REJECTED: "plain", Status.WITHDRAWN: "plain", Status.MERGED: "plain",
    Status.RETURNED: "warn", Status.SUSPENDED: "warn",
}


def status_tone(status: str) -> str:
    return STATUS_TONE.get(status, "")


def timeline_rows(order) -> list[dict]:
    """The steps the resident sees, each with its status in words (events store the bare value)."""
    labels = dict(Status.choices)
    return [{"at": e.created_at, "status": labels.get(e.to_status, e.to_status), "unit": e.unit,
             "reason": e.reason if e.action in ("reject", "merge") else ""}
            for e in selectors.appeal_timeline(order)]


def progress_context(request, appeal: Appeal) -> dict:
    order = appeal.order
    ratings = list(Callback.objects.filter(order=order, reached=True, round__lte=order.reopen_count).order_by("round"))
    rated = next((c for c in ratings if c.round == order.reopen_count), None)
    is_reporter = request.user.is_authenticated and appeal.reporter_id == request.user.pk
    rate_url = reverse("notifications:rate", args=[order.number])
    if not is_reporter and appeal.reporter_id is not None:
        # Rating is a signed-in reporter's act; the phone sign-in brings them straight back here.
        rate_url = f"{reverse('people:resident_login')}?{urlencode({'next': rate_url})}"
    can_rate = order.status == Status.CLOSED and rated is None
    return {
        "appeal": appeal,
        "order": order,
        "tone": status_tone(order.status),
        "timeline": timeline_rows(order),
        "photos": selectors.report_photos(appeal),
        "rated": rated,
        # A phone callback's comment is the operator's note of the call: only the resident's own
        # words, typed with an online rating, are shown back to them.
        "rating_comment": rated.comment if rated is not None and rated.channel == "web" else "",
        # An unsatisfied rating reopened the order: the resident still sees what they said then.
        "earlier_ratings": [{"round": c.round + 1, "at": c.created_at, "resolution": c.get_resolution_display(),
                             "satisfaction": c.get_satisfaction_display(),
                             "comment": c.comment if c.channel == "web" else ""}
                            for c in ratings if c.round < order.reopen_count],
        "withdrawal": selectors.withdrawal(order) if order.status == Status.WITHDRAWN else None,
        "can_rate": can_rate and appeal.reporter_id is not None,
        "rate_by_phone": can_rate and appeal.reporter_id is None,
        "rate_url": rate_url,
        "can_withdraw": is_reporter and any(t.name == "withdraw" for t in order_services.allowed_moves(request.user, order)),
    }
