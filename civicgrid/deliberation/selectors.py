"""Reads of deliberation, always through the reader.

Staff see the topics of their jurisdiction (``Jurisdiction.area_q``). Residents, party members
and volunteers see the topics of the communities they live in (their household's or citizen
role's community) and any topic they take part in. Hidden posts are shown to residents as
"此内容已隐藏" (the text is withheld here, not in the template); the topic's staff see them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.core.masking import mask_name
from civicgrid.geo.models import Area, AreaKind, Household
from civicgrid.geo.paths import ancestor_paths
from civicgrid.people.jurisdiction import Jurisdiction, jurisdiction_for
from civicgrid.people.models import CITIZEN_ROLES, Membership

from . import services
from .models import STAGE_ORDER, Meeting, Participant, Poll, PollStatus, Post, PostReport, Task, Topic, Vote


def home_community_paths(user) -> list[str]:
    """The paths of the communities a citizen lives in (household or citizen role)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    paths = set(Household.objects.filter(residents=user).values_list("area_path", flat=True))
    paths |= set(Membership.objects.filter(user=user, is_active=True, role__in=[str(r) for r in CITIZEN_ROLES],
                                           area__isnull=False).values_list("area__path", flat=True))
    codes = {c for p in paths for c in p.split("/") if c}
    return sorted(Area.objects.filter(kind=AreaKind.COMMUNITY, code__in=codes).values_list("path", flat=True))


def topics_for(user) -> QuerySet[Topic]:
    jurisdiction = jurisdiction_for(user)
    qs = Topic.objects.select_related("area", "raised_by")
    if jurisdiction.is_global:
        return qs
    q = jurisdiction.area_q("area_path") if jurisdiction.area_paths else Q(pk__in=[])
    # A grid worker also follows the topics of the community their grid lies in.
    above = {anc for p in jurisdiction.area_paths for anc in ancestor_paths(p)[:-1]}
    if above:
        q |= Q(area_path__in=sorted(above))
    for path in home_community_paths(user):
        q |= Q(area_path__startswith=path)
    if user is not None and getattr(user, "is_authenticated", False):
        q |= Q(participants__user=user)
    return qs.filter(q).distinct()


def topic_for(user, topic_id: int) -> Topic | None:
    return topics_for(user).filter(pk=topic_id).first()


def post_for(user, post_id: int) -> Post | None:
    post = Post.objects.select_related("topic__area", "author").filter(pk=post_id).first()
    if post is None or topic_for(user, post.topic_id) is None:
        return None
    return post


def poll_for(user, poll_id: int) -> Poll | None:
    poll = Poll.objects.select_related("topic__area").filter(pk=poll_id).first()
    if poll is None or topic_for(user, poll.topic_id) is None:
        return None
    return poll


def meeting_for(user, meeting_id: int) -> Meeting | None:
    meeting = Meeting.objects.select_related("topic__area").filter(pk=meeting_id).first()
    if meeting is None or topic_for(user, meeting.topic_id) is None:
        return None
    return meeting


def task_for(user, task_id: int) -> Task | None:
    task = Task.objects.select_related("topic__area", "work_order").filter(pk=task_id).first()
    if task is None or topic_for(user, task.topic_id) is None:
        return None
    return task


def posts_of(user, topic: Topic) -> list[Post]:
    """The discussion in order, each post with ``shown_body`` (None when hidden from the reader)
    and ``depth`` (replies are indented under their parent)."""
    staff = services.may_manage(user, topic)
    posts = list(Post.objects.filter(topic=topic).select_related("author").order_by("created_at", "id"))
    children: dict[int | None, list[Post]] = {}
    for p in posts:
        p.shown_body = p.body if (staff or not p.is_hidden) else None
        p.author_masked = mask_name(p.author.display_name)
        children.setdefault(p.parent_id, []).append(p)
    ordered: list[Post] = []

    def walk(parent_id, depth):
        for p in children.get(parent_id, []):
            p.depth = depth
            ordered.append(p)
            walk(p.pk, min(depth + 1, 3))

    walk(None, 0)
    return ordered


def position_counts(topic: Topic) -> dict[str, int]:
    counts = dict(Post.objects.filter(topic=topic, is_hidden=False).values_list("position").annotate(
        n=Count("id")).values_list("position", "n"))
    return {k: counts.get(k, 0) for k in ("for", "against", "neutral")}


def polls_of(topic: Topic, *, now: datetime | None = None) -> list[Poll]:
    """The topic's votes, each with ``awaiting_count`` and ``status_label`` (see ``poll_status``)."""
    polls = list(Poll.objects.filter(topic=topic).select_related("winner").prefetch_related("options"))
    for poll in polls:
        poll.awaiting_count, poll.status_label = poll_status(poll, now=now)
    return polls


def poll_status(poll: Poll, *, now: datetime | None = None) -> tuple[bool, str]:
    """(awaiting the count, label). A vote past its closing time takes no more votes but stays
    open until the ``close_polls`` job (or staff) counts it; until then it reads "已截止，待计票",
    never "open", and shows no tally. Reads do not close it themselves (ADR 013)."""
    if services.is_expired(poll, now):
        return True, str(_("Closed, awaiting the count"))
    if poll.status == PollStatus.CLOSED:
        return False, str(poll.get_result_display())
    return False, str(poll.get_status_display())


def my_household_vote(user, poll: Poll) -> Vote | None:
    household = services.household_of(user, poll.area_path)
    if household is None:
        return None
    return Vote.objects.filter(poll=poll, household=household).select_related("option", "voter").first()


def stage_bar(topic: Topic) -> list[dict]:
    """The five stages with done/current/todo for the progress bar."""
    index = topic.stage_index
    return [{"value": s.value, "label": s.label, "state": "done" if i < index else "current" if i == index else "todo"}
            for i, s in enumerate(STAGE_ORDER[:5])]


def moderation_queue(user) -> QuerySet[Post]:
    """Reported or hidden posts of the reader's jurisdiction, most reported first."""
    jurisdiction = jurisdiction_for(user)
    if not jurisdiction.is_staff:
        return Post.objects.none()
    return (Post.objects.filter(jurisdiction.area_q("area_path"))
            .filter(Q(reports_count__gt=0) | Q(is_hidden=True))
            .select_related("topic", "author").order_by("is_hidden", "-reports_count", "-created_at"))


def reports_for(user) -> QuerySet[PostReport]:
    jurisdiction = jurisdiction_for(user)
    if not jurisdiction.is_staff:
        return PostReport.objects.none()
    return PostReport.objects.filter(jurisdiction.area_q("area_path")).select_related("post", "reporter")


# --- command center -------------------------------------------------------------------------------
def center_figures(jurisdiction: Jurisdiction, *, area: Area | None = None, now: datetime | None = None) -> dict:
    """Topics by stage, participants, posts and votes in the last 30 days, resolution tasks done/total,
    of the jurisdiction or, with ``area`` (inside it), of that area only: every row carries its
    topic's ``area_path``, so each figure is one more prefix match."""
    now = now or timezone.now()
    since = now - timedelta(days=30)
    scope = jurisdiction.area_q("area_path")
    if area is not None:
        scope &= Q(area_path__startswith=area.path)
    by_stage = dict(Topic.objects.filter(scope).values_list("stage").annotate(n=Count("id")).values_list("stage", "n"))
    tasks = Task.objects.filter(scope).select_related("work_order")
    done = sum(1 for t in tasks if services.task_progress(t) >= 100)
    return {
        "by_stage": [{"stage": s.value, "label": s.label, "count": by_stage.get(s.value, 0)} for s in STAGE_ORDER],
        "topics": sum(by_stage.values()),
        "participants": Participant.objects.filter(scope).count(),
        "posts_30d": Post.objects.filter(scope, created_at__gte=since).count(),
        "votes_30d": Vote.objects.filter(scope, created_at__gte=since).count(),
        "tasks_done": done,
        "tasks_total": len(tasks),
    }

