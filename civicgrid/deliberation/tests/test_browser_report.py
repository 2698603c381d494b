"""In a real browser (Chromium), at phone width: a resident opens 回复或举报 under a neighbour's
post, sees a button that says 举报 (it said 上报, the escalation of a work order), reports the post
and is thanked."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

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


def test_after_the_discussion_closes_a_post_offers_only_what_can_be_done(live_server, page):
    # On a topic being rated (past discussion), a resident's own post still had 回复或举报, which opened on nothing,
    # and a neighbour's post promised a reply that was no longer possible.
    world = make_delib_world()
    topic = topic_at(world, "deliberate")
    mine = services.create_post(actor=world.users["resident"], topic=topic, body="支持加装。", position="for")
    theirs = services.create_post(actor=world.users["resident3"], topic=topic, body="一楼不同意。", position="against")
    u = world.users
    poll = services.create_poll(actor=u["community"], topic=topic, question="是否加装电梯", options=["同意", "不同意"],
                                closes_at=timezone.now() + timedelta(days=3))
    services.open_poll(actor=u["community"], poll=poll)
    services.cast_vote(actor=u["resident"], poll=poll, option=poll.options.get(label="同意"))
    services.close_poll(actor=u["community"], poll=poll)
    services.move_topic(actor=u["community"], topic=topic, action="act")
    task = services.create_task(actor=u["community"], topic=topic, title="电梯井施工", owner_user=u["community"])
    services.update_task(actor=u["community"], task=task, progress=100)
    services.move_topic(actor=u["community"], topic=topic, action="evaluate")
    sign_in(page, live_server.url, "resident")
    page.goto(f"{live_server.url}/deliberation/{topic.pk}/")
    assert page.locator("form.new-post").count() == 0
    assert page.locator(f"#post-{mine.pk} details").count() == 0
    assert page.inner_text(f"#post-{theirs.pk} > details > summary") == "举报"
    page.click(f"#post-{theirs.pk} > details > summary")
    assert page.locator(f"#post-{theirs.pk} details button").all_inner_texts() == ["举报"]
