"""Correcting a campaign after it was created, over real HTTP: on the edit page and with PATCH on
the API, through one service. Only what changed is saved, with one audit row of old and new
values; bad numbers, changes that would break what already happened, and people who do not run
the campaign are refused in Chinese and change nothing."""

from __future__ import annotations

import html
import json
import re

import pytest
from django.utils import timezone

from civicgrid.core.models import AuditEvent
from civicgrid.proposals import services
from civicgrid.proposals.models import Campaign, Criterion, PanelScore, Project, SelectionRun
from civicgrid.proposals.testing import add_proposal, make_representative, make_residents, set_state
from civicgrid.proposals.tests.test_views_campaign_admin import field_errors, messages_on, post, resident, staff
from civicgrid.workorders.testing import make_world

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

FIELDS = ("title", "year", "description", "budget", "support_limit", "submission_limit", "method", "cost_unit",
          "support_weight")


def stored(c: Campaign) -> tuple:
    c = Campaign.objects.get(pk=c.pk)
    return (tuple(getattr(c, f) for f in FIELDS),
            list(Criterion.objects.filter(campaign=c).values_list("name", "weight", "position")))


def updates():
    return list(AuditEvent.objects.filter(action="proposals.campaign.update").order_by("pk").values_list(
        "actor_id", "changes", "reason"))


def patch(b, path: str, payload: dict):
    return b.request("PATCH", path, data=json.dumps(payload).encode("utf-8"),
                     headers={"Content-Type": "application/json", "Accept": "application/json"})


def street_campaign(w) -> Campaign:
    return services.create_campaign(
        actor=w.users["street"], area=w.tree.street1, year=2026, title="即墨路街道微实事", budget=300_000,
        support_limit=3, submission_limit=3, description="小而急的民生事。")


FORM = {"title": "即墨路街道2026年微实事项目", "year": "2027", "description": "小而急的民生事。", "budget": "450000",
        "support_limit": "4", "submission_limit": "3", "method": "approval", "cost_unit": "1000",
        "support_weight": "1", "criteria": "必要性 5\n受益面 5", "reason": "按街道党工委意见调整"}


def test_the_campaigns_staff_correct_it_on_the_page(live_server):
    w = make_world()
    c = street_campaign(w)
    edit, manage = f"/proposals/c/{c.pk}/edit/", f"/proposals/c/{c.pk}/manage/"
    street = staff(live_server.url, "street")
    assert f'href="{edit}"' in street.get(manage).text
    page = street.get(edit).text
    # The form starts from what is stored.
    assert 'value="即墨路街道微实事"' in page and 'value="300000"' in page and "必要性 4\n可行性 3\n受益面 3" in page

    # Bad input: the create rules, in Chinese, nothing stored.
    before = stored(c)
    for changed, message in [({"budget": "0"}, "预算必须大于 0 元。"),
                             ({"budget": "三十万"}, "请以元为单位填写整数预算，例如 500000。"),
                             ({"support_limit": "51"}, "每位居民最多可支持 50 项。"),
                             ({"criteria": ""}, "请至少填写一项评审标准。"),
                             ({"criteria": "必要性 3\n必要性 4"}, "评审标准名称不能重复。")]:
        r = post(street, edit, edit, {**FORM, **changed})
        assert r.status == 400 and field_errors(r.text) == [message], (changed, r.status, field_errors(r.text))
    assert stored(c) == before and updates() == []

    r = post(street, edit, edit, FORM)
    assert r.status == 302 and r.location == manage
    assert messages_on(street, manage) == ["活动已更新。"]
    assert stored(c) == ((
        "即墨路街道2026年微实事项目", 2027, "小而急的民生事。", 450_000, 4, 3, "approval", 1000, 1),
        [("必要性", 5, 0), ("受益面", 5, 1)])
    # One audit row, with the old and new value of each changed field only.
    assert updates() == [(w.users["street"].pk, {
        "title": ["即墨路街道微实事", "即墨路街道2026年微实事项目"], "year": [2026, 2027], "budget": [300_000, 450_000],
        "support_limit": [3, 4], "criteria": [[["必要性", 4], ["可行性", 3], ["受益面", 3]], [["必要性", 5], ["受益面", 5]]],
    }, "按街道党工委意见调整")]

    # The same form again: nothing to save, no audit row.
    r = post(street, edit, edit, FORM)
    assert r.status == 302 and messages_on(street, manage) == ["未作任何修改。"]
    assert len(updates()) == 1

    # A resident and the staff of another street: refused, nothing changed.
    before = (stored(c), updates())
    for b in (resident(live_server.url, "13900000001"), staff(live_server.url, "street2")):
        assert b.get(edit).status == 403
        token = b.cookie("csrftoken")
        assert b.post_form(edit, {"csrfmiddlewaretoken": token, **FORM, "budget": "1"}).status == 403
        r = patch(b, f"/api/v1/proposals/campaigns/{c.pk}/", {"budget": 1})
        assert r.status == 403, r.text
        assert r.json()["error"]["message"] == "只有本活动所属区或街道的工作人员可以这样做。"
    assert (stored(c), updates()) == before


def test_what_already_happened_cannot_be_undone_by_an_edit(live_server):
    w = make_world()
    c = street_campaign(w)
    api = f"/api/v1/proposals/campaigns/{c.pk}/"
    street = staff(live_server.url, "street")
    street.get("/")   # the CSRF cookie

    # PATCH changes only what is sent.
    r = patch(street, api, {"submission_limit": 2, "reason": "收窄"})
    assert r.status == 200, r.text
    assert (r.json()["submission_limit"], r.json()["budget"], r.json()["title"]) == (2, 300_000, "即墨路街道微实事")
    assert updates()[-1] == (w.users["street"].pk, {"submission_limit": [3, 2]}, "收窄")

    # A resident submitted 2 proposals and gave 2 supports (supports open).
    set_state(c, "collect")
    p1 = add_proposal(w, c, title="恩县路口袋公园", cost=200_000)
    p2 = add_proposal(w, c, title="老旧小区加装电梯", cost=250_000, category="housing")
    set_state(c, "support")
    (neighbour,) = make_residents(1)
    services.support(actor=w.users["resident"], proposal=p1)
    services.support(actor=w.users["resident"], proposal=p2)
    services.support(actor=neighbour, proposal=p1)

    def refused(payload, field, message):
        before = (stored(c), updates())
        r = patch(street, api, payload)
        assert r.status == 409, (payload, r.status, r.text)
        assert r.json()["error"]["code"] == "would_break" and r.json()["error"]["fields"] == {field: [message]}, r.text
        assert (stored(c), updates()) == before

    refused({"year": 2027}, "year", "活动已向公众开放，年份不能再修改。")
    refused({"support_limit": 1}, "support_limit", "已有居民给出了 2 次支持，上限不能低于此数。")
    refused({"submission_limit": 1}, "submission_limit", "已有居民提交了 2 项提案，上限不能低于此数。")
    # Down to exactly what is used is fine.
    assert patch(street, api, {"support_limit": 2}).status == 200
    assert Campaign.objects.get(pk=c.pk).support_limit == 2
    # The create rules hold for a PATCH too (a 400 in Chinese, nothing stored).
    before = (stored(c), updates())
    r = patch(street, api, {"budget": -1, "method": "lottery"})
    assert r.status == 400 and r.json()["error"]["fields"] == {
        "budget": ["预算必须大于 0 元。"], "method": ["未知的选定方法。"]}, r.text
    assert (stored(c), updates()) == before

    # Scores given: the criteria are fixed (while the budget still moves).
    set_state(c, "screen")
    rep = make_representative("rep", w.tree.community1)
    services.add_panel_member(actor=w.users["street"], campaign=c, user=rep, kind="deputy")
    for p in (p1, p2):
        services.screen_proposal(actor=w.users["street"], proposal=p, eligible=True)
    services.score_proposal(actor=rep, proposal=p1, values={cr.pk: 8 for cr in c.criteria.all()})
    services.score_proposal(actor=rep, proposal=p2, values={cr.pk: 6 for cr in c.criteria.all()})
    assert PanelScore.objects.count() == 6
    refused({"criteria": [{"name": "必要性", "weight": 1}]}, "criteria", "评审代表已按这些标准打分，标准不能再修改。")

    # A run made, then the budget raised: that run is stale and cannot be confirmed.
    set_state(c, "select")
    r = street.post_json(f"{api}selection/", {})
    assert r.status == 201, r.text
    stale = r.json()["id"]
    assert r.json()["chosen"] == [p1.pk]      # 200,000 + 250,000 > 300,000
    assert patch(street, api, {"budget": 450_000}).status == 200
    code = w.units["s1"].code
    r = street.post_json(f"{api}selection/confirm/", {"run": stale, "units": {str(p1.pk): code}})
    assert r.status == 409 and r.json()["error"]["message"] == "本次计算之后预算或选定规则已修改，请重新计算选定结果。"
    assert Project.objects.count() == 0
    r = street.post_json(f"{api}selection/", {})
    fresh = r.json()["id"]
    assert r.json()["chosen"] == [p1.pk, p2.pk] and SelectionRun.objects.get(pk=fresh).cost_unit == 1000
    r = street.post_json(f"{api}selection/confirm/", {"run": fresh, "units": {str(p1.pk): code, str(p2.pk): code}})
    assert r.status == 200, r.text

    # Selection confirmed: the budget not below the projects (450,000), the rules fixed.
    refused({"budget": 449_999}, "budget", "已选定的项目共需 450,000 元，预算不能低于此数。")
    refused({"method": "knapsack"}, "method", "选定结果已按此规则确认，不能再修改。")
    refused({"cost_unit": 500}, "cost_unit", "选定结果已按此规则确认，不能再修改。")
    # The title can still be corrected, and the budget raised.
    r = patch(street, api, {"title": "即墨路街道2026年民生实事", "budget": 500_000})
    assert r.status == 200 and updates()[-1][1] == {
        "title": ["即墨路街道微实事", "即墨路街道2026年民生实事"], "budget": [450_000, 500_000]}


def test_a_refusal_of_the_service_on_the_edit_page_is_a_400_and_changes_nothing(live_server):
    w = make_world()
    c = street_campaign(w)
    edit = f"/proposals/c/{c.pk}/edit/"
    street = staff(live_server.url, "street")
    # A resident gave 2 supports; then lowering the limit to 1 on the page would break that.
    set_state(c, "collect")
    p1 = add_proposal(w, c, title="恩县路口袋公园", cost=200_000)
    p2 = add_proposal(w, c, title="老旧小区加装电梯", cost=250_000, category="housing")
    set_state(c, "support")
    services.support(actor=w.users["resident"], proposal=p1)
    services.support(actor=w.users["resident"], proposal=p2)
    current = {"title": "即墨路街道微实事", "year": "2026", "description": "小而急的民生事。", "budget": "300000",
               "support_limit": "3", "submission_limit": "3", "method": "approval", "cost_unit": "1000",
               "support_weight": "1", "criteria": "必要性 4\n可行性 3\n受益面 3", "reason": ""}
    before = (stored(c), updates(), AuditEvent.objects.count())
    r = post(street, edit, edit, {**current, "support_limit": "1", "title": "改个名"})
    assert r.status == 400
    assert field_errors(r.text) == ["已有居民给出了 2 次支持，上限不能低于此数。"]
    # The form keeps what was typed, so it can be corrected.
    assert 'value="改个名"' in r.text and 'name="support_limit" value="1"' in r.text
    assert (stored(c), updates(), AuditEvent.objects.count()) == before


INPUT = re.compile(r"<(?:input|select|textarea)\b[^>]*>")


def disabled(page: str) -> list[str]:
    """The names of the disabled inputs of the campaign form, in page order."""
    form = page.split('id="campaign-form"')[1]
    return [re.search(r'name="(\w+)"', tag).group(1) for tag in INPUT.findall(form)
            if re.search(r"\sdisabled[\s>]", tag)]


def help_of(page: str, field: str) -> str:
    return html.unescape(re.search(rf'<p class="help" id="id_{field}_helptext">([^<]*)</p>', page).group(1))


def test_fields_the_campaigns_state_has_fixed_are_shown_disabled_and_never_change(live_server):
    w = make_world()
    c = street_campaign(w)
    edit, manage = f"/proposals/c/{c.pk}/edit/", f"/proposals/c/{c.pk}/manage/"
    street = staff(live_server.url, "street")
    # Not started: everything can be corrected.
    assert disabled(street.get(edit).text) == []
    assert services.frozen_fields(c) == {}

    # Open to the public: the year is fixed, with the reason on the page.
    set_state(c, "collect")
    page = street.get(edit).text
    assert disabled(page) == ["year"]
    assert help_of(page, "year") == "活动已向公众开放，年份不能再修改。"
    assert re.search(r'<input type="number" name="year" value="2026"[^>]*\sdisabled[\s>]', page)

    # The panel has scored and the selection is confirmed: the criteria and the selection rules too.
    p = add_proposal(w, c, status="eligible")
    rep = make_representative("rep", w.tree.community1)
    for criterion in c.criteria.all():
        PanelScore.objects.create(proposal=p, panellist=rep, criterion=criterion, value=8)
    set_state(c, "implement")
    Campaign.objects.filter(pk=c.pk).update(selection_confirmed_at=timezone.now())
    page = street.get(edit).text
    assert disabled(page) == ["year", "method", "cost_unit", "support_weight", "criteria"]
    assert [help_of(page, f) for f in ("method", "cost_unit", "support_weight")] == [
        "选定结果已按此规则确认，不能再修改。"] * 3
    assert help_of(page, "criteria") == "评审代表已按这些标准打分，标准不能再修改。"
    # The page and the service read the same rule.
    assert list(services.frozen_fields(Campaign.objects.get(pk=c.pk))) == [
        "year", "method", "cost_unit", "support_weight", "criteria"]
    # Still open: the title, the budget, the limits.
    assert re.search(r'<input type="number" name="budget" value="300000"[^>]*>', page).group(0).count("disabled") == 0

    # What a browser sends (nothing for a disabled field): the budget is corrected, the rest stays.
    sent = {"title": "即墨路街道微实事", "description": "小而急的民生事。", "budget": "350000", "support_limit": "3",
            "submission_limit": "3", "reason": "追加预算"}
    r = post(street, edit, edit, sent)
    assert (r.status, r.location) == (302, manage)
    assert messages_on(street, manage) == ["活动已更新。"]
    assert stored(c) == (("即墨路街道微实事", 2026, "小而急的民生事。", 350_000, 3, 3, "approval", 1000, 1),
                         [("必要性", 4, 0), ("可行性", 3, 1), ("受益面", 3, 2)])
    assert updates() == [(w.users["street"].pk, {"budget": [300_000, 350_000]}, "追加预算")]

    # The stored values of the fixed fields sent back unchanged (a page loaded before they were
    # fixed): accepted, and only the real change is saved.
    unchanged = {"year": "2026", "method": "approval", "cost_unit": "1000", "support_weight": "1",
                 "criteria": "必要性 4\r\n可行性 3\r\n受益面 3"}
    r = post(street, edit, edit, {**sent, **unchanged, "budget": "360000", "reason": ""})
    assert r.status == 302
    assert stored(c)[0][3] == 360_000 and updates()[-1] == (w.users["street"].pk, {"budget": [350_000, 360_000]}, "")

    # A request that tries to change them: 400, the reason next to each, nothing changed at all
    # (not even the budget sent with them).
    before = (stored(c), updates(), AuditEvent.objects.count())
    for changed, field, message in [({"year": "2027"}, "year", "活动已向公众开放，年份不能再修改。"),
                                    ({"method": "knapsack"}, "method", "选定结果已按此规则确认，不能再修改。"),
                                    ({"cost_unit": "500"}, "cost_unit", "选定结果已按此规则确认，不能再修改。"),
                                    ({"support_weight": "abc"}, "support_weight", "选定结果已按此规则确认，不能再修改。"),
                                    ({"criteria": "必要性 1"}, "criteria", "评审代表已按这些标准打分，标准不能再修改。")]:
        r = post(street, edit, edit, {**sent, **unchanged, **changed, "budget": "999999"})
        assert r.status == 400, changed
        assert field_errors(r.text) == [message], (changed, field_errors(r.text))
        assert re.search(rf'<ul class="errorlist" id="id_{field}_error"><li>', r.text), changed
        # The field is still shown with the stored value, disabled.
        assert disabled(r.text) == ["year", "method", "cost_unit", "support_weight", "criteria"]
    assert 'value="2026"' in post(street, edit, edit, {**sent, "year": "2027"}).text
    assert (stored(c), updates(), AuditEvent.objects.count()) == before
