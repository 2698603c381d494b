"""In a real browser (Chromium): a resident types a proposal, sees the similar one suggested while
typing, submits theirs anyway; when supporting opens, supports one and sees the count go down."""

from __future__ import annotations

import re

import pytest

from civicgrid.core.sms import LogSmsGateway
from civicgrid.proposals.models import Proposal, Support
from civicgrid.proposals.testing import add_proposal, make_campaign, make_residents, set_state

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, url, phone):
    page.goto(f"{url}/accounts/resident/")
    page.fill("input[name=phone]", phone)
    page.click("main button[type=submit]")
    page.wait_for_selector("input[name=code]")
    code = re.search(r"\b(\d{6})\b", LogSmsGateway.sent[-1][1]).group(1)
    page.fill("input[name=code]", code)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda u: "/accounts/" not in u)


def test_resident_sees_a_similar_proposal_submits_and_supports(live_server, page):
    w, campaign = make_campaign(panel=0)
    (neighbour,) = make_residents(1)
    existing = add_proposal(w, campaign, title="恩县路口袋公园", author=neighbour,
                            description="把恩县路拐角的空地改造成口袋公园，加座椅和绿化。")
    add_proposal(w, campaign, title="老旧小区加装电梯", cost=600_000, author=neighbour, category="housing",
                 description="上海路社区6号楼老人上下楼困难，希望加装电梯。")
    sign_in(page, live_server.url, "13900000001")

    page.goto(f"{live_server.url}/proposals/c/{campaign.pk}/")
    page.click("#submit-link")
    page.wait_for_selector("#id_title")
    assert page.inner_text("#similar").strip() == ""
    page.type("#id_title", "恩县路街角建口袋公园", delay=20)
    page.wait_for_selector(f"#similar li[data-similar='{existing.pk}']")
    hint = page.inner_text("#similar")
    assert "已有相似的提案" in hint and "恩县路口袋公园" in hint and "老旧小区加装电梯" not in hint
    # Proposals are collected before supporting opens: the hint said 请直接支持它 where no 支持 button was.
    assert "如果其中有您想提的，就不必重复提交：等“群众支持”阶段开始后为它投上支持。" in hint
    assert page.locator(f"#support-{existing.pk} button").count() == 0
    page.fill("#id_description", "恩县路街角空地希望建一个小公园，种树放长椅，方便老人孩子。")
    page.select_option("#id_area", "370203020009002")
    page.fill("#id_estimated_cost", "250000")
    page.select_option("#id_category", "greening")
    page.click("#proposal-form button[type=submit]")
    page.wait_for_selector(".messages .success")
    mine = Proposal.objects.get(title="恩县路街角建口袋公园")
    assert (mine.author.username, mine.area.code, mine.estimated_cost) == ("resident", "370203020009002", 250_000)
    assert page.url == f"{live_server.url}/proposals/p/{mine.pk}/"

    set_state(campaign, "support")
    page.goto(f"{live_server.url}/proposals/c/{campaign.pk}/")
    assert page.inner_text("#remaining") == "还可支持 3 项"
    page.click(f"#support-{existing.pk} button")
    page.wait_for_selector(f"#support-{existing.pk} button:has-text('撤回支持')")
    assert page.inner_text(f"#support-{existing.pk} .support-count") == "1 支持"
    assert page.inner_text("#remaining") == "还可支持 2 项"
    assert list(Support.objects.values_list("user__username", "proposal_id")) == [("resident", existing.pk)]
    # Withdraw again, on the same page.
    page.click(f"#support-{existing.pk} button")
    page.wait_for_selector(f"#support-{existing.pk} input[name=action][value=support]", state="attached")
    assert page.inner_text("#remaining") == "还可支持 3 项"
    assert Support.objects.count() == 0


def test_the_other_support_buttons_follow_the_supports_left_without_a_reload(live_server, page):
    # With every support used, the other 支持 buttons are greyed out; withdrawing one said 还可支持 1 项
    # but left them greyed out until the page was reloaded, so the resident could not move a support.
    w, campaign = make_campaign(panel=0, state="support", support_limit=1)
    (neighbour,) = make_residents(1)
    park = add_proposal(w, campaign, title="恩县路口袋公园", author=neighbour)
    lift = add_proposal(w, campaign, title="老旧小区加装电梯", cost=600_000, author=neighbour, category="housing",
                        description="上海路社区6号楼老人上下楼困难，希望加装电梯。")
    sign_in(page, live_server.url, "13900000001")
    page.goto(f"{live_server.url}/proposals/c/{campaign.pk}/")
    assert page.inner_text("#remaining") == "还可支持 1 项"

    page.click(f"#support-{park.pk} button")
    page.wait_for_selector(f"#support-{park.pk} button:has-text('撤回支持')")
    assert page.inner_text("#remaining") == "还可支持 0 项"
    page.wait_for_selector(f"#support-{lift.pk} button[data-support]:disabled")  # after htmx settles

    page.click(f"#support-{park.pk} button")  # withdraw
    page.wait_for_selector(f"#support-{park.pk} button:has-text('支持'):not(:has-text('撤回'))")
    assert page.inner_text("#remaining") == "还可支持 1 项"
    page.wait_for_selector(f"#support-{lift.pk} button[data-support]:enabled")

    page.click(f"#support-{lift.pk} button")
    page.wait_for_selector(f"#support-{lift.pk} button:has-text('撤回支持')")
    assert list(Support.objects.values_list("user__username", "proposal_id")) == [("resident", lift.pk)]
    page.wait_for_selector(f"#support-{park.pk} button[data-support]:disabled")


def test_a_project_page_says_when_it_can_be_rated(live_server, page):
    # While rating was open, an unfinished project's 社会评价 card was empty: no form, no word why.
    from civicgrid.proposals.models import Project

    w, campaign = make_campaign(panel=0, state="implement")
    p = add_proposal(w, campaign)
    project = Project.objects.create(proposal=p, campaign=campaign, area_path=p.area_path, unit=w.units["cg"],
                                     budget=p.estimated_cost)
    sign_in(page, live_server.url, "13900000001")
    set_state(campaign, "evaluate")
    page.goto(f"{live_server.url}/proposals/projects/{project.pk}/")
    assert page.inner_text("#rate-when") == "项目完成后，居民即可在这里评价。"
    assert page.locator("form.rate-form").count() == 0

    set_state(campaign, "implement")
    Project.objects.filter(pk=project.pk).update(status="finished", progress=100)
    page.reload()
    assert page.inner_text("#rate-when") == "“社会评价”阶段开始后，居民即可在这里评价。"

    set_state(campaign, "evaluate")
    page.reload()
    assert page.locator("#rate-when").count() == 0
    page.check("form.rate-form input[name=stars][value='5']")
    page.click("form.rate-form button[type=submit]")
    page.wait_for_selector("text=感谢您的评价。")
    set_state(campaign, "evaluate_closed")
    page.reload()
    assert page.inner_text("#rating p").strip() == "您的评分：5 分（满分 5 分）。"
