"""Writes of the textcheck app: urgency flags at intake, reply checks, their review.

Each write validates, runs in one transaction, saves only what changed and writes an audit row.
"""

from __future__ import annotations

import hashlib

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.core.models import AuditEvent
from civicgrid.core.services import audit_row, record_event
from civicgrid.people.jurisdiction import jurisdiction_for
from civicgrid.people.models import Role
from civicgrid.workorders.errors import OrderError, TransitionForbidden
from civicgrid.workorders.models import OrderEvent, Status, WorkOrder

from . import replies
from .models import ReplyCheck, ReplyState, UrgencyFlag, UrgencyTerm

# Who may let a flagged answer onto the echo wall: the street command sub-center and the
# district command center, within their area (the handler's own unit may not approve itself).
REVIEWER_ROLES = frozenset({Role.STREET_DISPATCHER, Role.DISTRICT_COMMANDER})
# Answers may be rewritten while the order is resolved, verified or closed.
REWRITABLE = {Status.RESOLVED, Status.VERIFIED, Status.CLOSED}


# --- urgency ------------------------------------------------------------------------------------
def record_urgency_flags(triples) -> list[UrgencyFlag]:
    """One UrgencyFlag and one audit row per (IntakeUrgency, order, appeal); call inside intake's
    transaction."""
    flags, audits = [], []
    for urgency, order, appeal in triples:
        result = urgency.result
        flags.append(UrgencyFlag(order=order, appeal=appeal, score=result.score, reasons=result.reasons,
                                 matches=[m.as_dict() for m in result.matches], applied=urgency.applied))
        audits.append(audit_row(actor=None, action="textcheck.urgency_flag", obj=order,
                                changes={"reasons": result.reasons, "score": result.score,
                                         "applied": urgency.applied}))
    UrgencyFlag.objects.bulk_create(flags)
    AuditEvent.objects.bulk_create(audits)
    return flags


def save_term(actor, term: UrgencyTerm, changed: list[str]) -> UrgencyTerm:
    """An administrator's edit of the lexicon (from the admin); the detector reloads at once here
    and within ``urgency.CHECK_SECONDS`` in other processes."""
    from .urgency import clear_lexicon_cache

    with transaction.atomic():
        created = term.pk is None
        term.phrase = (term.phrase or "").strip().lower()
        term.save()
        record_event(actor=actor, action="textcheck.term_created" if created else "textcheck.term_changed",
                     obj=term, changes={f: str(getattr(term, f)) for f in (changed or ["phrase", "kind", "weight"])})
    clear_lexicon_cache()
    return term


def delete_term(actor, term: UrgencyTerm) -> None:
    from .urgency import clear_lexicon_cache

    with transaction.atomic():
        record_event(actor=actor, action="textcheck.term_deleted", obj=term,
                     changes={"phrase": term.phrase, "kind": term.kind})
        term.delete()
    clear_lexicon_cache()


# --- replies ------------------------------------------------------------------------------------
def answer_hash(answer: str) -> str:
    return hashlib.sha1((answer or "").strip().encode("utf-8")).hexdigest()


def _appeal_text(order: WorkOrder) -> tuple[str, str]:
    first = order.appeals.order_by("pk").first()
    subject = order.title or (first.title if first else "")
    text = order.description or (first.text if first else "")
    return subject, text


def check_order_answer(order: WorkOrder, *, actor=None) -> ReplyCheck | None:
    """The check of the order's current answer: the stored one when this answer was checked
    before (a reviewer's approval stays with the text it approved), else a new one."""
    if not order.answer:
        return None
    digest = answer_hash(order.answer)
    existing = ReplyCheck.objects.filter(order=order, answer_hash=digest).exclude(
        state=ReplyState.REPLACED).order_by("-pk").first()
    if existing is not None:
        return existing
    # A new answer (rewritten, or written again after a reopen) supersedes the old checks.
    ReplyCheck.objects.filter(order=order, state__in=[ReplyState.FLAGGED, ReplyState.OK]).update(
        state=ReplyState.REPLACED)
    subject, text = _appeal_text(order)
    result = replies.check_reply(subject, text, order.answer)
    check = ReplyCheck.objects.create(
        order=order, answer_hash=digest, answer=order.answer, score=result.score, flagged=result.flagged,
        reasons=result.reasons if result.flagged else [], features=result.features,
        state=ReplyState.FLAGGED if result.flagged else ReplyState.OK, area_path=order.area_path,
    )
    if result.flagged:
        record_event(actor=actor, action="textcheck.reply_flagged", obj=order,
                     changes={"check": check.pk, "score": result.score, "reasons": result.reasons})
    return check


def _reviewer_may(actor, order: WorkOrder) -> bool:
    j = jurisdiction_for(actor)
    return j.is_global or j.covers_with_role(order.area_path, REVIEWER_ROLES)


def can_review(actor) -> bool:
    j = jurisdiction_for(actor)
    return j.is_global or j.has_role(*REVIEWER_ROLES)


def approve_reply(actor, check: ReplyCheck | int, *, note: str = "") -> ReplyCheck:
    """A reviewer lets a flagged answer through; a closed order held off the echo wall is
    published now. Refused (nothing changed) outside the reviewer's area or role, or when the
    check is not waiting for review."""
    from civicgrid.workorders.services import _publish_on_echo_wall  # the one publishing rule

    check_id = check.pk if isinstance(check, ReplyCheck) else check
    note = (note or "").strip()[:300]
    with transaction.atomic():
        check = ReplyCheck.objects.select_for_update().get(pk=check_id)
        order = WorkOrder.objects.select_for_update(of=("self",)).select_related("category").get(pk=check.order_id)
        if not _reviewer_may(actor, order):
            raise TransitionForbidden(_("Only the street or district command center of this area may approve "
                                        "answers."))
        if check.state != ReplyState.FLAGGED:
            raise OrderError(_("This answer is not waiting for review."), code="invalid")
        if answer_hash(order.answer) != check.answer_hash:
            raise OrderError(_("The answer was rewritten since this check; review the new answer."), code="invalid")
        now = timezone.now()
        check.state, check.reviewed_by, check.reviewed_at, check.review_note = ReplyState.APPROVED, actor, now, note
        check.save(update_fields=["state", "reviewed_by", "reviewed_at", "review_note"])
        changes = {"check": check.pk, "state": [ReplyState.FLAGGED, ReplyState.APPROVED]}
        if order.status == Status.CLOSED and order.published_at is None:
            _publish_on_echo_wall(order, now)
            if order.published_at is not None:
                order.version += 1
                order.save(update_fields=["published_at", "public_answer", "version", "updated_at"])
                changes["published_at"] = [None, now.isoformat()]
        OrderEvent.objects.create(order=order, action="reply_approved", from_status=order.status,
                                  to_status=order.status, actor=actor, actor_repr=actor.get_username(),
                                  reason=note, data={"check": check.pk}, is_public=False)
        record_event(actor=actor, action="textcheck.reply_approved", obj=order, changes=changes, reason=note)
    return check


def rewrite_answer(actor, order: WorkOrder | int, answer: str) -> ReplyCheck:
    """The handling unit replaces a held answer. The new answer is checked at once; on a closed
    order it reaches the echo wall when it passes."""
    from civicgrid.workorders.services import _acts_for_unit, _publish_on_echo_wall

    answer = (answer or "").strip()
    if not answer:
        raise OrderError(_("Write the answer the resident will read."), code="invalid")
    if len(answer) > 5000:
        raise OrderError(_("The answer is too long: %(n)d characters, at most %(max)d.")
                         % {"n": len(answer), "max": 5000}, code="invalid")
    order_id = order.pk if isinstance(order, WorkOrder) else order
    with transaction.atomic():
        order = WorkOrder.objects.select_for_update(of=("self",)).select_related(
            "unit", "unit__area", "category").get(pk=order_id)
        j = jurisdiction_for(actor)
        if not (j.is_global or (_acts_for_unit(j, order) and order.unit_id) or order.handler_id == actor.pk):
            raise TransitionForbidden(_("Only the handling unit may rewrite the answer of order %(n)s.")
                                      % {"n": order.number})
        if order.status not in REWRITABLE:
            raise OrderError(_("The answer can be rewritten only after the order is resolved."), code="invalid")
        if answer == order.answer:
            raise OrderError(_("The new answer is the same as the old one."), code="invalid")
        old = order.answer
        order.answer = answer
        fields = ["answer"]
        check = check_order_answer(order, actor=actor)
        if order.status == Status.CLOSED:
            _publish_on_echo_wall(order, timezone.now())
            fields += ["published_at", "public_answer"]
        order.version += 1
        order.save(update_fields=[*fields, "version", "updated_at"])
        OrderEvent.objects.create(order=order, action="answer_rewritten", from_status=order.status,
                                  to_status=order.status, actor=actor, actor_repr=actor.get_username(),
                                  reason=answer, data={"check": check.pk, "held": check.holds}, is_public=False)
        record_event(actor=actor, action="textcheck.answer_rewritten", obj=order,
                     changes={"answer": [old, answer], "check": check.pk, "held": check.holds})
    return check
