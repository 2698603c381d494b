"""Writes of deliberation: every write is one function that validates, locks the row whose state
changes, writes in one transaction with an audit row, and notifies after the commit. A refusal
raises a ``DeliberationError`` (a django ``ValidationError`` with a code) and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import timezone as dt_timezone
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, F
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.core import ratelimit
from civicgrid.core.language import platform_language
from civicgrid.core.services import record_event
from civicgrid.geo.models import Area, AreaKind, Household
from civicgrid.notifications.services import notify_users
from civicgrid.people.jurisdiction import jurisdiction_for
from civicgrid.people.models import CITIZEN_ROLES, Membership, Unit
from civicgrid.workorders.attachments import prepare_photos
from civicgrid.workorders.intake import submit_appeal
from civicgrid.workorders.models import Channel, Status, WorkOrder

from .models import (
    Meeting, MeetingPhoto, Participant, Party, Poll, PollOption, PollResult, PollStatus, Position, Post, PostReport,
    Rating, Stage, Task, Topic, TopicMove, Vote,
)
from .transitions import MANAGERS, TRANSITIONS

MAX_TITLE = 100
MAX_TEXT = 2000
MAX_REASON = 500
POST_LIMIT = (20, 3600)        # posts per user per hour
TOPIC_LIMIT = (5, 24 * 3600)   # topics per user per day
POSTING_STAGES = (Stage.SAY, Stage.GATHER, Stage.DELIBERATE, Stage.ACT)
PARTICIPANT_STAGES = (Stage.SAY, Stage.GATHER, Stage.DELIBERATE)
MEETING_STAGES = (Stage.GATHER, Stage.DELIBERATE)
MEETING_RECORD_STAGES = (Stage.GATHER, Stage.DELIBERATE, Stage.ACT)
MAX_MEETING_PHOTOS = 9
# A work order's status as progress of the task it carries.
ORDER_PROGRESS = {
    Status.NEW: 0, Status.RETURNED: 0, Status.DISPATCHED: 20, Status.ACCEPTED: 40, Status.IN_PROGRESS: 60,
    Status.SUSPENDED: 60, Status.RESOLVED: 80, Status.VERIFIED: 90, Status.CLOSED: 100, Status.MERGED: 100,
    Status.REJECTED: 0, Status.WITHDRAWN: 0,
}


def auto_hide_reports() -> int:
    """How many distinct reports hide a post automatically (``DELIBERATION_AUTO_HIDE_REPORTS``)."""
    return max(1, int(getattr(settings, "DELIBERATION_AUTO_HIDE_REPORTS", 3)))


# --- errors -----------------------------------------------------------------------------------
class DeliberationError(ValidationError):
    http_status = 400


class Forbidden(DeliberationError):
    http_status = 403

    def __init__(self, message):
        super().__init__(message, code="forbidden")


class IllegalMove(DeliberationError):
    http_status = 409

    def __init__(self, message, code="illegal_move"):
        super().__init__(message, code=code)


class Conflict(DeliberationError):
    http_status = 409


# --- who may do what ------------------------------------------------------------------------------
def may_manage(user, topic_or_path) -> bool:
    """Staff of the area (community staff/secretary, street, district) manage its topics."""
    path = topic_or_path if isinstance(topic_or_path, str) else topic_or_path.area_path
    return jurisdiction_for(user).covers_with_role(path, MANAGERS)


def household_of(user, area_path: str) -> Household | None:
    """The resident account's household inside the area (the one that votes), if any."""
    if user is None or not getattr(user, "pk", None):
        return None
    # The account's households first (an indexed lookup on the user), then the area in Python:
    # a person has one or two, whereas a prefix match on the households table scans an area.
    ids = sorted(Household.residents.through.objects.filter(user_id=user.pk).values_list("household_id", flat=True))
    for household in Household.objects.filter(pk__in=ids).order_by("pk"):
        if household.area_path.startswith(area_path):
            return household
    return None


def lives_in(user, area_path: str) -> bool:
    """A household in the area, or a citizen role (resident, party member, volunteer) held there."""
    if household_of(user, area_path) is not None:
        return True
    return Membership.objects.filter(user_id=user.pk, is_active=True, role__in=[str(r) for r in CITIZEN_ROLES],
                                     area__path__startswith=area_path).exists()


def works_in(user, area_path: str) -> bool:
    """Staff above the area, or working inside it (a grid worker of one of a community's grids)."""
    jurisdiction = jurisdiction_for(user)
    return jurisdiction.covers_path(area_path) or any(p.startswith(area_path) for p in jurisdiction.area_paths)


def is_participant(user, topic: Topic) -> bool:
    return Participant.objects.filter(topic=topic, user_id=user.pk).exists()


def may_take_part(user, topic: Topic) -> bool:
    """Post and follow a topic: its staff and grid workers, its participants, people who live there."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return works_in(user, topic.area_path) or is_participant(user, topic) or lives_in(user, topic.area_path)


def may_rate(user, topic: Topic) -> bool:
    """Residents who took part (participant, post, vote) or live in the area rate the outcome."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return (is_participant(user, topic) or lives_in(user, topic.area_path)
            or Post.objects.filter(topic=topic, author_id=user.pk).exists()
            or Vote.objects.filter(poll__topic=topic, voter_id=user.pk).exists())


def _require_manager(actor, topic: Topic) -> None:
    if not may_manage(actor, topic):
        raise Forbidden(_("Only the staff of %(area)s manage this topic.") % {"area": topic.area.name})


def _require_stage(topic: Topic, stages, what: str) -> None:
    if topic.stage not in stages:
        raise IllegalMove(_("%(what)s is not possible while the topic is at the stage “%(stage)s”.")
                          % {"what": what, "stage": topic.get_stage_display()}, code="wrong_stage")


def _text(errors: dict, field: str, value, *, required: bool = True, max_length: int = MAX_TEXT) -> str:
    value = (value or "").strip()
    if required and not value:
        errors.setdefault(field, []).append(_("This field is required."))
    elif len(value) > max_length:
        errors.setdefault(field, []).append(_("At most %(max)d characters.") % {"max": max_length})
    return value


def _locked_topic(topic: Topic | int) -> Topic:
    pk = topic.pk if isinstance(topic, Topic) else topic
    return Topic.objects.select_for_update().get(pk=pk)


def _people_of(topic: Topic):
    """Who hears of the topic's moves: participants with an account, and whoever raised it."""
    from django.contrib.auth import get_user_model

    ids = set(Participant.objects.filter(topic=topic, user__isnull=False).values_list("user_id", flat=True))
    ids.add(topic.raised_by_id)
    return list(get_user_model().objects.filter(pk__in=ids, is_active=True).order_by("pk"))


def _link(topic: Topic) -> str:
    return f"/deliberation/{topic.pk}/"


# --- 说: raise a topic ------------------------------------------------------------------------------
def raise_topic(*, actor, area: Area, title: str, description: str, source_order: WorkOrder | None = None,
                now: datetime | None = None) -> Topic:
    """A resident, grid worker or staff member raises a topic in a community or grid; staff may
    turn a work order of their jurisdiction into one (the order is linked, not changed)."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    title = _text(errors, "title", title, max_length=MAX_TITLE)
    description = _text(errors, "description", description)
    if area.kind not in (AreaKind.COMMUNITY, AreaKind.GRID):
        errors.setdefault("area", []).append(_("A topic belongs to a community or a grid."))
    if errors:
        raise ValidationError(errors)
    jurisdiction = jurisdiction_for(actor)
    if source_order is not None:
        if not (jurisdiction.is_staff and jurisdiction.covers_path(source_order.area_path)):
            raise Forbidden(_("Only staff of the order's area turn a work order into a topic."))
        if not source_order.area_path.startswith(area.path):
            raise ValidationError({"area": [_("The work order %(number)s lies outside %(area)s.")
                                            % {"number": source_order.number, "area": area.name}]})
    elif not (works_in(actor, area.path) or lives_in(actor, area.path)):
        raise Forbidden(_("You may raise topics only where you live or work."))
    ratelimit.enforce(actor, "deliberation.topic", default=TOPIC_LIMIT, now=now)
    with transaction.atomic():
        topic = Topic.objects.create(title=title, description=description, area=area, area_path=area.path,
                                     raised_by=actor, source_order=source_order, stage_changed_at=now)
        record_event(actor=actor, action="deliberation.topic", obj=topic, changes={
            "area": area.code, "stage": topic.stage, "order": source_order.number if source_order else None})
    return topic


# --- stage moves ------------------------------------------------------------------------------------
def _guard_has_participants(topic: Topic) -> str | None:
    if not topic.participants.exists():
        return _("Gather at least one participant first.")
    return None


def _guard_has_passed_poll(topic: Topic) -> str | None:
    if topic.polls.filter(status=PollStatus.OPEN).exists():
        return _("A vote is still open; close it first.")
    if not topic.polls.filter(status=PollStatus.CLOSED, result=PollResult.PASSED).exists():
        return _("No vote has passed yet: the topic has no resolution to act on.")
    return None


def _guard_tasks_done(topic: Topic) -> str | None:
    tasks = list(topic.tasks.select_related("work_order"))
    if not tasks:
        return _("Add the tasks of the resolution first.")
    if any(task_progress(t) < 100 for t in tasks):
        return _("Not every task is done yet.")
    return None


def _guard_has_ratings(topic: Topic) -> str | None:
    if not topic.ratings.exists():
        return _("No resident has rated the outcome yet.")
    return None


_GUARDS = {"has_participants": _guard_has_participants, "has_passed_poll": _guard_has_passed_poll,
           "tasks_done": _guard_tasks_done, "has_ratings": _guard_has_ratings}


def move_topic(*, actor, topic: Topic | int, action: str, reason: str = "", now: datetime | None = None) -> Topic:
    """Apply one move of the transitions table under a row lock; anything else is refused."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": [_("At most %(max)d characters.") % {"max": MAX_REASON}]})
    with transaction.atomic():
        locked = _locked_topic(topic)
        _require_manager(actor, locked)
        move = TRANSITIONS.get((locked.stage, action))
        if move is None:
            raise IllegalMove(_("The move “%(action)s” is not possible at the stage “%(stage)s”.")
                              % {"action": action, "stage": locked.get_stage_display()})
        if not jurisdiction_for(actor).covers_with_role(locked.area_path, move.roles):
            raise Forbidden(_("You may not make this move."))
        if move.needs_reason and not reason:
            raise ValidationError({"reason": [_("Give a reason for this move.")]}, code="required")
        if move.guard:
            problem = _GUARDS[move.guard](locked)
            if problem:
                raise IllegalMove(problem, code="not_ready")
        before = locked.stage
        locked.stage = move.target
        locked.stage_changed_at = now
        fields = ["stage", "stage_changed_at"]
        if move.target == Stage.CLOSED:
            agg = locked.ratings.aggregate(mean=Avg("score"), n=Count("id"))
            locked.closed_at = now
            locked.ratings_count = agg["n"]
            locked.rating_mean = (Decimal(str(agg["mean"])).quantize(Decimal("0.01"), ROUND_HALF_UP)
                                  if agg["mean"] is not None else None)
            fields += ["closed_at", "ratings_count", "rating_mean"]
        locked.save(update_fields=fields)
        TopicMove.objects.create(topic=locked, action=action, from_stage=before, to_stage=move.target, actor=actor,
                                 reason=reason, at=now)
        record_event(actor=actor, action="deliberation.move", obj=locked, reason=reason,
                     changes={"action": action, "stage": [before, move.target]})
        people = _people_of(locked)
        with platform_language():
            title = _("Topic “%(title)s” moved to the stage “%(stage)s”") % {
                "title": locked.title, "stage": locked.get_stage_display()}
        transaction.on_commit(lambda: notify_users(people, event="deliberation.stage", title=title,
                                                   body=reason, link=_link(locked)))
    return locked


# --- 聚: participants -------------------------------------------------------------------------------
def add_participant(*, actor, topic: Topic, party: str, user=None, unit: Unit | None = None,
                    name: str = "") -> Participant:
    name = (name or "").strip()
    if party not in Party.values:
        raise ValidationError({"party": [_("Unknown party %(value)r.") % {"value": party}]})
    if user is None and unit is None and not name:
        raise ValidationError({"name": [_("Name the participant: a user, a unit or a name.")]}, code="required")
    if len(name) > 100:
        raise ValidationError({"name": [_("At most %(max)d characters.") % {"max": 100}]})
    with transaction.atomic():
        locked = _locked_topic(topic)
        _require_manager(actor, locked)
        _require_stage(locked, PARTICIPANT_STAGES, _("Adding participants"))
        if user is not None and Participant.objects.filter(topic=locked, user=user).exists():
            raise Conflict(_("%(name)s already takes part in this topic.") % {"name": user.display_name},
                           code="duplicate")
        participant = Participant.objects.create(topic=locked, area_path=locked.area_path, party=party, user=user,
                                                 unit=unit, name=name, added_by=actor)
        record_event(actor=actor, action="deliberation.participant", obj=locked, changes={
            "participant": participant.pk, "party": party, "user": user.pk if user else None,
            "unit": unit.code if unit else None})
    return participant


# --- 议: discussion ---------------------------------------------------------------------------------
def create_post(*, actor, topic: Topic, body: str, position: str = Position.NEUTRAL, parent: Post | None = None,
                now: datetime | None = None) -> Post:
    errors: dict[str, list[str]] = {}
    body = _text(errors, "body", body)
    if position not in Position.values:
        errors.setdefault("position", []).append(_("Choose for, against or neutral."))
    if parent is not None and parent.topic_id != topic.pk:
        errors.setdefault("parent", []).append(_("The post you reply to belongs to another topic."))
    if errors:
        raise ValidationError(errors)
    if not may_take_part(actor, topic):
        raise Forbidden(_("Only people who live or work in %(area)s take part in this topic.")
                        % {"area": topic.area.name})
    _require_stage(topic, POSTING_STAGES, _("Posting"))
    ratelimit.enforce(actor, "deliberation.post", default=POST_LIMIT, now=now)
    with transaction.atomic():
        post = Post.objects.create(topic=topic, area_path=topic.area_path, parent=parent, author=actor, body=body,
                                   position=position)
        record_event(actor=actor, action="deliberation.post", obj=post, changes={
            "topic": topic.pk, "position": position, "parent": parent.pk if parent else None})
    return post


def report_post(*, actor, post: Post, reason: str = "") -> Post:
    """Any signed-in user reports a post once; N distinct reports hide it automatically."""
    reason = (reason or "").strip()[:200]
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise Forbidden(_("Sign in to report a post."))
    if post.author_id == actor.pk:
        raise DeliberationError(_("You cannot report your own post."), code="own_post")
    with transaction.atomic():
        locked = Post.objects.select_for_update().get(pk=post.pk)
        if PostReport.objects.filter(post=locked, reporter=actor).exists():
            raise Conflict(_("You have already reported this post."), code="already_reported")
        PostReport.objects.create(post=locked, area_path=locked.area_path, reporter=actor, reason=reason)
        locked.reports_count = PostReport.objects.filter(post=locked).count()
        fields = ["reports_count"]
        record_event(actor=actor, action="deliberation.report", obj=locked, reason=reason,
                     changes={"reports": locked.reports_count})
        threshold = auto_hide_reports()
        if not locked.is_hidden and locked.reports_count >= threshold:
            locked.is_hidden = True
            locked.hidden_at = timezone.now()
            locked.hidden_reason = _("Hidden automatically after %(n)d reports.") % {"n": threshold}
            fields += ["is_hidden", "hidden_at", "hidden_reason"]
            record_event(actor=None, action="deliberation.post_auto_hide", obj=locked,
                         changes={"reports": locked.reports_count, "threshold": threshold})
        locked.save(update_fields=fields)
    return locked


def _moderate(*, actor, post: Post, hide: bool, reason: str) -> Post:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Give a reason.")]}, code="required")
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": [_("At most %(max)d characters.") % {"max": MAX_REASON}]})
    with transaction.atomic():
        locked = Post.objects.select_for_update().select_related("topic__area").get(pk=post.pk)
        _require_manager(actor, locked.topic)
        if locked.is_hidden == hide:
            raise Conflict(_("The post is already hidden.") if hide else _("The post is not hidden."),
                           code="unchanged")
        locked.is_hidden = hide
        locked.hidden_reason = reason if hide else ""
        locked.hidden_at = timezone.now() if hide else None
        locked.save(update_fields=["is_hidden", "hidden_reason", "hidden_at"])
        record_event(actor=actor, action="deliberation.hide" if hide else "deliberation.unhide", obj=locked,
                     reason=reason, changes={"is_hidden": [not hide, hide]})
    return locked


def hide_post(*, actor, post: Post, reason: str) -> Post:
    return _moderate(actor=actor, post=post, hide=True, reason=reason)


def unhide_post(*, actor, post: Post, reason: str) -> Post:
    return _moderate(actor=actor, post=post, hide=False, reason=reason)


# --- 议: meetings -----------------------------------------------------------------------------------
def _attendees(topic: Topic, attendee_ids) -> list[Participant]:
    ids = {int(i) for i in attendee_ids or ()}
    found = list(Participant.objects.filter(topic=topic, pk__in=ids))
    if len(found) != len(ids):
        raise ValidationError({"attendees": [_("Attendees must be participants of this topic.")]})
    return found


def _store_photos(meeting: Meeting, prepared) -> None:
    import uuid

    from django.core.files.base import ContentFile

    for photo in prepared:
        row = MeetingPhoto(meeting=meeting, content_type=photo.content_type, size=photo.size, width=photo.width,
                           height=photo.height)
        row.file.save(f"{uuid.uuid4().hex}.{photo.extension}", ContentFile(photo.content), save=False)
        row.save()


def meeting_started(meeting: Meeting, now: datetime | None = None) -> bool:
    """Minutes, attendance and photos say what happened, so they exist only once the meeting began."""
    return meeting.starts_at <= (now or timezone.now())


def _not_started_message(starts_at: datetime) -> str:
    return _("The meeting has not started yet (it starts at %(time)s): minutes, attendance and photos are "
             "recorded once it has begun.") % {"time": timezone.localtime(starts_at).strftime("%Y-%m-%d %H:%M")}


def create_meeting(*, actor, topic: Topic, title: str, agenda: str, starts_at: datetime, place: str,
                   minutes: str = "", attendee_ids=(), photos=(), now: datetime | None = None) -> Meeting:
    """Schedule a meeting, or enter one already held with its record. A meeting still to come has
    no minutes, attendance or photos yet (``record_meeting`` adds them once it has begun)."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    title = _text(errors, "title", title, max_length=100)
    agenda = _text(errors, "agenda", agenda)
    place = _text(errors, "place", place, max_length=200)
    minutes = _text(errors, "minutes", minutes, required=False, max_length=10000)
    if not isinstance(starts_at, datetime):
        errors.setdefault("starts_at", []).append(_("Give the date and time of the meeting."))
    elif starts_at > now:
        for name, value in (("minutes", minutes), ("attendees", attendee_ids), ("photos", photos)):
            if value:
                errors.setdefault(name, []).append(_not_started_message(starts_at))
    if errors:
        raise ValidationError(errors)
    prepared = prepare_photos(photos) if photos else []
    with transaction.atomic():
        locked = _locked_topic(topic)
        _require_manager(actor, locked)
        _require_stage(locked, MEETING_STAGES, _("Holding a meeting"))
        attendees = _attendees(locked, attendee_ids)
        meeting = Meeting.objects.create(topic=locked, area_path=locked.area_path, title=title, agenda=agenda,
                                         starts_at=starts_at, place=place, minutes=minutes, created_by=actor)
        meeting.attendees.set(attendees)
        _store_photos(meeting, prepared)
        record_event(actor=actor, action="deliberation.meeting", obj=meeting, changes={
            "topic": locked.pk, "starts_at": starts_at.isoformat(), "attendees": sorted(p.pk for p in attendees),
            "photos": len(prepared)})
    return meeting


def record_meeting(*, actor, meeting: Meeting | int, minutes: str | None = None, attendee_ids=None, photos=(),
                   remove_photo_ids=(), now: datetime | None = None) -> Meeting:
    """After the meeting: add or correct the minutes and who attended, add photos or take a wrong
    one away. ``None`` (minutes, attendees) leaves a field as it is; only what changed is saved and
    audited, and a call that changes nothing writes nothing. The record may trail the meeting by a
    stage (the vote held at it moved the topic to 办), so 聚, 议 and 办 accept it; from 评 on it is
    what the residents judge, and it stays as it was. Before the meeting's start there is nothing
    to record, and the whole call is refused (``meeting_not_started``, 409)."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    if minutes is not None:
        minutes = _text(errors, "minutes", minutes, required=False, max_length=10000)
    try:
        remove = {int(i) for i in remove_photo_ids or ()}
    except (TypeError, ValueError):
        remove = set()
        errors.setdefault("remove_photos", []).append(_("Choose photos of this meeting to remove."))
    if errors:
        raise ValidationError(errors)
    pk = meeting.pk if isinstance(meeting, Meeting) else meeting
    topic = Topic.objects.select_related("area").get(pk=Meeting.objects.values_list("topic_id", flat=True).get(pk=pk))
    # Refuse before decoding any photo: a stranger's upload costs nothing but this check.
    _require_manager(actor, topic)
    prepared = prepare_photos(photos) if photos else []
    with transaction.atomic():
        locked = Meeting.objects.select_for_update().get(pk=pk)
        topic = Topic.objects.select_related("area").get(pk=locked.topic_id)
        _require_manager(actor, topic)
        _require_stage(topic, MEETING_RECORD_STAGES, _("Recording a meeting"))
        if locked.is_cancelled:
            raise Conflict(_("The meeting was cancelled; it has no minutes, attendance or photos."),
                           code="meeting_cancelled")
        if not meeting_started(locked, now):
            raise Conflict(_not_started_message(locked.starts_at), code="meeting_not_started")
        existing = set(locked.photos.values_list("pk", flat=True))
        if remove - existing:
            raise ValidationError({"remove_photos": [_("Choose photos of this meeting to remove.")]})
        if len(existing) - len(remove) + len(prepared) > MAX_MEETING_PHOTOS:
            raise ValidationError({"photos": [_("At most %(n)d photos per meeting.") % {"n": MAX_MEETING_PHOTOS}]})
        changes: dict = {}
        first_minutes = False
        if minutes is not None and minutes != locked.minutes:
            changes["minutes"] = [locked.minutes, minutes]
            first_minutes = not locked.minutes
            locked.minutes = minutes
            locked.save(update_fields=["minutes"])
        if attendee_ids is not None:
            attendees = _attendees(topic, attendee_ids)
            before = sorted(locked.attendees.values_list("pk", flat=True))
            after = sorted(p.pk for p in attendees)
            if before != after:
                changes["attendees"] = [before, after]
                locked.attendees.set(attendees)
        if remove:
            files = [row.file.name for row in MeetingPhoto.objects.filter(meeting=locked, pk__in=remove)]
            MeetingPhoto.objects.filter(meeting=locked, pk__in=remove).delete()
            changes["photos_removed"] = sorted(remove)
            storage = MeetingPhoto._meta.get_field("file").storage
            # The files go only once the rows are gone for good.
            transaction.on_commit(lambda: [storage.delete(name) for name in files])
        if prepared:
            _store_photos(locked, prepared)
            changes["photos_added"] = len(prepared)
        if not changes:
            return locked
        record_event(actor=actor, action="deliberation.meeting_record", obj=locked, changes=changes)
        if first_minutes:
            people = _people_of(topic)
            with platform_language():
                title = _("Minutes of “%(meeting)s” published") % {"meeting": locked.title}
            transaction.on_commit(lambda: notify_users(people, event="deliberation.minutes", title=title,
                                                       body=topic.title, link=_link(topic)))
    return locked


# --- 议: changing or cancelling a meeting still to come ---------------------------------------------
MEETING_FIELDS = ("title", "agenda", "starts_at", "place")
# Changes the people coming must hear of; a corrected title or agenda is not worth a notice.
MEETING_NOTIFY_FIELDS = ("starts_at", "place")


def _utc_iso(value: datetime) -> str:
    return value.astimezone(dt_timezone.utc).isoformat()


def _when_text(value: datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def meeting_has_record(meeting: Meeting) -> bool:
    """Minutes, attendance or photos: a meeting with any of them has been held, whatever its time."""
    return bool(meeting.minutes) or meeting.attendees.exists() or meeting.photos.exists()


def _require_still_to_come(meeting: Meeting, now: datetime, what: str) -> None:
    """Only a meeting not yet held may change or be cancelled: once it has begun, or has any record,
    what it was is history. A cancelled one stays as it was cancelled."""
    if meeting.is_cancelled:
        raise Conflict(_("The meeting was cancelled on %(time)s; it can no longer be changed.")
                       % {"time": _when_text(meeting.cancelled_at)}, code="meeting_cancelled")
    if meeting_started(meeting, now):
        raise Conflict(_("The meeting started at %(time)s; %(what)s is possible only before it starts.")
                       % {"time": _when_text(meeting.starts_at), "what": what}, code="meeting_started")
    if meeting_has_record(meeting):
        raise Conflict(_("The meeting already has minutes, attendance or photos; %(what)s is no longer possible.")
                       % {"what": what}, code="meeting_recorded")


def _locked_meeting_for_manager(actor, meeting: Meeting | int, stages, what: str) -> tuple[Meeting, Topic]:
    pk = meeting.pk if isinstance(meeting, Meeting) else meeting
    locked = Meeting.objects.select_for_update().get(pk=pk)
    topic = Topic.objects.select_related("area").get(pk=locked.topic_id)
    _require_manager(actor, topic)
    _require_stage(topic, stages, what)
    return locked, topic


def change_meeting(*, actor, meeting: Meeting | int, title: str | None = None, agenda: str | None = None,
                   starts_at: datetime | None = None, place: str | None = None,
                   now: datetime | None = None) -> Meeting:
    """Correct the title or agenda, or move the time or place, of a meeting not yet held. ``None``
    leaves a field as it is; only what changed is saved and audited (old and new values), a call
    that changes nothing writes nothing, and a new time or place is told to the topic's people
    after the commit. Refused (nothing written) once the meeting has started, has a record, or
    was cancelled; the new time must lie in the future (moving it into the past would make it
    "held" without having taken place)."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    wanted: dict = {}
    if title is not None:
        wanted["title"] = _text(errors, "title", title, max_length=100)
    if agenda is not None:
        wanted["agenda"] = _text(errors, "agenda", agenda)
    if place is not None:
        wanted["place"] = _text(errors, "place", place, max_length=200)
    if starts_at is not None:
        if not isinstance(starts_at, datetime):
            errors.setdefault("starts_at", []).append(_("Give the date and time of the meeting."))
        elif starts_at <= now:
            errors.setdefault("starts_at", []).append(_("The new time must lie in the future."))
        else:
            wanted["starts_at"] = starts_at
    if errors:
        raise ValidationError(errors)
    what = _("Changing a meeting")
    with transaction.atomic():
        locked, topic = _locked_meeting_for_manager(actor, meeting, MEETING_RECORD_STAGES, what)
        _require_still_to_come(locked, now, what)
        changes: dict = {}
        for name in MEETING_FIELDS:
            if name in wanted and wanted[name] != getattr(locked, name):
                old = getattr(locked, name)
                # Both times in UTC: the stored one comes back in UTC, the new one in the sender's offset.
                changes[name] = ([_utc_iso(old), _utc_iso(wanted[name])] if name == "starts_at"
                                 else [old, wanted[name]])
                setattr(locked, name, wanted[name])
        if not changes:
            return locked
        locked.save(update_fields=[n for n in MEETING_FIELDS if n in changes])
        record_event(actor=actor, action="deliberation.meeting_change", obj=locked, changes=changes)
        if any(n in changes for n in MEETING_NOTIFY_FIELDS):
            people = _people_of(topic)
            with platform_language():
                subject = _("Meeting “%(meeting)s” rescheduled") % {"meeting": locked.title}
                body = _("Topic “%(title)s”. The meeting is now on %(time)s at %(place)s.") % {
                    "title": topic.title, "time": _when_text(locked.starts_at), "place": locked.place}
            transaction.on_commit(lambda: notify_users(people, event="deliberation.meeting_changed", title=subject,
                                                       body=body, link=_link(topic)))
    return locked


def cancel_meeting(*, actor, meeting: Meeting | int, reason: str, now: datetime | None = None) -> Meeting:
    """Cancel a meeting not yet held. It is kept, marked cancelled with who, when and why (the
    topic page shows it so), and the topic's people are told after the commit. A second cancel,
    or one after the start or after a record, is refused and writes nothing."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Give a reason for cancelling the meeting.")]}, code="required")
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": [_("At most %(max)d characters.") % {"max": MAX_REASON}]})
    what = _("Cancelling a meeting")
    with transaction.atomic():
        locked, topic = _locked_meeting_for_manager(actor, meeting, MEETING_RECORD_STAGES, what)
        _require_still_to_come(locked, now, what)
        locked.cancelled_at, locked.cancelled_by, locked.cancel_reason = now, actor, reason
        locked.save(update_fields=["cancelled_at", "cancelled_by", "cancel_reason"])
        record_event(actor=actor, action="deliberation.meeting_cancel", obj=locked, reason=reason, changes={
            "cancelled_at": [None, _utc_iso(now)], "cancel_reason": ["", reason]})
        people = _people_of(topic)
        with platform_language():
            subject = _("Meeting “%(meeting)s” cancelled") % {"meeting": locked.title}
            body = _("Topic “%(title)s”. The meeting of %(time)s at %(place)s will not take place: %(reason)s") % {
                "title": topic.title, "time": _when_text(locked.starts_at), "place": locked.place, "reason": reason}
        transaction.on_commit(lambda: notify_users(people, event="deliberation.meeting_cancelled", title=subject,
                                                   body=body, link=_link(topic)))
    return locked


# --- 议: polls and votes ------------------------------------------------------------------------------
def create_poll(*, actor, topic: Topic, question: str, options, closes_at: datetime, quorum: int = 1,
                threshold_percent: int = 50, opens_at: datetime | None = None, now: datetime | None = None) -> Poll:
    """A vote in draft. ``opens_at`` (optional) holds votes back until then even once opened."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    question = _text(errors, "question", question, max_length=200)
    labels = [str(o).strip() for o in (options or []) if str(o).strip()]
    if len(labels) < 2 or len(labels) > 10:
        errors.setdefault("options", []).append(_("Give between 2 and 10 options."))
    elif len(set(labels)) != len(labels) or any(len(x) > 100 for x in labels):
        errors.setdefault("options", []).append(_("Options must be different, each at most 100 characters."))
    try:
        quorum = int(quorum)
        if quorum < 1:
            raise ValueError
    except (TypeError, ValueError):
        errors.setdefault("quorum", []).append(_("The quorum is a whole number of households, at least 1."))
    try:
        threshold_percent = int(threshold_percent)
        if not 1 <= threshold_percent <= 100:
            raise ValueError
    except (TypeError, ValueError):
        errors.setdefault("threshold_percent", []).append(_("The pass threshold is a percentage from 1 to 100."))
    if not isinstance(closes_at, datetime) or closes_at <= now:
        errors.setdefault("closes_at", []).append(_("The closing time must lie in the future."))
    elif opens_at is not None and opens_at >= closes_at:
        errors.setdefault("opens_at", []).append(_("The vote must open before it closes."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = _locked_topic(topic)
        _require_manager(actor, locked)
        _require_stage(locked, (Stage.DELIBERATE,), _("Putting options to a vote"))
        poll = Poll.objects.create(topic=locked, area_path=locked.area_path, question=question, quorum=quorum,
                                   threshold_percent=threshold_percent, opens_at=opens_at, closes_at=closes_at,
                                   created_by=actor)
        PollOption.objects.bulk_create([PollOption(poll=poll, label=label, position=i)
                                        for i, label in enumerate(labels)])
        record_event(actor=actor, action="deliberation.poll", obj=poll, changes={
            "topic": locked.pk, "options": labels, "quorum": quorum, "threshold_percent": threshold_percent,
            "closes_at": closes_at.isoformat()})
    return poll


def _locked_poll(poll: Poll | int) -> Poll:
    pk = poll.pk if isinstance(poll, Poll) else poll
    return Poll.objects.select_for_update().get(pk=pk)


def open_poll(*, actor, poll: Poll | int, now: datetime | None = None) -> Poll:
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked_poll(poll)
        topic = Topic.objects.select_related("area").get(pk=locked.topic_id)
        _require_manager(actor, topic)
        _require_stage(topic, (Stage.DELIBERATE,), _("Opening a vote"))
        if locked.status != PollStatus.DRAFT:
            raise Conflict(_("This vote has already been opened."), code="not_draft")
        if locked.closes_at <= now:
            raise ValidationError({"closes_at": [_("The closing time must lie in the future.")]})
        locked.status = PollStatus.OPEN
        if locked.opens_at is None or locked.opens_at < now:
            locked.opens_at = now
        locked.save(update_fields=["status", "opens_at"])
        record_event(actor=actor, action="deliberation.poll_open", obj=locked, changes={"status": ["draft", "open"]})
        people = _people_of(topic)
        with platform_language():
            title = _("Vote open: %(question)s") % {"question": locked.question}
            body = _("Topic “%(title)s”. One vote per household, from %(start)s until %(time)s.") % {
                "title": topic.title, "start": timezone.localtime(locked.opens_at).strftime("%Y-%m-%d %H:%M"),
                "time": timezone.localtime(locked.closes_at).strftime("%Y-%m-%d %H:%M")}
        transaction.on_commit(lambda: notify_users(people, event="deliberation.vote_open", title=title, body=body,
                                                   link=_link(topic)))
    return locked


def cast_vote(*, actor, poll: Poll | int, option: PollOption | int, now: datetime | None = None) -> Vote:
    """One vote per household: the poll row is locked, an existing vote of the household refuses
    the new one, and the unique (poll, household) constraint settles any race that gets past."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked_poll(poll)
        topic = Topic.objects.select_related("area").get(pk=locked.topic_id)
        option_id = option.pk if isinstance(option, PollOption) else option
        chosen = PollOption.objects.filter(poll=locked, pk=option_id).first()
        if chosen is None:
            raise ValidationError({"option": [_("Choose one of the options of this vote.")]}, code="invalid")
        if locked.status != PollStatus.OPEN or topic.stage != Stage.DELIBERATE:
            raise IllegalMove(_("This vote is not open."), code="poll_not_open")
        # The window is [opens_at, closes_at): at closes_at the poll is expired, as the sweep sees it.
        if (locked.opens_at and now < locked.opens_at) or is_expired(locked, now):
            raise IllegalMove(_("This vote is not open at this time."), code="poll_not_open")
        household = household_of(actor, topic.area_path)
        if household is None:
            raise Forbidden(_("Only residents with a registered household in %(area)s vote.")
                            % {"area": topic.area.name})
        if Vote.objects.filter(poll=locked, household=household).exists():
            raise Conflict(_("Your household has already voted."), code="already_voted")
        try:
            with transaction.atomic():
                vote = Vote.objects.create(poll=locked, option=chosen, household=household, voter=actor,
                                           area_path=topic.area_path)
        except IntegrityError:
            raise Conflict(_("Your household has already voted."), code="already_voted") from None
        PollOption.objects.filter(pk=chosen.pk).update(votes=F("votes") + 1)
        Poll.objects.filter(pk=locked.pk).update(votes_cast=F("votes_cast") + 1)
        record_event(actor=actor, action="deliberation.vote", obj=locked,
                     changes={"option": chosen.pk, "household": household.pk})
    return vote


def tally(poll: Poll) -> tuple[str, PollOption | None, int, dict[int, int]]:
    """(result, winning option, votes cast, {option id: votes}) recounted from the votes."""
    counts = dict(Vote.objects.filter(poll=poll).values_list("option").annotate(n=Count("id")).values_list(
        "option", "n"))
    cast = sum(counts.values())
    if cast < poll.quorum:
        return PollResult.NO_QUORUM, None, cast, counts
    ranked = sorted(counts.items(), key=lambda kv: -kv[1])
    top_id, top = ranked[0]
    alone = len(ranked) == 1 or ranked[1][1] < top
    if alone and top * 100 >= poll.threshold_percent * cast:
        return PollResult.PASSED, PollOption.objects.get(pk=top_id), cast, counts
    return PollResult.FAILED, None, cast, counts


def is_expired(poll: Poll, now: datetime | None = None) -> bool:
    """Open and past its closing time: no vote is taken any more, the count is due."""
    return poll.status == PollStatus.OPEN and poll.closes_at <= (now or timezone.now())


def close_poll(*, actor, poll: Poll | int, now: datetime | None = None) -> Poll:
    """Close an open vote, recount it and publish the result. ``actor=None`` is the system (the
    ``close_polls`` job), which may only close a vote whose closing time has passed; staff of the
    area close one at any time. Both go through this one function, so the recount, the result, the
    resolution text, the audit row and the notifications are the same."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked_poll(poll)
        topic = Topic.objects.select_related("area").get(pk=locked.topic_id)
        if actor is None:
            if locked.closes_at > now:
                raise Forbidden(_("The system closes a vote only once its closing time has passed."))
        else:
            _require_manager(actor, topic)
        if locked.status != PollStatus.OPEN:
            raise Conflict(_("Only an open vote can be closed."), code="not_open")
        result, winner, cast, counts = tally(locked)
        locked.status = PollStatus.CLOSED
        locked.closed_at = now
        locked.result = result
        locked.winner = winner
        locked.votes_cast = cast
        locked.save(update_fields=["status", "closed_at", "result", "winner", "votes_cast"])
        for opt in locked.options.all():
            if opt.votes != counts.get(opt.pk, 0):
                PollOption.objects.filter(pk=opt.pk).update(votes=counts.get(opt.pk, 0))
        if result == PollResult.PASSED and not topic.resolution:
            Topic.objects.filter(pk=topic.pk).update(resolution=f"{locked.question}：{winner.label}")
        record_event(actor=actor, action="deliberation.poll_close", obj=locked, changes={
            "result": result, "winner": winner.pk if winner else None, "votes_cast": cast,
            "quorum": locked.quorum, "threshold_percent": locked.threshold_percent})
        people = _people_of(topic)
        with platform_language():
            title = _("Vote counted: %(question)s") % {"question": locked.question}
            outcome = locked.get_result_display()
            body = (_("%(result)s: “%(option)s”, %(n)d households voted.")
                    % {"result": outcome, "option": winner.label, "n": cast} if winner else
                    _("%(result)s, %(n)d households voted.") % {"result": outcome, "n": cast})
        transaction.on_commit(lambda: notify_users(people, event="deliberation.vote_closed", title=title, body=body,
                                                   link=_link(topic)))
    return locked


@dataclass
class CloseReport:
    due: int = 0
    closed: int = 0
    skipped: int = 0  # closed by staff between the look-up and the lock
    results: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.due} due, {self.closed} closed, {self.skipped} already closed"


def close_expired_polls(*, now: datetime | None = None) -> CloseReport:
    """Close every open vote whose closing time has passed, each in its own transaction through
    ``close_poll`` as the system. Running it again finds nothing: a closed vote is no longer open."""
    now = now or timezone.now()
    report = CloseReport()
    due = list(Poll.objects.filter(status=PollStatus.OPEN, closes_at__lte=now).order_by("closes_at", "pk")
               .values_list("pk", flat=True))
    report.due = len(due)
    for pk in due:
        try:
            poll = close_poll(actor=None, poll=pk, now=now)
        except Conflict:
            report.skipped += 1
            continue
        report.closed += 1
        report.results[poll.result] = report.results.get(poll.result, 0) + 1
    return report


# --- 办: tasks --------------------------------------------------------------------------------------
def task_progress(task: Task) -> int:
    if task.work_order_id:
        return ORDER_PROGRESS.get(task.work_order.status, 0)
    return 100 if task.done else task.progress


def topic_progress(topic: Topic) -> int | None:
    """Mean progress of the topic's tasks, in whole percent (None without tasks)."""
    tasks = list(topic.tasks.select_related("work_order"))
    if not tasks:
        return None
    return round(sum(task_progress(t) for t in tasks) / len(tasks))


def create_task(*, actor, topic: Topic, title: str, owner_user=None, owner_unit: Unit | None = None,
                deadline: date | None = None) -> Task:
    errors: dict[str, list[str]] = {}
    title = _text(errors, "title", title, max_length=200)
    if owner_user is None and owner_unit is None:
        errors.setdefault("owner", []).append(_("Name who does it: a person or a unit."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = _locked_topic(topic)
        _require_manager(actor, locked)
        _require_stage(locked, (Stage.ACT,), _("Adding tasks"))
        task = Task.objects.create(topic=locked, area_path=locked.area_path, title=title, owner_user=owner_user,
                                   owner_unit=owner_unit, deadline=deadline)
        record_event(actor=actor, action="deliberation.task", obj=task, changes={
            "topic": locked.pk, "owner_user": owner_user.pk if owner_user else None,
            "owner_unit": owner_unit.code if owner_unit else None,
            "deadline": deadline.isoformat() if deadline else None})
    return task


def update_task(*, actor, task: Task, progress, done: bool | None = None) -> Task:
    try:
        progress = int(progress)
        if not 0 <= progress <= 100:
            raise ValueError
    except (TypeError, ValueError):
        raise ValidationError({"progress": [_("Progress is a whole number from 0 to 100.")]}) from None
    with transaction.atomic():
        locked = Task.objects.select_for_update().get(pk=task.pk)
        topic = Topic.objects.select_related("area").get(pk=locked.topic_id)
        if not (may_manage(actor, topic) or (locked.owner_user_id and locked.owner_user_id == actor.pk)):
            raise Forbidden(_("Only the task's owner or the topic's staff update it."))
        _require_stage(topic, (Stage.ACT,), _("Updating tasks"))
        if locked.work_order_id:
            raise DeliberationError(_("This task follows its work order; its progress comes from the order."),
                                    code="order_task")
        done = bool(done) or progress == 100
        if done:
            progress = 100
        before = [locked.progress, locked.done]
        locked.progress, locked.done = progress, done
        locked.save(update_fields=["progress", "done"])
        record_event(actor=actor, action="deliberation.task_progress", obj=locked,
                     changes={"progress": [before[0], progress], "done": [before[1], done]})
    return locked


def file_task_order(*, actor, topic: Topic, title: str, text: str, building_code=None, address: str = "",
                    lon=None, lat=None, category_code=None) -> Task:
    """A task carried out as a work order, filed through intake (the proactive channel)."""
    _require_manager(actor, topic)
    _require_stage(topic, (Stage.ACT,), _("Adding tasks"))
    with transaction.atomic():
        locked = _locked_topic(topic)
        _require_stage(locked, (Stage.ACT,), _("Adding tasks"))
        result = submit_appeal(channel=Channel.PROACTIVE, actor=actor, title=title, text=text, lon=lon, lat=lat,
                               address=address or "", building_code=building_code or None,
                               category_code=category_code or None)
        task = Task.objects.create(topic=locked, area_path=locked.area_path, title=result.order.title,
                                   owner_unit=result.order.unit, work_order=result.order)
        record_event(actor=actor, action="deliberation.task", obj=task, changes={
            "topic": locked.pk, "order": result.order.number})
    return task


# --- 评: ratings ------------------------------------------------------------------------------------
def rate_topic(*, actor, topic: Topic, score, comment: str = "") -> Rating:
    errors: dict[str, list[str]] = {}
    try:
        score = int(score)
        if not 1 <= score <= 5:
            raise ValueError
    except (TypeError, ValueError):
        errors.setdefault("score", []).append(_("Rate from 1 to 5."))
    comment = _text(errors, "comment", comment, required=False)
    if errors:
        raise ValidationError(errors)
    if jurisdiction_for(actor).is_staff or not may_rate(actor, topic):
        raise Forbidden(_("Residents who took part or live in %(area)s rate this topic.") % {"area": topic.area.name})
    with transaction.atomic():
        locked = _locked_topic(topic)
        _require_stage(locked, (Stage.EVALUATE,), _("Rating"))
        if Rating.objects.filter(topic=locked, resident=actor).exists():
            raise Conflict(_("You have already rated this topic."), code="already_rated")
        rating = Rating.objects.create(topic=locked, area_path=locked.area_path, resident=actor, score=score,
                                       comment=comment)
        record_event(actor=actor, action="deliberation.rate", obj=locked, changes={"score": score})
    return rating
