"""In a real browser (Chromium), at phone width: a resident of the demo district signs in by
phone, opens 邻里议事 from the portal, posts a view against, votes for their household, and rates
a finished topic."""

from __future__ import annotations

import re

import pytest

from civicgrid.core.sms import LogSmsGateway
from civicgrid.deliberation import services
from civicgrid.deliberation.models import Post, Rating, Stage, Topic, Vote
from civicgrid.people.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def district():
    from civicgrid.demo import builder

    builder.build(seed=builder.DEFAULT_SEED, scale="small", progress=False, orders=0)


def test_a_resident_takes_part_in_deliberation(live_server, page, district):
    resident = User.objects.get(username="resident")
    page.goto(f"{live_server.url}/deliberation/")
    page.wait_for_url(re.compile(r"/accounts/resident/\?next=/deliberation/"))  # sign in by phone first
    page.fill("input[name=phone]", resident.phone)
    page.click("main button[type=submit]")
    page.wait_for_selector("input[name=code]")
    code = re.search(r"\b(\d{6})\b", LogSmsGateway.sent[-1][1]).group(1)
    page.fill("input[name=code]", code)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/deliberation/")  # back where they were going

    page.goto(f"{live_server.url}/portal/")
    page.click("text=邻里议事")
    page.wait_for_url(f"{live_server.url}/deliberation/")
    badges = page.locator(".topic-list [data-stage]").all_inner_texts()
    assert sorted(badges) == sorted(["说（提出议题）", "聚（召集各方）", "议（协商表决）", "办（落实办理）", "评（群众评价）",
                                     "已结束"])

    # The topic under deliberation: the five-stage bar, the discussion, the vote.
    page.click("text=老旧楼栋加装电梯")
    topic = Topic.objects.get(title="老旧楼栋加装电梯")
    page.wait_for_url(f"{live_server.url}/deliberation/{topic.pk}/")
    assert page.locator(".stage-bar [aria-current=step]").inner_text() == "3. 议（协商表决）"
    assert page.locator('.stage-bar [data-state="done"]').count() == 2
    page.fill("#post-body", "一楼住户的采光要考虑进去，建议先做日照分析再定方案。")
    page.check("input[name=position][value=against]")
    page.click("form.new-post button[type=submit]")
    page.wait_for_selector("text=您的发言已发布。")
    post = Post.objects.get(topic=topic, author=resident, position="against")
    assert post.body == "一楼住户的采光要考虑进去，建议先做日照分析再定方案。"
    assert page.locator(f"#post-{post.pk} .post-body").inner_text() == post.body
    assert page.locator(f"#post-{post.pk} .badge").first.inner_text() == "反对"

    poll = topic.polls.get(status="open")
    option = poll.options.order_by("position")[1]
    votes_before = Vote.objects.filter(poll=poll).count()
    page.check(f"form.vote-form input[value='{option.pk}']")
    page.click("form.vote-form button[type=submit]")
    page.wait_for_selector("text=您家的投票已记录。")
    assert page.locator(".my-vote").inner_text() == f"您家已投票：{option.label}"
    assert page.locator("form.vote-form").count() == 0
    household = services.household_of(resident, topic.area_path)
    assert list(Vote.objects.filter(poll=poll, household=household).values_list("option_id", "voter__username")) == [
        (option.pk, "resident")]
    assert Vote.objects.filter(poll=poll).count() == votes_before + 1

    # The topic awaiting evaluation: rate it 4 with a comment.
    evaluate = Topic.objects.get(stage=Stage.EVALUATE)
    page.goto(f"{live_server.url}/deliberation/{evaluate.pk}/")
    page.check("form.rate-form input[name=score][value='4']")
    page.fill("#rate-comment", "器材换新了，孩子老人都能用。")
    page.click("form.rate-form button[type=submit]")
    page.wait_for_selector("text=感谢您的评价。")
    assert page.locator(".my-rating").inner_text() == "您的评分：4 / 5。"
    rating = Rating.objects.get(topic=evaluate, resident=resident)
    assert (rating.score, rating.comment) == (4, "器材换新了，孩子老人都能用。")
    assert page.locator("form.rate-form").count() == 0
