"""The volunteer's pages over real HTTP (live server, real sign-in): choosing the volunteer team a
claim is credited to goes through the same service as the API's ``team``, and a team the
volunteer does not belong to is refused with the service's message and changes nothing."""

from __future__ import annotations

import html
import re
from urllib.parse import quote

import pytest

from civicgrid.core.models import AuditEvent
from civicgrid.wishes.models import VolunteerTeam, Wish, WishState
from civicgrid.wishes.testing import make_wish_world, wish_in

from .http import staff, token

pytestmark = pytest.mark.django_db(transaction=True)


def claim_audits(pk):
    return list(AuditEvent.objects.filter(object_type="wishes.wish", object_id=str(pk), action="wishes.claim")
                .values_list("actor__username", "changes"))


def selected_team(page: str, pk: int) -> str:
    """The team preset in the claim form of one row of a list page."""
    row = re.search(rf'<li data-wish="{pk}">(.*?)</li>', page, re.S).group(1)
    return re.search(r'<option value="(\d+)" selected>', row).group(1)


def test_a_volunteer_chooses_the_team_credited_on_the_page(live_server):
    ww = make_wish_world()
    t = ww.w.tree
    vol = ww.users["vol"]
    # vol serves in 上海路第一网格 and is in two teams: 恩县路's (covers the wish) and 上海路's.
    own = VolunteerTeam.objects.create(name="上海路党员先锋队", area=t.community2, area_path=t.community2.path)
    own.members.add(vol)
    far = VolunteerTeam.objects.create(name="上四方志愿服务队", area=t.community3, area_path=t.community3.path)
    wish = wish_in(ww, "open", title="更换灯泡")
    other = wish_in(ww, "open", title="轮椅一台")
    browser = staff(live_server.url, "vol")

    page = browser.get("/wishes/volunteer/?all=1").text
    assert "您所在的志愿服务队： 红邻里志愿服务队、上海路党员先锋队" in html.unescape(page)
    # preset to the team whose area covers the wish, as the service would pick with no choice
    assert selected_team(page, wish.pk) == str(ww.team.pk)

    csrf = token(browser, "/wishes/volunteer/?all=1")
    claimed = browser.post_form(f"/wishes/{wish.pk}/move/", {
        "csrfmiddlewaretoken": csrf, "action": "claim", "team": str(own.pk), "next": "/wishes/volunteer/?all=1"})
    assert (claimed.status, claimed.location) == (302, "/wishes/volunteer/?all=1")
    stored = Wish.objects.get(pk=wish.pk)
    assert (stored.state, stored.claimer_id, stored.claimer_team_id, stored.claimer_branch_id) == (
        WishState.CLAIMED, vol.pk, own.pk, ww.branch3.pk)
    assert claim_audits(wish.pk) == [("vol", {"state": ["open", "claimed"], "claimer": vol.pk, "team": own.pk,
                                              "branch": ww.branch3.pk})]
    mine = browser.get("/wishes/volunteer/").text
    assert "更换灯泡" in mine and "记入上海路党员先锋队" in mine

    # A team the volunteer is not in (another street's): refused, said in Chinese, nothing changed.
    before = (Wish.objects.get(pk=other.pk).version, AuditEvent.objects.count())
    csrf = token(browser, f"/wishes/{other.pk}/")
    refused = browser.post_form(f"/wishes/{other.pk}/move/", {
        "csrfmiddlewaretoken": csrf, "action": "claim", "team": str(far.pk)})
    assert (refused.status, refused.location) == (302, f"/wishes/{other.pk}/")
    shown = browser.get(f"/wishes/{other.pk}/").text
    assert "您不是该志愿服务队的成员。" in shown
    after = Wish.objects.get(pk=other.pk)
    assert (after.state, after.claimer_id, after.claimer_team_id, after.version, AuditEvent.objects.count()) == (
        WishState.OPEN, None, None, before[0], before[1])
    assert claim_audits(other.pk) == []
    # The detail page offers exactly the volunteer's teams, not the one refused.
    options = re.findall(r'<option value="(\d+)"', shown.split('data-move="claim"')[1])
    assert options == [str(ww.team.pk), str(own.pk)]


# --- the hard-problem list: one FilterSet for the page and the API -----------------------------------
def problem_ids(page: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<li data-problem="(\d+)">', page)]


def test_the_hard_problem_page_and_api_filter_alike(live_server):
    from civicgrid.wishes import services
    from civicgrid.workorders.testing import make_order

    ww = make_wish_world()
    t, u, cat = ww.w.tree, ww.users, ww.w.categories
    street = u["street"]  # 即墨路街道: sees all three

    def problem(title, area, category):
        order = make_order(ww.w, status="in_progress", is_overdue=True, area=area, category=category, title=title)
        return services.create_hard_problem(actor=street, order=order)

    lamp = problem("小区路灯长期不亮", t.grid1, cat["road"])
    gas = problem("燃气管道老化", t.grid3, cat["gas"])
    lane = problem("背街小巷路灯缺失", t.grid2, cat["road"])
    services.move_problem(lamp, "claim", u["secretary"])
    services.move_problem(lane, "claim", u["branch_sec"])
    services.move_problem(lane, "progress", u["branch_sec"], note="已联系路灯所", progress=30)
    browser = staff(live_server.url, "street")

    def both(query: str) -> list[int]:
        query = quote(query, safe="=&")
        page = browser.get(f"/wishes/problems/?{query}")
        api = browser.get(f"/api/v1/wishes/problems/?{query}")
        assert (page.status, api.status) == (200, 200), (query, page.status, api.text[:300])
        on_page, in_api = problem_ids(page.text), [p["id"] for p in api.json()["results"]]
        assert on_page == in_api, query
        return in_api

    assert both("") == [lane.pk, gas.pk, lamp.pk]
    assert both("state=claimed&state=in_progress") == [lane.pk, lamp.pk]
    assert both(f"area={t.community1.code}") == [lane.pk, lamp.pk]
    assert both(f"area={t.grid3.code}") == [gas.pk]
    assert both(f"secretary={u['secretary'].pk}") == [lamp.pk]
    assert both("category=010102") == [gas.pk]
    assert both("category=01") == [lane.pk, gas.pk, lamp.pk]
    assert both("q=路灯") == [lane.pk, lamp.pk]
    assert both(f"area={t.street1.code}&state=open&q=燃气&source=order") == [gas.pk]
    # The page offers the places and categories of the problems it shows, and the secretaries.
    page = html.unescape(browser.get("/wishes/problems/").text)
    assert re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>', page.split('id="pf-area"')[1].split("</select>")[0]) \
        == [(t.street1.code, "即墨路街道"), (t.community2.code, "· 上海路社区"), (t.community1.code, "· 恩县路社区")]
    assert f'<option value="{u["secretary"].pk}">孙书记</option>' in page

    # Values that cannot be read: the API answers 400 in Chinese, the page shows the form error
    # and no rows rather than an unfiltered list.
    for query, field, code, message in [
        ("state=done", "state", "invalid_choice", "选择一个有效的选项。 done 不在可用的选项中。"),
        ("area=370203999999", "area", "does_not_exist", "没有代码为“370203999999”的区域。"),
        ("category=99", "category", "does_not_exist", "没有代码为“99”的事项分类。"),
        (f"secretary={u['far_sec'].pk}", "secretary", "invalid_choice", "选择一个有效的选项： 该选择不在可用的选项中。"),
    ]:
        api = browser.get(f"/api/v1/wishes/problems/?{query}")
        assert (api.status, api.json()) == (400, {"error": {"code": code, "message": message,
                                                            "fields": {field: [message]},
                                                            "codes": {field: [code]}}}), query
        page = browser.get(f"/wishes/problems/?{query}")
        assert page.status == 400 and message in html.unescape(page.text) and problem_ids(page.text) == [], query
