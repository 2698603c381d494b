"""In a real browser (Chromium), at phone width: a resident opens 回复或举报 under a neighbour's
post, sees a button that says 举报 (it said 上报, the escalation of a work order), reports the post
and is thanked."""

from __future__ import annotations

import pytest

from civicgrid.deliberation import services
from civicgrid.deliberation.models import PostReport
from civicgrid.deliberation.testing import make_delib_world, topic_at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "x")
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_a_resident_reports_a_post_with_a_button_that_says_report(live_server, page):
    world = make_delib_world()
    topic = topic_at(world, "deliberate")
    post = services.create_post(actor=world.users["resident3"], topic=topic, body="物业都是骗子！！", position="against")
    sign_in(page, live_server.url, "resident")
    page.goto(f"{live_server.url}/deliberation/{topic.pk}/")
    page.click(f"#post-{post.pk} > details > summary")
    buttons = page.locator(f"#post-{post.pk} details button").all_inner_texts()
    assert buttons == ["回复", "举报"]
    page.fill(f"#post-{post.pk} input[name=reason]", "人身攻击")
    page.click(f"#post-{post.pk} button:has-text('举报')")
    page.wait_for_selector("text=感谢举报，工作人员会尽快处理。")
    assert list(PostReport.objects.filter(post=post).values_list("reporter__username", "reason")) == [
        ("resident", "人身攻击")]
