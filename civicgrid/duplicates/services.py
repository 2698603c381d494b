"""Writes of duplicate detection: log the suggestions shown, merge from a suggestion (through the
work-order state machine), and "me too" (a resident's appeal joins an open order).

Each validates, runs in one transaction, writes an audit row, and queues notifications in the
outbox within it (they go out after commit). Refusals raise ValidationError and change nothing.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.core.masking import mask_phone
from civicgrid.core.services import record_event
from civicgrid.people.jurisdiction import jurisdiction_for
from civicgrid.workorders import intake, notify, numbering
from civicgrid.workorders import services as order_services
from civicgrid.workorders.models import OPEN_STATUSES, Appeal, Channel, OrderEvent, WorkOrder

from .models import MeToo, SuggestionShown
from .selectors import Suggestion

# A suggestion re-rendered while someone keeps typing is one display, not one per keystroke.
SAME_DISPLAY = timedelta(minutes=30)
MAX_ME_TOO_TEXT = 2000


def _viewer(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def record_shown(actor, suggestions: list[Suggestion], *, surface: str, for_order: WorkOrder | None = None,
                 session_key: str = "") -> list[SuggestionShown]:
    """Log what was shown (once per viewer, surface and suggested order within ``SAME_DISPLAY``).
    Returns the rows, new or earlier, in the order of ``suggestions``."""
    if not suggestions:
        return []
    viewer = _viewer(actor)
    since = timezone.now() - SAME_DISPLAY
    who = {"viewer": viewer} if viewer is not None else {"viewer__isnull": True, "session_key": session_key or ""}
    rows = []
    with transaction.atomic():
        earlier = {r.suggested_id: r for r in SuggestionShown.objects.filter(
            surface=surface, for_order=for_order, suggested__in=[s.order.pk for s in suggestions],
            shown_at__gte=since, **who)}
        for rank, s in enumerate(suggestions, start=1):
            row = earlier.get(s.order.pk)
            if row is None or (viewer is None and not session_key):
                row = SuggestionShown.objects.create(
                    surface=surface, suggested=s.order, for_order=for_order, viewer=viewer,
                    session_key=session_key or "", area_path=s.order.area_path, rank=rank, score=s.score,
                    similarity=s.similarity, metres=s.metres)
            rows.append(row)
    return rows


def _mark_taken(actor, target: WorkOrder, how: str, *, session_key: str = "", for_order: WorkOrder | None = None,
                surface: str = "") -> None:
    viewer = _viewer(actor)
    qs = SuggestionShown.objects.filter(suggested=target, taken="")
    qs = qs.filter(viewer=viewer) if viewer is not None else qs.filter(viewer__isnull=True, session_key=session_key)
    if for_order is not None:
        qs = qs.filter(for_order=for_order)
    row = qs.order_by("-shown_at", "-id").first()
    now = timezone.now()
    if row is None:
        # Taken without a logged display (an API client that kept the number): still counts.
        SuggestionShown.objects.create(
            surface=surface or "api", suggested=target, for_order=for_order, viewer=viewer,
            session_key=session_key or "", area_path=target.area_path, rank=0, score=0, similarity=0, metres=0,
            taken=how, taken_at=now)
        return
    row.taken, row.taken_at = how, now
    row.save(update_fields=["taken", "taken_at"])


def merge_from_suggestion(actor, order: WorkOrder, target: WorkOrder, *, surface: str = "order",
                          session_key: str = "", expected_version: int | None = None) -> WorkOrder:
    """Merge ``order`` into the suggested ``target`` with the state machine's merge move (same
    roles, scope, checks, history, audit and notifications as a merge typed by hand)."""
    with transaction.atomic():
        merged = order_services.transition(order, "merge", actor, target_order=target,
                                           reason=_("Same problem as order %(n)s (suggested)") % {"n": target.number},
                                           expected_version=expected_version)
        _mark_taken(actor, target, SuggestionShown.Taken.MERGE, session_key=session_key,
                    for_order=order if surface == "order" else None, surface=surface)
    return merged


def submit_and_merge(actor, target: WorkOrder, *, session_key: str = "", **appeal) -> intake.IntakeResult:
    """The hotline operator's one click: take the caller's appeal in (the same intake as the
    form's submit) and merge its new order into the suggested one, both or neither."""
    with transaction.atomic():
        result = intake.submit_appeal(actor=actor, **appeal)
        if result.created:
            merge_from_suggestion(actor, result.order, target, surface="intake", session_key=session_key)
            result.order.refresh_from_db()
            result.appeal.refresh_from_db()
    return result


def _refuse(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def join_me_too(actor, order: WorkOrder, *, text: str = "", surface: str = "portal", session_key: str = "") -> Appeal:
    """A signed-in resident adds their appeal to an open order instead of opening a new one:
    a new Appeal on the order, ``appeals_count`` + 1, the order's history, an audit row and the
    intake notification (their own tracking number). Once per resident and order."""
    if not getattr(actor, "is_authenticated", False):
        raise _refuse(_("Sign in with your mobile phone to say “me too”."), "login_required")
    if jurisdiction_for(actor).is_staff:
        raise _refuse(_("“Me too” is for residents; staff merge orders instead."), "forbidden")
    text = (text or "").strip()
    if len(text) > MAX_ME_TOO_TEXT:
        raise _refuse(_("The description is too long: %(n)d characters, at most %(max)d.")
                      % {"n": len(text), "max": MAX_ME_TOO_TEXT}, "max_length")
    now = timezone.now()
    try:
        with transaction.atomic():
            locked = WorkOrder.objects.select_for_update(of=("self",)).select_related("category").get(pk=order.pk)
            if locked.status not in OPEN_STATUSES or locked.merged_into_id is not None:
                raise _refuse(_("Order %(n)s is no longer open; report the problem anew if it is still there.")
                              % {"n": locked.number}, "closed")
            if Appeal.objects.filter(order=locked, reporter=actor).exists():
                raise _refuse(_("You have already reported this problem (order %(n)s).") % {"n": locked.number},
                              "already_joined")
            _order_number, tracking = numbering.next_numbers(now=now)
            first = locked.appeals.order_by("pk").first()
            appeal = Appeal.objects.create(
                tracking_number=tracking, order=locked, channel=Channel.WEB, title=locked.title[:200],
                text=text or _("Me too: %(title)s") % {"title": locked.title}, reporter=actor,
                reporter_name=actor.real_name or "", reporter_phone=actor.phone or "",
                lon=locked.lon, lat=locked.lat, address=locked.address, building_id=locked.building_id,
                area_path=locked.area_path, category=locked.category, received_at=now,
                coord_system=first.coord_system if first else "",
            )
            MeToo.objects.create(order=locked, appeal=appeal, user=actor)
            before = locked.appeals_count
            WorkOrder.objects.filter(pk=locked.pk).update(appeals_count=F("appeals_count") + 1, version=F("version") + 1,
                                                          updated_at=now)
            locked.refresh_from_db(fields=["appeals_count", "version", "updated_at"])
            OrderEvent.objects.create(
                order=locked, action="me_too", from_status=locked.status, to_status=locked.status, actor=actor,
                actor_repr=actor.get_username(), reason="", data={"appeal": tracking, "appeals_count": locked.appeals_count},
                is_public=False)
            record_event(actor=actor, action="order.me_too", obj=locked,
                         changes={"appeals_count": [before, locked.appeals_count], "appeal": tracking,
                                  "reporter_phone": mask_phone(actor.phone or "")})
            _mark_taken(actor, locked, SuggestionShown.Taken.ME_TOO, session_key=session_key, surface=surface)
            notify.on_intake(appeal, order=locked)
    except IntegrityError as exc:
        # A second click raced past the check: the constraint refused it; nothing was written.
        raise _refuse(_("You have already reported this problem (order %(n)s).") % {"n": order.number},
                      "already_joined") from exc
    return appeal
