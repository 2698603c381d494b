"""The live urgency verdict on the staff intake form: the same detector intake runs, shown while
the operator types."""

from __future__ import annotations

import pytest
from django.test import Client

from civicgrid.workorders.models import Appeal
from civicgrid.workorders.testing import make_world

pytestmark = pytest.mark.django_db

URL = "/intelligence/checks/urgency/"


@pytest.fixture
def w():
    return make_world()


def _client(w, name):
    c = Client()
    c.force_login(w.users[name])
    return c


def test_a_gas_leak_reads_urgent_with_its_reason(w):
    html = _client(w, "hotline").get(URL, {"text": "海泊路20号楼道里燃气泄漏，味道很大，请马上派人来！"}).content.decode()
    assert '<span class="badge bad">紧急</span>' in html and "<strong>燃气泄漏</strong>" in html
    assert "提交后按紧急优先级及其时限受理。" in html


@pytest.mark.parametrize("text", ["恩县路12号附近的路灯已经一周不亮了，晚上出行很不方便。",
                                  "上个月楼道里有燃气味，已经修好了，谢谢。"])
def test_ordinary_or_past_problems_are_not_urgent(w, text):
    html = _client(w, "hotline").get(URL, {"text": text}).content.decode()
    assert "按文本未识别为紧急：按所选分类（或提交时推荐的分类）的默认优先级受理。" in html and "badge bad" not in html


def test_text_that_is_not_urgent_takes_the_chosen_categorys_default_priority(w):
    # The preview must say what intake will decide: a category urgent by nature makes the order
    # urgent though its text is not (it said "普通优先级" for 电动车违规充电).
    w.categories["gas"].default_priority = "urgent"
    w.categories["gas"].save()
    text = "楼道里拉电线给电动车充电，很危险"
    c = _client(w, "hotline")
    html = c.get(URL, {"text": text, "category_code": "010102"}).content.decode()
    assert "按文本未识别为紧急：分类“燃气供应”按紧急优先级受理。" in html and "badge bad" not in html
    html = c.get(URL, {"text": text, "category_code": "010101"}).content.decode()
    assert "按文本未识别为紧急：分类“道路破损”按一般优先级受理。" in html
    # An unknown or inactive code is no category: the general sentence.
    w.categories["road"].is_active = False
    w.categories["road"].save()
    for code in ("010101", "999999"):
        html = c.get(URL, {"text": text, "category_code": code}).content.decode()
        assert "按所选分类（或提交时推荐的分类）的默认优先级受理。" in html


def test_empty_text_shows_nothing(w):
    assert _client(w, "hotline").get(URL, {"text": "  ", "title": ""}).content.decode().strip() == ""


def test_residents_may_not_ask_and_nothing_is_stored(w):
    before = Appeal.objects.count()
    assert _client(w, "resident").get(URL, {"text": "燃气泄漏"}).status_code == 403
    assert Client().get(URL, {"text": "燃气泄漏"}).status_code == 302
    assert Appeal.objects.count() == before


def test_the_hotline_form_loads_the_panel(w):
    html = _client(w, "hotline").get("/orders/hotline/").content.decode()
    assert f'hx-get="{URL}"' in html and 'id="urgency-preview"' in html
    assert "change from:#id_category_code" in html and "#report-form [name=category_code]" in html
    # Residents' own form does not call the staff endpoint.
    assert 'id="urgency-preview"' not in _client(w, "resident").get("/orders/report/").content.decode()
