"""In a real browser at phone width: each move on a wish says what just happened and what comes
next. After claiming, a volunteer read 已完成操作。 ("done"), which on a wish reads as if the wish
itself were done; the household confirming read the same."""

from __future__ import annotations

import pytest

from civicgrid.wishes.models import Wish, WishState
from civicgrid.wishes.testing import PASSWORD, make_wish_world, wish_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def new_page(_chromium):
    """A page in a browser context of its own, one per person: clearing the cookies of a shared
    context raced with the previous person's last response (SESSION_SAVE_EVERY_REQUEST sets the
    session cookie again on every response), which signed the volunteer back in on a busy CI run."""
    contexts = []

    def open_page():
        context = _chromium.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
        context.set_default_timeout(30000)  # a loaded machine (as test_browser_resident): a claim uploads a photo
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def sign_in(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_claiming_fulfilling_and_confirming_a_wish_each_say_what_happened(live_server, new_page, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    ww = make_wish_world()
    wish = wish_in(ww, "open", title="帮忙修理轮椅")
    base = live_server.url

    page = new_page()
    sign_in(page, base, "vol")
    page.goto(f"{base}/wishes/{wish.pk}/")
    page.click("button[data-move=claim]")
    page.wait_for_selector("#wish-state:text('已认领')")
    assert page.locator(".messages").inner_text().strip() == (
        "认领成功。请联系住户帮助完成心愿，完成后上传照片并标记为已完成。")
    assert Wish.objects.get(pk=wish.pk).claimer == ww.users["vol"]

    photo = tmp_path / "proof.png"
    from civicgrid.wishes.testing import png

    photo.write_bytes(png()[1])
    page.fill("textarea[name=note]", "已修好刹车")
    page.set_input_files("input[name=photos]", str(photo))
    page.click("button[data-move=fulfil]")
    page.wait_for_selector("#wish-state:text('已完成，待确认')")
    assert page.locator(".messages").inner_text().strip() == "已标记为完成，等待住户确认。"

    page = new_page()
    sign_in(page, base, "resident")
    page.goto(f"{base}/wishes/{wish.pk}/")
    page.click("button[data-move=confirm]")
    page.wait_for_selector("#wish-state:text('已确认')")
    assert page.locator(".messages").inner_text().strip() == "感谢确认，心愿已圆满完成。"
    assert Wish.objects.get(pk=wish.pk).state == WishState.CONFIRMED
    assert "已完成操作" not in page.content()
