"""The versions page and the intake form's live suggestion."""

from __future__ import annotations

import re

import pytest

from civicgrid.classify import runtime
from civicgrid.classify.models import ModelVersion
from civicgrid.classify.testing import make_version
from civicgrid.core.models import AuditEvent
from civicgrid.workorders.testing import make_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_models():
    runtime.forget_models()
    yield
    runtime.forget_models()


@pytest.fixture
def w():
    return make_world()


def active():
    return list(ModelVersion.objects.filter(is_active=True).values_list("scope_path", "number"))


def test_versions_page_lists_versions_with_metrics_and_buttons(client, w):
    make_version(area=w.tree.district, number=1)
    make_version(area=w.tree.district, number=2, active=True)
    make_version(number=1, active=True)
    client.force_login(w.users["district"])
    r = client.get("/intelligence/classifier/")
    html = r.content.decode()
    assert r.status_code == 200
    assert "事项分类模型" in html and "市北区" in html and "全平台" in html
    assert "0.900 ± 0.010" in html
    assert html.count('value="activate"') == 1  # v1 of the district; the platform's scope is admins'
    assert html.count('value="rollback"') == 1


def test_a_scope_without_its_own_active_version_names_the_one_that_serves_it(client, w):
    """The district's versions are all stored, the platform's v3 is active: the district's intake
    uses v3 (runtime), and the page said it used the keyword rules."""
    make_version(area=w.tree.district, number=1)
    make_version(number=3, active=True)
    client.force_login(w.users["district"])
    html = client.get("/intelligence/classifier/").content.decode()
    badges = re.findall(r'<span class="badge[^"]*">([^<]+)</span>', html)
    assert badges == ["启用中：版本 3", "没有启用的版本：使用全平台的版本 3"]
    ModelVersion.objects.update(is_active=False)
    html = client.get("/intelligence/classifier/").content.decode()
    assert re.findall(r'<span class="badge[^"]*">([^<]+)</span>', html) == [
        "没有启用的版本：使用关键词规则", "没有启用的版本：使用关键词规则"]


def test_activate_and_rollback_from_the_page(client, w):
    v1 = make_version(area=w.tree.district, number=1, active=True)
    v2 = make_version(area=w.tree.district, number=2)
    client.force_login(w.users["district"])
    r = client.post("/intelligence/classifier/", {"version": v2.pk, "action": "activate"}, follow=True)
    assert "市北区 的版本 2 已启用。" in r.content.decode()
    assert active() == [(w.tree.district.path, 2)]
    r = client.post("/intelligence/classifier/", {"version": v2.pk, "action": "rollback"}, follow=True)
    assert "已回滚：市北区 的版本 1 重新启用。" in r.content.decode()
    assert active() == [(w.tree.district.path, 1)]
    assert v1.pk


def test_the_page_refuses_other_roles_and_changes_nothing(client, w):
    v = make_version(area=w.tree.district, number=1)
    client.force_login(w.users["street"])
    assert client.get("/intelligence/classifier/").status_code == 403
    assert client.post("/intelligence/classifier/", {"version": v.pk, "action": "activate"}).status_code == 403
    p = make_version(number=1)
    client.force_login(w.users["district"])
    r = client.post("/intelligence/classifier/", {"version": p.pk, "action": "activate"})
    assert r.status_code == 403
    assert active() == [] and not AuditEvent.objects.filter(action__startswith="classify.").exists()


def test_anonymous_is_sent_to_sign_in(client, w):
    r = client.get("/intelligence/classifier/")
    assert r.status_code == 302 and "login" in r["Location"]


def test_the_live_suggestion_shows_category_confidence_and_top3(client, w):
    make_version(number=1, active=True)
    client.force_login(w.users["hotline"])
    r = client.get("/intelligence/classifier/suggest/", {"title": "公交车太少", "text": "等车要一个小时"})
    html = r.content.decode()
    assert "推荐分类" in html and "交通运输" in html and "<code>06</code>" in html
    assert "置信度" in html and "分类模型版本 1" in html
    assert html.count("data-category-code=") == 3


def test_the_live_suggestion_without_a_model(client, w):
    client.force_login(w.users["hotline"])
    html = client.get("/intelligence/classifier/suggest/", {"text": "家里停水三天了"}).content.decode()
    assert "自来水供应" in html and "关键词规则" in html
    html = client.get("/intelligence/classifier/suggest/", {"text": "hello"}).content.decode()
    assert "此文本没有推荐分类" in html
    assert client.get("/intelligence/classifier/suggest/", {"text": ""}).content.decode().strip() == ""


def test_the_live_suggestion_is_for_staff(client, w):
    client.force_login(w.users["resident"])
    assert client.get("/intelligence/classifier/suggest/", {"text": "公交车"}).status_code == 403


def test_the_hotline_form_asks_for_the_suggestion(client, w):
    client.force_login(w.users["hotline"])
    html = client.get("/orders/hotline/").content.decode()
    assert 'id="category-suggestion"' in html and "/intelligence/classifier/suggest/" in html


def test_the_live_suggestion_uses_the_operators_district_model(client, w):
    make_version(area=w.tree.district, number=4, active=True)
    client.force_login(w.users["hotline"])
    html = client.get("/intelligence/classifier/suggest/", {"text": "公交车班次太少"}).content.decode()
    assert "分类模型版本 4" in html


def test_a_commander_trains_a_version_from_the_page(client, w):
    """Training from the closed orders was a shell command only; the commander who reads the page
    has no shell. The new version is stored inactive, with an audit row."""
    from .test_services import closed_orders

    closed_orders(w)
    client.force_login(w.users["district"])
    page = client.get("/intelligence/classifier/").content.decode()
    assert re.findall(r'<select id="train-area" name="area"><option value="(\d+)">([^<]+)</option></select>', page) == [
        (w.tree.district.code, "市北区")]
    r = client.post("/intelligence/classifier/", {"action": "train", "area": w.tree.district.code, "level": "1"}, follow=True)
    assert "已用 32 条已结案工单的诉求训练并保存 市北区 的版本 1；确认各项指标合适后再启用。" in r.content.decode()
    v = ModelVersion.objects.defer("model_data").get()
    assert (v.scope_area, v.level, v.rows, v.is_active, v.created_by) == (w.tree.district, 1, 32, False, w.users["district"])
    assert AuditEvent.objects.filter(action="classify.train", object_id=str(v.pk)).count() == 1


def test_training_from_the_page_is_refused_outside_ones_scopes_and_changes_nothing(client, w):
    from .test_services import closed_orders

    closed_orders(w, per_class=6)
    audits = AuditEvent.objects.count()
    client.force_login(w.users["district"])
    assert client.post("/intelligence/classifier/", {"action": "train", "area": "999999999999", "level": "1"}).status_code == 404
    r = client.post("/intelligence/classifier/", {"action": "train", "area": w.tree.district.code, "level": "7"}, follow=True)
    assert "请选择分类层级 1、2 或 3。" in r.content.decode()
    client.force_login(w.users["street"])
    assert client.post("/intelligence/classifier/", {"action": "train", "area": w.tree.street1.code, "level": "1"}).status_code == 403
    assert (ModelVersion.objects.count(), AuditEvent.objects.count()) == (0, audits)
