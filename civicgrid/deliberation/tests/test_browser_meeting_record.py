"""In a real browser (Chromium): after a held meeting, community staff open its record page from
the manage page, tick who attended, type the minutes, add one photo and save; a resident, signed
in by phone, reads that record on the topic page."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from civicgrid.core.models import AuditEvent
from civicgrid.core.sms import LogSmsGateway
from civicgrid.deliberation import services
from civicgrid.deliberation.models import Meeting, MeetingPhoto, Participant
from civicgrid.deliberation.testing import make_delib_world, topic_at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MINUTES = "四方代表到会，同意方案一：楼北侧加装，按楼层分档出资。"


def test_staff_record_a_held_meeting_and_residents_read_it(live_server, page, tmp_path):
    world = make_delib_world()
    u = world.users
    topic = topic_at(world, "deliberate")
    owners = services.add_participant(actor=u["community"], topic=topic, party="owners_committee", name="业委会")
    company = services.add_participant(actor=u["community"], topic=topic, party="property_company", name="物业公司")
    resident = Participant.objects.get(topic=topic, user=u["resident"])
    meeting = services.create_meeting(actor=u["community"], topic=topic, title="四方议事会", agenda="加装电梯方案",
                                      starts_at=timezone.now() - timedelta(hours=2), place="社区会议室")
    photo_file = tmp_path / "会场.jpg"
    Image.new("RGB", (64, 48), (180, 60, 40)).save(photo_file, "JPEG")

    # Staff: sign in, from the manage page to the meeting's record.
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", "community")
    page.fill("input[name=password]", "x")
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.goto(f"{base}/deliberation/{topic.pk}/manage/")
    page.click(f"[data-meeting='{meeting.pk}'] >> text=补录纪要和出席")
    page.wait_for_url(f"{base}/deliberation/meetings/{meeting.pk}/")
    page.check(f"input[name=attendees][value='{resident.pk}']")
    page.check(f"input[name=attendees][value='{owners.pk}']")
    page.fill("#m-minutes", MINUTES)
    page.set_input_files("#m-photos", str(photo_file))
    page.click("form button[type=submit].primary")
    page.wait_for_selector("text=会议记录已保存。")
    # The page comes back with what was saved.
    assert page.locator(f"input[name=attendees][value='{resident.pk}']").is_checked()
    assert page.locator(f"input[name=attendees][value='{owners.pk}']").is_checked()
    assert not page.locator(f"input[name=attendees][value='{company.pk}']").is_checked()
    assert page.locator("#m-minutes").input_value() == MINUTES
    saved = Meeting.objects.get(pk=meeting.pk)
    photo = MeetingPhoto.objects.get(meeting=saved)
    assert (saved.minutes, sorted(saved.attendees.values_list("pk", flat=True))) == (
        MINUTES, sorted([resident.pk, owners.pk]))
    assert (photo.width, photo.height, photo.content_type) == (64, 48, "image/jpeg")
    assert page.locator(f"input[name=remove_photos][value='{photo.pk}']").count() == 1
    assert AuditEvent.objects.filter(action="deliberation.meeting_record", object_id=str(meeting.pk)).count() == 1

    # The resident, in a browser of their own, signed in by phone, reads the record on the topic page.
    context = page.context.browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    context.set_default_timeout(15000)
    reader = context.new_page()
    reader.goto(f"{base}/deliberation/{topic.pk}/")
    reader.wait_for_url(re.compile(r"/accounts/resident/"))
    reader.fill("input[name=phone]", u["resident"].phone)
    reader.click("main button[type=submit]")
    reader.wait_for_selector("input[name=code]")
    reader.fill("input[name=code]", re.search(r"\b(\d{6})\b", LogSmsGateway.sent[-1][1]).group(1))
    reader.click("main button[type=submit]")
    reader.wait_for_url(f"{base}/deliberation/{topic.pk}/")
    record = reader.locator("#meetings article.meeting").filter(has_text="四方议事会")
    facts = dict(zip(record.locator("dt").all_inner_texts(), record.locator("dd").all_inner_texts()))
    # Names of residents are masked; the owners' committee is shown as itself.
    assert facts["出席"] == "张*、业委会"
    assert MINUTES in record.inner_text()
    assert record.locator(".photos img").count() == 1
    assert record.locator(".photos img").get_attribute("src") == photo.file.url
    assert reader.locator("form[action*='/meetings/']").count() == 0  # residents read, they do not edit
    context.close()
