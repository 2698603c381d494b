"""In a real browser: the hotline operator sees the classifier's suggestion with its confidence and
top 3 while typing, picks another category from the top 3, and the order keeps that choice."""

from __future__ import annotations

import pytest

from civicgrid.classify import runtime
from civicgrid.classify.testing import make_version
from civicgrid.core.testing import make_building
from civicgrid.workorders.models import Appeal
from civicgrid.workorders.testing import make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_hotline_operator_sees_the_suggestion_and_overrides_it(live_server, page):
    runtime.forget_models()
    w = make_world()
    make_building("B1", w.tree.grid1, "青岛市市北区恩县路12号", 120.302, 36.052)
    version = make_version(active=True)
    # Load the model before the browser asks: the live server shares this process's cache, and a cold
    # load on a busy machine could take longer than the page's wait for the suggestion.
    assert runtime.loaded_model(version.pk)[0] is not None
    base = live_server.url
    page.goto(f"{base}/accounts/login/?next=/orders/hotline/")
    page.fill("#id_username", "hotline")
    page.fill("#id_password", "x")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/orders/hotline/")

    page.fill("#id_reporter_phone", "13900000009")
    page.fill("#id_title", "公交车太少")
    page.fill("#id_text", "公交车班次太少，早上等车要一个小时")
    page.press("#id_text", "Space")
    page.wait_for_selector("#category-suggestion .suggestion[data-source=model]")
    box = page.inner_text("#category-suggestion")
    assert "推荐分类" in box and "交通运输" in box and "置信度" in box
    buttons = page.locator("#category-suggestion [data-category-code]")
    assert buttons.count() == 3
    second = buttons.nth(1).get_attribute("data-category-code")
    assert second != "06"
    buttons.nth(1).click()
    assert page.input_value("#id_category_code") == second

    page.fill("#id_address", "恩县路12号")
    page.click("#report-form button[type=submit]")
    page.wait_for_selector(".tracking")
    appeal = Appeal.objects.select_related("order__category", "category").get()
    assert appeal.order.category.code == second and appeal.category.code == second
