"""The web pages: who gets which page, the forms, and refusals that change nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from civicgrid.wishes.models import HardProblem, Wish, WishState
from civicgrid.wishes.testing import wish_in
from civicgrid.workorders.testing import make_order

pytestmark = pytest.mark.django_db


def as_(user=None) -> Client:
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


def test_pages_by_role(ww):
    u = ww.users
    expected = {
        "/wishes/": {None: 200, "resident": 200, "vol": 200},
        "/wishes/mine/": {None: 302, "resident": 200},
        "/wishes/new/": {"resident": 200, "nobody": 302},
        "/wishes/volunteer/": {"vol": 200, "party": 200, "resident": 403},
        "/wishes/behalf/": {"grid": 200, "vol": 403, "community": 403},
        "/wishes/staff/": {"community": 200, "street": 200, "vol": 403, "grid": 403},
        "/wishes/rankings/": {"community": 200, "vol": 403},
        "/wishes/problems/": {"community": 200, "secretary": 200, "branch_sec": 200, "vol": 403},
    }
    got = {path: {who: as_(u[who] if who else None).get(path).status_code for who in roles}
           for path, roles in expected.items()}
    assert got == expected


def test_the_volunteer_page_shows_wishes_near_and_my_claims(ww, settings):
    near = wish_in(ww, "open", title="更换灯泡")
    claimed = wish_in(ww, "claimed", title="轮椅一台", claimer="vol2")
    page = as_(ww.users["vol2"]).get("/wishes/volunteer/").content.decode()
    assert "更换灯泡" in page and "轮椅一台" in page and "在办 1 个，最多 3 个" in page
    assert f'data-wish="{near.pk}"' in page and f'data-wish="{claimed.pk}"' in page
    # vol lives in 上海路社区: nothing open near them, everything with ?all=1
    far = as_(ww.users["vol"]).get("/wishes/volunteer/").content.decode()
    assert "目前没有待认领的心愿" in far
    assert "更换灯泡" in as_(ww.users["vol"]).get("/wishes/volunteer/?all=1").content.decode()


def test_posting_on_behalf_through_the_page(ww):
    page = as_(ww.users["grid"]).get("/wishes/behalf/").content.decode()
    assert "李** · 独居老人" in page and "张三" not in page
    response = as_(ww.users["grid"]).post("/wishes/behalf/", {"household": ww.elderly.pk, "title": "陪同就医"})
    assert response.status_code == 302
    wish = Wish.objects.get()
    assert (wish.household, wish.on_behalf, wish.posted_by) == (ww.elderly, True, ww.users["grid"])
    refused = as_(ww.users["grid"]).post("/wishes/behalf/", {"household": ww.plain.pk, "title": "更换灯泡"})
    assert refused.status_code == 400 and Wish.objects.count() == 1  # not offered: not a valid choice


def test_a_refused_move_on_the_page_shows_the_reason_and_changes_nothing(ww):
    wish = wish_in(ww, "pending")
    c = as_(ww.users["community"])
    response = c.post(f"/wishes/{wish.pk}/move/", {"action": "reject"}, follow=True)
    assert "请说明原因。" in response.content.decode()
    assert Wish.objects.get(pk=wish.pk).state == WishState.PENDING
    assert as_(ww.users["vol"]).post(f"/wishes/{wish.pk}/move/", {"action": "approve"}).status_code == 404
    assert Wish.objects.get(pk=wish.pk).version == 1


def test_staff_make_a_hard_problem_from_an_order_and_a_secretary_claims_it(ww):
    stalled = make_order(ww.w, status="in_progress", is_overdue=True, title="小区路灯长期不亮")
    staff = as_(ww.users["community"])
    page = staff.get("/wishes/problems/").content.decode()
    assert stalled.number in page and "列为难题" in page
    response = staff.post("/wishes/problems/create/", {"order": stalled.number})
    problem = HardProblem.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/wishes/problems/{problem.pk}/"
    assert stalled.number not in staff.get("/wishes/problems/").content.decode().split("问题清单")[1]
    sec = as_(ww.users["secretary"])
    assert 'data-move="claim"' in sec.get(f"/wishes/problems/{problem.pk}/").content.decode()
    sec.post(f"/wishes/problems/{problem.pk}/move/", {"action": "claim"})
    sec.post(f"/wishes/problems/{problem.pk}/move/", {"action": "progress", "note": "已约谈物业", "progress": "60"})
    problem.refresh_from_db()
    assert (problem.state, problem.secretary, problem.progress) == ("in_progress", ww.users["secretary"], 60)
    assert as_(ww.users["far_sec"]).get(f"/wishes/problems/{problem.pk}/").status_code == 404


def test_what_a_resident_and_a_grid_worker_see(ww):
    from django.utils import timezone

    u = ww.users
    # Tabs lead only to pages that open: no "claim wishes" or "hard problems" for a plain resident.
    resident = as_(u["resident"]).get("/wishes/mine/").content.decode()
    assert 'href="/wishes/volunteer/"' not in resident and 'href="/wishes/problems/"' not in resident
    assert 'href="/wishes/volunteer/"' in as_(u["vol"]).get("/wishes/").content.decode()
    assert 'href="/wishes/problems/"' in as_(u["community"]).get("/wishes/").content.decode()
    assert 'href="/wishes/problems/"' in as_(u["secretary"]).get("/wishes/").content.decode()
    # The wished-by date picker starts today.
    assert f'min="{timezone.localdate().isoformat()}"' in as_(u["resident"]).get("/wishes/new/").content.decode()
    # An account with no household is told why it cannot post, and whom to ask.
    nobody = as_(u["nobody"]).get("/wishes/mine/").content.decode()
    assert "您的账号尚未关联家庭，请联系网格员关联或代为发布心愿。" in nobody and 'href="/wishes/new/"' not in nobody
    assert 'id="no-household"' not in resident and 'id="no-household"' not in as_(u["grid"]).get(
        "/wishes/mine/").content.decode()
    # The grid worker tells households of one entrance apart by the room; the name stays masked.
    behalf = as_(u["grid"]).get("/wishes/behalf/").content.decode()
    assert f'<option value="{ww.elderly.pk}">恩县路12号 1单元{ww.elderly.room}室 · 李** · 独居老人</option>' in behalf
    assert "李桂兰" not in behalf


def test_each_move_on_a_hard_problem_says_what_happened(ww):
    # Every move said 已完成操作。 ("done"), also a claim, where the work only begins.
    from django.contrib.messages import get_messages

    stalled = make_order(ww.w, status="in_progress", is_overdue=True, title="小区路灯长期不亮")
    as_(ww.users["community"]).post("/wishes/problems/create/", {"order": stalled.number})
    problem = HardProblem.objects.get()
    sec = as_(ww.users["secretary"])

    def said(client, data):
        response = client.post(f"/wishes/problems/{problem.pk}/move/", data)
        return [str(m) for m in get_messages(response.wsgi_request)][-1:]  # earlier ones wait unshown

    assert said(sec, {"action": "claim"}) == ["认领成功，请在本页报告办理进展。"]
    assert said(sec, {"action": "progress", "note": "已约谈物业", "progress": "60"}) == ["进展已记录。"]
    assert said(sec, {"action": "solve", "note": "路灯已修复"}) == ["已报告解决，等待社区或街道确认。"]
    assert said(as_(ww.users["community"]), {"action": "confirm"}) == ["已确认解决。"]
    assert HardProblem.objects.get(pk=problem.pk).state == "confirmed"


def test_the_list_filters_offer_all_rather_than_unknown_or_dashes(ww):
    # The overdue filter offered 未知/是/否, where 未知 ("unknown") meant "all", and the hard-problem
    # filters' source and secretary began with "---------".
    import re

    from django.utils import timezone

    late = wish_in(ww, "claimed", title="轮椅一台")
    Wish.objects.filter(pk=late.pk).update(deadline=timezone.localdate() - timezone.timedelta(days=3))
    wish_in(ww, "claimed", title="更换灯泡", claimer="vol2")
    staff = as_(ww.users["community"])

    def options(page, name):
        select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S).group(1)
        return re.findall(r">([^<]*)</option>", select)

    page = staff.get("/wishes/staff/").content.decode()
    assert options(page, "overdue") == ["全部", "是", "否"]
    listed = staff.get("/wishes/staff/?overdue=true").content.decode().split("全部心愿")[1]
    assert "轮椅一台" in listed and "更换灯泡" not in listed
    listed = staff.get("/wishes/staff/?overdue=false").content.decode().split("全部心愿")[1]
    assert "轮椅一台" not in listed and "更换灯泡" in listed

    page = staff.get("/wishes/problems/").content.decode()
    assert options(page, "source")[0] == "全部" and options(page, "secretary") == ["全部"]
    assert "---------" not in page
