"""Lists in running text use the reader's separator: 、 on Chinese pages, a comma on English ones
(a hard-coded 、 and full-width brackets put Chinese punctuation on English pages)."""

import pytest
from django.template import Context, Template
from django.utils import translation

from civicgrid.core.listing import join_list
from civicgrid.workorders.testing import make_world

pytestmark = pytest.mark.django_db

APPEAL = "楼下闻到很重的煤气味，好像管道漏气了，有人晕倒"


def test_join_list_and_the_template_filter_follow_the_language():
    template = Template("{% load civicgrid_text %}{{ words|join_list }}|{% list_separator %}")
    for language, joined, filtered in (("en", "路灯, 不亮", "路灯, 不亮|, "), ("zh-hans", "路灯、不亮", "路灯、不亮|、")):
        with translation.override(language):
            assert join_list(["路灯", "不亮"]) == joined
            assert template.render(Context({"words": ["路灯", "不亮"]})) == filtered


def _reasons(page: str) -> str:
    return page.split("<strong>", 1)[1].split("</strong>", 1)[0]


def test_urgency_preview_lists_its_reasons_with_the_readers_separator(client):
    w = make_world()
    client.force_login(w.users["hotline"])
    client.cookies["django_language"] = "en"
    english = client.get("/intelligence/checks/urgency/", {"text": APPEAL}).content.decode()
    assert "This appeal reads as urgent because of" in english
    reasons = _reasons(english)
    assert ", " in reasons and "、" not in reasons, reasons
    client.cookies["django_language"] = "zh-hans"
    chinese = _reasons(client.get("/intelligence/checks/urgency/", {"text": APPEAL}).content.decode())
    assert chinese == reasons.replace(", ", "、")


def test_notice_form_names_the_area_kind_in_the_readers_brackets(client):
    w = make_world()
    client.force_login(w.users["community"])
    client.cookies["django_language"] = "en"
    english = client.get("/portal/notices/new/").content.decode()
    name = w.tree.community1.name
    assert f">{name} (Community / village)</option>" in english and "（" not in english
    client.cookies["django_language"] = "zh-hans"
    assert f">{name}（社区（村））</option>" in client.get("/portal/notices/new/").content.decode()
