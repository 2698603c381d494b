"""In a real browser at phone width: a resident reports by tapping the map, then tracks the appeal
by its number and the code texted to their phone."""

from __future__ import annotations

import re

import pytest

from civicgrid.core.sms import LogSmsGateway
from civicgrid.workorders.models import Appeal, Status
from civicgrid.workorders.testing import make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def phone_page(_chromium):
    context = _chromium.new_context(viewport={"width": 375, "height": 740}, locale="zh-CN")
    context.set_default_timeout(15000)
    yield context.new_page()
    context.close()


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_resident_reports_on_the_map_and_tracks_by_sms_code(live_server, phone_page):
    world = make_world()
    page = phone_page
    page.goto(f"{live_server.url}/portal/")
    assert page.inner_text("h1") == "居民服务"
    assert no_sideways_scroll(page)
    page.click("text=我要反映")

    page.wait_for_url(f"{live_server.url}/orders/report/")
    page.fill("#id_text", "上海路路灯不亮，晚上很黑。")
    page.fill("#id_title", "路灯不亮")
    page.wait_for_selector("#report-map[data-ready='1']")
    page.click("#report-map")  # the map is fitted to the grids: its middle is 上海路第一网格
    assert page.inner_text("#where-status") == "已在地图上选定位置。"
    assert page.input_value("input[name=lon]") != ""
    page.fill("#id_reporter_phone", "13700001234")
    assert no_sideways_scroll(page)
    page.click("button[type=submit].big")

    page.wait_for_selector(".tracking-number")
    tracking = page.inner_text(".tracking-number").strip()
    assert re.fullmatch(r"SQ\d{14}", tracking)
    assert page.inner_text("h1") == "诉求已受理"
    appeal = Appeal.objects.select_related("order").get(tracking_number=tracking)
    assert (appeal.title, appeal.order.area, appeal.reporter, appeal.order.status) == (
        "路灯不亮", world.tree.grid3, None, Status.NEW)

    page.click("text=查看办理进度")
    page.fill("#phone", "13700001234")
    page.click("text=获取验证码")
    page.wait_for_selector("#code")
    assert [p for p, _m in LogSmsGateway.sent] == ["13700001234"]
    code = re.search(r"\b(\d{6})\b", LogSmsGateway.sent[-1][1]).group(1)
    page.fill("#code", code)
    page.click("text=查看进度")

    page.wait_for_selector(".timeline li")
    assert page.inner_text("#appeal-title") == "路灯不亮"
    assert page.inner_text(".status-line .badge") == "新建，待派遣"
    assert [t.split(" ", 2)[-1] for t in page.locator(".timeline li").all_inner_texts()] == ["新建，待派遣"]
    assert no_sideways_scroll(page)
