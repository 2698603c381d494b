"""The pages: residents' list, topic page and raise form; the staff's manage page and its forms."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from civicgrid.deliberation.models import Meeting, MeetingPhoto, Participant, Poll, Stage, Task, Topic
from civicgrid.deliberation.testing import make_delib_world, topic_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_delib_world()


def signed(client, user):
    client.force_login(user)
    return client


def texts(response):
    """The message this response added (earlier ones wait in the session until a page shows them)."""
    return [str(m) for m in get_messages(response.wsgi_request)][-1:]


def test_anonymous_readers_are_sent_to_the_phone_sign_in(client):
    response = client.get(reverse("deliberation:list"))
    assert response.status_code == 302
    assert response["Location"] == "/accounts/resident/?next=/deliberation/"


def test_the_list_shows_stage_badges_and_filters(world, client):
    topic_at(world, "deliberate", title="加装电梯")
    topic_at(world, "say", title="楼道堆物清理")
    page = signed(client, world.users["resident"]).get(reverse("deliberation:list")).content.decode()
    assert "加装电梯" in page and "楼道堆物清理" in page and "议（协商表决）" in page and "说（提出议题）" in page
    page = client.get(reverse("deliberation:list"), {"stage": "say"}).content.decode()
    assert "楼道堆物清理" in page and "加装电梯" not in page
    page = signed(client, world.users["outsider"]).get(reverse("deliberation:list")).content.decode()
    assert "加装电梯" not in page and "暂无议题" in page


def test_raise_form(world, client):
    signed(client, world.users["resident"])
    page = client.get(reverse("deliberation:new"))
    assert page.status_code == 200
    assert [a.code for a in page.context["areas"]] == [world.tree.community1.code]
    bad = client.post(reverse("deliberation:new"), {"area": world.tree.community1.code, "title": "", "description": "x"})
    assert bad.status_code == 400 and "此项为必填项。" in bad.content.decode()
    assert Topic.objects.count() == 0
    good = client.post(reverse("deliberation:new"), {"area": world.tree.community1.code, "title": "小区停车位改造",
                                                     "description": "车位不够，消防通道被占。"})
    topic = Topic.objects.get()
    assert good.status_code == 302 and good["Location"] == f"/deliberation/{topic.pk}/"
    page = signed(client, world.users["outsider"]).get(reverse("deliberation:new"))
    assert [a.code for a in page.context["areas"]] == [world.tree.community2.code]  # their own community
    assert signed(client, world.users["dept"]).get(reverse("deliberation:new")).status_code == 403


def test_the_manage_page_is_for_the_staff_of_the_area(world, client):
    topic = topic_at(world, "gather")
    url = reverse("deliberation:manage", args=[topic.pk])
    page = signed(client, world.users["community"]).get(url)
    assert page.status_code == 200
    assert [m.action for m in page.context["moves_available"]] == ["deliberate"]
    assert signed(client, world.users["resident"]).get(url).status_code == 403
    assert signed(client, world.users["community2"]).get(url).status_code == 404


def test_staff_forms_walk_a_topic(world, client):
    topic = topic_at(world, "gather")
    staff = signed(client, world.users["community"])
    manage = reverse("deliberation:manage", args=[topic.pk])
    # A refused move shows the reason and changes nothing.
    response = staff.post(reverse("deliberation:move", args=[topic.pk]), {"action": "act"})
    assert response.status_code == 302 and response["Location"] == manage
    assert texts(response) == ["议题处于“聚（召集各方）”阶段，不能进行“act”操作。"]
    assert Topic.objects.get(pk=topic.pk).stage == Stage.GATHER
    staff.post(reverse("deliberation:participant", args=[topic.pk]), {"party": "property_company",
                                                                       "unit": world.w.units["c1"].code})
    staff.post(reverse("deliberation:participant", args=[topic.pk]), {"party": "resident", "username": "resident3"})
    assert Participant.objects.filter(topic=topic).count() == 2
    buf = io.BytesIO()
    Image.new("RGB", (30, 20), (10, 120, 200)).save(buf, "PNG")
    attendees = list(Participant.objects.filter(topic=topic).values_list("pk", flat=True))
    response = staff.post(reverse("deliberation:meeting", args=[topic.pk]), {
        "title": "四方议事会", "agenda": "方案讨论", "starts_at": "2026-11-20T19:00", "place": "社区会议室",
        "minutes": "同意推进", "attendees": attendees[:2],
        "photos": [SimpleUploadedFile("m.png", buf.getvalue(), content_type="image/png")]})
    assert texts(response) == ["议事会已记录。"]
    meeting = Meeting.objects.get(topic=topic)
    assert (meeting.attendees.count(), MeetingPhoto.objects.filter(meeting=meeting).count()) == (2, 1)
    staff.post(reverse("deliberation:move", args=[topic.pk]), {"action": "deliberate"})
    closes = timezone.localtime(timezone.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = staff.post(reverse("deliberation:poll", args=[topic.pk]), {
        "question": "是否同意", "options": "同意\n不同意\n", "quorum": "1", "threshold_percent": "50", "closes_at": closes})
    assert texts(response) == ["表决已准备好，可随时开始。"]
    poll = Poll.objects.get(topic=topic)
    assert list(poll.options.values_list("label", flat=True)) == ["同意", "不同意"]
    staff.post(reverse("deliberation:poll-action", args=[poll.pk, "open"]))
    resident = signed(client.__class__(), world.users["resident3"])
    resident.post(reverse("deliberation:vote", args=[poll.pk]), {"option": poll.options.first().pk})
    response = staff.post(reverse("deliberation:poll-action", args=[poll.pk, "close"]))
    assert texts(response) == ["表决已结束：通过。"]
    staff.post(reverse("deliberation:move", args=[topic.pk]), {"action": "act"})
    staff.post(reverse("deliberation:task", args=[topic.pk]), {"title": "施工", "owner_user": "community",
                                                                "deadline": "2026-12-31"})
    task = Task.objects.get(topic=topic)
    assert str(task.deadline) == "2026-12-31"
    staff.post(reverse("deliberation:task-progress", args=[task.pk]), {"progress": "100"})
    staff.post(reverse("deliberation:move", args=[topic.pk]), {"action": "evaluate"})
    assert Topic.objects.get(pk=topic.pk).stage == Stage.EVALUATE
    page = staff.get(manage).content.decode()
    assert "邀请群众评价" not in page and "结束议题" in page


def test_staff_record_a_meeting_after_the_fact_on_its_page(world, client):
    from civicgrid.core.models import AuditEvent

    topic = topic_at(world, "deliberate")
    u = world.users
    from civicgrid.deliberation import services

    owners = services.add_participant(actor=u["community"], topic=topic, party="owners_committee", name="业委会")
    resident = Participant.objects.get(topic=topic, user=u["resident"])
    meeting = services.create_meeting(actor=u["community"], topic=topic, title="四方议事会", agenda="加装电梯方案",
                                      starts_at=timezone.now() - timedelta(hours=2), place="社区会议室")
    staff = signed(client, u["community"])
    url = reverse("deliberation:meeting-record", args=[meeting.pk])
    manage = staff.get(reverse("deliberation:manage", args=[topic.pk])).content.decode()
    assert f'<a href="{url}">补录纪要和出席</a>' in manage
    page = staff.get(url)
    assert page.status_code == 200 and "保存会议记录" in page.content.decode()
    buf = io.BytesIO()
    Image.new("RGB", (30, 20), (10, 120, 200)).save(buf, "PNG")
    response = staff.post(url, {"minutes": "四方到会，同意方案一。", "attendees": [owners.pk, resident.pk],
                                "photos": [SimpleUploadedFile("m.png", buf.getvalue(), content_type="image/png")]})
    assert (response.status_code, response["Location"]) == (302, url)
    assert texts(response) == ["会议记录已保存。"]
    meeting = Meeting.objects.get(pk=meeting.pk)
    photo = MeetingPhoto.objects.get(meeting=meeting)
    assert (meeting.minutes, sorted(meeting.attendees.values_list("pk", flat=True)), (photo.width, photo.height)) == (
        "四方到会，同意方案一。", sorted([owners.pk, resident.pk]), (30, 20))
    row = AuditEvent.objects.get(action="deliberation.meeting_record", object_id=str(meeting.pk))
    assert (row.actor_repr, row.changes) == ("community", {
        "minutes": ["", "四方到会，同意方案一。"], "attendees": [[], sorted([owners.pk, resident.pk])],
        "photos_added": 1})
    page = staff.get(url).content.decode()
    assert f'value="{owners.pk}" checked' in page and f'name="remove_photos" value="{photo.pk}"' in page
    # Unticking an attendee and ticking the photo corrects both.
    response = staff.post(url, {"minutes": "四方到会，同意方案一。", "attendees": [owners.pk],
                                "remove_photos": [photo.pk]})
    assert response.status_code == 302
    assert (list(meeting.attendees.values_list("pk", flat=True)), meeting.photos.count()) == ([owners.pk], 0)
    # Too long minutes: the form comes back with the text and the reason; nothing changes.
    response = staff.post(url, {"minutes": "长" * 10001, "attendees": [owners.pk]})
    assert response.status_code == 400 and "最多 10000 个字。" in response.content.decode()
    assert Meeting.objects.get(pk=meeting.pk).minutes == "四方到会，同意方案一。"
    # The residents' page shows the record.
    detail = signed(client.__class__(), u["resident"]).get(reverse("deliberation:detail", args=[topic.pk]))
    assert "四方到会，同意方案一。" in detail.content.decode()


def test_a_meeting_record_page_refuses_residents_and_other_areas(world, client):
    from civicgrid.core.models import AuditEvent
    from civicgrid.deliberation import services

    topic = topic_at(world, "deliberate")
    u = world.users
    resident = Participant.objects.get(topic=topic, user=u["resident"])
    meeting = services.create_meeting(actor=u["community"], topic=topic, title="议事会", agenda="方案",
                                      starts_at=timezone.now() - timedelta(hours=1), place="社区会议室",
                                      minutes="原纪要", attendee_ids=[resident.pk])
    url = reverse("deliberation:meeting-record", args=[meeting.pk])
    audit = AuditEvent.objects.count()
    for user, status in (("resident", 403), ("community2", 404)):
        c = signed(client.__class__(), u[user])
        assert c.get(url).status_code == status
        assert c.post(url, {"minutes": "改过的纪要", "attendees": []}).status_code == status
    meeting = Meeting.objects.get(pk=meeting.pk)
    assert (meeting.minutes, list(meeting.attendees.values_list("pk", flat=True))) == ("原纪要", [resident.pk])
    assert AuditEvent.objects.count() == audit


def test_the_page_of_a_meeting_still_to_come_takes_no_record(world, client):
    from civicgrid.core.models import AuditEvent
    from civicgrid.deliberation import services

    topic = topic_at(world, "deliberate")
    u = world.users
    resident = Participant.objects.get(topic=topic, user=u["resident"])
    starts = timezone.now() + timedelta(days=2)
    meeting = services.create_meeting(actor=u["community"], topic=topic, title="议事会", agenda="方案",
                                      starts_at=starts, place="社区会议室")
    url = reverse("deliberation:meeting-record", args=[meeting.pk])
    staff = signed(client, u["community"])
    page = staff.get(url).content.decode()
    assert "会议尚未开始，会后才能记录纪要、出席情况和照片。" in page and "保存会议记录" not in page
    audit = AuditEvent.objects.count()
    # A form posted anyway (an old tab) comes back with the reason; nothing changes.
    response = staff.post(url, {"minutes": "提前写好的纪要", "attendees": [resident.pk]})
    shown = timezone.localtime(starts).strftime("%Y-%m-%d %H:%M")
    assert response.status_code == 400
    assert f"会议尚未开始（{shown} 开始），会后才能记录纪要、出席情况和照片。" in response.content.decode()
    meeting = Meeting.objects.get(pk=meeting.pk)
    assert (meeting.minutes, meeting.attendees.count(), AuditEvent.objects.count()) == ("", 0, audit)


def test_staff_change_and_cancel_a_meeting_on_its_page_before_it_starts(world, client,
                                                                       django_capture_on_commit_callbacks):
    from civicgrid.core.models import AuditEvent
    from civicgrid.deliberation import services
    from civicgrid.notifications.models import OutboxMessage

    topic = topic_at(world, "deliberate")
    u = world.users
    starts = (timezone.now() + timedelta(days=2)).replace(second=0, microsecond=0)
    meeting = services.create_meeting(actor=u["community"], topic=topic, title="四方议事会", agenda="加装电梯方案",
                                      starts_at=starts, place="社区会议室")
    url = reverse("deliberation:meeting-record", args=[meeting.pk])
    # A resident may not post the form; nothing changes.
    audit = AuditEvent.objects.count()
    assert signed(client.__class__(), u["resident"]).post(url, {"form": "cancel", "cancel_reason": "x"}).status_code == 403
    staff = signed(client, u["community"])
    page = staff.get(url).content.decode()
    assert "修改会议安排" in page and 'name="form" value="cancel"' in page
    assert f'value="{timezone.localtime(starts).strftime("%Y-%m-%dT%H:%M")}"' in page
    moved = timezone.localtime(starts + timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(url, {"form": "change", "title": "四方议事会", "agenda": "加装电梯方案",
                                    "starts_at": moved.strftime("%Y-%m-%dT%H:%M"), "place": "12号楼前空地"})
    assert response.status_code == 302
    meeting = Meeting.objects.get(pk=meeting.pk)
    assert (meeting.title, meeting.agenda, meeting.starts_at, meeting.place) == (
        "四方议事会", "加装电梯方案", moved, "12号楼前空地")
    assert set(AuditEvent.objects.get(action="deliberation.meeting_change").changes) == {"starts_at", "place"}
    assert list(OutboxMessage.objects.filter(event="deliberation.meeting_changed").values_list(
        "recipient__username", flat=True)) == ["resident"]
    assert AuditEvent.objects.count() == audit + 1
    # Cancelling needs a reason; then the meeting is kept, marked cancelled, on every page.
    response = staff.post(url, {"form": "cancel", "cancel_reason": " "})
    assert response.status_code == 400 and "请填写取消议事会的原因。" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert staff.post(url, {"form": "cancel", "cancel_reason": "暴雨预警，改期另行通知"}).status_code == 302
    meeting = Meeting.objects.get(pk=meeting.pk)
    assert (meeting.is_cancelled, meeting.cancel_reason) == (True, "暴雨预警，改期另行通知")
    assert OutboxMessage.objects.filter(event="deliberation.meeting_cancelled").count() == 1
    page = staff.get(url).content.decode()
    assert "已取消" in page and "修改会议安排" not in page and "保存会议记录" not in page
    response = staff.post(url, {"form": "cancel", "cancel_reason": "再取消"})
    assert response.status_code == 400 and "不能再修改" in response.content.decode()
    detail = signed(client.__class__(), u["resident"]).get(reverse("deliberation:detail", args=[topic.pk]))
    text = detail.content.decode()
    assert f'data-meeting="{meeting.pk}"' in text and "已取消" in text and "取消原因：暴雨预警，改期另行通知" in text


def test_the_page_of_a_started_meeting_offers_no_change(world, client):
    from civicgrid.core.models import AuditEvent
    from civicgrid.deliberation import services

    topic = topic_at(world, "deliberate")
    u = world.users
    meeting = services.create_meeting(actor=u["community"], topic=topic, title="议事会", agenda="方案",
                                      starts_at=timezone.now() - timedelta(minutes=10), place="社区会议室")
    url = reverse("deliberation:meeting-record", args=[meeting.pk])
    staff = signed(client, u["community"])
    page = staff.get(url).content.decode()
    assert "修改会议安排" not in page and "保存会议记录" in page
    audit = AuditEvent.objects.count()
    response = staff.post(url, {"form": "change", "title": "议事会", "agenda": "方案", "place": "别处",
                                "starts_at": (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 400 and "只能在会前修改议事会" in response.content.decode()
    assert (Meeting.objects.get(pk=meeting.pk).place, AuditEvent.objects.count()) == ("社区会议室", audit)


def test_the_topic_page_names_stance_and_minutes_in_chinese_a_resident_understands(world, client):
    # "Position" and "Minutes" shared their msgids with a grid roster (岗位, a job) and patrol
    # durations (时长（分钟）), so the post form asked for a resident's job and meeting minutes
    # were headed "duration in minutes".
    topic = topic_at(world, "deliberate")
    Meeting.objects.create(topic=topic, area_path=topic.area_path, title="加装电梯议事会", agenda="通报意见",
                           starts_at=timezone.now() - timedelta(days=1), place="社区会议室",
                           minutes="多数居民同意推进。")
    page = signed(client, world.users["resident"]).get(reverse("deliberation:detail", args=[topic.pk])).content.decode()
    assert "<legend>立场</legend>" in page
    assert "<strong>会议纪要</strong><br>多数居民同意推进。" in page
    assert "岗位" not in page and "时长（分钟）" not in page


def test_a_resident_without_a_household_is_told_why_instead_of_a_raise_button_that_refuses(world, client):
    from civicgrid.people.models import Membership, Role, User

    newcomer = User.objects.create_user("newcomer", password="x", phone="13900000009")
    Membership.objects.create(user=newcomer, role=Role.RESIDENT)
    page = signed(client, newcomer).get(reverse("deliberation:list")).content.decode()
    assert 'href="/deliberation/new/"' not in page
    assert ('<p class="card muted" id="no-household">议事协商在您所在的社区进行。您的账号尚未关联家庭，请联系网格员关联，'
            '之后即可查看和提出本社区的议题。</p>') in page
    assert client.get(reverse("deliberation:new")).status_code == 403
    page = signed(client, world.users["resident"]).get(reverse("deliberation:list")).content.decode()
    assert 'href="/deliberation/new/"' in page and 'id="no-household"' not in page
    page = signed(client, world.users["community"]).get(reverse("deliberation:list")).content.decode()
    assert 'href="/deliberation/new/"' in page and 'id="no-household"' not in page


def test_a_task_on_the_topic_page_says_its_deadline_not_an_operator(world, client):
    # The deadline read "宋* · 操作人 2026-12-13": the msgid "by" is the audit column "操作人".
    from datetime import date

    from civicgrid.deliberation import services

    topic = topic_at(world, "act")
    services.create_task(actor=world.users["community"], topic=topic, title="物业更换门禁",
                         owner_user=world.users["community"], deadline=date(2026, 12, 15))
    page = signed(client, world.users["resident"]).get(reverse("deliberation:detail", args=[topic.pk])).content.decode()
    assert '完成期限 <span class="task-deadline">2026-12-15</span>' in page
    assert "操作人" not in page


def test_the_manage_page_says_how_many_attended_a_meeting(world, client):
    # The meeting line ended in a bare "(0)" or "(2)".
    topic = topic_at(world, "deliberate")
    resident = Participant.objects.get(topic=topic, user=world.users["resident"])
    held = Meeting.objects.create(topic=topic, area_path=topic.area_path, title="四方议事会", agenda="方案",
                                  starts_at=timezone.now() - timedelta(days=1), place="社区会议室")
    held.attendees.add(resident)
    page = signed(client, world.users["community"]).get(
        reverse("deliberation:manage", args=[topic.pk])).content.decode()
    assert f'<li data-meeting="{held.pk}">' in page
    assert '社区会议室 · <span class="meeting-attended">出席 1 人</span>' in page
