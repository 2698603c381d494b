"""The API under /api/v1/deliberation/: shapes, error codes and statuses, scoping, and the shared
FilterSet. A refused call changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from civicgrid.deliberation import services
from civicgrid.deliberation.models import Participant, Poll, Post, Rating, Stage, Task, Topic, Vote
from civicgrid.deliberation.testing import make_delib_world, topic_at
from civicgrid.workorders.testing import make_order

pytestmark = pytest.mark.django_db
API = "/api/v1/deliberation"


@pytest.fixture
def world():
    return make_delib_world()


def client_for(user) -> APIClient:
    c = APIClient()
    c.force_authenticate(user)
    return c


def test_anonymous_gets_401():
    assert APIClient().get(f"{API}/topics/").status_code == 401


def test_list_is_scoped_and_filtered(world):
    topic_at(world, "deliberate", title="加装电梯")
    topic_at(world, "say", title="楼道堆物清理")
    c2 = services.raise_topic(actor=world.users["community2"], area=world.tree.community2, title="上海路停车",
                              description="停车难")
    res = client_for(world.users["resident"]).get(f"{API}/topics/")
    assert res.status_code == 200
    assert sorted(t["title"] for t in res.json()["results"]) == ["加装电梯", "楼道堆物清理"]
    res = client_for(world.users["resident"]).get(f"{API}/topics/", {"stage": "deliberate"})
    assert [t["title"] for t in res.json()["results"]] == ["加装电梯"]
    res = client_for(world.users["street"]).get(f"{API}/topics/", {"q": "停车"})
    assert [t["title"] for t in res.json()["results"]] == ["上海路停车"]
    res = client_for(world.users["community"]).get(f"{API}/topics/", {"area": world.tree.community2.code})
    assert res.json()["results"] == []
    assert client_for(world.users["resident"]).get(f"{API}/topics/{c2.pk}/").status_code == 404
    assert client_for(world.users["outsider"]).get(f"{API}/topics/", {"area": world.tree.community2.code}).json()[
        "results"][0]["title"] == "上海路停车"


def test_raise_and_turn_an_order_into_a_topic(world):
    res = client_for(world.users["resident"]).post(f"{API}/topics/", {
        "title": "垃圾分类投放点位置", "description": "投放点离窗户太近", "area": world.tree.grid1.code}, format="json")
    assert res.status_code == 201, res.json()
    assert (res.json()["stage"], res.json()["area"], res.json()["source_order"]) == ("say", world.tree.grid1.code, None)
    order = make_order(world.w, title="停车难")
    res = client_for(world.users["community"]).post(f"{API}/topics/", {
        "title": "小区停车位改造", "description": "由工单转来", "order": order.number}, format="json")
    assert res.status_code == 201 and res.json()["source_order"] == order.number
    res = client_for(world.users["resident"]).post(f"{API}/topics/", {
        "title": "x", "description": "y", "order": order.number}, format="json")
    # The resident reported the order and sees it, but only staff turn orders into topics.
    assert res.status_code == 403 and res.json()["error"]["code"] == "forbidden"
    res = client_for(world.users["community2"]).post(f"{API}/topics/", {
        "title": "x", "description": "y", "order": order.number}, format="json")
    assert res.status_code == 404  # not in their jurisdiction
    res = client_for(world.users["resident"]).post(f"{API}/topics/", {"title": "", "description": "y",
                                                                      "area": world.tree.grid1.code}, format="json")
    assert res.status_code == 400 and "title" in res.json()["error"]["fields"]
    assert Topic.objects.count() == 2


def test_moves_through_the_api(world):
    topic = topic_at(world, "say")
    staff = client_for(world.users["community"])
    res = staff.post(f"{API}/topics/{topic.pk}/move/", {"action": "deliberate"}, format="json")
    assert res.status_code == 409 and res.json()["error"]["code"] == "illegal_move"
    res = client_for(world.users["resident"]).post(f"{API}/topics/{topic.pk}/move/", {"action": "gather"}, format="json")
    assert res.status_code == 403 and res.json()["error"]["code"] == "forbidden"
    res = staff.post(f"{API}/topics/{topic.pk}/move/", {"action": "fly"}, format="json")
    assert res.status_code == 400
    assert Topic.objects.get(pk=topic.pk).stage == Stage.SAY
    res = staff.post(f"{API}/topics/{topic.pk}/move/", {"action": "gather", "reason": "召集"}, format="json")
    assert res.status_code == 200 and res.json()["stage"] == "gather"


def test_participants_posts_reports_and_moderation(world):
    topic = topic_at(world, "gather")
    staff = client_for(world.users["community"])
    res = staff.post(f"{API}/topics/{topic.pk}/participants/", {"party": "property_company", "name": "海信物业"},
                     format="json")
    assert res.status_code == 201 and res.json()["party_label"] == "物业公司"
    res = staff.post(f"{API}/topics/{topic.pk}/participants/", {"party": "resident", "user": "resident3"}, format="json")
    assert res.status_code == 201 and res.json()["display_name"] == "李*"
    res = staff.post(f"{API}/topics/{topic.pk}/participants/", {"party": "resident", "user": "resident3"}, format="json")
    assert res.status_code == 409 and res.json()["error"]["code"] == "duplicate"
    assert Participant.objects.filter(topic=topic).count() == 2
    resident = client_for(world.users["resident"])
    res = resident.post(f"{API}/topics/{topic.pk}/posts/", {"body": "支持！", "position": "for"}, format="json")
    assert res.status_code == 201 and res.json()["author"] == "张*"
    post_id = res.json()["id"]
    res = client_for(world.users["resident3"]).post(f"{API}/topics/{topic.pk}/posts/", {
        "body": "不同意", "position": "against", "parent": post_id}, format="json")
    assert res.status_code == 201 and res.json()["parent"] == post_id
    res = client_for(world.users["outsider"]).post(f"{API}/topics/{topic.pk}/posts/", {"body": "路过"}, format="json")
    assert res.status_code == 404  # another community's topic is not theirs to see
    res = client_for(world.users["dept"]).post(f"{API}/topics/{topic.pk}/posts/", {"body": "部门"}, format="json")
    assert res.status_code == 404
    assert Post.objects.filter(topic=topic).count() == 2
    assert client_for(world.users["resident3"]).post(f"{API}/posts/{post_id}/report/", {"reason": "广告"},
                                                     format="json").status_code == 201
    res = client_for(world.users["resident3"]).post(f"{API}/posts/{post_id}/report/", {}, format="json")
    assert res.status_code == 409 and res.json()["error"]["code"] == "already_reported"
    res = staff.get(f"{API}/reports/")
    assert [(r["post"], r["reason"]) for r in res.json()["results"]] == [(post_id, "广告")]
    assert resident.get(f"{API}/reports/").status_code == 403
    assert resident.post(f"{API}/posts/{post_id}/hide/", {"reason": "x"}, format="json").status_code == 403
    res = staff.post(f"{API}/posts/{post_id}/hide/", {"reason": "广告内容"}, format="json")
    assert res.status_code == 200 and res.json()["is_hidden"] is True
    bodies = {p["id"]: p["body"] for p in resident.get(f"{API}/topics/{topic.pk}/posts/").json()["results"]}
    assert bodies[post_id] is None
    assert {p["id"]: p["body"] for p in staff.get(f"{API}/topics/{topic.pk}/posts/").json()["results"]}[post_id] == "支持！"
    assert staff.post(f"{API}/posts/{post_id}/unhide/", {"reason": "误判"}, format="json").json()["is_hidden"] is False


def test_polls_and_votes(world):
    topic = topic_at(world, "deliberate")
    staff = client_for(world.users["community"])
    closes = (timezone.now() + timedelta(days=2)).isoformat()
    res = staff.post(f"{API}/topics/{topic.pk}/polls/", {"question": "选哪个方案", "options": ["方案一", "方案二"],
                                                         "quorum": 2, "threshold_percent": 60, "closes_at": closes},
                     format="json")
    assert res.status_code == 201 and res.json()["status"] == "draft"
    poll_id = res.json()["id"]
    first = res.json()["options"][0]["id"]
    resident = client_for(world.users["resident"])
    res = resident.post(f"{API}/polls/{poll_id}/votes/", {"option": first}, format="json")
    assert res.status_code == 409 and res.json()["error"]["code"] == "poll_not_open"
    assert resident.post(f"{API}/polls/{poll_id}/open/").status_code == 403
    assert staff.post(f"{API}/polls/{poll_id}/open/").json()["status"] == "open"
    assert resident.post(f"{API}/polls/{poll_id}/votes/", {"option": first}, format="json").status_code == 201
    res = client_for(world.users["resident2"]).post(f"{API}/polls/{poll_id}/votes/", {"option": first}, format="json")
    assert res.status_code == 409 and res.json()["error"]["code"] == "already_voted"
    res = client_for(world.users["outsider"]).post(f"{API}/polls/{poll_id}/votes/", {"option": first}, format="json")
    assert res.status_code == 404  # the topic is not theirs to see
    # While open the tally is not shown.
    assert [o["votes"] for o in resident.get(f"{API}/topics/{topic.pk}/polls/").json()[0]["options"]] == [None, None]
    res = staff.post(f"{API}/polls/{poll_id}/close/")
    assert (res.json()["status"], res.json()["result"], res.json()["votes_cast"]) == ("closed", "no_quorum", 1)
    assert [o["votes"] for o in res.json()["options"]] == [1, 0]
    assert Vote.objects.filter(poll_id=poll_id).count() == 1


def test_meetings_tasks_and_ratings(world):
    topic = topic_at(world, "deliberate")
    staff = client_for(world.users["community"])
    participant = Participant.objects.get(topic=topic)
    res = staff.post(f"{API}/topics/{topic.pk}/meetings/", {
        "title": "议事会", "agenda": "方案讨论", "starts_at": timezone.now().isoformat(), "place": "社区会议室",
        "attendees": [participant.pk]}, format="json")
    assert res.status_code == 201 and res.json()["attendees"] == [participant.pk]
    topic = topic_at(world, "act", title="停车位")
    res = staff.post(f"{API}/topics/{topic.pk}/tasks/", {"title": "划线", "owner_unit": world.w.units["c1"].code,
                                                         "deadline": "2026-12-31"}, format="json")
    assert res.status_code == 201 and res.json()["owner_unit"] == world.w.units["c1"].code
    task_id = res.json()["id"]
    assert client_for(world.users["resident"]).post(f"{API}/tasks/{task_id}/progress/", {"progress": 50},
                                                    format="json").status_code == 403
    res = staff.post(f"{API}/tasks/{task_id}/progress/", {"progress": 100}, format="json")
    assert (res.json()["done"], res.json()["effective_progress"]) == (True, 100)
    assert staff.get(f"{API}/topics/{topic.pk}/").json()["progress"] == 100
    assert staff.post(f"{API}/topics/{topic.pk}/move/", {"action": "evaluate"}, format="json").status_code == 200
    res = client_for(world.users["resident3"]).post(f"{API}/topics/{topic.pk}/ratings/", {"score": 4, "comment": "好"},
                                                    format="json")
    assert res.status_code == 201
    res = client_for(world.users["resident3"]).post(f"{API}/topics/{topic.pk}/ratings/", {"score": 5}, format="json")
    assert res.status_code == 409
    res = client_for(world.users["resident"]).post(f"{API}/topics/{topic.pk}/ratings/", {"score": 0}, format="json")
    assert res.status_code == 400
    assert list(Rating.objects.filter(topic=topic).values_list("score", flat=True)) == [4]
    assert Task.objects.filter(topic=topic).count() == 1 and Post.objects.count() == 0 and Poll.objects.count() == 1


def test_a_grid_worker_follows_the_topics_of_their_community(world):
    topic_at(world, "deliberate", title="加装电梯")
    services.raise_topic(actor=world.users["community"], area=world.tree.grid2, title="第二网格的事", description="x")
    grid = client_for(world.users["grid"])
    res = grid.get(f"{API}/topics/")
    assert [t["title"] for t in res.json()["results"]] == ["加装电梯"]
    topic_id = res.json()["results"][0]["id"]
    assert grid.post(f"{API}/topics/{topic_id}/posts/", {"body": "网格员已入户征求意见"}, format="json").status_code == 201


# --- the record of a meeting, after the fact ---------------------------------------------------------
def png(name="m.png"):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (30, 20), (10, 120, 200)).save(buf, "PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def meeting_state(meeting_id):
    from civicgrid.deliberation.models import Meeting

    m = Meeting.objects.get(pk=meeting_id)
    return (m.minutes, sorted(m.attendees.values_list("pk", flat=True)), sorted(m.photos.values_list("pk", flat=True)))


def test_staff_add_and_correct_a_meeting_record(world, django_capture_on_commit_callbacks):
    from civicgrid.core.models import AuditEvent
    from civicgrid.deliberation.models import MeetingPhoto
    from civicgrid.notifications.models import OutboxMessage

    topic = topic_at(world, "deliberate")
    u = world.users
    owners = services.add_participant(actor=u["community"], topic=topic, party="owners_committee", name="业委会")
    resident = Participant.objects.get(topic=topic, user=u["resident"])
    meeting = services.create_meeting(actor=u["community"], topic=topic, title="四方议事会", agenda="加装电梯方案",
                                      starts_at=timezone.now() - timedelta(hours=2), place="社区会议室")
    staff = client_for(u["community"])
    url = f"{API}/meetings/{meeting.pk}/"
    with django_capture_on_commit_callbacks(execute=True):
        res = staff.patch(url, {"minutes": "四方到会，同意方案一。", "attendees": [owners.pk, resident.pk]},
                          format="json")
    assert res.status_code == 200, res.json()
    body = res.json()
    assert (body["id"], body["topic"], body["minutes"], body["attendees"], body["photo_list"]) == (
        meeting.pk, topic.pk, "四方到会，同意方案一。", [resident.pk, owners.pk], [])
    assert meeting_state(meeting.pk) == ("四方到会，同意方案一。", sorted([owners.pk, resident.pk]), [])
    row = AuditEvent.objects.get(action="deliberation.meeting_record", object_id=str(meeting.pk))
    assert (row.actor_repr, row.changes) == ("community", {
        "minutes": ["", "四方到会，同意方案一。"], "attendees": [[], sorted([owners.pk, resident.pk])]})
    # Publishing the minutes tells the topic's people (the resident raised it and takes part).
    assert list(OutboxMessage.objects.filter(event="deliberation.minutes").values_list(
        "recipient__username", "subject")) == [("resident", "“四方议事会”的会议纪要已发布")]

    # A photo, then a correction of the minutes only: the attendance stays as it was.
    res = staff.patch(url, {"photos": [png()]}, format="multipart")
    assert res.status_code == 200 and len(res.json()["photo_list"]) == 1
    photo = MeetingPhoto.objects.get(meeting=meeting)
    assert (photo.width, photo.height, photo.content_type) == (30, 20, "image/png")
    with django_capture_on_commit_callbacks(execute=True):
        res = staff.patch(url, {"minutes": "四方到会，同意方案一（费用按楼层分摊）。"}, format="json")
    assert meeting_state(meeting.pk) == ("四方到会，同意方案一（费用按楼层分摊）。", sorted([owners.pk, resident.pk]),
                                         [photo.pk])
    # A wrong photo is taken away; the file goes with it.
    name = photo.file.name
    storage = MeetingPhoto._meta.get_field("file").storage
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        res = staff.patch(url, {"remove_photos": [photo.pk], "attendees": [owners.pk]}, format="json")
    assert res.status_code == 200 and not storage.exists(name)
    assert meeting_state(meeting.pk) == ("四方到会，同意方案一（费用按楼层分摊）。", [owners.pk], [])
    assert list(AuditEvent.objects.filter(action="deliberation.meeting_record", object_id=str(meeting.pk))
                .order_by("id").values_list("changes", flat=True))[1:] == [
        {"photos_added": 1},
        {"minutes": ["四方到会，同意方案一。", "四方到会，同意方案一（费用按楼层分摊）。"]},
        {"attendees": [sorted([owners.pk, resident.pk]), [owners.pk]], "photos_removed": [photo.pk]}]
    assert OutboxMessage.objects.filter(event="deliberation.minutes").count() == 1  # corrections are quiet
    # Nothing to change writes nothing.
    audit = AuditEvent.objects.count()
    assert staff.patch(url, {"minutes": "四方到会，同意方案一（费用按楼层分摊）。"}, format="json").status_code == 200
    assert AuditEvent.objects.count() == audit


def test_a_meeting_record_is_refused_to_others_and_out_of_turn(world):
    from civicgrid.core.models import AuditEvent
    from civicgrid.deliberation.models import Topic as T

    topic = topic_at(world, "deliberate")
    u = world.users
    resident = Participant.objects.get(topic=topic, user=u["resident"])
    meeting = services.create_meeting(actor=u["community"], topic=topic, title="议事会", agenda="方案",
                                      starts_at=timezone.now() - timedelta(hours=1), place="社区会议室",
                                      minutes="原纪要", attendee_ids=[resident.pk])
    url = f"{API}/meetings/{meeting.pk}/"
    other = topic_at(world, "deliberate", title="停车位")
    stranger = Participant.objects.get(topic=other)
    before, audit = meeting_state(meeting.pk), AuditEvent.objects.count()
    res = client_for(u["resident"]).patch(url, {"minutes": "居民改的纪要", "attendees": []}, format="json")
    assert res.status_code == 403 and res.json()["error"]["code"] == "forbidden"
    res = client_for(u["resident"]).patch(url, {"photos": [png()]}, format="multipart")
    assert res.status_code == 403
    # Staff of another community do not even see it.
    res = client_for(u["community2"]).patch(url, {"minutes": "别的社区改的"}, format="json")
    assert res.status_code == 404
    assert client_for(u["community2"]).get(url).status_code == 404
    # The resident may read it (the topic is theirs), not change it.
    assert client_for(u["resident"]).get(url).json()["minutes"] == "原纪要"
    # A participant of another topic is not an attendee of this one.
    res = client_for(u["community"]).patch(url, {"attendees": [stranger.pk]}, format="json")
    assert res.status_code == 400 and "attendees" in res.json()["error"]["fields"]
    # Once residents rate the outcome (评) the record stays as it was.
    T.objects.filter(pk=topic.pk).update(stage=Stage.EVALUATE)
    res = client_for(u["community"]).patch(url, {"minutes": "事后改的"}, format="json")
    assert res.status_code == 409 and res.json()["error"]["code"] == "wrong_stage"
    assert meeting_state(meeting.pk) == before and AuditEvent.objects.count() == audit


def test_no_record_before_the_meeting_and_multipart_clears_the_attendance(world):
    from civicgrid.core.models import AuditEvent
    from civicgrid.deliberation.models import Meeting

    topic = topic_at(world, "deliberate")
    u = world.users
    resident = Participant.objects.get(topic=topic, user=u["resident"])
    staff = client_for(u["community"])
    starts = timezone.now() + timedelta(hours=3)
    future = services.create_meeting(actor=u["community"], topic=topic, title="下周议事会", agenda="方案",
                                     starts_at=starts, place="社区会议室")
    url = f"{API}/meetings/{future.pk}/"
    before, audit = meeting_state(future.pk), AuditEvent.objects.count()
    expected = {"code": "meeting_not_started", "message": "会议尚未开始（%s 开始），会后才能记录纪要、出席情况和照片。"
                % timezone.localtime(starts).strftime("%Y-%m-%d %H:%M")}
    for body, fmt in (({"minutes": "提前写好的纪要"}, "json"), ({"attendees": [resident.pk]}, "json"),
                      ({"photos": [png()]}, "multipart")):
        res = staff.patch(url, body, format=fmt)
        assert res.status_code == 409, res.json()
        assert {k: res.json()["error"][k] for k in ("code", "message")} == expected
    # Creating it with a record already is refused as well, field by field.
    res = staff.post(f"{API}/topics/{topic.pk}/meetings/", {
        "title": "议事会", "agenda": "方案", "starts_at": starts.isoformat(), "place": "社区会议室",
        "minutes": "提前写好的纪要", "attendees": [resident.pk]}, format="json")
    assert res.status_code == 400 and sorted(res.json()["error"]["fields"]) == ["attendees", "minutes"]
    assert meeting_state(future.pk) == before and AuditEvent.objects.count() == audit
    assert Meeting.objects.filter(topic=topic).count() == 1

    # A held meeting: over multipart, one empty value records that nobody attended; leaving the
    # field out keeps the attendance as it is.
    held = services.create_meeting(actor=u["community"], topic=topic, title="议事会", agenda="方案",
                                   starts_at=timezone.now() - timedelta(hours=1), place="社区会议室",
                                   attendee_ids=[resident.pk])
    url = f"{API}/meetings/{held.pk}/"
    res = staff.patch(url, {"minutes": "居民代表缺席，改期再议。"}, format="multipart")
    assert res.status_code == 200 and res.json()["attendees"] == [resident.pk]
    res = staff.patch(url, {"attendees": ""}, format="multipart")
    assert res.status_code == 200, res.json()
    assert res.json()["attendees"] == []
    assert meeting_state(held.pk) == ("居民代表缺席，改期再议。", [], [])
    assert AuditEvent.objects.filter(action="deliberation.meeting_record", object_id=str(held.pk)).order_by(
        "id").last().changes == {"attendees": [[resident.pk], []]}
    # A real id next to the empty value is not a list of participants.
    res = staff.patch(url, {"attendees": ["", str(resident.pk)]}, format="multipart")
    assert res.status_code == 400 and "attendees" in res.json()["error"]["fields"]
    assert meeting_state(held.pk) == ("居民代表缺席，改期再议。", [], [])


# --- changing or cancelling a meeting still to come --------------------------------------------------
def _at(hours: float):
    """A whole-minute time ``hours`` from now (the form and the notice show minutes only)."""
    return (timezone.now() + timedelta(hours=hours)).replace(second=0, microsecond=0)


def _utc(value) -> str:
    from datetime import timezone as dt_timezone

    return value.astimezone(dt_timezone.utc).isoformat()


def _plan(meeting_id):
    from civicgrid.deliberation.models import Meeting

    m = Meeting.objects.get(pk=meeting_id)
    return (m.title, m.agenda, m.starts_at, m.place, m.cancelled_at, m.cancel_reason, m.cancelled_by_id)


def _shown(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


@pytest.fixture
def planned(world):
    """A topic at 议 whose participants with an account are ``resident`` (who raised it) and
    ``resident3``, and a meeting two days ahead."""
    u = world.users
    topic = topic_at(world, "deliberate")
    services.add_participant(actor=u["community"], topic=topic, party="resident", user=u["resident3"])
    services.add_participant(actor=u["community"], topic=topic, party="property_company", name="海信物业")
    meeting = services.create_meeting(actor=u["community"], topic=topic, title="四方议事会", agenda="加装电梯方案",
                                      starts_at=_at(48), place="社区会议室")
    return topic, meeting


def test_staff_reschedule_a_meeting_and_the_participants_are_told(world, planned, django_capture_on_commit_callbacks):
    from civicgrid.core.models import AuditEvent
    from civicgrid.notifications.models import OutboxMessage

    topic, meeting = planned
    old_start = meeting.starts_at
    new_start = _at(72)
    staff = client_for(world.users["community"])
    url = f"{API}/meetings/{meeting.pk}/"
    with django_capture_on_commit_callbacks(execute=True):
        res = staff.patch(url, {"agenda": "加装电梯方案及费用分摊", "starts_at": new_start.isoformat(),
                                "place": "12号楼前空地"}, format="json")
    assert res.status_code == 200, res.json()
    body = res.json()
    assert (body["title"], body["agenda"], body["place"], body["cancelled"]) == (
        "四方议事会", "加装电梯方案及费用分摊", "12号楼前空地", False)
    assert _plan(meeting.pk) == ("四方议事会", "加装电梯方案及费用分摊", new_start, "12号楼前空地", None, "", None)
    row = AuditEvent.objects.get(action="deliberation.meeting_change", object_id=str(meeting.pk))
    assert (row.actor_repr, row.changes) == ("community", {
        "agenda": ["加装电梯方案", "加装电梯方案及费用分摊"], "starts_at": [_utc(old_start), _utc(new_start)],
        "place": ["社区会议室", "12号楼前空地"]})
    notices = OutboxMessage.objects.filter(event="deliberation.meeting_changed").order_by("recipient__username")
    assert list(notices.values_list("recipient__username", "subject", "body", "link")) == [
        (name, "议事会“四方议事会”的时间或地点已变更",
         f"议题“恩县路12号加装电梯”。议事会改为 {_shown(new_start)} 在12号楼前空地召开。", f"/deliberation/{topic.pk}/")
        for name in ("resident", "resident3")]

    # A corrected title alone is saved and audited, and tells nobody.
    with django_capture_on_commit_callbacks(execute=True):
        res = staff.patch(url, {"title": "四方议事会（第二次）"}, format="json")
    assert res.status_code == 200 and _plan(meeting.pk)[0] == "四方议事会（第二次）"
    assert AuditEvent.objects.filter(action="deliberation.meeting_change", object_id=str(meeting.pk)).order_by(
        "id").last().changes == {"title": ["四方议事会", "四方议事会（第二次）"]}
    assert notices.count() == 2
    # The same values again change nothing and write nothing.
    audit = AuditEvent.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        res = staff.patch(url, {"place": "12号楼前空地", "starts_at": new_start.isoformat()}, format="json")
    assert res.status_code == 200 and AuditEvent.objects.count() == audit and notices.count() == 2


def test_a_meeting_change_is_refused_to_others_after_the_start_and_into_the_past(
        world, planned, django_capture_on_commit_callbacks):
    from civicgrid.core.models import AuditEvent
    from civicgrid.deliberation.models import Meeting
    from civicgrid.notifications.models import OutboxMessage

    topic, meeting = planned
    u = world.users
    url = f"{API}/meetings/{meeting.pk}/"
    before, audit, outbox = _plan(meeting.pk), AuditEvent.objects.count(), OutboxMessage.objects.count()
    change = {"place": "居民家中", "starts_at": _at(5).isoformat()}
    with django_capture_on_commit_callbacks(execute=True):
        res = client_for(u["resident"]).patch(url, change, format="json")
        assert res.status_code == 403 and res.json()["error"]["code"] == "forbidden"
        res = client_for(u["resident"]).post(f"{url}cancel/", {"reason": "不想开"}, format="json")
        assert res.status_code == 403 and res.json()["error"]["code"] == "forbidden"
        # Staff of another community do not even see it.
        assert client_for(u["community2"]).patch(url, change, format="json").status_code == 404
        assert client_for(u["community2"]).post(f"{url}cancel/", {"reason": "x"}, format="json").status_code == 404
        staff = client_for(u["community"])
        res = staff.patch(url, {"starts_at": (timezone.now() - timedelta(hours=1)).isoformat()}, format="json")
        assert res.status_code == 400 and res.json()["error"]["fields"]["starts_at"] == ["新的会议时间必须晚于当前时间。"]
        # Arrangements and record in one body: a meeting is either still to come or held.
        res = staff.patch(url, {"place": "居民家中", "minutes": "纪要"}, format="json")
        assert res.status_code == 400
        res = staff.post(f"{url}cancel/", {"reason": ""}, format="json")
        assert res.status_code == 400 and "reason" in res.json()["error"]["fields"]
    assert (_plan(meeting.pk), AuditEvent.objects.count(), OutboxMessage.objects.count()) == (before, audit, outbox)

    # Once the meeting has started it is history: no change, no cancelling.
    started = timezone.now() - timedelta(minutes=30)
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=started)
    before = _plan(meeting.pk)
    message = f"议事会已于 {_shown(started)} 开始，只能在会前%s。"
    with django_capture_on_commit_callbacks(execute=True):
        res = staff.patch(url, change, format="json")
        assert res.status_code == 409
        assert (res.json()["error"]["code"], res.json()["error"]["message"]) == (
            "meeting_started", message % "修改议事会")
        res = staff.post(f"{url}cancel/", {"reason": "下雨"}, format="json")
        assert (res.status_code, res.json()["error"]["code"], res.json()["error"]["message"]) == (
            409, "meeting_started", message % "取消议事会")
    # A meeting entered with a record before its time (before that rule) has been held too.
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=_at(24), minutes="旧纪要")
    res = staff.patch(url, change, format="json")
    assert (res.status_code, res.json()["error"]["code"], res.json()["error"]["message"]) == (
        409, "meeting_recorded", "议事会已有纪要、出席情况或照片，不能再修改议事会。")
    assert (_plan(meeting.pk)[3], AuditEvent.objects.count(), OutboxMessage.objects.count()) == (
        "社区会议室", audit, outbox)


def test_staff_cancel_a_meeting_once_and_it_is_kept_marked(world, planned, django_capture_on_commit_callbacks):
    from civicgrid.core.models import AuditEvent
    from civicgrid.deliberation.models import Meeting
    from civicgrid.notifications.models import OutboxMessage

    topic, meeting = planned
    u = world.users
    staff = client_for(u["community"])
    url = f"{API}/meetings/{meeting.pk}/"
    with django_capture_on_commit_callbacks(execute=True):
        res = staff.post(f"{url}cancel/", {"reason": "物业公司代表无法到会，另行通知"}, format="json")
    assert res.status_code == 200, res.json()
    stored = Meeting.objects.get(pk=meeting.pk)
    assert (res.json()["cancelled"], res.json()["cancel_reason"]) == (True, "物业公司代表无法到会，另行通知")
    assert _plan(meeting.pk) == ("四方议事会", "加装电梯方案", meeting.starts_at, "社区会议室", stored.cancelled_at,
                                 "物业公司代表无法到会，另行通知", u["community"].pk)
    assert timezone.now() - stored.cancelled_at < timedelta(minutes=1)
    row = AuditEvent.objects.get(action="deliberation.meeting_cancel", object_id=str(meeting.pk))
    assert (row.actor_repr, row.reason, row.changes) == ("community", "物业公司代表无法到会，另行通知", {
        "cancelled_at": [None, _utc(stored.cancelled_at)], "cancel_reason": ["", "物业公司代表无法到会，另行通知"]})
    notices = OutboxMessage.objects.filter(event="deliberation.meeting_cancelled").order_by("recipient__username")
    assert list(notices.values_list("recipient__username", "subject", "body")) == [
        (name, "议事会“四方议事会”已取消",
         f"议题“恩县路12号加装电梯”。原定 {_shown(meeting.starts_at)} 在社区会议室召开的议事会取消，"
         "原因：物业公司代表无法到会，另行通知") for name in ("resident", "resident3")]

    # A second cancel, a change, and (once its time has passed) a record are all refused.
    audit, outbox = AuditEvent.objects.count(), OutboxMessage.objects.count()
    cancelled = f"议事会已于 {_shown(stored.cancelled_at)} 取消，不能再修改。"
    with django_capture_on_commit_callbacks(execute=True):
        res = staff.post(f"{url}cancel/", {"reason": "再取消一次"}, format="json")
        assert (res.status_code, res.json()["error"]["code"], res.json()["error"]["message"]) == (
            409, "meeting_cancelled", cancelled)
        res = staff.patch(url, {"starts_at": _at(96).isoformat()}, format="json")
        assert (res.status_code, res.json()["error"]["code"]) == (409, "meeting_cancelled")
        Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now() - timedelta(hours=1))
        res = staff.patch(url, {"minutes": "没开的会的纪要"}, format="json")
        assert (res.status_code, res.json()["error"]["code"]) == (409, "meeting_cancelled")
    after = Meeting.objects.get(pk=meeting.pk)
    assert (after.cancelled_at, after.cancel_reason, after.minutes) == (stored.cancelled_at, "物业公司代表无法到会，另行通知", "")
    assert (AuditEvent.objects.count(), OutboxMessage.objects.count()) == (audit, outbox)
    # Residents read it as cancelled, in the API and on the topic page.
    res = client_for(u["resident"]).get(f"{API}/topics/{topic.pk}/meetings/")
    assert [(m["id"], m["cancelled"], m["cancel_reason"]) for m in res.json()] == [
        (meeting.pk, True, "物业公司代表无法到会，另行通知")]
