"""Bodies the API cannot read are refused in the project's error shape, in the user's language:
a body over the size limit (413), one that is not JSON or not UTF-8 (400). Nothing is written."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from civicgrid.core.models import AuditEvent
from civicgrid.workorders.models import Appeal
from civicgrid.workorders.testing import make_world

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
    assert response.json() == {"error": {"code": "request_too_large", "message": "请求内容过大。", "fields": {}}}
    assert counts() == before


@pytest.mark.parametrize("body", [b'{"title": "\xff\xfe", "text": "a"}', b'{"title": ', b"\xff\xfe"])
def test_a_body_that_is_not_utf8_json_is_400_in_chinese(hotline, body):
    before = counts()
    response = hotline.post("/api/v1/appeals/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"error": {"code": "parse_error",
                                         "message": "无法读取请求内容：请发送 UTF-8 编码的 JSON，或表单。", "fields": {}}}
    assert counts() == before
