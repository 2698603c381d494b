"""In a real browser: the report page counts the description's characters against the limit and
does not cut a pasted text; the server refuses it with the count, the text kept in the box."""

from __future__ import annotations

import pytest

from civicgrid.core.testing import make_building
from civicgrid.workorders.models import Appeal, WorkOrder
from civicgrid.workorders.testing import make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_pasted_long_text_is_counted_kept_and_refused_with_its_length(live_server, page):
    world = make_world()
    make_building("B1", world.tree.grid1, "青岛市市北区恩县路12号", 120.3012, 36.0511)
    page.goto(f"{live_server.url}/orders/report/")
    assert page.inner_text("#id_text_helptext") == "已输入 0 字，最多 5000 字"
    page.fill("#id_text", "路灯不亮")
    assert page.inner_text("#id_text_helptext") == "已输入 4 字，最多 5000 字"
    text = ("恩县路12号门前路灯不亮。" * 800)[:10000]
    page.fill("#id_text", text)
    assert len(page.input_value("#id_text")) == 10000
    assert page.inner_text("#id_text_helptext") == "已输入 10000 字，超出上限 5000 字 5000 字，请精简后再提交。"
    page.fill("#id_address", "青岛市市北区恩县路12号")
    page.fill("#id_reporter_phone", "13700000008")
    page.click("main button[type=submit]")
    page.wait_for_selector("#id_text_error")
    assert page.inner_text("#id_text_error") == "问题描述最多 5000 字，当前 10000 字，请精简后再提交。"
    assert page.input_value("#id_text") == text
    assert (WorkOrder.objects.count(), Appeal.objects.count()) == (0, 0)
    # The title box counts the same way and cuts nothing either.
    assert page.inner_text("#id_title_helptext") == "已输入 0 字，最多 200 字"
    page.fill("#id_title", "路" * 250)
    assert len(page.input_value("#id_title")) == 250
    assert page.inner_text("#id_title_helptext") == "已输入 250 字，超出上限 200 字 50 字，请精简后再提交。"
