"""In a real browser: a visitor reporting a problem sees the open order nearby, says "me too",
signs in with phone and code, confirms, and the order counts one more appeal."""

from __future__ import annotations

import re

import pytest

from civicgrid.core.sms import LogSmsGateway
from civicgrid.workorders.models import Appeal
from civicgrid.workorders.testing import make_order, make_world

from .conftest import LAT, LON, placed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_me_too_from_the_report_form(live_server, page):
    world = make_world()
    order = placed(make_order(world, title="恩县路路面坑洼", text="恩县路12号门前路面有坑，雨天积水。"), 0.0002)

    page.goto(f"{live_server.url}/orders/report/")
    page.fill("#id_text", "门前路面有个大坑，下雨积水")
    # The map sets the point and announces it; the test sets it the same way without tapping.
    page.evaluate(f"""() => {{
        document.querySelector('#report-form [name=lon]').value = '{LON}';
        document.querySelector('#report-form [name=lat]').value = '{LAT}';
        document.body.dispatchEvent(new CustomEvent('cg-where', {{ bubbles: true }}));
    }}""")
    button = page.wait_for_selector("button.me-too")
    assert button.inner_text().strip() == "我也遇到了"
    assert "已有 1 人反映" in page.inner_text("#similar")
    button.click()

    page.wait_for_url(re.compile(r".*/accounts/resident/.*"))
    page.fill("#id_phone", "13900000009")
    page.click("button[type=submit].big")
    page.wait_for_selector("#id_code")
    code = re.search(r"\d{6}", LogSmsGateway.sent[-1][1]).group(0)
    page.fill("#id_code", code)
    page.click("button[type=submit].big")

    page.wait_for_url(f"{live_server.url}/intelligence/duplicates/me-too/{order.number}/")
    assert page.input_value("#me-too-text") == "门前路面有个大坑，下雨积水"
    page.click("button[type=submit].big")

    page.wait_for_url(re.compile(r".*/portal/mine/SQ\d+/"))
    order.refresh_from_db()
    assert order.appeals_count == 2
    mine = Appeal.objects.get(reporter__phone="13900000009")
    assert (mine.order_id, mine.text) == (order.pk, "门前路面有个大坑，下雨积水")
