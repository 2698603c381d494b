"""In a real browser at phone width: a resident signs in with the texted code, posts a wish from
the portal, and later, after a volunteer fulfilled it, confirms it on their own page."""

from __future__ import annotations

import re

import pytest

from civicgrid.core.sms import LogSmsGateway
from civicgrid.wishes import services
from civicgrid.wishes.models import Wish, WishState
from civicgrid.wishes.testing import make_wish_world, png

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def phone_page(_chromium):
    context = _chromium.new_context(viewport={"width": 375, "height": 740}, locale="zh-CN")
    context.set_default_timeout(30000)  # a loaded machine: the PostgreSQL pass restores data per test
    yield context.new_page()
    context.close()


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_resident_posts_a_wish_and_confirms_it(live_server, phone_page):
    ww = make_wish_world()
    page = phone_page
    page.goto(f"{live_server.url}/portal/")
    page.click(".portal-action >> text=微心愿")
    page.wait_for_url(f"{live_server.url}/wishes/")
    assert page.inner_text("h1") == "微心愿墙"
    page.click("text=发布心愿")

    page.fill("#id_phone", "13900000001")
    page.click("#resident-login button.primary")
    page.wait_for_selector("#id_code")
    code = re.search(r"\b(\d{6})\b", LogSmsGateway.sent[-1][1]).group(1)
    page.fill("#id_code", code)
    page.click("#resident-login button.primary")

    page.wait_for_url(f"{live_server.url}/wishes/new/")
    assert no_sideways_scroll(page)
    page.fill("#id_title", "轮椅一台")
    page.fill("#id_description", "老人腿脚不便，想借一台轮椅。")
    page.click("button[type=submit].big")
    page.wait_for_selector("#wish-state")
    assert page.inner_text("#wish-title") == "轮椅一台"
    assert page.inner_text("#wish-state") == "待审核"
    wish = Wish.objects.get(title="轮椅一台")
    assert (wish.household, wish.posted_by, wish.state) == (ww.home, ww.users["resident"], WishState.PENDING)

    # Meanwhile: the community approves, a volunteer claims and fulfils it with a photo.
    services.move_wish(wish, "approve", ww.users["community"])
    services.move_wish(wish, "claim", ww.users["vol"])
    services.move_wish(wish, "fulfil", ww.users["vol"], note="已送到家中并教会使用", photos=[png()])

    page.goto(f"{live_server.url}/wishes/mine/")
    assert page.inner_text(".wish-list .wish-state") == "已完成，待确认"
    page.click(".wish-list >> text=轮椅一台")
    page.wait_for_selector("#wish-proof")
    assert page.inner_text("#wish-proof") == "已送到家中并教会使用"
    assert page.locator(".photos img").count() == 1
    # The proof photo is served by the app; wait until the browser has decoded it.
    page.wait_for_function("(() => { const i = document.querySelector('.photos img'); return i && i.complete; })()")
    assert page.evaluate("document.querySelector('.photos img').naturalWidth") == 8
    assert no_sideways_scroll(page)
    page.click("button[data-move=confirm]")
    page.wait_for_selector("#wish-state:text('已确认')")
    assert Wish.objects.get(pk=wish.pk).state == WishState.CONFIRMED
    assert page.locator("button[data-move]").count() == 0
