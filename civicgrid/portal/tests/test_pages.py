"""The portal's pages: home, report form, address suggestions, similar problems, my appeals."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext

from civicgrid.core.models import AuditEvent
from civicgrid.core.testing import make_building
from civicgrid.portal import selectors
from civicgrid.workorders import callbacks
from civicgrid.workorders import services as order_services
from civicgrid.workorders.models import Appeal, OrderEvent, Status, WorkOrder
from civicgrid.workorders.testing import make_order, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    world = make_world()
    make_building("B1", world.tree.grid1, "青岛市市北区恩县路12号", 120.3012, 36.0511)
    make_building("B2", world.tree.grid1, "青岛市市北区嘉兴路30号海晶花园1号楼", 120.303, 36.053)
    make_building("B3", world.tree.grid2, "青岛市市北区嘉兴路30号海晶花园2号楼", 120.312, 36.052)
    return world


def zh(msgid: str) -> str:
    with translation.override("zh-hans"):
        return gettext(msgid)


def placed(order, lon, lat, **fields):
    WorkOrder.objects.filter(pk=order.pk).update(lon=lon, lat=lat, **fields)
    order.refresh_from_db()
    return order


# --- home -------------------------------------------------------------------------------------------
def test_home_offers_the_four_actions_and_sign_in_for_visitors(client, w):
    page = client.get("/portal/").content.decode()
    for href in ('href="/orders/report/"', 'href="#track"', 'href="/accounts/resident/?next=/portal/mine/"',
                 'href="/echo/"'):
        assert href in page
    assert 'action="/portal/track/"' in page


def test_home_counts_a_signed_in_residents_appeals(client, w):
    make_order(w)
    make_order(w)
    client.force_login(w.users["resident"])
    page = client.get("/portal/").content.decode()
    assert 'href="/portal/mine/"' in page
    assert zh("Appeals so far: %(n)s") % {"n": 2} in page


# --- report form ------------------------------------------------------------------------------------
def test_report_form_has_map_categories_photos_and_prefilled_contact(client, w):
    client.force_login(w.users["resident"])
    page = client.get("/orders/report/").content.decode()
    assert 'id="report-map"' in page and 'data-outlines="/areas/370203000000/outlines.json?kind=grid"' in page
    assert '<option value="0101">\u3000市政管理</option>' in page and 'value="010101"' not in page
    assert 'accept="image/*"' in page and 'capture="environment"' in page
    assert 'name="reporter_phone" value="13900000001"' in page and 'name="reporter_name" value="张三"' in page
    assert 'type="hidden" name="lon"' in page and 'hx-get="/portal/address-suggest/"' in page
    assert 'hx-get="/portal/similar/"' in page


def test_patrol_page_has_the_map_and_hotline_page_none(client, w):
    client.force_login(w.users["grid"])
    patrol = client.get("/orders/patrol/").content.decode()
    assert 'data-outlines="/areas/370203000000/outlines.json?kind=grid"' in patrol and 'name="lon"' in patrol
    client.force_login(w.users["hotline"])
    hotline = client.get("/orders/hotline/").content.decode()
    assert 'id="report-map"' not in hotline and 'name="reporter_phone"' in hotline


def test_staff_see_the_publish_link_residents_do_not(client, w):
    client.force_login(w.users["community"])
    assert 'href="/portal/notices/new/"' in client.get("/portal/").content.decode()
    client.force_login(w.users["resident"])
    assert 'href="/portal/notices/new/"' not in client.get("/portal/").content.decode()


def test_report_with_a_chosen_category_and_a_picked_point(client, w):
    client.force_login(w.users["resident"])
    response = client.post("/orders/report/", {
        "text": "恩县路12号门前井盖松动", "category_code": "0101", "lon": "120.3012", "lat": "36.0511",
        "coord_system": "WGS84", "reporter_name": "张三", "reporter_phone": "13900000001", "echo_opt_out": "on"},
        follow=True)
    assert response.status_code == 200
    appeal = Appeal.objects.select_related("order").get()
    assert (appeal.category.code, appeal.order.area, appeal.echo_opt_out, appeal.reporter) == (
        "0101", w.tree.grid1, True, w.users["resident"])
    assert f'href="/portal/mine/{appeal.tracking_number}/"' in response.content.decode()


def test_report_by_a_suggested_building(client, w):
    response = client.post("/orders/report/", {"text": "楼道灯不亮", "address": "恩县路12号", "building_code": "B1",
                                               "reporter_phone": "13900000005"}, follow=True)
    assert response.status_code == 200
    assert Appeal.objects.get().building.code == "B1"


def test_report_refusal_is_clear_in_chinese_and_writes_nothing(client, w):
    response = client.post("/orders/report/", {"text": "", "reporter_phone": "13900000005"})
    body = response.content.decode()
    assert response.status_code == 400
    assert zh("The appeal was not sent. Please check the items marked below.") in body
    assert WorkOrder.objects.count() == 0



def test_a_refused_report_still_says_which_building_was_chosen(client, w):
    # Without the line the resident saw an empty status next to the map and picked the place again.
    response = client.post("/orders/report/", {"text": "楼道灯不亮", "address": "青岛市市北区恩县路12号",
                                               "building_code": "B1"})
    body = response.content.decode()
    assert response.status_code == 400
    assert '<span id="where-status" class="muted" aria-live="polite">已选择楼栋： 青岛市市北区恩县路12号</span>' in body
    assert 'name="building_code" value="B1"' in body
    assert WorkOrder.objects.count() == 0

def test_a_place_outside_every_grid_is_refused(client, w):
    response = client.post("/orders/report/", {"text": "路灯不亮", "lon": "121.5", "lat": "31.2",
                                               "reporter_phone": "13900000005"})
    assert response.status_code == 400
    with translation.override("zh-hans"):
        message = gettext("The place %(lon).6f, %(lat).6f is not inside any grid of this platform.") % {
            "lon": 121.5, "lat": 31.2}
    assert message in response.content.decode()
    assert WorkOrder.objects.count() == 0


# --- address suggestions ----------------------------------------------------------------------------
def test_address_suggestions_list_matching_buildings(client, w):
    page = client.get("/portal/address-suggest/", {"address": "嘉兴路30号海晶花园"}).content.decode()
    assert page.count("data-building=") == 2
    assert ('data-building="B2" data-address="青岛市市北区嘉兴路30号海晶花园1号楼" '
            'data-lon="120.303000" data-lat="36.053000"') in page
    one = client.get("/portal/address-suggest/", {"address": "恩县路12号"}).content.decode()
    assert one.count("data-building=") == 1 and 'data-building="B1"' in one
    assert client.get("/portal/address-suggest/", {"address": "恩"}).content.decode().strip() == ""


# --- similar open problems --------------------------------------------------------------------------
def test_similar_open_orders_are_near_recent_open_and_alike(w):
    # The duplicate detector decides (civicgrid.duplicates; default rule 50 m, 7 days, similarity 0.2).
    near = placed(make_order(w, title="恩县路路面坑洼", text="恩县路12号门前路面有坑"), 120.3012, 36.0512, appeals_count=3)
    placed(make_order(w, title="远处路面坑洼"), 120.3100, 36.0511)  # ~800 m east
    placed(make_order(w, title="已结案的坑洼", status=Status.CLOSED), 120.3012, 36.0511)
    old = placed(make_order(w, title="很久以前的坑洼"), 120.3012, 36.0511)
    WorkOrder.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=8))
    placed(make_order(w, title="噪音扰民", text="晚上装修噪音", category=w.categories["gas"]), 120.3013, 36.0511)
    placed(make_order(w, title="个人隐私", category=w.categories["private"]), 120.3012, 36.0511)
    found = selectors.similar_open_orders(lon=120.3012, lat=36.0511, text="路面有个大坑", category_code="010101")
    # The gas order is of another leaf category: not the same problem.
    assert [(s.number, s.title, s.appeals_count, s.metres, s.status, s.category) for s in found] == [
        (near.number, "恩县路路面坑洼", 3, 11, "new", "道路破损")]
    assert found[0].status_display == str(near.get_status_display())


def test_similar_by_text_alone_and_nothing_without_a_place(w):
    from civicgrid.workorders.models import Category

    other = Category.objects.exclude(path__startswith="01/").filter(is_active=True).exclude(children__isnull=False).first()
    placed(make_order(w, title="恩县路路面坑洼", text="恩县路12号门前路面有坑，雨天积水。"), 120.3012, 36.0512)
    # No category chosen: the text decides; another category chosen: not the same problem.
    assert [s.title for s in selectors.similar_open_orders(
        lon=120.3012, lat=36.0511, text="恩县路12号门前路面有坑，雨天积水")] == ["恩县路路面坑洼"]
    assert selectors.similar_open_orders(lon=120.3012, lat=36.0511, text="恩县路12号门前路面有坑，雨天积水",
                                         category_code=other.code) == []
    assert selectors.similar_open_orders(lon=120.3012, lat=36.0511, text="小区绿化带杂草丛生") == []
    assert selectors.similar_open_orders(lon=None, lat=None, text="恩县路路面坑洼", category_code="010101") == []


def test_similar_hint_shows_public_data_only(client, w):
    order = make_order(w, title="张三家门口路面坑洼 13900000001")
    placed(order, 120.3012, 36.0512, appeals_count=2)
    page = client.get("/portal/similar/", {"lon": "120.3012", "lat": "36.0511", "text": "", "category_code": "010101"})
    body = page.content.decode()
    assert zh("A similar problem nearby is already being handled") in body
    assert "13900000001" not in body and "139****0001" in body and "张三" not in body
    by_building = client.get("/portal/similar/", {"building_code": "B1", "category_code": "010101"}).content.decode()
    assert "139****0001" in by_building
    assert client.get("/portal/similar/", {"category_code": "010101"}).content.decode().strip() == ""


# --- my appeals ---------------------------------------------------------------------------------------
def test_my_appeals_lists_only_mine(client, w):
    mine = make_order(w, title="我的诉求")
    make_order(w, title="别人的诉求", reporter=w.users["resident2"])
    client.force_login(w.users["resident"])
    page = client.get("/portal/mine/").content.decode()
    number = mine.appeals.get().tracking_number
    assert "我的诉求" in page and "别人的诉求" not in page
    assert f'href="/portal/mine/{number}/"' in page
    detail = client.get(f"/portal/mine/{number}/").content.decode()
    assert "我的诉求" in detail and zh("New, to dispatch") in detail and 'action="/portal/mine/' in detail


def test_someone_elses_appeal_is_not_found(client, w):
    other = make_order(w, reporter=w.users["resident2"])
    number = other.appeals.get().tracking_number
    client.force_login(w.users["resident"])
    assert client.get(f"/portal/mine/{number}/").status_code == 404
    assert client.post(f"/portal/mine/{number}/withdraw/").status_code == 404
    other.refresh_from_db()
    assert other.status == Status.NEW


def test_withdraw_my_open_appeal(client, w):
    order = make_order(w)
    number = order.appeals.get().tracking_number
    client.force_login(w.users["resident"])
    response = client.post(f"/portal/mine/{number}/withdraw/", {"reason": "已自行解决"})
    assert (response.status_code, response["Location"]) == (302, f"/portal/mine/{number}/")
    order.refresh_from_db()
    assert order.status == Status.WITHDRAWN
    assert AuditEvent.objects.filter(action="order.withdraw").count() == 1
    page = client.get(f"/portal/mine/{number}/").content.decode()
    assert 'action="/portal/mine/' not in page


def test_a_closed_appeal_cannot_be_withdrawn(client, w):
    order = make_order(w, status=Status.CLOSED, answer="已修补。")
    number = order.appeals.get().tracking_number
    client.force_login(w.users["resident"])
    page = client.get(f"/portal/mine/{number}/").content.decode()
    assert "withdraw/" not in page and f'href="/inbox/rate/{order.number}/"' in page
    client.post(f"/portal/mine/{number}/withdraw/")
    order.refresh_from_db()
    assert order.status == Status.CLOSED


def test_my_appeals_needs_sign_in(client, w):
    response = client.get("/portal/mine/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/")


def test_my_appeal_page_labels_the_report_date_as_when_it_was_reported(client, w):
    # "Reported" shared its msgid with the grid worker's 随手拍 receipt, translated there as 已上报
    # ("escalated"), which told a resident their appeal had been escalated.
    mine = make_order(w, title="我的诉求")
    client.force_login(w.users["resident"])
    detail = client.get(f"/portal/mine/{mine.appeals.get().tracking_number}/").content.decode()
    assert "<dt>反映时间</dt>" in detail
    assert "已上报" not in detail


def test_my_appeal_timeline_shows_every_step_of_a_closed_order_including_resolved(client, w):
    # 办结 (resolve) is an internal move, so it used to be left off: the resident saw 签收 then 结案.
    client.force_login(w.users["resident"])
    client.post("/orders/report/", {"text": "恩县路12号门前路面坑洼", "category_code": "0101", "building_code": "B1",
                                    "address": "青岛市市北区恩县路12号", "reporter_phone": "13900000001"})
    appeal = Appeal.objects.select_related("order").get()
    order = appeal.order
    for action, who, kw in [("dispatch", "street", {"unit": w.units["cg"]}), ("accept", "dept", {}),
                            ("start", "dept", {}), ("resolve", "dept", {"answer": "已修补，联系人13900000001"}),
                            ("verify", "grid", {}), ("close", "street", {})]:
        order = order_services.transition(order, action, w.users[who], **kw)
    shanghai = ZoneInfo("Asia/Shanghai")
    for hour, event in enumerate(OrderEvent.objects.filter(order=order).order_by("id"), start=8):
        OrderEvent.objects.filter(pk=event.pk).update(created_at=datetime(2026, 5, 4, hour, 30, tzinfo=shanghai))

    page = client.get(f"/portal/mine/{appeal.tracking_number}/").content.decode()
    timeline = page.split('<ol class="timeline">')[1].split("</ol>")[0]
    rows = [" ".join(li.split("</time>")[1].split()) for li in timeline.split("<li>")[1:]]
    times = [li.split(">")[1].split("<")[0] for li in timeline.split("<time")[1:]]
    assert times == ["2026-05-04 08:30", "2026-05-04 09:30", "2026-05-04 10:30", "2026-05-04 12:30",
                     "2026-05-04 14:30"]
    assert [r.removesuffix("</li>") for r in rows] == [
        zh("New, to dispatch"), f'{zh("Dispatched, to accept")} · 市北区城市管理局',
        f'{zh("Accepted (签收)")} · 市北区城市管理局', f'{zh("Resolved, to verify (办结)")} · 市北区城市管理局',
        f'{zh("Closed (结案)")} · 市北区城市管理局']
    # The step is shown, its working note is not: the answer appears once, in the answer card.
    assert page.count("已修补") == 1


def closed_by_the_services(w):
    order = make_order(w)
    for action, who, kw in [("dispatch", "street", {"unit": w.units["cg"]}), ("accept", "dept", {}),
                            ("resolve", "dept", {"answer": "已修补。"}), ("verify", "grid", {}),
                            ("close", "street", {})]:
        order = order_services.transition(order, action, w.users[who], **kw)
    return order


def test_my_appeal_shows_back_the_comment_i_left_with_my_rating(client, w):
    order = closed_by_the_services(w)
    number = order.appeals.get().tracking_number
    client.force_login(w.users["resident"])
    response = client.post(f"/inbox/rate/{order.number}/", {"resolution": "resolved", "satisfaction": "satisfied",
                                                          "comment": "修得很快，谢谢！"})
    assert response.status_code == 302
    page = client.get(f"/portal/mine/{number}/").content.decode()
    assert f'<p>{zh("Resolved (解决)")} · {zh("Satisfied (满意)")}</p>' in page
    assert '<dl class="facts" id="rating-comment"><dt>您的意见</dt><dd>修得很快，谢谢！</dd></dl>' in page


def test_after_my_unsatisfied_rating_reopened_the_order_i_still_see_what_i_said(client, w):
    order = closed_by_the_services(w)
    number = order.appeals.get().tracking_number
    client.force_login(w.users["resident"])
    response = client.post(f"/inbox/rate/{order.number}/", {"resolution": "unresolved", "satisfaction": "unsatisfied",
                                                          "comment": "坑还在，只是填了点土。"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.status, order.reopen_count) == (Status.DISPATCHED, 1)
    page = client.get(f"/portal/mine/{number}/").content.decode()
    listed = re.search(r'<ul class="earlier-ratings" id="earlier-ratings">(.*?)</ul>', page, re.DOTALL).group(1)
    day = timezone.localtime(order.callbacks.get().created_at).strftime("%Y-%m-%d")
    assert [" ".join(re.sub(r"<[^>]+>", "", li).split()) for li in re.findall(r"<li>(.*?)</li>", listed, re.DOTALL)] == [
        f"第 1 次评价 · {day} · 未解决 · 不满意 · “坑还在，只是填了点土。” · 工单已重新办理"]
    # The order is being handled again: no rating of this round yet, and none can be given.
    assert "评价办理结果" not in page and "<p>" + zh("Resolved (解决)") not in page


def test_a_phone_callbacks_note_is_not_shown_to_the_resident(client, w):
    order = closed_by_the_services(w)
    callbacks.record_callback(w.users["hotline"], order, resolution="resolved", satisfaction="satisfied",
                              comment="居民语气不耐烦", channel="phone")
    client.force_login(w.users["resident"])
    page = client.get(f"/portal/mine/{order.appeals.get().tracking_number}/").content.decode()
    assert f'<p>{zh("Resolved (解决)")} · {zh("Satisfied (满意)")}</p>' in page
    assert "居民语气不耐烦" not in page and 'id="rating-comment"' not in page


def test_my_withdrawn_appeal_shows_when_and_why_i_withdrew_it(client, w):
    order = make_order(w)
    number = order.appeals.get().tracking_number
    client.force_login(w.users["resident"])
    client.post(f"/portal/mine/{number}/withdraw/", {"reason": "  已自行解决  "})
    event = OrderEvent.objects.get(order=order, action="withdraw")
    OrderEvent.objects.filter(pk=event.pk).update(created_at=datetime(2026, 5, 4, 9, 15, tzinfo=ZoneInfo("Asia/Shanghai")))
    page = client.get(f"/portal/mine/{number}/").content.decode()
    assert ('<dl class="facts" id="withdrawal"><dt>撤回时间</dt><dd><time datetime="2026-05-04T09:15:00+08:00">'
            '2026-05-04 09:15</time></dd>\n    <dt>撤回原因</dt><dd>已自行解决</dd></dl>') in page
    assert 'action="/portal/mine/' not in page


def test_a_withdrawal_without_a_reason_says_none_was_given(client, w):
    order = make_order(w)
    number = order.appeals.get().tracking_number
    client.force_login(w.users["resident"])
    client.post(f"/portal/mine/{number}/withdraw/")
    # The status already says the resident withdrew it: no stand-in reason is written for them.
    assert OrderEvent.objects.get(order=order, action="withdraw").reason == ""
    page = client.get(f"/portal/mine/{number}/").content.decode()
    assert "<dt>撤回原因</dt><dd>未填写原因。</dd>" in page
