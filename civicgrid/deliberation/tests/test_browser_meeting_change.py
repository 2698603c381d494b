"""In a real browser (Chromium): before a meeting, community staff move it to another evening and
place on its page, then cancel it with a reason; the topic page shows it struck out as cancelled."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from civicgrid.core.models import AuditEvent
from civicgrid.deliberation import services
from civicgrid.deliberation.models import Meeting
from civicgrid.deliberation.testing import make_delib_world, topic_at
from civicgrid.notifications.models import OutboxMessage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_reschedule_then_cancel_a_meeting_on_its_page(live_server, page):
    world = make_delib_world()
    u = world.users
    topic = topic_at(world, "deliberate")
    meeting = services.create_meeting(actor=u["community"], topic=topic, title="四方议事会", agenda="加装电梯方案",
                                      starts_at=(timezone.now() + timedelta(days=2)).replace(second=0, microsecond=0),
                                      place="社区会议室")
    moved = timezone.localtime(meeting.starts_at + timedelta(days=1)).replace(hour=19, minute=30)

    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", "community")
    page.fill("input[name=password]", "x")
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.goto(f"{base}/deliberation/meetings/{meeting.pk}/")
    page.fill("#c-starts", moved.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#c-place", "12号楼前空地")
    page.click("form.meeting-change button[type=submit]")
    page.wait_for_selector("text=议事会安排已修改。")
    assert page.locator("#c-place").input_value() == "12号楼前空地"
    saved = Meeting.objects.get(pk=meeting.pk)
    assert (saved.starts_at, saved.place, saved.title, saved.agenda) == (moved, "12号楼前空地", "四方议事会", "加装电梯方案")
    assert sorted(AuditEvent.objects.get(action="deliberation.meeting_change").changes) == ["place", "starts_at"]
    assert list(OutboxMessage.objects.filter(event="deliberation.meeting_changed").values_list(
        "recipient__username", flat=True)) == ["resident"]

    page.fill("#c-reason", "暴雨预警，另行通知")
    page.click("form.meeting-cancel button[type=submit]")
    page.wait_for_selector("text=议事会已取消。")
    assert page.locator("form.meeting-change").count() == 0 and page.locator("form.meeting-cancel").count() == 0
    assert Meeting.objects.get(pk=meeting.pk).cancel_reason == "暴雨预警，另行通知"

    page.goto(f"{base}/deliberation/{topic.pk}/")
    card = page.locator(f"#meetings article[data-meeting='{meeting.pk}']")
    assert card.locator(".badge").inner_text() == "已取消"
    assert "取消原因：暴雨预警，另行通知" in card.inner_text()
