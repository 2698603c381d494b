"""In a real browser (Chromium): a street dispatcher starts a campaign on the pages, puts a
neighbour on its panel and opens the collection; a resident then finds it on the residents'
pages, collecting, with the way to submit a proposal."""

from __future__ import annotations

import pytest

from civicgrid.core.models import AuditEvent
from civicgrid.proposals.models import Campaign, Criterion, PanelMember
from civicgrid.proposals.testing import make_representative
from civicgrid.proposals.tests.test_browser import sign_in as resident_sign_in
from civicgrid.workorders.testing import make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_street_dispatcher_starts_a_campaign_and_a_resident_finds_it(live_server, page, _chromium):
    base = live_server.url
    w = make_world()
    make_representative("neighbour", w.tree.community1, phone="13911112222", real_name="李四")

    page.goto(f"{base}/accounts/login/?next=/proposals/staff/")
    page.fill("input[name=username]", "street")
    page.fill("input[name=password]", "x")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/proposals/staff/")
    page.click("#new-campaign")
    page.wait_for_selector("#campaign-form")
    # The dispatcher's own street is the only area offered, and already chosen.
    assert page.eval_on_selector_all("#id_area option[value]:not([value=''])", "els => els.map(e => e.value)") == [
        "370203020000"]
    page.fill("#id_title", "即墨路街道2027年微实事")
    page.fill("#id_year", "2027")
    page.fill("#id_budget", "500000")
    page.fill("#id_support_limit", "2")
    page.fill("#id_criteria", "必要性 5\n受益面 3")
    page.click("#campaign-form button[type=submit]")
    page.wait_for_url("**/manage/")
    c = Campaign.objects.get()
    assert page.url == f"{base}/proposals/c/{c.pk}/manage/"
    assert (c.title, c.year, c.area.code, c.budget, c.support_limit, c.submission_limit, c.state) == (
        "即墨路街道2027年微实事", 2027, "370203020000", 500_000, 2, 3, "draft")
    assert list(Criterion.objects.filter(campaign=c).values_list("name", "weight")) == [("必要性", 5), ("受益面", 3)]
    assert page.inner_text("#state") == "未开始"

    page.fill("#panel-form input[name=who]", "139 1111 2222")
    page.select_option("#panel-form select[name=kind]", "deputy")
    page.click("#panel-form button[type=submit]")
    page.wait_for_selector(".messages .success")
    assert page.inner_text(".messages .success") == "李四 已加入评审代表。"
    assert "李四 · 139****2222 · 人大代表" in page.inner_text("#panel-members")
    assert list(PanelMember.objects.filter(campaign=c).values_list("user__username", "kind")) == [
        ("neighbour", "deputy")]

    page.fill("#phase-reason", "征集公告已发布")
    page.click("#phases button[value=open_collect]")
    page.wait_for_selector(".messages .success")
    assert page.inner_text("#state") == "征集提案"
    c.refresh_from_db()
    assert c.state == "collect"
    assert list(AuditEvent.objects.filter(action__startswith="proposals.").order_by("pk").values_list(
        "actor__username", "action")) == [("street", "proposals.campaign.create"), ("street", "proposals.panel.add"),
                                          ("street", "proposals.phase")]

    # A resident, in a browser of their own.
    context = _chromium.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    context.set_default_timeout(15000)
    try:
        them = context.new_page()
        resident_sign_in(them, base, "13900000001")
        them.goto(f"{base}/proposals/")
        assert them.query_selector("#staff-link") is None
        card = them.locator("#campaigns li", has_text="即墨路街道2027年微实事")
        assert card.locator(".badge").inner_text() == "征集提案"
        card.locator("a").click()
        them.wait_for_url(f"{base}/proposals/c/{c.pk}/")
        assert them.inner_text("#state") == "征集提案"
        assert them.inner_text("#submit-link") == "提交提案"
        assert them.query_selector("a[href$='/manage/']") is None
    finally:
        context.close()
