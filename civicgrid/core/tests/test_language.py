"""Pages speak Chinese first; English only when the user chooses it. The API follows the client."""

import pytest

pytestmark = pytest.mark.django_db


def test_pages_are_chinese_even_for_an_english_browser(client):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "<html lang=\"zh-hans\">" in page
    assert "工作人员登录" in page


def test_language_switch_turns_pages_english_and_back(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert "Staff sign-in" in client.get("/accounts/login/").content.decode()
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "工作人员登录" in client.get("/accounts/login/").content.decode()


def test_api_errors_follow_accept_language(client):
    zh = client.get("/api/v1/areas/locate/?lon=abc&lat=1").json()
    en = client.get("/api/v1/areas/locate/?lon=abc&lat=1", HTTP_ACCEPT_LANGUAGE="en").json()
    assert zh["error"]["code"] == en["error"]["code"] == "invalid"
    assert zh["error"]["message"] != en["error"]["message"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in zh["error"]["message"])
    assert en["error"]["message"].isascii()
