"""Campaign management in the pages, over real HTTP: starting a campaign, switching its phases and
naming its panel, by the staff of its street or district; residents and the staff of another street
are refused and change nothing; bad input is answered in Chinese and changes nothing."""

from __future__ import annotations

import html
import re

import pytest

from civicgrid.core.models import AuditEvent
from civicgrid.proposals import services
from civicgrid.proposals.models import Campaign, Criterion, PanelMember, PanelScore, PhaseChange
from civicgrid.proposals.testing import add_proposal, make_representative, set_state
from civicgrid.workorders.testing import make_world
from civicgrid.workorders.tests.http_client import Browser

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

STREET = "370203020000"     # 即墨路街道 (street1)
STREET2 = "370203028000"    # 四方街道 (street2)


def staff(url: str, username: str) -> Browser:
    b = Browser(url)
    r = b.sign_in(username, "x")
    assert r.status == 302 and r.location == "/", (username, r.status, r.text[:300])
    return b


def resident(url: str, phone: str) -> Browser:
    b = Browser(url)
    r = b.sign_in_with_texted_code(phone)
    assert r.status == 302, (r.status, r.text[:300])
    return b


def post(b: Browser, page: str, action: str, fields: dict):
    """GET the page for its CSRF token (as a person would), then POST the form."""
    token = b.form_token(page)
    return b.post_form(action, {"csrfmiddlewaretoken": token, **fields})


def messages_on(b: Browser, page: str) -> list[str]:
    text = b.get(page).text
    return [html.unescape(m) for m in re.findall(r'<li class="(?:error|success)">([^<]*)</li>', text)]


def field_errors(text: str) -> list[str]:
    return [html.unescape(m) for m in re.findall(r"<li>([^<]*)</li>", text.split('id="campaign-form"')[1])]


def campaign_rows():
    return list(Campaign.objects.order_by("pk").values_list("area__code", "year", "title", "state"))


def audit(prefix: str):
    return list(AuditEvent.objects.filter(action__startswith=prefix).order_by("pk").values_list(
        "actor_id", "action", "changes"))


GOOD = {"title": "即墨路街道2027年微实事", "year": "2027", "area": STREET, "description": "小而急的民生事。",
        "budget": "500000", "support_limit": "2", "submission_limit": "1", "method": "knapsack",
        "cost_unit": "500", "support_weight": "2", "criteria": "必要性 5\n受益面：3"}


def test_a_street_dispatcher_starts_a_campaign_on_the_page(live_server):
    w = make_world()
    street = staff(live_server.url, "street")
    assert 'id="staff-link"' in street.get("/proposals/").text
    page = street.get("/proposals/new/")
    assert page.status == 200
    # The area offered is the dispatcher's street only.
    assert re.findall(r'<option value="(\d+)"', page.text) == [STREET]

    # --- bad input: a Chinese message on the form, nothing stored ------------------------------
    for changed, message in [
        ({"budget": "-5"}, "预算必须大于 0 元。"),
        ({"budget": "五十万"}, "请以元为单位填写整数预算，例如 500000。"),
        ({"year": "20x7"}, "请用四位数字填写年份，例如 2027。"),
        ({"year": "27"}, "请填写 2000 至 2100 之间的四位年份，例如 2027。"),
        ({"title": "  "}, "此项为必填项。"),
        ({"support_limit": "0"}, "每位居民至少能支持一项提案。"),
        ({"criteria": "必要性\n可行性 3"}, "请每行写一项评审标准：名称和整数权重，例如“必要性 4”。"),
        ({"criteria": "必要性 3\n必要性 4"}, "评审标准名称不能重复。"),
    ]:
        r = post(street, "/proposals/new/", "/proposals/new/", {**GOOD, **changed})
        assert r.status == 400, (changed, r.status)
        assert message in field_errors(r.text), (changed, field_errors(r.text))
    assert campaign_rows() == [] and audit("proposals.campaign") == []

    # --- the campaign --------------------------------------------------------------------------
    r = post(street, "/proposals/new/", "/proposals/new/", GOOD)
    c = Campaign.objects.get()
    assert r.status == 302 and r.location == f"/proposals/c/{c.pk}/manage/"
    assert (c.title, c.year, c.area, c.area_path, c.description, c.budget, c.support_limit, c.submission_limit,
            c.method, c.cost_unit, c.support_weight, c.state, c.created_by) == (
        "即墨路街道2027年微实事", 2027, w.tree.street1, w.tree.street1.path, "小而急的民生事。", 500_000, 2, 1,
        "knapsack", 500, 2, "draft", w.users["street"])
    assert list(Criterion.objects.filter(campaign=c).values_list("name", "weight", "position")) == [
        ("必要性", 5, 0), ("受益面", 3, 1)]
    assert audit("proposals.campaign") == [(w.users["street"].pk, "proposals.campaign.create", {
        "area": STREET, "year": 2027, "title": "即墨路街道2027年微实事", "budget": 500_000, "support_limit": 2,
        "submission_limit": 1, "method": "knapsack", "cost_unit": 500, "support_weight": 2,
        "criteria": [["必要性", 5], ["受益面", 3]]})]
    assert messages_on(street, r.location) == ["活动已创建。准备就绪后请开启第一个阶段。"]
    listed = street.get("/proposals/staff/").text
    assert "即墨路街道2027年微实事" in listed and f'href="/proposals/c/{c.pk}/manage/"' in listed

    # A second campaign of the street for 2027 is refused on the year (by the service): 400, the
    # form shown again with what was typed, no row and no audit row.
    before = (campaign_rows(), audit("proposals.campaign"))
    r = post(street, "/proposals/new/", "/proposals/new/", {**GOOD, "title": "又一个"})
    assert r.status == 400 and field_errors(r.text) == ["该地区当年已有活动。"]
    assert 'value="又一个"' in r.text
    assert (campaign_rows(), audit("proposals.campaign")) == before

    # --- refusals: a resident, the staff of another street, a community's staff ----------------
    before = (campaign_rows(), audit("proposals.campaign"))
    someone = resident(live_server.url, "13900000001")
    assert someone.get("/proposals/new/").status == 403
    assert someone.get("/proposals/staff/").status == 403
    token = someone.cookie("csrftoken")
    r = someone.post_form("/proposals/new/", {"csrfmiddlewaretoken": token, **GOOD, "year": "2028"})
    assert r.status == 403
    other = staff(live_server.url, "street2")
    assert re.findall(r'<option value="(\d+)"', other.get("/proposals/new/").text) == [STREET2]
    r = post(other, "/proposals/new/", "/proposals/new/", {**GOOD, "year": "2028"})   # 即墨路街道, not theirs
    assert r.status == 403 and "只有本活动所属区或街道的工作人员可以这样做。" in r.text
    community = staff(live_server.url, "community")
    assert community.get("/proposals/new/").status == 403
    assert (campaign_rows(), audit("proposals.campaign")) == before

    # The district's command center may start the district's campaign and a street's.
    district = staff(live_server.url, "district")
    assert re.findall(r'<option value="(\d+)"', district.get("/proposals/new/").text) == [
        "370203000000", STREET, STREET2]
    r = post(district, "/proposals/new/", "/proposals/new/", {**GOOD, "area": STREET2, "title": "四方街道2027年微实事"})
    assert r.status == 302
    assert campaign_rows()[-1] == (STREET2, 2027, "四方街道2027年微实事", "draft")


def test_phases_are_switched_on_the_page_by_the_campaigns_staff_only(live_server):
    w = make_world()
    c = services.create_campaign(actor=w.users["street"], area=w.tree.street1, year=2026, title="即墨路街道微实事",
                                 budget=300_000)
    manage, phase = f"/proposals/c/{c.pk}/manage/", f"/proposals/c/{c.pk}/phase/"

    def state():
        return Campaign.objects.get(pk=c.pk).state

    street = staff(live_server.url, "street")
    r = post(street, manage, phase, {"action": "open_collect", "reason": "公告已发布"})
    assert r.status == 302 and r.location == manage and state() == "collect"
    assert messages_on(street, manage) == ["阶段已切换。"]
    # The district above the street may switch it too.
    district = staff(live_server.url, "district")
    assert post(district, manage, phase, {"action": "close"}).status == 302 and state() == "collect_closed"
    assert list(PhaseChange.objects.filter(campaign=c).values_list("action", "from_state", "to_state", "actor",
                                                                     "reason")) == [
        ("open_collect", "draft", "collect", w.users["street"].pk, "公告已发布"),
        ("close", "collect", "collect_closed", w.users["district"].pk, "")]
    assert [(a, ch["state"], ch["move"]) for _u, a, ch in audit("proposals.phase")] == [
        ("proposals.phase", ["draft", "collect"], "open_collect"),
        ("proposals.phase", ["collect", "collect_closed"], "close")]

    # A move not in the table: a Chinese message, nothing changed.
    before = (state(), PhaseChange.objects.count(), audit("proposals.phase"))
    assert post(street, manage, phase, {"action": "open_select"}).status == 302
    assert messages_on(street, manage) == ["从“征集已结束”阶段不能这样切换。"]
    assert (state(), PhaseChange.objects.count(), audit("proposals.phase")) == before

    # The staff of another street and a resident: refused, nothing changed.
    other = staff(live_server.url, "street2")
    assert other.get(manage).status == 403
    token = other.cookie("csrftoken")
    assert other.post_form(phase, {"csrfmiddlewaretoken": token, "action": "open_support"}).status == 403
    someone = resident(live_server.url, "13900000001")
    token = someone.cookie("csrftoken")
    assert someone.post_form(phase, {"csrfmiddlewaretoken": token, "action": "open_support"}).status == 403
    assert (state(), PhaseChange.objects.count(), audit("proposals.phase")) == before


def test_the_panel_is_named_on_the_page_from_the_people_of_the_area(live_server):
    w = make_world()
    c = services.create_campaign(actor=w.users["street"], area=w.tree.street1, year=2026, title="即墨路街道微实事",
                                 budget=300_000)
    manage, add = f"/proposals/c/{c.pk}/manage/", f"/proposals/c/{c.pk}/panel/"
    neighbour = make_representative("neighbour", w.tree.community1, phone="13911112222", real_name="李四")
    far = make_representative("far", w.tree.community3, phone="13933334444", real_name="王五")   # 四方街道

    def panel():
        return list(PanelMember.objects.filter(campaign=c).order_by("pk").values_list("user__username", "kind"))

    street = staff(live_server.url, "street")
    page = street.get(manage).text
    assert 'id="panel-form"' in page and "尚无评审代表。" in page
    # By mobile number (written as people write it), and a grid worker of the street by username.
    assert post(street, manage, add, {"who": "+86 139-1111-2222", "kind": "deputy"}).status == 302
    assert messages_on(street, manage) == ["李四 已加入评审代表。"]
    assert post(street, manage, add, {"who": "grid", "kind": "resident_rep"}).status == 302
    assert panel() == [("neighbour", "deputy"), ("grid", "resident_rep")]
    assert [(u, a, ch) for u, a, ch in audit("proposals.panel")] == [
        (w.users["street"].pk, "proposals.panel.add", {"user": "neighbour", "kind": "deputy"}),
        (w.users["street"].pk, "proposals.panel.add", {"user": "grid", "kind": "resident_rep"})]
    page = street.get(manage).text
    assert "李四 · 139****2222 · 人大代表" in page

    # Refused with a Chinese message, nothing changed: twice the same person, someone of another
    # street, a number nobody has, an empty field.
    before = (panel(), audit("proposals.panel"))
    for who, message in [("13911112222", "此人已是评审代表。"),
                         ("far", "本活动所在地区没有使用该手机号或用户名的居民或工作人员。"),
                         ("13933334444", "本活动所在地区没有使用该手机号或用户名的居民或工作人员。"),
                         ("13800000000", "本活动所在地区没有使用该手机号或用户名的居民或工作人员。"),
                         ("", "此项为必填项。")]:
        assert post(street, manage, add, {"who": who, "kind": "deputy"}).status == 302
        assert messages_on(street, manage) == [message], who
    assert (panel(), audit("proposals.panel")) == before

    # The staff of another street and a resident may neither add nor remove.
    member = PanelMember.objects.get(campaign=c, user=neighbour)
    remove = f"/proposals/c/{c.pk}/panel/{member.pk}/remove/"
    for b in (staff(live_server.url, "street2"), resident(live_server.url, "13900000001")):
        token = b.cookie("csrftoken")
        assert b.post_form(add, {"csrfmiddlewaretoken": token, "who": "13911112222", "kind": "deputy"}).status == 403
        assert b.post_form(remove, {"csrfmiddlewaretoken": token}).status == 403
    assert (panel(), audit("proposals.panel")) == before

    # Removing: the grid worker, who has not scored, goes; the neighbour, who has, stays.
    set_state(c, "screen")
    p = add_proposal(w, c, status="eligible")
    for criterion in c.criteria.all():
        PanelScore.objects.create(proposal=p, panellist=neighbour, criterion=criterion, value=8)
    grid_member = PanelMember.objects.get(campaign=c, user=w.users["grid"])
    r = post(street, manage, f"/proposals/c/{c.pk}/panel/{grid_member.pk}/remove/", {})
    assert r.status == 302 and r.location == manage + "#panel"
    assert messages_on(street, manage) == ["grid 已移出评审代表。"]
    assert panel() == [("neighbour", "deputy")]
    assert audit("proposals.panel")[-1] == (w.users["street"].pk, "proposals.panel.remove",
                                            {"user": "grid", "kind": "resident_rep"})
    before = (panel(), audit("proposals.panel"))
    assert post(street, manage, remove, {}).status == 302
    assert messages_on(street, manage) == ["这位代表已为 1 项提案打分，评分已计入排名，不能移出评审代表。"]
    # Once the selection has begun the panel is fixed, both ways.
    set_state(c, "select")
    assert 'id="panel-form"' not in street.get(manage).text
    token = street.cookie("csrftoken")
    assert street.post_form(add, {"csrfmiddlewaretoken": token, "who": "grid", "kind": "deputy"}).status == 302
    assert messages_on(street, manage) == ["评审代表已不能调整：项目遴选已经开始（当前：预算内选定）。"]
    assert (panel(), audit("proposals.panel")) == before
