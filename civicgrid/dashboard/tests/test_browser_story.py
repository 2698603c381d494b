"""The whole loop in a real browser, each person on their own pages: a resident signs in by phone
and reports on the map; the command center counts it; the street dispatcher dispatches it; the
department accepts and answers; the street verifies and closes; the resident reads the answer and
rates it; the command center's figures and the department's 三率 follow."""

from __future__ import annotations

import re

import pytest

from civicgrid.core.sms import LogSmsGateway
from civicgrid.workorders.models import Appeal, Callback, Status, WorkOrder
from civicgrid.workorders.testing import make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def person(browser, base, username=None, phone=None, width=1280, height=900):
    """Each person in their own browser, signed in: staff by password, the resident by phone code."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    context.set_default_timeout(15000)
    page = context.new_page()
    if phone:
        page.goto(f"{base}/accounts/resident/")
        page.fill("input[name=phone]", phone)
        page.click("main button[type=submit]")
        page.wait_for_selector("input[name=code]")
        code = re.search(r"\b(\d{6})\b", LogSmsGateway.sent[-1][1]).group(1)
        page.fill("input[name=code]", code)
    else:
        page.goto(f"{base}/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", "x")
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/" not in url)
    return page


def tiles(page, base):
    page.goto(f"{base}/center/")
    return {el.get_attribute("data-figure"): el.query_selector(".value").inner_text()
            for el in page.query_selector_all("#center-figures .stat")}


def move(page, base, number, action, **fields):
    page.goto(f"{base}/orders/{number}/")
    form = f"#move-{action}"
    for name, value in fields.items():
        if name == "unit":
            page.select_option(f"{form} select[name=unit]", value)
        else:
            page.fill(f"{form} textarea[name={name}]", value)
    page.click(f"{form} button[type=submit]")
    page.wait_for_selector(".messages .success")


def test_report_dispatch_resolve_close_rate_and_the_center_follows(live_server, _chromium):
    w = make_world()
    base = live_server.url
    center = person(_chromium, base, "district")
    before = tiles(center, base)
    assert before == {"in_today": "0", "open": "0", "overdue": "0", "closed_today": "0", "on_time_rate": "—",
                      "escalated": "0", "whistles_waiting": "0", "urgent_today": "0"}

    # The resident, on a phone, reports by tapping the map.
    phone = person(_chromium, base, phone="13900000001", width=375, height=740)
    phone.goto(f"{base}/orders/report/")
    phone.fill("#id_title", "路灯不亮")
    phone.fill("#id_text", "上海路路灯一周不亮，晚上很黑。")
    phone.wait_for_selector("#report-map[data-ready='1']")
    phone.click("#report-map")
    phone.click("button[type=submit].big")
    phone.wait_for_selector(".tracking-number")
    tracking = phone.inner_text(".tracking-number").strip()
    appeal = Appeal.objects.select_related("order").get(tracking_number=tracking)
    number = appeal.order.number
    assert (appeal.reporter, appeal.order.area, appeal.order.status) == (w.users["resident"], w.tree.grid3, Status.NEW)

    assert tiles(center, base) == {**before, "in_today": "1", "open": "1"}

    street = person(_chromium, base, "street")
    move(street, base, number, "dispatch", unit="D-CG")
    dept = person(_chromium, base, "dept")
    move(dept, base, number, "accept")
    move(dept, base, number, "resolve", answer="路灯已更换灯泡，恢复照明。")
    move(street, base, number, "verify")
    move(street, base, number, "close")
    assert WorkOrder.objects.get(number=number).status == Status.CLOSED

    # The resident reads the answer and rates it.
    phone.goto(f"{base}/portal/mine/{tracking}/")
    assert "路灯已更换灯泡，恢复照明。" in phone.inner_text("main")
    phone.click("text=评价办理结果")
    phone.check("input[name=resolution][value=resolved]")
    phone.check("input[name=satisfaction][value=satisfied]")
    phone.click("main button[type=submit].big")
    phone.wait_for_selector(".messages .success")
    assert Callback.objects.filter(order__number=number, reached=True, resolution="resolved",
                                   satisfaction="satisfied").count() == 1

    assert tiles(center, base) == {**before, "in_today": "1", "closed_today": "1", "on_time_rate": "100.0%"}
    # The same session asks the API, as the page's scripts do.
    rows = center.request.get(f"{base}/api/v1/dashboard/rankings/?kind=department",
                              headers={"Accept": "application/json"}).json()["rows"]
    assert [(r["code"], r["response_rate"], r["resolution_rate"], r["satisfaction_rate"], r["score"], r["rank"])
            for r in rows] == [("D-CG", 1.0, 1.0, 1.0, 100.0, 1)]
    for p in (center, phone, street, dept):
        p.context.close()
