"""In a real browser: the handler checks a draft answer on the order page before resolving."""

from __future__ import annotations

import pytest

from civicgrid.workorders import services
from civicgrid.workorders.testing import make_order, make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_handler_checks_a_draft_answer_before_resolving(live_server, page):
    w = make_world()
    order = make_order(w, title="路灯不亮", text="恩县路12号路灯不亮。")
    services.transition(order, "dispatch", w.users["street"], unit=w.units["cg"])
    services.transition(order, "accept", w.users["dept"])
    base = live_server.url
    page.goto(f"{base}/accounts/login/?next=/orders/{order.number}/")
    page.fill("#id_username", "dept")
    page.fill("#id_password", "x")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/orders/{order.number}/")
    form = page.locator("#move-resolve")
    form.locator("textarea[name=answer]").fill("您好，您的留言已收悉，已转交相关部门处理。")
    form.locator("button", has_text="检查答复").click()
    page.wait_for_selector("#move-resolve .reply-check")
    assert "该答复将被暂缓公开" in form.locator(".reply-check").inner_text()
    form.locator("textarea[name=answer]").fill("经现场核实，路灯线路老化，已于今天更换线路，恢复照明。")
    form.locator("button", has_text="检查答复").click()
    page.wait_for_function("document.querySelector('#move-resolve .reply-check').innerText.includes('通过')")
