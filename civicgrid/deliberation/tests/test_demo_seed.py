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
