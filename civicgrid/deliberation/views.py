"""Deliberation pages: residents' list and topic page (under the portal), and the staff pages
(manage a topic, moderation queue). Views parse, call a service or selector and render; a topic
the reader may not see answers 404 like a missing one. Refusals come back as messages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from civicgrid.core.masking import mask_name
from civicgrid.geo.models import Area, AreaKind
from civicgrid.geo.paths import ancestor_paths
from civicgrid.people.jurisdiction import jurisdiction_for
from civicgrid.people.models import Unit
from civicgrid.workorders import selectors as order_selectors

from . import selectors, services
from .filters import TopicFilterSet
from .models import FOUR_PARTIES, Party, PollStatus, Position, Stage
from .transitions import moves_from


# Residents are the first readers of these pages: signing in sends them to the phone sign-in.
resident_login_required = login_required(login_url="people:resident_login")


def _topic(request, topic_id: int):
    topic = selectors.topic_for(request.user, topic_id)
    if topic is None:
        raise Http404()
    return topic


def _refused(request, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


def _back(request, topic_id: int, default: str = "detail"):
    target = request.POST.get("next", "")
    if target.startswith("/deliberation/") and "//" not in target:
        return redirect(target)
    return redirect(f"deliberation:{default}", topic_id=topic_id)


def _when(value: str):
    parsed = parse_datetime((value or "").strip()) if value else None
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


@resident_login_required
def topic_list(request):
    topics = selectors.topics_for(request.user)
    filterset = TopicFilterSet(request.GET or None, queryset=topics)
    rows = list(filterset.qs[:200])
    for t in rows:
        t.progress = services.topic_progress(t)
    jurisdiction = jurisdiction_for(request.user)
    return render(request, "deliberation/list.html", {
        "topics": rows, "filter": filterset, "is_staff": jurisdiction.is_staff,
        "stages": Stage.choices, "can_raise": bool(_raise_areas(request.user)),
    })


def _raise_areas(user) -> list[Area]:
    jurisdiction = jurisdiction_for(user)
    kinds = (AreaKind.COMMUNITY, AreaKind.GRID)
    if jurisdiction.area_paths or jurisdiction.is_global:
        return list(Area.objects.filter(jurisdiction.area_q("path"), kind__in=kinds).order_by("path")[:300])
    paths = selectors.home_community_paths(user)
    codes = {c for p in paths for c in p.split("/") if c}
    return list(Area.objects.filter(code__in=codes, kind=AreaKind.COMMUNITY).order_by("path"))


@resident_login_required
@require_http_methods(["GET", "POST"])
def topic_new(request):
    areas = _raise_areas(request.user)
    if not areas:
        raise PermissionDenied(_("You may raise topics only where you live or work."))
    values = {"title": "", "description": "", "area": areas[0].code, "order": ""}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {k: request.POST.get(k, "").strip() for k in values}
        area = next((a for a in areas if a.code == values["area"]), None)
        order = None
        if values["order"]:
            order = order_selectors.orders_for(jurisdiction_for(request.user)).filter(number=values["order"]).first()
            if order is None:
                errors["order"] = [_("There is no work order %(number)s in your jurisdiction.")
                                   % {"number": values["order"]}]
        if area is None:
            errors["area"] = [_("Choose the community or grid of the topic.")]
        if not errors:
            try:
                topic = services.raise_topic(actor=request.user, area=area, title=values["title"],
                                             description=values["description"], source_order=order)
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    errors = exc.message_dict
                else:
                    errors = {"__all__": exc.messages}
            else:
                messages.success(request, _("Topic raised."))
                return redirect("deliberation:detail", topic_id=topic.pk)
    return render(request, "deliberation/new.html", {
        "areas": areas, "values": values, "errors": errors, "general_errors": errors.get("__all__", []),
        "is_staff": jurisdiction_for(request.user).is_staff,
    }, status=400 if errors else 200)


def _topic_context(request, topic) -> dict:
    user = request.user
    can_manage = services.may_manage(user, topic)
    now = timezone.now()
    polls = selectors.polls_of(topic, now=now)
    for poll in polls:
        poll.my_vote = selectors.my_household_vote(user, poll)
        poll.is_open_now = (poll.status == PollStatus.OPEN and topic.stage == Stage.DELIBERATE
                            and not poll.awaiting_count and not (poll.opens_at and poll.opens_at > now))
    tasks = list(topic.tasks.select_related("work_order", "owner_user", "owner_unit"))
    for t in tasks:
        t.effective = services.task_progress(t)
        t.owner_shown = t.owner_unit.name if t.owner_unit_id else mask_name(t.owner_user.display_name) \
            if t.owner_user_id else ""
    household = services.household_of(user, topic.area_path)
    my_rating = topic.ratings.filter(resident=user).first()
    return {
        "topic": topic, "stage_bar": selectors.stage_bar(topic), "can_manage": can_manage,
        "participants": list(topic.participants.select_related("user", "unit")),
        "posts": selectors.posts_of(user, topic), "positions": selectors.position_counts(topic),
        "position_choices": Position.choices,
        "can_post": topic.stage in services.POSTING_STAGES and services.may_take_part(user, topic),
        "polls": polls, "household": household,
        "meetings": list(topic.meetings.prefetch_related("attendees", "photos")),
        "tasks": tasks, "progress": services.topic_progress(topic),
        "my_rating": my_rating,
        "can_rate": (topic.stage == Stage.EVALUATE and my_rating is None and not jurisdiction_for(user).is_staff
                     and services.may_rate(user, topic)),
        "ratings": list(topic.ratings.all()[:50]),
        "moves": list(topic.moves.select_related("actor")),
    }


@resident_login_required
def topic_detail(request, topic_id: int):
    topic = _topic(request, topic_id)
    return render(request, "deliberation/detail.html", _topic_context(request, topic))


@login_required
def manage(request, topic_id: int):
    topic = _topic(request, topic_id)
    if not services.may_manage(request.user, topic):
        raise PermissionDenied(_("Only the staff of the area manage this topic."))
    context = _topic_context(request, topic)
    context.update({
        "moves_available": moves_from(topic.stage), "parties": Party.choices, "four_parties": FOUR_PARTIES,
        "units": list(Unit.objects.filter(is_active=True, area__path__in=[
            p for p in ancestor_paths(topic.area_path)]).order_by("name")[:100]),
    })
    return render(request, "deliberation/manage.html", context)


@login_required
def moderation(request):
    if not jurisdiction_for(request.user).is_staff:
        raise PermissionDenied(_("The moderation queue is for staff."))
    return render(request, "deliberation/moderation.html", {"posts": selectors.moderation_queue(request.user)[:200]})


# --- actions --------------------------------------------------------------------------------------
def _act(request, call, success, then):
    """The shape of every form action: run the service ``call``; a refusal (``ValidationError``)
    becomes an error message, anything else the ``success`` message (a text, or a function of
    what the call returned); either way the reader goes to ``then``."""
    try:
        result = call()
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, success(result) if callable(success) else success)
    return then


@login_required
@require_POST
def post_new(request, topic_id: int):
    topic = _topic(request, topic_id)
    parent = None
    if request.POST.get("parent"):
        parent = topic.posts.filter(pk=request.POST.get("parent")).first()
    return _act(request, lambda: services.create_post(
        actor=request.user, topic=topic, body=request.POST.get("body", ""),
        position=request.POST.get("position", Position.NEUTRAL), parent=parent),
        _("Your post is published."), redirect(f"/deliberation/{topic.pk}/#discussion"))


@login_required
@require_POST
def report(request, post_id: int):
    post = selectors.post_for(request.user, post_id)
    if post is None:
        raise Http404()
    return _act(request, lambda: services.report_post(actor=request.user, post=post,
                                                      reason=request.POST.get("reason", "")),
                _("Thank you; the staff will look at this post."), redirect(f"/deliberation/{post.topic_id}/#discussion"))


@login_required
@require_POST
def moderate(request, post_id: int):
    post = selectors.post_for(request.user, post_id)
    if post is None:
        raise Http404()
    hide = request.POST.get("action") == "hide"
    service = services.hide_post if hide else services.unhide_post
    return _act(request, lambda: service(actor=request.user, post=post, reason=request.POST.get("reason", "")),
                _("The post is hidden.") if hide else _("The post is shown again."), _back(request, post.topic_id))


@login_required
@require_POST
def vote(request, poll_id: int):
    poll = selectors.poll_for(request.user, poll_id)
    if poll is None:
        raise Http404()
    return _act(request, lambda: services.cast_vote(actor=request.user, poll=poll,
                                                    option=_int(request.POST.get("option"))),
                _("Your household's vote is recorded."), redirect(f"/deliberation/{poll.topic_id}/#polls"))


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@login_required
@require_POST
def rate(request, topic_id: int):
    topic = _topic(request, topic_id)
    return _act(request, lambda: services.rate_topic(actor=request.user, topic=topic, score=request.POST.get("score"),
                                                     comment=request.POST.get("comment", "")),
                _("Thank you for your rating."), redirect(f"/deliberation/{topic.pk}/#rating"))


@login_required
@require_POST
def move(request, topic_id: int):
    topic = _topic(request, topic_id)
    return _act(request, lambda: services.move_topic(actor=request.user, topic=topic,
                                                     action=request.POST.get("action", ""),
                                                     reason=request.POST.get("reason", "")),
                lambda moved: _("The topic is now at the stage “%(stage)s”.") % {"stage": moved.get_stage_display()},
                _back(request, topic_id, "manage"))


@login_required
@require_POST
def participant_new(request, topic_id: int):
    topic = _topic(request, topic_id)

    def add():
        user = None
        if request.POST.get("username"):
            user = get_user_model().objects.filter(username=request.POST["username"].strip(), is_active=True).first()
            if user is None:
                raise ValidationError({"username": [_("Unknown user %(name)s.") % {"name": request.POST["username"]}]})
        unit = Unit.objects.filter(code=request.POST.get("unit", "")).first() if request.POST.get("unit") else None
        return services.add_participant(actor=request.user, topic=topic, party=request.POST.get("party", ""),
                                        user=user, unit=unit, name=request.POST.get("name", ""))

    return _act(request, add, _("Participant added."), _back(request, topic_id, "manage"))


@login_required
@require_POST
def meeting_new(request, topic_id: int):
    topic = _topic(request, topic_id)
    return _act(request, lambda: services.create_meeting(
        actor=request.user, topic=topic, title=request.POST.get("title", ""), agenda=request.POST.get("agenda", ""),
        starts_at=_when(request.POST.get("starts_at", "")), place=request.POST.get("place", ""),
        minutes=request.POST.get("minutes", ""), attendee_ids=[_int(x) for x in request.POST.getlist("attendees")],
        photos=request.FILES.getlist("photos")),
        _("Meeting recorded."), _back(request, topic_id, "manage"))


@login_required
@require_http_methods(["GET", "POST"])
def meeting_record(request, meeting_id: int):
    """The record of one meeting, after the fact: minutes, who attended, photos (staff of the area)."""
    meeting = selectors.meeting_for(request.user, meeting_id)
    if meeting is None:
        raise Http404()
    topic = meeting.topic
    if not services.may_manage(request.user, topic):
        raise PermissionDenied(_("Only the staff of the area manage this topic."))
    errors: dict[str, list[str]] = {}
    values = {"minutes": meeting.minutes, "attendees": set(meeting.attendees.values_list("pk", flat=True))}
    plan = {"title": meeting.title, "agenda": meeting.agenda, "place": meeting.place, "cancel_reason": "",
            "starts_at": timezone.localtime(meeting.starts_at).strftime("%Y-%m-%dT%H:%M")}
    form = request.POST.get("form", "record") if request.method == "POST" else ""
    if form in ("change", "cancel"):
        plan.update({k: request.POST.get(k, "") for k in ("title", "agenda", "place", "starts_at", "cancel_reason")})
        try:
            if form == "change":
                starts_at = _when(plan["starts_at"])
                if starts_at is None:
                    raise ValidationError({"starts_at": [_("Give the date and time of the meeting.")]})
                services.change_meeting(actor=request.user, meeting=meeting, title=plan["title"],
                                        agenda=plan["agenda"], starts_at=starts_at, place=plan["place"])
            else:
                services.cancel_meeting(actor=request.user, meeting=meeting, reason=plan["cancel_reason"])
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
            if form == "cancel" and "reason" in errors:
                errors["cancel_reason"] = errors.pop("reason")
        else:
            messages.success(request, _("Meeting changed.") if form == "change" else _("Meeting cancelled."))
            return redirect("deliberation:meeting-record", meeting_id=meeting.pk)
    elif request.method == "POST":
        values = {"minutes": request.POST.get("minutes", ""),
                  "attendees": {_int(x) for x in request.POST.getlist("attendees")}}
        try:
            # The form shows every participant, so what is ticked is the whole attendance.
            services.record_meeting(actor=request.user, meeting=meeting, minutes=values["minutes"],
                                    attendee_ids=sorted(values["attendees"]), photos=request.FILES.getlist("photos"),
                                    remove_photo_ids=[_int(x) for x in request.POST.getlist("remove_photos")])
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        else:
            messages.success(request, _("Meeting record saved."))
            return redirect("deliberation:meeting-record", meeting_id=meeting.pk)
    meeting.refresh_from_db()
    stage_open = topic.stage in services.MEETING_RECORD_STAGES
    started = services.meeting_started(meeting)
    field_errors = ("minutes", "photos", *services.MEETING_FIELDS, "cancel_reason")
    return render(request, "deliberation/meeting.html", {
        "topic": topic, "meeting": meeting, "values": values, "plan": plan, "errors": errors,
        "general_errors": [m for k, msgs in errors.items() if k not in field_errors for m in msgs],
        "participants": list(topic.participants.select_related("user", "unit")),
        "photos": list(meeting.photos.all()),
        "stage_open": stage_open,
        "can_record": stage_open and started and not meeting.is_cancelled,
        # The arrangements change only before the meeting and while it has no record (ADR 013).
        "can_change": (stage_open and not started and not meeting.is_cancelled
                       and not services.meeting_has_record(meeting)),
    }, status=400 if errors else 200)


@login_required
@require_POST
def poll_new(request, topic_id: int):
    topic = _topic(request, topic_id)
    options = [line for line in request.POST.get("options", "").splitlines() if line.strip()]
    return _act(request, lambda: services.create_poll(
        actor=request.user, topic=topic, question=request.POST.get("question", ""), options=options,
        closes_at=_when(request.POST.get("closes_at", "")), opens_at=_when(request.POST.get("opens_at", "")),
        quorum=request.POST.get("quorum", 1), threshold_percent=request.POST.get("threshold_percent", 50)),
        _("Vote prepared; open it when ready."), _back(request, topic_id, "manage"))


@login_required
@require_POST
def poll_action(request, poll_id: int, action: str):
    poll = selectors.poll_for(request.user, poll_id)
    if poll is None or action not in ("open", "close"):
        raise Http404()
    if action == "open":
        return _act(request, lambda: services.open_poll(actor=request.user, poll=poll), _("The vote is open."),
                    _back(request, poll.topic_id, "manage"))
    return _act(request, lambda: services.close_poll(actor=request.user, poll=poll),
                lambda done: _("The vote is closed: %(result)s.") % {"result": done.get_result_display()},
                _back(request, poll.topic_id, "manage"))


@login_required
@require_POST
def task_new(request, topic_id: int):
    topic = _topic(request, topic_id)

    def add():
        if request.POST.get("as_order"):
            return services.file_task_order(actor=request.user, topic=topic, title=request.POST.get("title", ""),
                                            text=request.POST.get("text", ""),
                                            building_code=request.POST.get("building_code", ""),
                                            address=request.POST.get("address", ""))
        owner = None
        if request.POST.get("owner_user"):
            owner = get_user_model().objects.filter(username=request.POST["owner_user"].strip()).first()
            if owner is None:
                raise ValidationError({"owner_user": [_("Unknown user %(name)s.") % {"name": request.POST["owner_user"]}]})
        unit = Unit.objects.filter(code=request.POST.get("owner_unit", "")).first() \
            if request.POST.get("owner_unit") else None
        deadline = parse_date(request.POST.get("deadline", "") or "") if request.POST.get("deadline") else None
        return services.create_task(actor=request.user, topic=topic, title=request.POST.get("title", ""),
                                    owner_user=owner, owner_unit=unit, deadline=deadline)

    return _act(request, add, _("Task added."), _back(request, topic_id, "manage"))


@login_required
@require_POST
def task_progress(request, task_id: int):
    task = selectors.task_for(request.user, task_id)
    if task is None:
        raise Http404()
    return _act(request, lambda: services.update_task(actor=request.user, task=task,
                                                      progress=request.POST.get("progress"),
                                                      done=bool(request.POST.get("done"))),
                _("Progress updated."), _back(request, task.topic_id, "manage"))
