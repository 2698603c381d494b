"""The stage table: one test per move, and refused moves that change nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from civicgrid.core.models import AuditEvent
from civicgrid.deliberation import services
from civicgrid.deliberation.models import Stage, Topic, TopicMove
from civicgrid.deliberation.testing import make_delib_world, topic_at
from civicgrid.deliberation.transitions import TRANSITIONS, moves_from
from civicgrid.notifications.models import OutboxMessage

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_delib_world()


def snapshot(topic: Topic):
    topic = Topic.objects.get(pk=topic.pk)
    return (topic.stage, topic.stage_changed_at, topic.closed_at, topic.rating_mean,
            TopicMove.objects.filter(topic=topic).count(),
            AuditEvent.objects.filter(action="deliberation.move").count(), OutboxMessage.objects.count())


def test_the_table_has_exactly_these_moves():
    assert sorted((s, a, m.target) for (s, a), m in TRANSITIONS.items()) == [
        ("act", "evaluate", "evaluate"), ("deliberate", "act", "act"), ("evaluate", "close", "closed"),
        ("gather", "deliberate", "deliberate"), ("say", "dismiss", "closed"), ("say", "gather", "gather"),
    ]
    assert [m.action for m in moves_from(Stage.CLOSED)] == []


def _move(world, topic, action, user="community", **kw):
    return services.move_topic(actor=world.users[user], topic=topic, action=action, **kw)


def test_gather(world, django_capture_on_commit_callbacks):
    topic = topic_at(world, "say")
    with django_capture_on_commit_callbacks(execute=True):
        moved = _move(world, topic, "gather", reason="召集四方")
    assert moved.stage == Stage.GATHER
    move = TopicMove.objects.get(topic=topic)
    assert (move.action, move.from_stage, move.to_stage, move.actor.username, move.reason) == (
        "gather", "say", "gather", "community", "召集四方")
    event = AuditEvent.objects.get(action="deliberation.move", object_id=str(topic.pk))
    assert event.changes == {"action": "gather", "stage": ["say", "gather"]}
    # The raiser hears of it (the only person with an account so far), in the inbox.
    assert list(OutboxMessage.objects.filter(event="deliberation.stage").values_list("recipient__username", flat=True)) \
        == ["resident"]


def test_deliberate_needs_participants(world):
    topic = topic_at(world, "gather")
    before = snapshot(topic)
    with pytest.raises(ValidationError) as exc:
        _move(world, topic, "deliberate")
    assert exc.value.code == "not_ready"
    assert snapshot(topic) == before
    services.add_participant(actor=world.users["community"], topic=topic, party="owners_committee", name="业委会 刘主任")
    assert _move(world, topic, "deliberate").stage == Stage.DELIBERATE


def test_act_needs_a_passed_vote_and_no_open_one(world):
    from datetime import timedelta

    from django.utils import timezone

    topic = topic_at(world, "deliberate")
    before = snapshot(topic)
    with pytest.raises(ValidationError) as exc:
        _move(world, topic, "act")
    assert exc.value.code == "not_ready"
    assert snapshot(topic) == before
    poll = services.create_poll(actor=world.users["community"], topic=topic, question="是否加装", options=["同意", "不同意"],
                                closes_at=timezone.now() + timedelta(days=1))
    services.open_poll(actor=world.users["community"], poll=poll)
    services.cast_vote(actor=world.users["resident"], poll=poll, option=poll.options.first())
    with pytest.raises(ValidationError):
        _move(world, topic, "act")  # still open
    assert snapshot(topic)[:5] == before[:5]
    services.close_poll(actor=world.users["community"], poll=poll)
    moved = _move(world, topic, "act")
    assert moved.stage == Stage.ACT
    assert Topic.objects.get(pk=topic.pk).resolution == "是否加装：同意"


def test_evaluate_needs_every_task_done(world):
    topic = topic_at(world, "act")
    before = snapshot(topic)
    with pytest.raises(ValidationError):
        _move(world, topic, "evaluate")  # no tasks
    task = services.create_task(actor=world.users["community"], topic=topic, title="施工", owner_unit=world.w.units["c1"])
    services.update_task(actor=world.users["community"], task=task, progress=60)
    with pytest.raises(ValidationError):
        _move(world, topic, "evaluate")
    assert snapshot(topic)[:5] == before[:5]
    services.update_task(actor=world.users["community"], task=task, progress=100)
    assert _move(world, topic, "evaluate").stage == Stage.EVALUATE


def test_close_takes_the_mean_rating(world):
    topic = topic_at(world, "evaluate")
    with pytest.raises(ValidationError):
        _move(world, topic, "close")  # nobody rated
    services.rate_topic(actor=world.users["resident"], topic=topic, score=5, comment="电梯很好")
    services.rate_topic(actor=world.users["resident3"], topic=topic, score=4)
    services.rate_topic(actor=world.users["resident2"], topic=topic, score=4)
    closed = _move(world, topic, "close")
    assert closed.stage == Stage.CLOSED
    assert str(closed.rating_mean) == "4.33"
    assert closed.ratings_count == 3
    assert closed.closed_at is not None


def test_dismiss_needs_a_reason(world):
    topic = topic_at(world, "say")
    before = snapshot(topic)
    with pytest.raises(ValidationError):
        _move(world, topic, "dismiss")
    assert snapshot(topic) == before
    assert _move(world, topic, "dismiss", reason="属个人纠纷，转调解").stage == Stage.CLOSED


@pytest.mark.parametrize("stage,action", [("say", "deliberate"), ("say", "close"), ("gather", "gather"),
                                          ("closed", "gather"), ("evaluate", "dismiss"), ("say", "nonsense")])
def test_a_move_not_in_the_table_is_refused_and_changes_nothing(world, stage, action):
    topic = topic_at(world, stage)
    before = snapshot(topic)
    with pytest.raises(ValidationError) as exc:
        _move(world, topic, action, reason="x")
    assert exc.value.code == "illegal_move"
    assert exc.value.http_status == 409
    assert snapshot(topic) == before


@pytest.mark.parametrize("user", ["resident", "grid", "community2", "street2", "dept"])
def test_only_staff_of_the_area_move(world, user):
    topic = topic_at(world, "say")
    before = snapshot(topic)
    with pytest.raises(ValidationError) as exc:
        _move(world, topic, "gather", user=user)
    assert exc.value.code == "forbidden"
    assert snapshot(topic) == before


@pytest.mark.parametrize("user", ["secretary", "street", "district", "admin"])
def test_community_secretary_street_and_district_move(world, user):
    topic = topic_at(world, "say")
    assert _move(world, topic, "gather", user=user).stage == Stage.GATHER
