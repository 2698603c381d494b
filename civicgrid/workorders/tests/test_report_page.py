"""The resident's report page (/orders/report/): where its receipt leads, reloading the receipt,
long texts, the category list."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from civicgrid.core.models import AuditEvent
from civicgrid.core.testing import make_building
from civicgrid.workorders.models import Appeal, Category, OrderEvent, WorkOrder
from civicgrid.workorders.testing import make_world

pytestmark = pytest.mark.django_db

REPORT = {"text": "恩县路12号门前路灯不亮", "building_code": "B1", "address": "青岛市市北区恩县路12号",
          "reporter_name": "王五", "reporter_phone": "13700000008"}


@pytest.fixture
def w():
    world = make_world()
    make_building("B1", world.tree.grid1, "青岛市市北区恩县路12号", 120.3012, 36.0511)
    return world


def _written():
    return (WorkOrder.objects.count(), Appeal.objects.count(), OrderEvent.objects.filter(action="intake").count(),
            AuditEvent.objects.filter(action="order.intake").count())


def test_a_signed_in_resident_follows_the_progress_on_their_own_appeal_page(client, w):
    client.force_login(w.users["resident"])
    body = client.post("/orders/report/", REPORT, follow=True).content.decode()
    appeal = Appeal.objects.get()
    assert appeal.reporter == w.users["resident"]
    link = f'<a class="button primary big" href="/portal/mine/{appeal.tracking_number}/" id="done-progress">'
    assert link in body
    assert f"/orders/track/{appeal.tracking_number}/" not in body
    assert client.get(f"/portal/mine/{appeal.tracking_number}/").status_code == 200
    assert _written() == (1, 1, 1, 1)


def test_an_anonymous_reporter_follows_the_progress_on_the_tracking_page(client, w):
    body = client.post("/orders/report/", REPORT, follow=True).content.decode()
    appeal = Appeal.objects.get()
    assert appeal.reporter is None
    link = f'<a class="button primary big" href="/orders/track/{appeal.tracking_number}/" id="done-progress">'
    assert link in body
    assert "/portal/mine/" not in body
    assert _written() == (1, 1, 1, 1)


def test_the_resident_report_redirects_to_the_receipt_and_reloading_it_takes_nothing_in(client, w):
    client.force_login(w.users["resident"])
    response = client.post("/orders/report/", REPORT)
    appeal = Appeal.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"/orders/received/{appeal.tracking_number}/")
    for _reload in range(2):
        page = client.get(response["Location"])
        body = page.content.decode()
        assert page.status_code == 200
        assert f'<strong class="tracking">{appeal.tracking_number}</strong>' in body
        assert "您的受理编号：" in body and 'id="done-order-link"' not in body
    assert _written() == (1, 1, 1, 1)


def test_an_anonymous_reporter_reopens_the_receipt_in_the_same_browser_session_only(client, w):
    location = client.post("/orders/report/", REPORT)["Location"]
    appeal = Appeal.objects.get()
    assert location == f"/orders/received/{appeal.tracking_number}/"
    assert client.session["workorders.reported"] == [appeal.tracking_number]
    page = client.get(location)
    assert page.status_code == 200
    assert f'<strong class="tracking">{appeal.tracking_number}</strong>' in page.content.decode()
    # Another browser: sent to sign in like for any number; signed in, nobody else sees it.
    other = Client()
    assert other.get(location).status_code == 302
    assert other.get(location)["Location"] == f"/accounts/login/?next={location}"
    for outsider in ("resident", "street", "hotline", "admin"):
        other.force_login(w.users[outsider])
        assert other.get(location).status_code == 404, outsider
    assert _written() == (1, 1, 1, 1)


def test_a_signed_in_residents_receipt_is_theirs_alone(client, w):
    client.force_login(w.users["resident"])
    location = client.post("/orders/report/", REPORT)["Location"]
    assert client.get(location).status_code == 200
    # The reporter owns it, not the session: a new sign-in still opens it.
    client.logout()
    assert client.get(location).status_code == 302
    client.force_login(w.users["resident"])
    assert client.get(location).status_code == 200
    for outsider in ("resident2", "street", "grid", "hotline", "admin"):
        client.force_login(w.users[outsider])
        assert client.get(location).status_code == 404, outsider
    assert _written() == (1, 1, 1, 1)


def test_a_long_text_is_not_cut_by_the_page_and_the_refusal_names_the_field_and_the_limit(client, w):
    client.force_login(w.users["resident"])
    form = client.get("/orders/report/").content.decode()
    assert 'maxlength="5000"' not in form
    assert '<textarea name="text" cols="40" rows="5" data-max-chars="5000"' in form
    assert '<p class="help" id="id_text_helptext">最多 5000 个字。</p>' in form
    assert "已输入 {n} 字，最多 {max} 字" in form
    text = ("恩县路12号门前路灯不亮。" * 800)[:10000]
    assert len(text) == 10000
    response = client.post("/orders/report/", {**REPORT, "text": text})
    body = response.content.decode()
    assert response.status_code == 400
    assert '<ul class="errorlist" id="id_text_error"><li>问题描述最多 5000 字，当前 10000 字，请精简后再提交。</li></ul>' in body
    assert "确保该变量包含不超过" not in body
    assert f">\n{text}</textarea>" in body
    assert _written() == (0, 0, 0, 0)


def test_a_long_title_is_not_cut_by_the_page_either_and_is_refused_with_its_length(client, w):
    client.force_login(w.users["resident"])
    form = client.get("/orders/report/").content.decode()
    assert 'maxlength="200"' not in form.split('id="id_title"')[0].rsplit("<input", 1)[1]
    assert '<input type="text" name="title" data-max-chars="200"' in form
    assert '<p class="help" id="id_title_helptext">选填，最多 200 个字。</p>' in form
    title = ("恩县路12号门前路灯不亮" * 30)[:300]
    response = client.post("/orders/report/", {**REPORT, "title": title})
    body = response.content.decode()
    assert response.status_code == 400
    assert '<ul class="errorlist" id="id_title_error"><li>标题最多 200 字，当前 300 字，请精简后再提交。</li></ul>' in body
    assert f'value="{title}"' in body
    assert _written() == (0, 0, 0, 0)


def test_a_text_at_the_limit_goes_through_whole_with_its_line_breaks_counted_once(client, w):
    client.force_login(w.users["resident"])
    text = "\r\n".join(["路灯不亮" * 24 + "。。。"] * 50)  # 50 lines of 99 characters, 49 line breaks
    assert (len(text), len(text.replace("\r\n", "\n"))) == (5048, 4999)
    response = client.post("/orders/report/", {**REPORT, "text": text})
    assert response.status_code == 302
    assert Appeal.objects.get().text == text.replace("\r\n", "\n")
    assert _written() == (1, 1, 1, 1)


def _category_options(html: str) -> list[tuple[str, str]]:
    select = re.search(r'<select name="category_code"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select)


def test_residents_choose_among_the_top_two_levels_each_named_once(client, w):
    top_two = Category.objects.filter(is_active=True, level__lte=2).count()
    assert Category.objects.filter(is_active=True).count() > 600
    html = client.get("/orders/report/").content.decode()
    options = _category_options(html)
    assert options[0] == ("", "不确定：由平台推荐分类")
    assert len(options) == top_two + 1 and top_two < 150
    assert {len(code) for code, _label in options[1:]} == {2, 4}
    labels = [label.strip("\u3000") for _code, label in options[1:]]
    assert len(labels) == len(set(labels))
    others = Category.objects.filter(is_active=True, level=2, name="其他").select_related("parent")
    assert others.count() > 10
    for other in others:
        assert (other.code, f"\u3000其他（{other.parent.name}）") in options
    # The test catalogue's own categories, by name under their parents; no leaf (道路破损).
    assert options[1:3] == [("01", "城乡建设"), ("0101", "\u3000市政管理")]
    assert "010101" not in {code for code, _label in options}


def test_a_second_level_category_chosen_by_a_resident_is_the_orders(client, w):
    client.force_login(w.users["resident"])
    assert client.post("/orders/report/", {**REPORT, "category_code": "0101"}).status_code == 302
    appeal = Appeal.objects.select_related("category", "order__category").get()
    assert (appeal.category.code, appeal.order.category.code, appeal.suggested_category) == ("0101", "0101", None)
    assert _written() == (1, 1, 1, 1)
