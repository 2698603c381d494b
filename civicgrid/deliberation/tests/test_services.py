"""Services of deliberation: raising, discussion, meetings, votes, tasks and ratings."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone
from PIL import Image

from civicgrid.core.models import AuditEvent
from civicgrid.deliberation import selectors, services
from civicgrid.deliberation.models import (
    Meeting, MeetingPhoto, Party, Poll, PollResult, PollStatus, Post, Rating, Stage, Task, Topic, Vote,
)
from civicgrid.deliberation.testing import make_delib_world, topic_at
from civicgrid.notifications.models import OutboxMessage
from civicgrid.workorders.models import Status
from civicgrid.workorders.testing import make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_delib_world()


def jpeg() -> tuple[str, bytes]:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 80, 40)).save(buf, "JPEG")
    return ("meeting.jpg", buf.getvalue())


# --- 说 ---------------------------------------------------------------------------------------------
def test_a_resident_raises_a_topic_where_they_live(world):
    topic = services.raise_topic(actor=world.users["resident"], area=world.tree.grid1, title="楼道堆物清理",
                                 description="3单元楼道堆满杂物，有消防隐患。")
    assert (topic.stage, topic.area_path, topic.raised_by.username) == (Stage.SAY, world.tree.grid1.path, "resident")
    assert AuditEvent.objects.filter(action="deliberation.topic", object_id=str(topic.pk)).count() == 1


def test_nobody_raises_a_topic_where_they_neither_live_nor_work(world):
    for user, area in (("outsider", world.tree.community1), ("community2", world.tree.community1),
                       ("resident", world.tree.street1)):
        with pytest.raises(ValidationError):
            services.raise_topic(actor=world.users[user], area=area, title="停车位改造", description="车位不够")
    assert Topic.objects.count() == 0


def test_staff_turn_a_work_order_into_a_topic_and_the_order_stays_as_it_was(world):
    order = make_order(world.w, title="小区停车难", status=Status.DISPATCHED)
    before = (order.status, order.version, order.updated_at)
    topic = services.raise_topic(actor=world.users["community"], area=world.tree.community1, title="小区停车位改造",
                                 description="由工单转为议题", source_order=order)
    assert topic.source_order_id == order.pk
    order.refresh_from_db()
    assert (order.status, order.version, order.updated_at) == before
    with pytest.raises(ValidationError) as exc:
        services.raise_topic(actor=world.users["resident"], area=world.tree.community1, title="x", description="y",
                             source_order=order)
    assert exc.value.code == "forbidden"
    assert Topic.objects.count() == 1


@override_settings(CIVICGRID_RATE_LIMITS={"deliberation.topic": (2, 86400)})
def test_topics_are_rate_limited(world):
    for i in range(2):
        services.raise_topic(actor=world.users["resident"], area=world.tree.grid1, title=f"议题{i}", description="内容")
    with pytest.raises(ValidationError) as exc:
        services.raise_topic(actor=world.users["resident"], area=world.tree.grid1, title="议题3", description="内容")
    assert exc.value.http_status == 429
    assert Topic.objects.count() == 2


# --- 议: discussion ---------------------------------------------------------------------------------
def test_threaded_posts_with_positions(world):
    topic = topic_at(world, "deliberate")
    first = services.create_post(actor=world.users["resident"], topic=topic, body="支持加装，老人需要。", position="for")
    reply = services.create_post(actor=world.users["resident3"], topic=topic, body="一楼采光会受影响。",
                                 position="against", parent=first)
    services.create_post(actor=world.users["grid"], topic=topic, body="网格员：已统计意见。")
    posts = selectors.posts_of(world.users["resident"], topic)
    assert [(p.pk, p.depth) for p in posts][:2] == [(first.pk, 0), (reply.pk, 1)]
    assert selectors.position_counts(topic) == {"for": 1, "against": 1, "neutral": 1}


def test_outsiders_cannot_post_and_closed_topics_take_no_posts(world):
    topic = topic_at(world, "deliberate")
    with pytest.raises(ValidationError) as exc:
        services.create_post(actor=world.users["outsider"], topic=topic, body="路过说一句")
    assert exc.value.code == "forbidden"
    closed = topic_at(world, "closed", title="垃圾分类投放点位置")
    with pytest.raises(ValidationError) as exc:
        services.create_post(actor=world.users["resident"], topic=closed, body="还有意见")
    assert exc.value.code == "wrong_stage"
    with pytest.raises(ValidationError):
        services.create_post(actor=world.users["resident"], topic=topic, body="   ")
    with pytest.raises(ValidationError):
        services.create_post(actor=world.users["resident"], topic=topic, body="好", position="maybe")
    assert Post.objects.count() == 0


@override_settings(CIVICGRID_RATE_LIMITS={"deliberation.post": (3, 3600)})
def test_posting_is_rate_limited(world):
    topic = topic_at(world, "deliberate")
    for i in range(3):
        services.create_post(actor=world.users["resident"], topic=topic, body=f"意见{i}")
    with pytest.raises(ValidationError) as exc:
        services.create_post(actor=world.users["resident"], topic=topic, body="第四条")
    assert exc.value.code == "rate_limited"
    assert Post.objects.filter(author=world.users["resident"]).count() == 3
    services.create_post(actor=world.users["resident3"], topic=topic, body="别人不受影响")


def test_default_posting_limit_is_twenty_an_hour(world):
    topic = topic_at(world, "deliberate")
    for i in range(20):
        services.create_post(actor=world.users["resident"], topic=topic, body=f"意见{i}")
    with pytest.raises(ValidationError):
        services.create_post(actor=world.users["resident"], topic=topic, body="第21条")
    assert Post.objects.count() == 20


# --- 议: meetings -----------------------------------------------------------------------------------
def test_a_meeting_with_attendance_minutes_and_photos(world):
    topic = topic_at(world, "deliberate")
    u = world.users
    p1 = services.add_participant(actor=u["community"], topic=topic, party=Party.PROPERTY_COMPANY, name="海信物业")
    p2 = services.add_participant(actor=u["community"], topic=topic, party=Party.OWNERS_COMMITTEE, user=u["resident3"])
    meeting = services.create_meeting(
        actor=u["community"], topic=topic, title="加装电梯四方议事会", agenda="1. 方案介绍\n2. 费用分摊",
        starts_at=timezone.now(), place="恩县路社区党群服务中心", minutes="多数同意方案A", attendee_ids=[p1.pk, p2.pk],
        photos=[jpeg()])
    assert sorted(meeting.attendees.values_list("pk", flat=True)) == sorted([p1.pk, p2.pk])
    photo = MeetingPhoto.objects.get(meeting=meeting)
    assert (photo.content_type, photo.width, photo.height) == ("image/jpeg", 40, 30)
    other = topic_at(world, "deliberate", title="停车位")
    stranger = services.add_participant(actor=u["community"], topic=other, party=Party.RESIDENT, name="外人")
    with pytest.raises(ValidationError):
        services.create_meeting(actor=u["community"], topic=topic, title="二次会", agenda="a", starts_at=timezone.now(),
                                place="b", attendee_ids=[stranger.pk])
    with pytest.raises(ValidationError):
        services.create_meeting(actor=u["community"], topic=topic, title="二次会", agenda="a", starts_at=timezone.now(),
                                place="b", photos=[("x.jpg", b"not an image")])
    with pytest.raises(ValidationError) as exc:
        services.create_meeting(actor=u["resident"], topic=topic, title="二次会", agenda="a", starts_at=timezone.now(),
                                place="b")
    assert exc.value.code == "forbidden"
    assert Meeting.objects.count() == 1 and MeetingPhoto.objects.count() == 1


# --- 议: votes --------------------------------------------------------------------------------------
def _open_poll(world, topic, *, options=("同意", "不同意"), quorum=1, threshold=50):
    poll = services.create_poll(actor=world.users["community"], topic=topic, question="是否同意方案",
                                options=list(options), quorum=quorum, threshold_percent=threshold,
                                closes_at=timezone.now() + timedelta(days=2))
    services.open_poll(actor=world.users["community"], poll=poll)
    return Poll.objects.get(pk=poll.pk)


def test_one_vote_per_household(world):
    topic = topic_at(world, "deliberate")
    poll = _open_poll(world, topic)
    yes = poll.options.get(label="同意")
    services.cast_vote(actor=world.users["resident"], poll=poll, option=yes)
    for user in ("resident2", "resident"):  # same household: refused, nothing changes
        with pytest.raises(ValidationError) as exc:
            services.cast_vote(actor=world.users[user], poll=poll, option=poll.options.get(label="不同意"))
        assert exc.value.code == "already_voted" and exc.value.http_status == 409
    assert Vote.objects.filter(poll=poll).count() == 1
    assert Poll.objects.get(pk=poll.pk).votes_cast == 1
    services.cast_vote(actor=world.users["resident3"], poll=poll, option=yes)
    assert Vote.objects.filter(poll=poll).count() == 2
    assert AuditEvent.objects.filter(action="deliberation.vote").count() == 2


@pytest.mark.parametrize("user", ["outsider", "community", "grid"])
def test_no_household_in_the_area_no_vote(world, user):
    topic = topic_at(world, "deliberate")
    poll = _open_poll(world, topic)
    with pytest.raises(ValidationError) as exc:
        services.cast_vote(actor=world.users[user], poll=poll, option=poll.options.first())
    assert exc.value.code == "forbidden"
    assert Vote.objects.count() == 0


def test_votes_only_while_open(world):
    topic = topic_at(world, "deliberate")
    draft = services.create_poll(actor=world.users["community"], topic=topic, question="草稿", options=["甲", "乙"],
                                 closes_at=timezone.now() + timedelta(hours=1))
    with pytest.raises(ValidationError) as exc:
        services.cast_vote(actor=world.users["resident"], poll=draft, option=draft.options.first())
    assert exc.value.code == "poll_not_open"
    poll = _open_poll(world, topic)
    with pytest.raises(ValidationError):
        services.cast_vote(actor=world.users["resident"], poll=poll, option=poll.options.first(),
                           now=timezone.now() + timedelta(days=3))  # after closes_at
    with pytest.raises(ValidationError):
        services.cast_vote(actor=world.users["resident"], poll=poll, option=draft.options.first())  # other poll's option
    assert Vote.objects.count() == 0


def test_opening_a_vote_notifies_the_participants_after_commit(world, django_capture_on_commit_callbacks):
    topic = topic_at(world, "deliberate")  # participants: resident; raised by resident
    services.add_participant(actor=world.users["community"], topic=topic, party=Party.RESIDENT, user=world.users["resident3"])
    poll = services.create_poll(actor=world.users["community"], topic=topic, question="是否同意", options=["是", "否"],
                                closes_at=timezone.now() + timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        services.open_poll(actor=world.users["community"], poll=poll)
    rows = OutboxMessage.objects.filter(event="deliberation.vote_open").order_by("recipient__username")
    assert [r.recipient.username for r in rows] == ["resident", "resident3"]
    assert rows[0].subject.endswith("是否同意")


@pytest.mark.parametrize("votes,quorum,threshold,result,winner", [
    ({"resident": "甲", "resident3": "甲"}, 2, 50, PollResult.PASSED, "甲"),
    ({"resident": "甲"}, 2, 50, PollResult.NO_QUORUM, None),
    ({"resident": "甲", "resident3": "乙"}, 2, 50, PollResult.FAILED, None),   # a tie has no winner
    ({"resident": "甲", "resident3": "甲"}, 1, 100, PollResult.PASSED, "甲"),
    ({}, 1, 50, PollResult.NO_QUORUM, None),
])
def test_the_result_on_close(world, votes, quorum, threshold, result, winner):
    topic = topic_at(world, "deliberate")
    poll = _open_poll(world, topic, options=("甲", "乙"), quorum=quorum, threshold=threshold)
    for user, label in votes.items():
        services.cast_vote(actor=world.users[user], poll=poll, option=poll.options.get(label=label))
    closed = services.close_poll(actor=world.users["community"], poll=poll)
    assert (closed.status, closed.result, closed.votes_cast) == (PollStatus.CLOSED, result, len(votes))
    assert (closed.winner.label if closed.winner else None) == winner
    with pytest.raises(ValidationError):
        services.close_poll(actor=world.users["community"], poll=poll)


def test_threshold_counts_the_share_of_votes_cast(world):
    # 3 households: 2 of 3 for 甲 = 66.7 %: passes at 66, fails at 67.
    from civicgrid.geo.models import Household

    extra = Household.objects.exclude(pk__in=[world.households[0].pk, world.households[1].pk]).filter(
        building=world.households[0].building).get()
    extra.residents.add(world.users["resident2"])
    world.households[0].residents.remove(world.users["resident2"])
    for threshold, expected in ((66, PollResult.PASSED), (67, PollResult.FAILED)):
        topic = topic_at(world, "deliberate", title=f"门槛{threshold}")
        poll = _open_poll(world, topic, options=("甲", "乙"), threshold=threshold)
        for user, label in (("resident", "甲"), ("resident2", "甲"), ("resident3", "乙")):
            services.cast_vote(actor=world.users[user], poll=poll, option=poll.options.get(label=label))
        assert services.close_poll(actor=world.users["community"], poll=poll).result == expected


def test_poll_input_is_checked(world):
    topic = topic_at(world, "deliberate")
    future = timezone.now() + timedelta(days=1)
    for kwargs in ({"options": ["只有一个"]}, {"options": ["甲", "甲"]}, {"quorum": 0}, {"threshold_percent": 101},
                   {"closes_at": timezone.now() - timedelta(minutes=1)}):
        args = {"question": "问题", "options": ["甲", "乙"], "closes_at": future, **kwargs}
        with pytest.raises(ValidationError):
            services.create_poll(actor=world.users["community"], topic=topic, **args)
    assert Poll.objects.count() == 0


# --- 办 ---------------------------------------------------------------------------------------------
def test_topic_progress_is_the_mean_of_its_tasks_and_order_tasks_follow_the_order(world):
    topic = topic_at(world, "act")
    u = world.users
    t1 = services.create_task(actor=u["community"], topic=topic, title="筹集资金", owner_user=u["resident3"])
    t2 = services.create_task(actor=u["community"], topic=topic, title="施工招标", owner_unit=world.w.units["c1"])
    order = make_order(world.w, title="电梯施工占道审批", status=Status.ACCEPTED)
    t3 = Task.objects.create(topic=topic, area_path=topic.area_path, title="占道审批", work_order=order)
    services.update_task(actor=u["resident3"], task=t1, progress=50)  # the owner updates their own task
    services.update_task(actor=u["community"], task=t2, progress=20, done=True)
    assert Task.objects.get(pk=t2.pk).progress == 100
    assert services.topic_progress(topic) == round((50 + 100 + 40) / 3)
    order.status = Status.CLOSED
    order.save(update_fields=["status"])
    assert services.topic_progress(topic) == round((50 + 100 + 100) / 3)
    with pytest.raises(ValidationError):
        services.update_task(actor=u["community"], task=t3, progress=50)
    with pytest.raises(ValidationError) as exc:
        services.update_task(actor=u["resident"], task=t1, progress=90)
    assert exc.value.code == "forbidden"
    with pytest.raises(ValidationError):
        services.update_task(actor=u["community"], task=t1, progress=101)
    assert Task.objects.get(pk=t1.pk).progress == 50


def test_a_task_filed_as_a_work_order_goes_through_intake(world):
    from civicgrid.core.testing import make_building

    make_building("B-ENX-20", world.tree.grid1, "恩县路20号", 120.301, 36.051)
    topic = topic_at(world, "act")
    task = services.file_task_order(actor=world.users["community"], topic=topic, title="清理楼道堆物",
                                    text="恩县路20号楼道堆物需清运", building_code="B-ENX-20")
    assert task.work_order is not None
    assert task.work_order.channel == "proactive"
    assert task.work_order.area_id == world.tree.grid1.pk
    assert services.task_progress(task) == 0
    assert AuditEvent.objects.filter(action="order.intake", object_id=str(task.work_order.pk)).count() == 1


# --- 评 ---------------------------------------------------------------------------------------------
def test_ratings_once_each_by_residents(world):
    topic = topic_at(world, "evaluate")
    services.rate_topic(actor=world.users["resident"], topic=topic, score=5, comment="满意")
    with pytest.raises(ValidationError) as exc:
        services.rate_topic(actor=world.users["resident"], topic=topic, score=1)
    assert exc.value.code == "already_rated"
    for user in ("outsider", "community"):
        with pytest.raises(ValidationError) as exc:
            services.rate_topic(actor=world.users[user], topic=topic, score=3)
        assert exc.value.code == "forbidden"
    with pytest.raises(ValidationError):
        services.rate_topic(actor=world.users["resident3"], topic=topic, score=6)
    assert list(Rating.objects.values_list("resident__username", "score")) == [("resident", 5)]


def test_center_figures(world):
    from civicgrid.people.jurisdiction import jurisdiction_for

    topic_at(world, "closed")
    topic_at(world, "deliberate", title="停车位")
    figures = selectors.center_figures(jurisdiction_for(world.users["street"]))
    assert {s["stage"]: s["count"] for s in figures["by_stage"]} == {
        "say": 0, "gather": 0, "deliberate": 1, "act": 0, "evaluate": 0, "closed": 1}
    assert (figures["topics"], figures["participants"], figures["posts_30d"], figures["votes_30d"],
            figures["tasks_done"], figures["tasks_total"]) == (2, 2, 0, 1, 1, 1)
    other = selectors.center_figures(jurisdiction_for(world.users["street2"]))
    assert other["topics"] == 0 and other["votes_30d"] == 0


def test_center_figures_of_an_area_count_only_the_rows_inside_it(world, client):
    from civicgrid.core.testing import make_building
    from civicgrid.geo.models import Household
    from civicgrid.people.jurisdiction import jurisdiction_for
    from civicgrid.people.models import Membership, Role, User

    t, u = world.tree, world.users
    topic_at(world, "closed")                      # 即墨路街道 恩县路社区: 1 participant, 1 vote, 1 task done
    topic_at(world, "deliberate", title="停车位")   # 即墨路街道 恩县路社区: 1 participant
    # 四方街道 上四方社区: a topic at 办 with 2 participants, 1 post, 1 vote, 1 task half done.
    building = make_building("B-SSF-1", t.grid4, "上四方1号", 120.34, 36.05, households=1)
    neighbour = User.objects.create_user("resident4", password="x", real_name="周六")
    Membership.objects.create(user=neighbour, role=Role.RESIDENT)
    Household.objects.get(building=building).residents.add(neighbour)
    staff = u["district"]
    far = services.raise_topic(actor=staff, area=t.community3, title="上四方垃圾投放点", description="投放点太近")
    services.move_topic(actor=staff, topic=far, action="gather")
    services.add_participant(actor=staff, topic=far, party=Party.PROPERTY_COMPANY, name="物业")
    services.add_participant(actor=staff, topic=far, party=Party.RESIDENT, user=neighbour)
    services.move_topic(actor=staff, topic=far, action="deliberate")
    services.create_post(actor=neighbour, topic=far, body="建议挪到东门")
    poll = services.create_poll(actor=staff, topic=far, question="是否挪到东门", options=["同意", "不同意"],
                                closes_at=timezone.now() + timedelta(days=1))
    services.open_poll(actor=staff, poll=poll)
    services.cast_vote(actor=neighbour, poll=poll, option=poll.options.get(label="同意"))
    services.close_poll(actor=staff, poll=poll)
    services.move_topic(actor=staff, topic=far, action="act")
    task = services.create_task(actor=staff, topic=far, title="挪投放点", owner_user=staff)
    services.update_task(actor=staff, task=task, progress=50)

    def figures(**kw):
        f = selectors.center_figures(jurisdiction_for(staff), **kw)
        return ({s["stage"]: s["count"] for s in f["by_stage"] if s["count"]}, f["topics"], f["participants"],
                f["posts_30d"], f["votes_30d"], f["tasks_done"], f["tasks_total"])

    assert figures(area=t.street1) == ({"deliberate": 1, "closed": 1}, 2, 2, 0, 1, 1, 1)
    assert figures(area=t.street2) == ({"act": 1}, 1, 2, 1, 1, 0, 1)
    assert figures(area=t.community2) == ({}, 0, 0, 0, 0, 0, 0)  # 上海路社区: nothing there
    everything = ({"deliberate": 1, "act": 1, "closed": 1}, 3, 4, 1, 2, 1, 2)
    assert figures() == figures(area=t.district) == everything
    # A street's staff with no area see their street; the area narrows, never widens, it.
    assert selectors.center_figures(jurisdiction_for(u["street2"]))["topics"] == 1
    # The command center's API sends the same numbers for ?area=CODE.
    client.force_login(staff)
    panel = client.get("/api/v1/dashboard/participation/", {"area": t.street2.code}).json()["panels"]["deliberation"]
    assert (panel["topics"], panel["participants"], panel["posts_30d"], panel["votes_30d"], panel["tasks_done"],
            panel["tasks_total"]) == (1, 2, 1, 1, 0, 1)
    panel = client.get("/api/v1/dashboard/participation/").json()["panels"]["deliberation"]
    assert (panel["topics"], panel["votes_30d"], panel["tasks_total"]) == (3, 2, 2)


def test_a_vote_may_open_later_than_it_is_opened(world):
    topic = topic_at(world, "deliberate")
    now = timezone.now()
    poll = services.create_poll(actor=world.users["community"], topic=topic, question="何时施工", options=["周末", "工作日"],
                                opens_at=now + timedelta(hours=2), closes_at=now + timedelta(days=1))
    services.open_poll(actor=world.users["community"], poll=poll, now=now)
    with pytest.raises(ValidationError) as exc:
        services.cast_vote(actor=world.users["resident"], poll=poll, option=poll.options.first(), now=now)
    assert exc.value.code == "poll_not_open"
    assert Vote.objects.count() == 0
    services.cast_vote(actor=world.users["resident"], poll=poll, option=poll.options.first(),
                       now=now + timedelta(hours=3))
    assert Vote.objects.count() == 1
    with pytest.raises(ValidationError):
        services.create_poll(actor=world.users["community"], topic=topic, question="反了", options=["甲", "乙"],
                             opens_at=now + timedelta(days=2), closes_at=now + timedelta(days=1))


def test_minutes_and_attendance_recorded_after_the_meeting(world):
    topic = topic_at(world, "deliberate")
    u = world.users
    owners = services.add_participant(actor=u["community"], topic=topic, party=Party.OWNERS_COMMITTEE, name="业委会")
    # Scheduled without a record; held yesterday, the record is written today.
    meeting = services.create_meeting(actor=u["community"], topic=topic, title="议事会", agenda="方案",
                                      starts_at=timezone.now() - timedelta(days=1), place="社区会议室")
    assert (meeting.minutes, meeting.attendees.count()) == ("", 0)
    with pytest.raises(ValidationError):
        services.record_meeting(actor=u["resident"], meeting=meeting, minutes="私自记录", attendee_ids=[owners.pk])
    services.record_meeting(actor=u["community"], meeting=meeting, minutes="同意方案一", attendee_ids=[owners.pk],
                            photos=[jpeg()])
    meeting.refresh_from_db()
    assert (meeting.minutes, list(meeting.attendees.values_list("pk", flat=True)), meeting.photos.count()) == (
        "同意方案一", [owners.pk], 1)
    assert AuditEvent.objects.filter(action="deliberation.meeting_record", object_id=str(meeting.pk)).count() == 1


def test_nothing_is_recorded_for_a_meeting_that_has_not_started(world):
    topic = topic_at(world, "deliberate")
    u = world.users
    owners = services.add_participant(actor=u["community"], topic=topic, party=Party.OWNERS_COMMITTEE, name="业委会")
    now = timezone.now()
    starts = now + timedelta(days=1)
    meeting = services.create_meeting(actor=u["community"], topic=topic, title="议事会", agenda="方案",
                                      starts_at=starts, place="社区会议室", now=now)
    audit = AuditEvent.objects.count()
    shown = timezone.localtime(starts).strftime("%Y-%m-%d %H:%M")
    for kwargs in ({"minutes": "同意方案一"}, {"attendee_ids": [owners.pk]}, {"attendee_ids": []},
                   {"photos": [jpeg()]}):
        with pytest.raises(services.Conflict) as refused:
            services.record_meeting(actor=u["community"], meeting=meeting, now=now, **kwargs)
        assert (refused.value.code, refused.value.messages) == ("meeting_not_started", [
            f"会议尚未开始（{shown} 开始），会后才能记录纪要、出席情况和照片。"])
    # Nor can a meeting still to come be entered with a record.
    with pytest.raises(ValidationError) as refused:
        services.create_meeting(actor=u["community"], topic=topic, title="二次会", agenda="方案", starts_at=starts,
                                place="社区会议室", minutes="预写的纪要", attendee_ids=[owners.pk], photos=[jpeg()],
                                now=now)
    assert sorted(refused.value.message_dict) == ["attendees", "minutes", "photos"]
    meeting.refresh_from_db()
    assert (meeting.minutes, meeting.attendees.count(), meeting.photos.count()) == ("", 0, 0)
    assert (Meeting.objects.count(), MeetingPhoto.objects.count(), AuditEvent.objects.count()) == (1, 0, audit)
    # From its start time on, the record is written.
    services.record_meeting(actor=u["community"], meeting=meeting, minutes="同意方案一", attendee_ids=[owners.pk],
                            now=starts)
    meeting.refresh_from_db()
    assert (meeting.minutes, list(meeting.attendees.values_list("pk", flat=True))) == ("同意方案一", [owners.pk])


def test_the_center_figures_partial_renders(world):
    from django.template.loader import render_to_string

    from civicgrid.people.jurisdiction import jurisdiction_for

    topic_at(world, "act")
    html = render_to_string("deliberation/_center_figures.html",
                            {"figures": selectors.center_figures(jurisdiction_for(world.users["district"]))})
    assert 'data-stage="act"><span class="value">1</span><span class="label">办（落实办理）</span>' in html
    assert '<span class="value">0/0</span><span class="label">决议任务完成</span>' in html


def test_a_staff_member_reading_english_still_tells_residents_in_chinese(world, django_capture_on_commit_callbacks):
    """Inbox rows outlive the request: they are written in the platform's language, not the
    writer's page language; the writer's own refusals stay in theirs."""
    from django.utils import translation

    topic = topic_at(world, "deliberate")
    poll = services.create_poll(actor=world.users["community"], topic=topic, question="是否同意", options=["是", "否"],
                                closes_at=timezone.now() + timedelta(days=1))
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        services.open_poll(actor=world.users["community"], poll=poll)
    row = OutboxMessage.objects.get(event="deliberation.vote_open")
    assert row.subject == "表决开始：是否同意"
    poll.refresh_from_db()
    start, end = (timezone.localtime(t).strftime("%Y-%m-%d %H:%M") for t in (poll.opens_at, poll.closes_at))
    assert row.body == f"议题“{topic.title}”，每户一票，投票时间 {start} 至 {end}。"
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.open_poll(actor=world.users["community"], poll=poll)
    assert all(m.isascii() for m in refused.value.messages), refused.value.messages
    assert OutboxMessage.objects.filter(event="deliberation.vote_open").count() == 1
