"""API tokens of integrating systems expire after API_TOKEN_DAYS (401 token_expired, in Chinese by
default), and every token made, rotated or revoked — in the admin, from the console or by its
holder over the API — goes through people.services and leaves an audit row."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from civicgrid.core.models import AuditEvent
from civicgrid.workorders.models import Appeal
from civicgrid.workorders.testing import make_world

pytestmark = pytest.mark.django_db
MADE = timezone.make_aware(datetime(2026, 1, 1, 10, 0))  # Beijing time
APPEAL = {"title": "路灯不亮", "text": "恩县路12号路灯不亮", "lon": 120.305, "lat": 36.055, "category": "010101",
          "reporter_name": "李四", "reporter_phone": "13700000000"}


@pytest.fixture
def w():
    return make_world()


def signed(key, language="zh-hans") -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def token_made_at(user, when) -> Token:
    token = Token.objects.create(user=user)
    Token.objects.filter(pk=token.pk).update(created=when)
    token.refresh_from_db()
    return token


def audit(action):
    return list(AuditEvent.objects.filter(action=action).values_list("actor_repr", "object_id", "reason"))


def test_a_token_works_until_its_days_are_over_then_is_401_in_chinese_and_changes_nothing(w, monkeypatch):
    token = token_made_at(w.users["hotline"], MADE)
    just_before = MADE + timedelta(days=90) - timedelta(microseconds=1)
    monkeypatch.setattr(timezone, "now", lambda: just_before)
    assert signed(token.key).get("/api/v1/orders/").status_code == 200
    monkeypatch.setattr(timezone, "now", lambda: MADE + timedelta(days=90))
    before = (Appeal.objects.count(), AuditEvent.objects.count())
    response = signed(token.key).post("/api/v1/appeals/", APPEAL, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert response.status_code == 401
    message = "此 API 令牌已于 2026-04-01T10:00+08:00 过期。请向平台管理员申请新令牌，或在过期前轮换（POST /api/v1/me/token/）。"
    assert response.json() == {"error": {"code": "token_expired", "message": message, "fields": {}, "codes": {}}}
    assert response["WWW-Authenticate"] == 'Token'
    assert (Appeal.objects.count(), AuditEvent.objects.count()) == before
    english = signed(token.key, "en").get("/api/v1/orders/").json()["error"]["message"]
    assert english == ("This API token expired on 2026-04-01T10:00+08:00. Ask the platform administrator for a new "
                       "one, or rotate it before it expires (POST /api/v1/me/token/).")


def test_the_lifetime_is_a_setting(w, settings, monkeypatch):
    settings.API_TOKEN_DAYS = 30
    token = token_made_at(w.users["hotline"], MADE)
    monkeypatch.setattr(timezone, "now", lambda: MADE + timedelta(days=29))
    assert signed(token.key).get("/api/v1/me/token/").json() == {
        "created": "2026-01-01T10:00:00+08:00", "expires_at": "2026-01-31T10:00:00+08:00"}
    monkeypatch.setattr(timezone, "now", lambda: MADE + timedelta(days=30))
    assert signed(token.key).get("/api/v1/orders/").json()["error"]["code"] == "token_expired"


def test_the_holder_rotates_its_token_over_the_api_and_the_old_key_dies_at_once(w):
    old = Token.objects.create(user=w.users["hotline"])
    response = signed(old.key).post("/api/v1/me/token/")
    assert response.status_code == 201
    body = response.json()
    new = Token.objects.get(user=w.users["hotline"])
    assert (body["key"], len(body["key"]), body["key"] != old.key) == (new.key, 40, True)
    assert signed(old.key).get("/api/v1/orders/").json()["error"]["code"] == "authentication_failed"
    assert signed(new.key).get("/api/v1/orders/").status_code == 200
    assert audit("api_token.rotated") == [("hotline", str(w.users["hotline"].pk), "rotated by its holder")]
    changes = AuditEvent.objects.get(action="api_token.rotated").changes
    assert (changes["key_prefix"], changes["previous_key_prefix"]) == (new.key[:6], old.key[:6])
    assert old.key not in str(changes) and new.key not in str(changes)


def test_a_browser_session_may_not_mint_a_token_and_nothing_changes(w):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(w.users["hotline"])
    before = AuditEvent.objects.count()
    for response in (client.get("/api/v1/me/token/"), client.post("/api/v1/me/token/")):
        assert response.status_code == 403
        assert response.json()["error"]["message"] == (
            "Only a request signed with an API token can read or rotate its token.")
    assert (Token.objects.count(), AuditEvent.objects.count()) == (0, before)


def test_the_console_command_shows_rotates_and_revokes_with_audit_rows(w):
    out = io.StringIO()
    call_command("api_token", "hotline", stdout=out)
    assert out.getvalue() == "hotline: no token\n"
    out = io.StringIO()
    call_command("api_token", "hotline", "--rotate", "--reason", "new hotline server", stdout=out, stderr=io.StringIO())
    token = Token.objects.get(user=w.users["hotline"])
    assert out.getvalue() == f"{token.key}\n"
    assert audit("api_token.created") == [("system", str(w.users["hotline"].pk), "new hotline server")]
    assert signed(token.key).get("/api/v1/orders/").status_code == 200
    out = io.StringIO()
    call_command("api_token", "hotline", "--revoke", stdout=out)
    assert out.getvalue() == "hotline: token revoked\n"
    assert audit("api_token.revoked") == [("system", str(w.users["hotline"].pk), "console")]
    assert signed(token.key).get("/api/v1/orders/").status_code == 401
    assert Token.objects.count() == 0


def test_tokens_made_and_deleted_in_the_admin_are_audited(w, client):
    client.force_login(w.users["admin"])
    hotline = w.users["hotline"]
    response = client.post("/admin/authtoken/tokenproxy/add/", {"user": hotline.pk})
    assert response.status_code == 302
    token = Token.objects.get(user=hotline)
    assert audit("api_token.created") == [("admin", str(hotline.pk), "admin")]
    response = client.post(f"/admin/authtoken/tokenproxy/{hotline.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert (Token.objects.filter(key=token.key).exists(), audit("api_token.revoked")) == (
        False, [("admin", str(hotline.pk), "admin")])
