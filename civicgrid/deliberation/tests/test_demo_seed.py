"""The demo shows a topic in every stage in the first community; the demo resident can vote."""

from __future__ import annotations

import pytest

from civicgrid.demo.builder import DEFAULT_SEED, build
from civicgrid.deliberation import services
from civicgrid.deliberation.models import Poll, PollStatus, Stage, Topic, Vote
from civicgrid.people.models import User

pytestmark = pytest.mark.django_db


def test_demo_topics_in_every_stage_and_an_open_vote_for_the_resident():
    result = build(seed=DEFAULT_SEED, scale="small", progress=False, orders=0)
    counts = result["counts"]["orders"]["deliberation"]
    assert counts["topics"] == 6
    community = "370203020009"
    stages = sorted(Topic.objects.filter(area_path__contains=community).values_list("stage", flat=True))
    assert stages == sorted([Stage.SAY, Stage.GATHER, Stage.DELIBERATE, Stage.ACT, Stage.EVALUATE, Stage.CLOSED])
    resident = User.objects.get(username="resident")
    poll = Poll.objects.get(status=PollStatus.OPEN)
    household = services.household_of(resident, poll.area_path)
    assert household is not None
    assert not Vote.objects.filter(poll=poll, household=household).exists()
    services.cast_vote(actor=resident, poll=poll, option=poll.options.first())
    assert Vote.objects.filter(poll=poll, household=household).count() == 1
    closed = Topic.objects.get(stage=Stage.CLOSED)
    assert closed.rating_mean is not None and closed.ratings_count == 4
    evaluate = Topic.objects.get(stage=Stage.EVALUATE)
    assert services.may_rate(resident, evaluate) is True
    assert not evaluate.ratings.filter(resident=resident).exists()
    services.rate_topic(actor=resident, topic=evaluate, score=5)


def test_the_demo_rebuilds_over_itself():
    build(seed=DEFAULT_SEED, scale="small", progress=False, orders=0)
    first = sorted(Topic.objects.values_list("title", "stage"))
    result = build(seed=DEFAULT_SEED, scale="small", progress=False, orders=0, reset=True)
    assert result["deleted"]["deliberation topics"] >= 6
    assert sorted(Topic.objects.values_list("title", "stage")) == first


def test_the_demo_topics_tell_their_story_in_date_order():
    # Only the topic and its stage moves were dated back: the discussion of a topic closed weeks ago
    # was dated today, its 议事会 came after it went to 办, and its vote, long passed, closed next week.
    from django.utils import timezone

    from civicgrid.deliberation.models import Meeting, Post, Rating, Task, TopicMove

    build(seed=DEFAULT_SEED, scale="small", progress=False, orders=0)
    now = timezone.now()
    for topic in Topic.objects.filter(area_path__contains="370203020009"):
        moved = {m.to_stage: m.at for m in TopicMove.objects.filter(topic=topic)}
        talk_from = moved.get(Stage.DELIBERATE, topic.created_at)
        talk_until = moved.get(Stage.ACT, now)
        for at in Post.objects.filter(topic=topic).values_list("created_at", flat=True):
            assert talk_from < at < talk_until, (topic.title, at)
        if Stage.ACT not in moved:
            continue
        for starts in Meeting.objects.filter(topic=topic).values_list("starts_at", flat=True):
            assert moved[Stage.DELIBERATE] < starts < moved[Stage.ACT], (topic.title, starts)
        for poll in Poll.objects.filter(topic=topic):
            assert poll.status == PollStatus.CLOSED
            assert moved[Stage.DELIBERATE] < poll.opens_at < poll.closes_at == poll.closed_at < moved[Stage.ACT]
            assert all(poll.opens_at < v.created_at < poll.closed_at for v in Vote.objects.filter(poll=poll))
        assert all(t.created_at > moved[Stage.ACT] for t in Task.objects.filter(topic=topic))
        if Stage.EVALUATE in moved:
            assert all(r.created_at > moved[Stage.EVALUATE] and r.created_at < now
                       for r in Rating.objects.filter(topic=topic))
            assert all(t.deadline <= moved[Stage.EVALUATE].date()
                       for t in Task.objects.filter(topic=topic, work_order=None))
