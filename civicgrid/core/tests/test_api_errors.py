"""Bodies the API cannot read are refused in the project's error shape, in the user's language:
a body over the size limit (413), one that is not JSON or not UTF-8 (400). Nothing is written."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from civicgrid.core.models import AuditEvent
from civicgrid.workorders.models import Appeal
from civicgrid.workorders.testing import make_order, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def hotline():
    world = make_world()
    client = APIClient()  # no Accept-Language: the default, Chinese
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=world.users['hotline']).key}",
                       HTTP_IDEMPOTENCY_KEY="k-1")
    return client


def counts():
    return Appeal.objects.count(), AuditEvent.objects.count()


def test_a_body_over_the_limit_is_413_in_chinese_json(hotline, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    before = counts()
    response = hotline.post("/api/v1/appeals/", {"title": "路灯", "text": "灯" * 2000}, format="json")
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"error": {"code": "request_too_large", "message": "请求内容过大。", "fields": {}, "codes": {}}}
    assert counts() == before


@pytest.mark.parametrize("body", [b'{"title": "\xff\xfe", "text": "a"}', b'{"title": ', b"\xff\xfe"])
def test_a_body_that_is_not_utf8_json_is_400_in_chinese(hotline, body):
    before = counts()
    response = hotline.post("/api/v1/appeals/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"error": {"code": "parse_error",
                                         "message": "无法读取请求内容：请发送 UTF-8 编码的 JSON，或表单。", "fields": {}, "codes": {}}}
    assert counts() == before


@pytest.mark.parametrize("size", ["-1", "0", "abc", "501", "100000"])
def test_a_page_size_out_of_range_is_400_naming_it(hotline, size):
    response = hotline.get("/api/v1/orders/", {"page_size": size})
    assert response.status_code == 400
    assert response.json() == {"error": {"code": "invalid", "message": "page_size 必须是 1 至 500 之间的整数。",
                                         "fields": {"page_size": ["page_size 必须是 1 至 500 之间的整数。"]},
                                         "codes": {"page_size": ["invalid"]}}}


@pytest.mark.parametrize("page", ["0", "-3", "abc"])
def test_a_page_number_that_is_no_number_is_400_naming_it(hotline, page):
    response = hotline.get("/api/v1/orders/", {"page": page})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"page": ["page 必须是从 1 起的整数。"]}


def test_pages_in_range_and_the_last_page_still_work():
    world = make_world()
    make_order(world, area=world.tree.grid1)
    make_order(world, area=world.tree.grid1)
    client = APIClient()
    client.force_authenticate(world.users["district"])
    assert client.get("/api/v1/orders/", {"page_size": "500"}).json()["count"] == 2
    body = client.get("/api/v1/orders/", {"page_size": "1", "page": "last"}).json()
    assert (body["count"], len(body["results"]), body["next"]) == (2, 1, None)
    assert client.get("/api/v1/orders/", {"page": "3", "page_size": "1"}).status_code == 404


@pytest.mark.parametrize("path", ["/api/v1/wishes/abc/", "/api/v1/households/1.5/", "/api/v1/nothing-here/",
                                  "/api/v1/households/987654321/", "/api/v1/users/987654321/"])
def test_an_address_or_id_that_names_nothing_is_the_apis_404_in_chinese(path):
    world = make_world()
    client = APIClient()
    client.force_authenticate(world.users["district"])
    response = client.get(path)
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "未找到。", "fields": {}, "codes": {}}}


def test_a_real_endpoint_without_its_slash_is_still_redirected():
    response = APIClient().get("/api/v1/categories")
    assert (response.status_code, response["Location"]) == (301, "/api/v1/categories/")


@pytest.mark.parametrize("params, fields", [
    ({"created_after": "2026-02-30"}, {"created_after": ["输入一个有效的日期。"]}),
    ({"created_after": "2026-02-01", "created_before": "tomorrow"}, {"created_before": ["输入一个有效的日期。"]}),
    ({"closed_before": "bad", "status": "bogus"}, {"closed_before": ["输入一个有效的日期。"],
                                                   "status": ["选择一个有效的选项。 bogus 不在可用的选项中。"]}),
])
def test_a_bad_date_filter_is_refused_under_the_parameter_sent(params, fields):
    world = make_world()
    client = APIClient()
    client.force_authenticate(world.users["district"])
    response = client.get("/api/v1/orders/", params)
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == fields
