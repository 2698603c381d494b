"""The wishes API: shapes, the shared filters, error bodies and statuses, nothing changed on refusal."""

from __future__ import annotations

import io

import pytest
from rest_framework.test import APIClient

from civicgrid.core.models import AuditEvent
from civicgrid.wishes.models import HardProblem, Wish
from civicgrid.wishes.testing import png, wish_in
from civicgrid.workorders.testing import make_order

pytestmark = pytest.mark.django_db
URL = "/api/v1/wishes/"


def client(user=None):
    c = APIClient()
    if user is not None:
        c.force_authenticate(user)
    return c


def test_post_and_read_a_wish(ww):
    response = client(ww.users["resident"]).post(URL, {"title": "更换灯泡", "description": "楼道灯坏了"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["title"], body["state"], body["state_label"], body["on_behalf"], body["moves"]) == (
        "更换灯泡", "pending", "待审核", False, [])
    assert body["household"] == {"full": True, "name": "张三", "phone": "13900000001",
                                 "address": "恩县路12号 1单元502室", "summary": "市北区即墨路街道某社区 张*"}
    mine = client(ww.users["resident"]).get(URL).json()
    assert [w["id"] for w in mine["results"]] == [body["id"]]


def test_bad_input_and_limits_have_the_error_shape(ww, settings):
    before = (Wish.objects.count(), AuditEvent.objects.count())
    response = client(ww.users["resident"]).post(URL, {"title": ""}, format="json")
    assert response.status_code == 400
    assert response.json() == {"error": {"code": "required", "message": "请用几句话说明您的心愿。",
                                         "fields": {"title": ["请用几句话说明您的心愿。"]},
                                         "codes": {"title": ["required"]}}}
    settings.CIVICGRID_RATE_LIMITS = {"wishes.post": (0 + 1, 86400)}
    assert client(ww.users["resident"]).post(URL, {"title": "轮椅一台"}, format="json").status_code == 201
    response = client(ww.users["resident"]).post(URL, {"title": "陪同就医"}, format="json")
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "rate_limited"
    assert (Wish.objects.count(), AuditEvent.objects.count()) == (before[0] + 1, before[1] + 1)


def test_on_behalf_through_the_api(ww):
    response = client(ww.users["grid"]).post(URL, {"title": "陪同就医", "household": ww.elderly.pk}, format="json")
    assert response.status_code == 201
    assert Wish.objects.get(pk=response.json()["id"]).posted_by == ww.users["grid"]
    refused = client(ww.users["grid"]).post(URL, {"title": "更换灯泡", "household": ww.plain.pk}, format="json")
    assert (refused.status_code, refused.json()["error"]["code"]) == (400, "no_care_tag")


def test_the_wall_is_public_and_masked(ww):
    wish = wish_in(ww, "open")
    wish_in(ww, "pending", title="轮椅一台")
    rows = client().get(URL, {"scope": "wall"}).json()["results"]
    assert [(r["id"], r["title"], r["summary"]) for r in rows] == [(wish.pk, "更换灯泡", "市北区即墨路街道某社区 张*")]
    assert "household" not in rows[0]
    detail = client().get(f"{URL}{wish.pk}/").json()
    assert detail["household"] == {"full": False, "name": "张*", "phone": "139****0001", "address": "",
                                   "summary": "市北区即墨路街道某社区 张*"}
    assert client().get(URL).status_code == 401


def test_moves_through_the_api(ww):
    wish = wish_in(ww, "open")
    vol, party = client(ww.users["vol"]), client(ww.users["party"])
    assert client(ww.users["vol"]).get(f"{URL}{wish.pk}/").json()["moves"] == ["claim"]
    claimed = vol.post(f"{URL}{wish.pk}/moves/", {"action": "claim"}, format="json")
    assert claimed.status_code == 200
    assert (claimed.json()["state"], claimed.json()["household"]["full"], claimed.json()["moves"]) == (
        "claimed", True, ["release", "fulfil"])
    before = Wish.objects.values().get(pk=wish.pk)
    late = party.post(f"{URL}{wish.pk}/moves/", {"action": "claim"}, format="json")
    assert late.status_code == 409
    assert late.json()["error"]["code"] == "illegal_transition"
    assert late.json()["error"]["message"] == "心愿处于“已认领”状态时不能“认领”。"
    forbidden = party.post(f"{URL}{wish.pk}/moves/", {"action": "release", "reason": "x"}, format="json")
    assert (forbidden.status_code, forbidden.json()["error"]["code"]) == (403, "forbidden")
    assert Wish.objects.values().get(pk=wish.pk) == before
    photo = io.BytesIO(png()[1])
    photo.name = "proof.png"
    done = vol.post(f"{URL}{wish.pk}/moves/", {"action": "fulfil", "note": "已更换", "photos": [photo]},
                    format="multipart")
    assert done.status_code == 200, done.content
    assert (done.json()["state"], done.json()["proof_note"], len(done.json()["photos"])) == ("fulfilled", "已更换", 1)
    owner = client(ww.users["resident"])
    assert owner.get(f"{URL}{wish.pk}/").json()["moves"] == ["confirm", "dispute"]
    assert owner.post(f"{URL}{wish.pk}/moves/", {"action": "confirm"}, format="json").json()["state"] == "confirmed"


def test_a_wish_one_may_not_see_is_404(ww):
    pending = wish_in(ww, "pending")
    for user in (None, ww.users["vol"], ww.users["community2"]):
        c = client(user)
        assert c.get(f"{URL}{pending.pk}/").status_code == 404
    assert client(ww.users["community"]).get(f"{URL}{pending.pk}/").status_code == 200


def test_staff_list_uses_the_shared_filters(ww):
    a = wish_in(ww, "open", title="更换灯泡")
    b = wish_in(ww, "claimed", title="轮椅一台")
    wish_in(ww, "pending", title="陪同就医")
    staff = client(ww.users["community"])

    def ids(**params):
        response = staff.get(URL, params)
        assert response.status_code == 200, response.content
        return sorted(r["id"] for r in response.json()["results"])

    assert len(ids()) == 3
    assert ids(state=["open", "claimed"]) == sorted([a.pk, b.pk])
    assert ids(q="轮椅") == [b.pk]
    assert ids(area=ww.w.tree.community2.code) == []
    assert ids(team=ww.team.pk) == [b.pk]
    assert client(ww.users["community2"]).get(URL).json()["results"] == []
    assert client(ww.users["vol"]).get(URL, {"scope": "staff"}).status_code == 403
    assert [r["id"] for r in client(ww.users["vol"]).get(URL, {"scope": "claims"}).json()["results"]] == [b.pk]
    assert [r["id"] for r in client(ww.users["vol2"]).get(URL, {"scope": "near"}).json()["results"]] == [a.pk]


def test_rankings_and_figures(ww):
    wish_in(ww, "confirmed")
    body = client(ww.users["community"]).get(f"{URL}rankings/").json()
    assert body["branches"] == [{"id": ww.branch3.pk, "name": "上海路第一网格党支部", "claimed": 1, "fulfilled": 1,
                                 "confirmed": 1, "confirmation_rate": 1.0,
                                 "mean_days_to_confirm": body["branches"][0]["mean_days_to_confirm"]}]
    assert body["teams"][0]["name"] == "红邻里志愿服务队"
    assert client(ww.users["vol"]).get(f"{URL}rankings/").status_code == 403
    figures = client(ww.users["community"]).get(f"{URL}figures/").json()
    assert (figures["wishes_claimed"], figures["wishes_confirmed"], figures["completion"]) == (1, 1, 1.0)


def test_hard_problems_through_the_api(ww):
    order = make_order(ww.w, status="in_progress", is_overdue=True)
    staff = client(ww.users["community"])
    created = staff.post(f"{URL}problems/", {"order": order.number}, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert (created.json()["order"], created.json()["state"]) == (order.number, "open")
    sec = client(ww.users["secretary"])
    assert [p["id"] for p in sec.get(f"{URL}problems/").json()["results"]] == [pk]
    assert sec.post(f"{URL}problems/{pk}/moves/", {"action": "claim"}, format="json").json()["state"] == "claimed"
    bad = sec.post(f"{URL}problems/{pk}/moves/", {"action": "progress", "note": "x", "progress": 101}, format="json")
    assert (bad.status_code, bad.json()["error"]["fields"]) == (400, {"progress": ["请以 0 到 100 的整数填写进度。"]})
    moved = sec.post(f"{URL}problems/{pk}/moves/", {"action": "progress", "note": "已约谈", "progress": 40},
                     format="json").json()
    assert (moved["state"], moved["progress"], [n["action"] for n in moved["notes"]]) == (
        "in_progress", 40, ["claim", "progress"])
    assert client(ww.users["far_sec"]).get(f"{URL}problems/{pk}/").status_code == 404
    assert client(ww.users["vol"]).get(f"{URL}problems/").status_code == 403
    again = staff.post(f"{URL}problems/", {"order": order.number}, format="json")
    assert (again.status_code, again.json()["error"]["code"]) == (400, "duplicate")
    assert HardProblem.objects.count() == 1
