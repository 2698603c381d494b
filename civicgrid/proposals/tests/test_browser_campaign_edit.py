"""In a real browser (Chromium): a street dispatcher corrects the budget of a campaign that is
open for supports on its edit page. The year, fixed once the campaign was opened, is shown
disabled with the reason; a budget of 0 is refused in Chinese next to the field and changes
nothing; 450,000 is stored exactly, with one audit row of the old and new value."""

from __future__ import annotations

import pytest

from civicgrid.core.models import AuditEvent
from civicgrid.proposals import services
from civicgrid.proposals.models import Campaign, Criterion
from civicgrid.proposals.testing import set_state
from civicgrid.workorders.testing import make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

FIELDS = ("title", "year", "description", "budget", "support_limit", "submission_limit", "method", "cost_unit",
          "support_weight", "state")


def stored(c: Campaign) -> tuple:
    c = Campaign.objects.get(pk=c.pk)
    return (tuple(getattr(c, f) for f in FIELDS),
            list(Criterion.objects.filter(campaign=c).values_list("name", "weight", "position")))


def updates():
    return list(AuditEvent.objects.filter(action="proposals.campaign.update").order_by("pk").values_list(
        "actor__username", "changes", "reason"))


def test_a_street_dispatcher_corrects_the_budget_on_the_page(live_server, page):
    base = live_server.url
    w = make_world()
    c = services.create_campaign(actor=w.users["street"], area=w.tree.street1, year=2026, title="即墨路街道微实事",
                                 budget=300_000, description="小而急的民生事。")
    set_state(c, "support")
    criteria = [("必要性", 4, 0), ("可行性", 3, 1), ("受益面", 3, 2)]
    assert stored(c) == (("即墨路街道微实事", 2026, "小而急的民生事。", 300_000, 3, 3, "approval", 1000, 1, "support"),
                         criteria)

    page.goto(f"{base}/accounts/login/?next=/proposals/c/{c.pk}/manage/")
    page.fill("input[name=username]", "street")
    page.fill("input[name=password]", "x")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/proposals/c/{c.pk}/manage/")
    page.click("#edit-campaign")
    page.wait_for_url(f"{base}/proposals/c/{c.pk}/edit/")
    assert page.input_value("#id_budget") == "300000"
    # Open to the public: the year cannot change, and the page says why; the budget can.
    assert page.is_disabled("#id_year") and page.input_value("#id_year") == "2026"
    assert page.inner_text("#id_year_helptext") == "活动已向公众开放，年份不能再修改。"
    assert page.is_enabled("#id_budget") and page.is_enabled("#id_criteria")

    # A budget of 0: refused on the form (400) in Chinese, what was typed kept, nothing stored.
    page.fill("#id_budget", "0")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.click("#campaign-form button[type=submit]")
    assert answer.value.status == 400
    assert page.inner_text("#id_budget_error") == "预算必须大于 0 元。"
    assert page.input_value("#id_budget") == "0"
    assert page.is_disabled("#id_year")
    assert stored(c)[0][3] == 300_000 and updates() == []

    # 450,000 with a reason: saved, back on the management page.
    page.fill("#id_budget", "450000")
    page.fill("#id_reason", "街道追加预算")
    page.click("#campaign-form button[type=submit]")
    page.wait_for_url(f"{base}/proposals/c/{c.pk}/manage/")
    assert page.inner_text(".messages .success") == "活动已更新。"
    assert stored(c) == (("即墨路街道微实事", 2026, "小而急的民生事。", 450_000, 3, 3, "approval", 1000, 1, "support"),
                         criteria)
    assert updates() == [("street", {"budget": [300_000, 450_000]}, "街道追加预算")]
    page.click("#edit-campaign")
    page.wait_for_url(f"{base}/proposals/c/{c.pk}/edit/")
    assert page.input_value("#id_budget") == "450000"
