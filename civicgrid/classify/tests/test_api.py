"""/api/v1/classify/: versions list, activate, rollback, predict — authentication and scoping."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

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
    world = make_world()
    from civicgrid.core.testing import make_area, square

    # A second district: its commander must see nothing of the first one's versions.
    other = make_area("370211000000", "黄岛区", "district", None, square(120.10, 36.00, 0.05))
    world.other = other
    from civicgrid.people.models import Membership, Role, User

    u = User.objects.create_user("district2", password="x")
    Membership.objects.create(user=u, role=Role.DISTRICT_COMMANDER, area=other)
    world.users["district2"] = u
    return world


def client_for(user=None, lang="zh-hans"):
    client = APIClient(HTTP_ACCEPT_LANGUAGE=lang)
    if user is not None:
        client.force_authenticate(user)
    return client


def state():
    return (list(ModelVersion.objects.filter(is_active=True).values_list("scope_path", "number").order_by("scope_path")),
            AuditEvent.objects.filter(action__startswith="classify.").count())


def test_list_needs_sign_in(w):
    assert client_for().get("/api/v1/classify/versions/").status_code == 401


def test_list_is_scoped(w):
    make_version(number=1, active=True)
    make_version(area=w.tree.district, number=1)
    make_version(area=w.other, number=1)
    r = client_for(w.users["district"]).get("/api/v1/classify/versions/")
    assert r.status_code == 200
    got = sorted((v["scope_area"] or "", v["number"]) for v in r.json()["results"])
    assert got == [("", 1), ("370203000000", 1)]
    first = r.json()["results"][0]
    assert "model_data" not in first and {"metrics", "labels", "is_active", "sklearn_version"} <= set(first)
    admin = client_for(w.users["admin"]).get("/api/v1/classify/versions/").json()
    assert admin["count"] == 3


def test_list_is_refused_to_other_roles(w):
    r = client_for(w.users["grid"]).get("/api/v1/classify/versions/")
    assert r.status_code == 403
    assert r.json()["error"]["message"] == "只有区指挥中心和管理员可以查看分类模型版本。"


def test_activate_and_rollback(w):
    make_version(area=w.tree.district, number=1, active=True)
    v2 = make_version(area=w.tree.district, number=2)
    c = client_for(w.users["district"])
    r = c.post(f"/api/v1/classify/versions/{v2.pk}/activate/")
    assert r.status_code == 200 and r.json()["is_active"] is True and r.json()["number"] == 2
    assert state() == ([(w.tree.district.path, 2)], 1)
    r = c.post(f"/api/v1/classify/versions/{v2.pk}/rollback/")
    assert r.status_code == 200 and r.json()["number"] == 1
    assert state() == ([(w.tree.district.path, 1)], 2)
    r = c.post(f"/api/v1/classify/versions/{v2.pk}/rollback/")
    assert r.status_code == 409
    assert r.json()["error"]["message"] == "版本 1 是此范围的第一个版本：没有更早的版本可回滚。"
    assert state() == ([(w.tree.district.path, 1)], 2)


def test_denied_actions_change_nothing(w):
    theirs = make_version(area=w.other, number=1)
    platform = make_version(number=1)
    before = state()
    c = client_for(w.users["district"])
    assert c.post(f"/api/v1/classify/versions/{theirs.pk}/activate/").status_code == 404  # not even visible
    r = c.post(f"/api/v1/classify/versions/{platform.pk}/activate/")  # visible, but admins only
    assert r.status_code == 403 and r.json()["error"]["message"] == "您无权管理此范围的分类模型。"
    assert client_for(w.users["hotline"]).post(f"/api/v1/classify/versions/{platform.pk}/activate/").status_code == 404
    assert client_for().post(f"/api/v1/classify/versions/{platform.pk}/activate/").status_code == 401
    assert state() == before


def test_predict_with_the_active_model(w):
    make_version(number=1, active=True)
    r = client_for(w.users["hotline"]).post("/api/v1/classify/predict/", {"text": "公交车班次太少，等车一个小时"},
                                            format="json")
    assert r.status_code == 200
    body = r.json()
    assert (body["code"], body["name"], body["source"], body["version"], body["capped_at"]) == (
        "06", "交通运输", "model", 1, None)
    assert body["top3"][0] == {"code": "06", "name": "交通运输", "score": body["confidence"]}
    assert len(body["top3"]) == 3


def test_predict_without_a_model_uses_the_keywords(w):
    r = client_for(w.users["district"]).post("/api/v1/classify/predict/", {"text": "家里停水三天了"}, format="json")
    body = r.json()
    assert (body["source"], body["code"], body["version"]) == ("keywords", "010216", None)


def test_predict_for_an_area_scope(w):
    make_version(area=w.tree.district, number=1, active=True)
    c = client_for(w.users["district"])
    body = c.post("/api/v1/classify/predict/", {"text": "公交车太少", "area": w.tree.grid1.code}, format="json").json()
    assert body["source"] == "model"
    assert c.post("/api/v1/classify/predict/", {"text": "公交车太少", "area": w.other.code},
                  format="json").status_code == 404


def test_predict_is_for_staff_only(w):
    assert client_for(w.users["resident"]).post("/api/v1/classify/predict/", {"text": "公交车太少"},
                                                format="json").status_code == 403
    assert client_for().post("/api/v1/classify/predict/", {"text": "公交车太少"}, format="json").status_code == 401


def test_predict_with_empty_or_huge_text(w):
    make_version(number=1, active=True)
    c = client_for(w.users["district"])
    assert c.post("/api/v1/classify/predict/", {"text": ""}, format="json").json()["code"] is None
    assert c.post("/api/v1/classify/predict/", {}, format="json").status_code == 400
    body = c.post("/api/v1/classify/predict/", {"text": "公交车太少。" * 2000}, format="json").json()
    assert (body["code"], body["capped_at"]) == ("06", 5000)
