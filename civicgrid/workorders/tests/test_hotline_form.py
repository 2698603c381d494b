"""The hotline form speaks to the operator: the caller's name (来电人姓名), and the category chosen
by name from the active catalogue (it was a raw 分类代码 to type); the stored value is the code."""

from __future__ import annotations

import re

import pytest

from civicgrid.core.models import AuditEvent
from civicgrid.core.testing import make_building
from civicgrid.workorders.models import Appeal, WorkOrder
from civicgrid.workorders.testing import make_category, make_world

pytestmark = pytest.mark.django_db

CALL = {"reporter_name": "李四", "reporter_phone": "13700000009", "text": "门口路面有个坑",
        "address": "嘉兴路30号海晶花园1号楼"}


@pytest.fixture
def w():
    world = make_world()
    make_building("B2", world.tree.grid1, "青岛市市北区嘉兴路30号海晶花园1号楼", 120.303, 36.053)
    return world


def _select(html: str) -> list[tuple[str, str]]:
    select = re.search(r'<select name="category_code"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select)


def test_the_hotline_form_labels_the_caller_and_offers_categories_by_name(client, w):
    make_category("010104", "已停用分类", w.categories["sub"], is_active=False)
    client.force_login(w.users["hotline"])
    html = client.get("/orders/hotline/").content.decode()
    assert '<label for="id_reporter_name">来电人姓名</label>' in html
    assert '<label for="id_reporter_phone">来电号码</label>' in html
    assert '<label for="id_category_code">分类</label>' in html
    assert "分类代码" not in html and "您的姓名或来电人姓名" not in html
    options = _select(html)
    assert options[0] == ("", "不确定：由平台推荐分类")
    # The test catalogue replaces the default one's codes 01…; every active category is offered
    # once, by name, indented under its parent; an inactive one is not. 燃气供应 is also a name of the
    # default catalogue, so this one says its parent.
    mine = [o for o in options if o[0].startswith("01") and len(o[0]) in (2, 4, 6)]
    assert mine[:5] == [("01", "城乡建设"), ("0101", "\u3000市政管理"), ("010101", "\u3000\u3000道路破损"),
                        ("010102", "\u3000\u3000燃气供应（市政管理）"), ("010103", "\u3000\u3000个人隐私事项")]
    assert "010104" not in {code for code, _name in options}


def test_the_chosen_category_is_stored_as_its_code(client, w):
    client.force_login(w.users["hotline"])
    response = client.post("/orders/hotline/", {**CALL, "category_code": "010101"})
    assert response.status_code == 302
    appeal = Appeal.objects.select_related("order__category", "category").get()
    assert (appeal.category.code, appeal.order.category.code, appeal.suggested_category) == ("010101", "010101", None)


def test_a_category_not_in_the_list_is_refused_and_nothing_is_written(client, w):
    make_category("010104", "已停用分类", w.categories["sub"], is_active=False)
    client.force_login(w.users["hotline"])
    response = client.post("/orders/hotline/", {**CALL, "category_code": "010104"})
    assert response.status_code == 400
    assert "选择一个有效的选项。 010104 不在可用的选项中。" in response.content.decode()
    assert (WorkOrder.objects.count(), Appeal.objects.count(), AuditEvent.objects.filter(action="order.intake").count()) \
        == (0, 0, 0)


def test_the_patrol_form_offers_categories_by_name_too(client, w):
    client.force_login(w.users["grid"])
    html = client.get("/orders/patrol/").content.decode()
    assert ("010101", "\u3000\u3000道路破损") in _select(html) and "分类代码" not in html


def test_a_category_name_used_under_two_parents_says_its_parent_on_the_staff_forms(client, w):
    # A closed select shows the chosen option alone, without the indentation that places it: two
    # bare "其他" could not be told apart.
    root2 = make_category("02", "环境保护")
    make_category("0199", "其他", w.categories["sub"])
    make_category("0299", "其他", root2)
    for user, url in (("hotline", "/orders/hotline/"), ("grid", "/orders/patrol/")):
        client.force_login(w.users[user])
        options = dict(_select(client.get(url).content.decode()))
        assert (options["0199"], options["0299"]) == ("\u3000\u3000其他（市政管理）", "\u3000其他（环境保护）")
        assert options["010101"] == "\u3000\u3000道路破损"
