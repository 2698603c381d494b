"""On a 375 px phone: the command center with an urgent order and the review list of held answers
fit the screen (no sideways scrolling of the page), and the urgent order shows its badge; the
hotline form shows the live urgency verdict while the operator types."""

from __future__ import annotations

import pytest

from civicgrid.textcheck.models import UrgencyFlag
from civicgrid.workorders import services
from civicgrid.workorders.models import WorkOrder

from .test_browser_center import _sign_in
from .test_views import build_center_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


def test_center_and_review_list_fit_a_phone_and_show_the_urgent_order(live_server, page):
    cw = build_center_world()
    WorkOrder.objects.filter(pk=cw.late1.pk).update(priority="urgent")
    UrgencyFlag.objects.create(order_id=cw.late1.pk, score=1.0, reasons=["井盖丢了"], applied=True)
    held = cw.new1
    services.transition(held, "dispatch", cw.world.users["street"], unit=cw.world.units["cg"])
    services.transition(held, "accept", cw.world.users["dept"])
    services.transition(held, "resolve", cw.world.users["dept"], answer="您好！您的留言已收悉，已转交相关部门处理。")
    page.set_viewport_size({"width": 375, "height": 740})
    _sign_in(page, live_server.url, "district")

    page.goto(f"{live_server.url}/center/")
    page.wait_for_selector("#rankings table.rankings")
    assert page.evaluate(OVERFLOW) == 0
    row = page.locator(f'#center-lists section:has(#h-urgent) tr[data-number="{cw.late1.number}"]')
    assert row.locator(".badge.bad").inner_text() == "紧急"
    assert page.locator('#center-figures [data-figure="urgent_today"] .value').inner_text() == "1"
    # The urgent order's row is at least as wide as its number: nothing squeezed to one character a line.
    assert row.locator("td").first.bounding_box()["width"] > 150

    page.goto(f"{live_server.url}/intelligence/checks/replies/")
    page.wait_for_selector(f'a[href="/orders/{held.number}/#textchecks"]')
    assert page.evaluate(OVERFLOW) == 0

    page.goto(f"{live_server.url}/orders/?queue=overdue&priority=urgent")
    assert page.locator("table.orders tr[data-number]").count() == 1
    assert page.evaluate(OVERFLOW) == 0


def test_hotline_form_shows_the_urgency_while_typing(live_server, page):
    cw = build_center_world()
    _sign_in(page, live_server.url, "hotline")
    page.goto(f"{live_server.url}/orders/hotline/")
    # Chinese arrives through the input method or a paste, not always with key events: the panel
    # follows the input event.
    page.fill("#id_text", "楼道里燃气泄漏，味道很大")
    page.wait_for_selector("#urgency-preview .badge.bad")
    assert "燃气泄漏" in page.inner_text("#urgency-preview")
    page.fill("#id_text", "路灯一周不亮了")
    page.wait_for_selector("#urgency-preview p.muted")
    assert page.inner_text("#urgency-preview") == "按文本未识别为紧急：按所选分类（或提交时推荐的分类）的默认优先级受理。"
    assert cw.world.users["hotline"].is_active
