"""The closed-loop REST API over HTTP: success and every refusal (401, 404 like a missing order,
403 forbidden move, 409 illegal move or version conflict, 400 bad input), each refusal shown to
change nothing; idempotent intake; public tracking; audited reveal."""

from __future__ import annotations

import io
import re
from urllib.parse import urlencode

import pytest
from PIL import Image
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from civicgrid.core.models import AuditEvent
from civicgrid.core.sms import LogSmsGateway
from civicgrid.workorders import services
from civicgrid.workorders.models import Appeal, Attachment, Callback, OrderEvent, WorkOrder
from civicgrid.workorders.testing import make_order, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    world = make_world()
    world.g1 = make_order(world, area=world.tree.grid1, title="G1 order")
    world.g4 = make_order(world, area=world.tree.grid4, title="G4 order", reporter=world.users["resident2"])
    return world


def api(user=None, token=False):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None and token:
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    elif user is not None:
        client.force_authenticate(user)
    return client


def state(order):
    order.refresh_from_db()
    return ({f.attname: getattr(order, f.attname) for f in WorkOrder._meta.concrete_fields},
            OrderEvent.objects.count(), AuditEvent.objects.count())


def url(order, tail=""):
    return f"/api/v1/orders/{order.number}/{tail}"


# --- reading ---------------------------------------------------------------------------------
def test_unauthenticated_requests_get_401(w):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    for response in (client.get("/api/v1/orders/"), client.get(url(w.g1)),
                     client.post(url(w.g1, "transitions/"), {"action": "dispatch"}, format="json")):
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "not_authenticated"


def test_list_shows_only_the_jurisdiction_and_counts_only_what_it_shows(w):
    body = api(w.users["street"]).get("/api/v1/orders/").json()
    assert body["count"] == 1 and [o["number"] for o in body["results"]] == [w.g1.number]
    assert api(w.users["district"]).get("/api/v1/orders/").json()["count"] == 2
    assert api(w.users["resident2"]).get("/api/v1/orders/").json()["count"] == 1
    assert api(w.users["dept"]).get("/api/v1/orders/").json()["count"] == 0


def test_list_filters_and_queues(w):
    client = api(w.users["district"])
    assert [o["number"] for o in client.get("/api/v1/orders/", {"area": w.tree.street2.code}).json()["results"]] == [
        w.g4.number]
    assert client.get("/api/v1/orders/", {"queue": "to_dispatch"}).json()["count"] == 2
    assert client.get("/api/v1/orders/", {"status": "closed"}).json()["count"] == 0
    response = client.get("/api/v1/orders/", {"status": "bogus"})
    assert response.status_code == 400


def _updated(order, moment):
    WorkOrder.objects.filter(pk=order.pk).update(updated_at=moment)


def test_incremental_pull_by_updated_after_and_before(w):
    from datetime import datetime, timedelta, timezone as tz

    beijing = tz(timedelta(hours=8))
    t1, t2 = datetime(2026, 11, 30, 9, 0, tzinfo=beijing), datetime(2026, 12, 1, 9, 0, 0, 250000, tzinfo=beijing)
    g3 = make_order(w, area=w.tree.grid1, title="G3 order")
    _updated(w.g1, t1)
    _updated(w.g4, t2)
    _updated(g3, t2 + timedelta(days=1))
    client = api(w.users["district"])

    def pull(**params):
        body = client.get("/api/v1/orders/", {"ordering": "updated", **params}).json()
        return [o["number"] for o in body["results"]]

    # Both ends inclusive, to the microsecond, in any offset.
    assert pull(updated_after="2026-12-01T09:00:00.25+08:00") == [w.g4.number, g3.number]
    assert pull(updated_after="2026-12-01T01:00:00.250001Z") == [g3.number]
    assert pull(updated_before="2026-12-01T09:00:00.250000+08:00") == [w.g1.number, w.g4.number]
    assert pull(updated_after="2026-11-30T09:00:00+08:00", updated_before="2026-12-01T09:00:00+08:00") == [
        w.g1.number]
    # Without an offset: Beijing time. A date alone: the whole day.
    assert pull(updated_after="2026-12-01T09:00:01") == [g3.number]
    assert pull(updated_after="2026-12-01", updated_before="2026-12-01") == [w.g4.number]
    # "+08:00" sent without percent-encoding arrives as " 08:00" and still means +08:00.
    response = client.get("/api/v1/orders/?updated_after=2026-12-01T09:00:00.25+08:00&ordering=updated")
    assert [o["number"] for o in response.json()["results"]] == [w.g4.number, g3.number]
    assert response.json()["results"][0]["updated_at"] == "2026-12-01T09:00:00.250000+08:00"


@pytest.mark.parametrize("params, bad", [
    ({"updated_after": "yesterday"}, ["updated_after"]),
    ({"updated_after": "2026-12-01", "updated_before": "2026-02-30T10:00:00"}, ["updated_before"]),
    ({"updated_after": "2026-13-01", "updated_before": "soon"}, ["updated_after", "updated_before"]),
])
def test_a_bad_updated_moment_is_400_naming_the_parameter_in_chinese(w, params, bad):
    client = APIClient()
    client.force_authenticate(w.users["district"])
    response = client.get("/api/v1/orders/", params)
    assert response.status_code == 400
    messages = {name: [f"{name} 必须是 ISO 8601 格式的日期时间，例如 2026-12-01T08:00:00+08:00，或形如 2026-12-01 的日期。"]
                for name in bad}
    assert response.json() == {"error": {"code": "invalid", "message": messages[bad[0]][0], "fields": messages,
                                         "codes": {name: ["invalid"] for name in bad}}}


def test_the_schema_documents_updated_after_and_before():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    params = {p["name"]: p for p in schema["paths"]["/api/v1/orders/"]["get"]["parameters"]}
    for name in ("updated_after", "updated_before"):
        assert (params[name]["in"], params[name]["schema"]) == ("query", {"type": "string", "format": "date-time"})


def test_an_unknown_query_parameter_on_the_order_list_is_400_naming_it(w):
    client = APIClient()
    client.force_authenticate(w.users["district"])
    response = client.get("/api/v1/orders/", {"updated_afer": "2026-12-01", "state": "open"})
    assert response.status_code == 400
    known = ("area, category, channel, closed_after, closed_before, created_after, created_before, external_id, "
             "format, ordering, overdue, page, page_size, priority, q, queue, source, state, status, unit, "
             "updated_after, updated_before")
    message = f"未知的查询参数 updated_afer。此列表可用的参数：{known}。"
    assert response.json() == {"error": {"code": "unknown_parameter", "message": message,
                                         "fields": {"updated_afer": [message]},
                                         "codes": {"updated_afer": ["unknown_parameter"]}}}
    # Every parameter the list reads is still accepted together.
    every = {"area": w.tree.district.code, "category": "01", "channel": "web", "closed_after": "2020-01-01",
             "closed_before": "2099-01-01", "created_after": "2020-01-01", "created_before": "2099-01-01",
             "format": "json", "ordering": "number", "overdue": "false", "page": "1", "page_size": "10",
             "priority": "normal", "q": "order", "queue": "to_dispatch", "source": "", "state": "open", "status": "new",
             "unit": "", "updated_after": "2020-01-01", "updated_before": "2099-01-01", "external_id": ""}
    assert client.get("/api/v1/orders/", every).status_code == 200
    # The web list shares the FilterSet, not this check: it keeps its own parameters.
    page = APIClient()
    page.force_login(w.users["district"])
    assert page.get("/orders/list/", {"state": "open", "utm_source": "mail"}).status_code == 200


def test_detail_has_moves_timeline_appeals_masked_deadlines_and_version(w):
    body = api(w.users["street"]).get(url(w.g1)).json()
    assert (body["number"], body["status"], body["version"], body["category"], body["area"]["code"]) == (
        w.g1.number, "new", 1, {"code": "010101", "name": "道路破损"}, w.tree.grid1.code)
    assert [m["action"] for m in body["allowed_moves"]] == ["dispatch", "report_up", "merge", "reject"]
    assert body["appeals"] == [{
        "tracking_number": w.g1.appeals.get().tracking_number, "channel": "web", "title": "G1 order",
        "text": "恩县路12号门前路面有坑，雨天积水。", "reporter_name": "张*", "reporter_phone": "139****0001",
        "is_anonymous": False, "address": "", "received_at": body["appeals"][0]["received_at"], "is_mine": False}]
    assert body["deadlines"] == {"dispatch": None, "response": None, "handle": None, "return": None,
                                 "is_overdue": False, "extension_days": 0}
    assert body["timeline"] == [] and body["attachments"] == [] and body["whistles"] == []


def test_resident_detail_offers_withdraw_and_hides_staff_names(w):
    services.transition(w.g1, "dispatch", w.users["street"], unit=w.units["cg"])
    body = api(w.users["resident"]).get(url(w.g1)).json()
    assert [m["action"] for m in body["allowed_moves"]] == ["withdraw"]
    assert [(e["action"], e["actor"], e["unit"]["code"]) for e in body["timeline"]] == [("dispatch", None, "D-CG")]
    assert body["appeals"][0]["is_mine"] is True


def test_detail_names_the_suggested_unit_to_staff_until_dispatch(w):
    WorkOrder.objects.filter(pk=w.g1.pk).update(suggested_unit=w.units["cg"])
    body = api(w.users["street"]).get(url(w.g1)).json()
    assert body["suggested_unit"] == {"code": "D-CG", "name": "市北区城市管理局", "kind": "department"}
    assert api(w.users["resident"]).get(url(w.g1)).json()["suggested_unit"] is None
    services.transition(WorkOrder.objects.get(pk=w.g1.pk), "dispatch", w.users["street"], unit=w.units["zj"])
    assert api(w.users["street"]).get(url(w.g1)).json()["suggested_unit"] is None


def test_an_order_outside_the_jurisdiction_answers_like_a_missing_one(w):
    client = api(w.users["street"])
    outside, missing = client.get(url(w.g4)), client.get("/api/v1/orders/NOPE/")
    assert outside.status_code == missing.status_code == 404
    assert outside.json() == missing.json() == {"error": {"code": "not_found", "message": "No such work order.",
                                                          "fields": {}, "codes": {}}}


# --- moves -----------------------------------------------------------------------------------
def test_dispatch_over_the_api_with_a_token(w):
    client = api(w.users["street"], token=True)
    response = client.post(url(w.g1, "transitions/"), {"action": "dispatch", "unit": "D-CG", "expected_version": 1},
                           format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["unit"]["code"], body["version"]) == ("dispatched", "D-CG", 2)
    assert [e["action"] for e in body["timeline"]] == ["dispatch"]
    assert body["deadlines"]["handle"] is not None


def test_illegal_move_is_409_and_changes_nothing(w):
    before = state(w.g1)
    response = api(w.users["street"]).post(url(w.g1, "transitions/"), {"action": "close"}, format="json")
    assert response.status_code == 409
    assert response.json() == {"error": {"code": "illegal_transition", "fields": {}, "codes": {},
                                         "message": "“Close (结案)” is not possible while the order is “New, to dispatch”."}}
    assert state(w.g1) == before


def test_forbidden_move_is_403_and_changes_nothing(w):
    before = state(w.g1)
    response = api(w.users["grid"]).post(url(w.g1, "transitions/"), {"action": "dispatch", "unit": "D-CG"},
                                         format="json")
    assert response.status_code == 403
    assert response.json() == {"error": {"code": "forbidden", "fields": {}, "codes": {},
                                         "message": f"You may not make “Dispatch (派遣)” on order {w.g1.number}."}}
    assert state(w.g1) == before


def test_version_conflict_is_409_and_changes_nothing(w):
    before = state(w.g1)
    response = api(w.users["street"]).post(url(w.g1, "transitions/"),
                                           {"action": "dispatch", "unit": "D-CG", "expected_version": 7}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"
    assert state(w.g1) == before


def test_moves_on_an_order_outside_the_jurisdiction_are_404_and_change_nothing(w):
    before = state(w.g4)
    response = api(w.users["street"]).post(url(w.g4, "transitions/"), {"action": "dispatch", "unit": "D-CG"},
                                           format="json")
    assert response.status_code == 404
    assert state(w.g4) == before


@pytest.mark.parametrize(("payload", "fields", "codes", "message"), [
    ({"action": "fly"}, {"action": ['"fly" is not a valid choice.']}, {"action": ["invalid_choice"]},
     '"fly" is not a valid choice.'),
    ({}, {"action": ["This field is required."]}, {"action": ["required"]}, "This field is required."),
    ({"action": None}, {"action": ["This field may not be null."]}, {"action": ["null"]},
     "This field may not be null."),
    ({"action": "dispatch", "unit": "NOPE"}, {"unit": ["Object with code=NOPE does not exist."]},
     {"unit": ["does_not_exist"]}, "Object with code=NOPE does not exist."),
    ({"action": "dispatch"}, {}, {}, "Choose the unit to dispatch the order to."),
    ({"action": "reject"}, {}, {}, "Give a reason for “Do not accept (不予受理)”."),
    ({"action": "merge", "target_order": "NOPE"}, {"target_order": ["No such work order: NOPE."]},
     {"target_order": ["does_not_exist"]}, "No such work order: NOPE."),
    ({"action": "close_on_spot", "answer": "done", "evidence": [999]},
     {"evidence": ["These attachments are not photos of this order: 999."]}, {"evidence": ["does_not_exist"]},
     "These attachments are not photos of this order: 999."),
])
def test_bad_move_input_is_400_with_the_fields_code_and_changes_nothing(w, payload, fields, codes, message):
    before = state(w.g1)
    response = api(w.users["street"]).post(url(w.g1, "transitions/"), payload, format="json")
    assert response.status_code == 400
    code = next(iter(codes.values()))[0] if codes else "invalid"
    assert response.json() == {"error": {"code": code, "message": message, "fields": fields, "codes": codes}}
    assert state(w.g1) == before


def test_every_field_error_carries_its_own_code(w):
    client = api(w.users["hotline"], token=True)
    before = (Appeal.objects.count(), WorkOrder.objects.count(), AuditEvent.objects.count())
    response = client.post("/api/v1/appeals/", {"text": "", "title": "灯" * 201, "channel": "fax",
                                                "is_anonymous": None, "lon": "east"}, format="json",
                           HTTP_IDEMPOTENCY_KEY="k-1")
    assert response.status_code == 400
    body = response.json()["error"]
    assert body["codes"] == {"title": ["max_length"], "text": ["blank"], "lon": ["invalid"],
                             "channel": ["invalid_choice"], "is_anonymous": ["null"]}
    assert list(body["fields"]) == list(body["codes"])
    assert body["code"] == "max_length"
    assert (Appeal.objects.count(), WorkOrder.objects.count(), AuditEvent.objects.count()) == before


# --- photos ----------------------------------------------------------------------------------
def png(name="p.png", color="red"):
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), color).save(buffer, "PNG")
    buffer.seek(0)
    buffer.name = name
    return buffer


def test_grid_worker_adds_evidence_and_closes_on_the_spot(w):
    client = api(w.users["grid"])
    response = client.post(url(w.g1, "attachments/"), {"file": png(), "purpose": "evidence"}, format="multipart")
    assert response.status_code == 201
    body = response.json()
    assert (body["purpose"], body["content_type"], body["width"], body["height"]) == ("evidence", "image/png", 4, 3)
    response = client.post(url(w.g1, "transitions/"),
                           {"action": "close_on_spot", "answer": "已填平", "evidence": [body["id"]]}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "closed"


def test_photo_refusals_change_nothing(w):
    audit = AuditEvent.objects.count()
    resident = api(w.users["resident"])
    response = resident.post(url(w.g1, "attachments/"), {"file": png(), "purpose": "evidence"}, format="multipart")
    assert response.status_code == 403
    not_image = io.BytesIO(b"not an image")
    not_image.name = "x.png"
    response = api(w.users["grid"]).post(url(w.g1, "attachments/"), {"file": not_image}, format="multipart")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "the photo is not a JPEG, PNG or WebP image."
    assert api(w.users["street2"]).post(url(w.g1, "attachments/"), {"file": png()}, format="multipart").status_code == 404
    assert (Attachment.objects.count(), AuditEvent.objects.count()) == (0, audit)


# --- intake, tracking, reveal ----------------------------------------------------------------
APPEAL = {"title": "路灯不亮", "text": "恩县路12号路灯不亮", "lon": 120.305, "lat": 36.055, "category": "010101",
          "reporter_name": "李四", "reporter_phone": "13700000000"}


def test_token_clients_must_send_an_idempotency_key(w):
    client = api(w.users["hotline"], token=True)
    response = client.post("/api/v1/appeals/", {**APPEAL, "channel": "api"}, format="json")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["idempotency_key"]
    assert Appeal.objects.count() == 2


def test_same_idempotency_key_returns_the_first_result_and_creates_nothing(w):
    client = api(w.users["hotline"], token=True)
    first = client.post("/api/v1/appeals/", APPEAL, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201
    body = first.json()
    assert (body["created"], body["order"]["channel"], body["order"]["area"]["code"]) == (True, "api", w.tree.grid1.code)
    counts = (Appeal.objects.count(), WorkOrder.objects.count(), AuditEvent.objects.count())
    # The same body again, its fields in another order: the same request.
    again = client.post("/api/v1/appeals/", dict(reversed(list(APPEAL.items()))), format="json",
                        HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 200
    assert again.json()["tracking_number"] == body["tracking_number"] and again.json()["created"] is False
    assert (Appeal.objects.count(), WorkOrder.objects.count(), AuditEvent.objects.count()) == counts


def test_same_idempotency_key_with_a_different_body_is_422_naming_the_key_and_creates_nothing(w):
    client = api(w.users["hotline"], token=True)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    first = client.post("/api/v1/appeals/", APPEAL, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201
    appeal = Appeal.objects.get(tracking_number=first.json()["tracking_number"])
    order = appeal.order
    before = (Appeal.objects.count(), WorkOrder.objects.count(), AuditEvent.objects.count(), OrderEvent.objects.count(),
              appeal.title, order.title)
    message = "幂等键“k-1”已用于另一个内容不同的请求。重试时请原样重发同一请求；提交新的诉求请使用新的幂等键。"
    for changed in ({**APPEAL, "title": "井盖丢失"}, {**APPEAL, "lon": 120.306}, {k: v for k, v in APPEAL.items()
                                                                                   if k != "category"}):
        response = client.post("/api/v1/appeals/", changed, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        assert response.status_code == 422
        assert response.json() == {"error": {"code": "idempotency_key_reused", "message": message,
                                             "fields": {"idempotency_key": [message]},
                                             "codes": {"idempotency_key": ["idempotency_key_reused"]}}}
    appeal.refresh_from_db()
    order.refresh_from_db()
    assert (Appeal.objects.count(), WorkOrder.objects.count(), AuditEvent.objects.count(), OrderEvent.objects.count(),
            appeal.title, order.title) == before
    # The first request itself is still a retry.
    assert client.post("/api/v1/appeals/", APPEAL, format="json", HTTP_IDEMPOTENCY_KEY="k-1").status_code == 200


def test_a_multipart_retry_with_the_same_photo_is_a_retry_and_another_photo_is_422(w):
    client = api(w.users["hotline"], token=True)
    photo = png()
    first = client.post("/api/v1/appeals/", {**APPEAL, "photos": [photo]}, format="multipart",
                        HTTP_IDEMPOTENCY_KEY="m-1")
    assert first.status_code == 201
    photo.seek(0)
    again = client.post("/api/v1/appeals/", {**APPEAL, "photos": [photo]}, format="multipart",
                        HTTP_IDEMPOTENCY_KEY="m-1")
    assert (again.status_code, again.json()["tracking_number"]) == (200, first.json()["tracking_number"])
    other = client.post("/api/v1/appeals/", {**APPEAL, "photos": [png(color="blue")]}, format="multipart",
                        HTTP_IDEMPOTENCY_KEY="m-1")
    assert (other.status_code, other.json()["error"]["code"]) == (422, "idempotency_key_reused")
    assert Attachment.objects.count() == 1


def test_another_clients_idempotency_key_or_external_id_is_409_and_shows_nothing(w):
    hotline = api(w.users["hotline"], token=True)
    first = hotline.post("/api/v1/appeals/", {**APPEAL, "source": "12345", "external_id": "A-1"}, format="json",
                         HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201
    tracking = first.json()["tracking_number"]
    counts = (Appeal.objects.count(), WorkOrder.objects.count(), AuditEvent.objects.count())
    other = {**APPEAL, "title": "别的诉求", "text": "另一个人的另一件事"}
    district = api(w.users["district"], token=True)
    # Another client that happens to pick the same key gets neither the first appeal nor a silent 200.
    for client in (district, api(w.users["resident"])):
        response = client.post("/api/v1/appeals/", other, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        assert response.status_code == 409
        assert response.json() == {"error": {
            "code": "idempotency_key_in_use",
            "message": "This idempotency key was already used for another request; send a new key with each new "
                       "appeal.",
            "fields": {"idempotency_key": ["This idempotency key was already used for another request; send a new "
                                           "key with each new appeal."]},
            "codes": {"idempotency_key": ["idempotency_key_in_use"]}}}
    # A resident guessing a 12345 record's number learns nothing about it.
    response = api(w.users["resident"]).post(
        "/api/v1/appeals/", {**other, "source": "12345", "external_id": "A-1"}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["fields"] == {
        "external_id": ["An appeal with this source and external id was already taken in by someone else."]}
    assert tracking not in response.content.decode()
    assert (Appeal.objects.count(), WorkOrder.objects.count(), AuditEvent.objects.count()) == counts
    # The client that made it gets its first result; staff who can read the order, the same 12345 record.
    again = hotline.post("/api/v1/appeals/", {**APPEAL, "source": "12345", "external_id": "A-1"}, format="json",
                         HTTP_IDEMPOTENCY_KEY="k-1")
    assert (again.status_code, again.json()["tracking_number"]) == (200, tracking)
    same_record = district.post(
        "/api/v1/appeals/", {**APPEAL, "source": "12345", "external_id": "A-1"}, format="json",
        HTTP_IDEMPOTENCY_KEY="d-1")
    assert (same_record.status_code, same_record.json()["tracking_number"]) == (200, tracking)
    assert (Appeal.objects.count(), WorkOrder.objects.count(), AuditEvent.objects.count()) == counts


def test_the_hotline_finds_its_order_by_source_and_external_id(w):
    hotline = api(w.users["hotline"], token=True)
    mine = hotline.post("/api/v1/appeals/", {**APPEAL, "source": "12345", "external_id": "A-1"}, format="json",
                        HTTP_IDEMPOTENCY_KEY="k-1").json()["order"]["number"]
    other = hotline.post("/api/v1/appeals/", {**APPEAL, "title": "井盖丢失", "source": "12345", "external_id": "A-2"},
                         format="json", HTTP_IDEMPOTENCY_KEY="k-2").json()["order"]["number"]
    same_id_elsewhere = hotline.post("/api/v1/appeals/", {**APPEAL, "title": "垃圾满溢", "source": "wechat",
                                                          "external_id": "A-1"}, format="json",
                                     HTTP_IDEMPOTENCY_KEY="k-3").json()["order"]["number"]

    def found(**params):
        return [o["number"] for o in hotline.get("/api/v1/orders/", {"ordering": "number", **params}).json()["results"]]

    assert found(source="12345", external_id="A-1") == [mine]
    assert found(source="wechat", external_id="A-1") == [same_id_elsewhere]
    assert found(external_id="A-1") == sorted([mine, same_id_elsewhere])
    assert found(source="12345") == sorted([mine, other])
    assert found(source="12345", external_id="A-9") == []
    # Merged into another order, the record is found on the order that now holds its appeal.
    street = api(w.users["street"])
    assert street.post(url(WorkOrder.objects.get(number=mine), "transitions/"),
                       {"action": "merge", "target_order": other}, format="json").status_code == 200
    assert found(source="12345", external_id="A-1") == [other]
    # Outside the reader's jurisdiction it is not found, as any order.
    assert api(w.users["street2"]).get("/api/v1/orders/", {"source": "12345", "external_id": "A-2"}).json()[
        "count"] == 0


def test_the_schema_documents_source_and_external_id():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    params = {p["name"]: p for p in schema["paths"]["/api/v1/orders/"]["get"]["parameters"]}
    assert params["source"]["schema"] == params["external_id"]["schema"] == {"type": "string"}


def test_resident_submits_with_a_photo_in_multipart(w):
    client = api(w.users["resident"])
    response = client.post("/api/v1/appeals/", {**APPEAL, "photos": [png()]}, format="multipart")
    assert response.status_code == 201
    appeal = Appeal.objects.get(tracking_number=response.json()["tracking_number"])
    assert (appeal.channel, appeal.reporter, appeal.attachments.count()) == ("web", w.users["resident"], 1)


@pytest.mark.parametrize("payload, field, code, message", [
    ({"category": "999999"}, "category", "unknown_category", "Unknown category 999999."),
    ({"lat": 95}, "lat", "invalid", "Latitude 95.0 is outside -90..90."),
    ({"lon": 181}, "lon", "invalid", "Longitude 181.0 is outside -180..180."),
])
def test_intake_refusals_name_the_field_the_client_sent(w, payload, field, code, message):
    counts = (Appeal.objects.count(), WorkOrder.objects.count(), AuditEvent.objects.count())
    response = api(w.users["hotline"], token=True).post("/api/v1/appeals/", {**APPEAL, **payload}, format="json",
                                                         HTTP_IDEMPOTENCY_KEY="k-1")
    assert response.status_code == 400
    assert response.json() == {"error": {"code": code, "message": message, "fields": {field: [message]},
                                         "codes": {field: [code]}}}
    assert (Appeal.objects.count(), WorkOrder.objects.count(), AuditEvent.objects.count()) == counts


def test_a_form_in_another_encoding_is_refused_and_one_that_names_it_is_read(w):
    client = api(w.users["hotline"], token=True)
    counts = (Appeal.objects.count(), WorkOrder.objects.count(), AuditEvent.objects.count())
    gbk = urlencode({**APPEAL, "title": "路灯不亮", "text": "恩县路12号路灯不亮"}, encoding="gbk")
    response = client.post("/api/v1/appeals/", gbk, content_type="application/x-www-form-urlencoded",
                           HTTP_IDEMPOTENCY_KEY="k-1")
    assert response.status_code == 400
    message = "This text is not UTF-8; send UTF-8, or name the encoding in Content-Type (charset=gbk)."
    assert response.json()["error"]["fields"] == {"title": [message], "text": [message], "reporter_name": [message]}
    assert (Appeal.objects.count(), WorkOrder.objects.count(), AuditEvent.objects.count()) == counts
    named = client.post("/api/v1/appeals/", gbk, content_type="application/x-www-form-urlencoded; charset=gbk",
                        HTTP_IDEMPOTENCY_KEY="k-2")
    assert named.status_code == 201
    assert Appeal.objects.get(tracking_number=named.json()["tracking_number"]).title == "路灯不亮"


def test_intake_refusals_are_400_or_403_and_write_nothing(w):
    counts = (Appeal.objects.count(), WorkOrder.objects.count(), AuditEvent.objects.count())
    resident = api(w.users["resident"])
    response = resident.post("/api/v1/appeals/", {**APPEAL, "lon": 0, "lat": 0}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "location": ["The place 0.000000, 0.000000 is not inside any grid of this platform."]}
    assert resident.post("/api/v1/appeals/", {**APPEAL, "channel": "hotline"}, format="json").status_code == 403
    assert resident.post("/api/v1/appeals/", {**APPEAL, "channel": "api"}, format="json").status_code == 400
    assert (Appeal.objects.count(), WorkOrder.objects.count(), AuditEvent.objects.count()) == counts


def test_public_tracking_by_number_phone_and_texted_code(w, django_capture_on_commit_callbacks):
    services.transition(w.g1, "dispatch", w.users["street"], unit=w.units["cg"])
    number = w.g1.appeals.get().tracking_number
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    with django_capture_on_commit_callbacks(execute=True):  # the text leaves after commit
        asked = client.post("/api/v1/appeals/track/", {"number": number, "phone": "13900000001"}, format="json")
    assert asked.status_code == 202
    assert [phone for phone, _m in LogSmsGateway.sent] == ["13900000001"]
    code = re.search(r"\b(\d{6})\b", LogSmsGateway.sent[-1][1]).group(1)
    body = client.get("/api/v1/appeals/track/", {"number": number, "code": code}).json()
    assert {k: body[k] for k in ("tracking_number", "title", "status", "status_display", "category", "unit", "answer")} == {
        "tracking_number": number, "title": "G1 order", "status": "dispatched",
        "status_display": "Dispatched, to accept", "category": "道路破损", "unit": "市北区城市管理局", "answer": ""}
    assert [(e["action"], e["status"], e["unit"]) for e in body["timeline"]] == [("dispatch", "dispatched", "市北区城市管理局")]
    # A wrong phone answers exactly like the right one and texts nothing.
    with django_capture_on_commit_callbacks(execute=True):
        wrong = client.post("/api/v1/appeals/track/", {"number": number, "phone": "13900000002"}, format="json")
    assert (wrong.status_code, wrong.json()) == (asked.status_code, asked.json())
    assert len(LogSmsGateway.sent) == 1
    bad = client.get("/api/v1/appeals/track/", {"number": number, "code": "000000" if code != "000000" else "111111"})
    assert bad.status_code == 404
    assert bad.json()["error"]["message"] == "No appeal with this tracking number and code."
    missing = client.get("/api/v1/appeals/track/", {"number": number})
    assert missing.status_code == 400 and missing.json()["error"]["fields"] == {"code": ["This parameter is required."]}
    # The phone alone no longer shows anything.
    assert client.get("/api/v1/appeals/track/", {"number": number, "phone": "13900000001"}).status_code == 400


def test_reveal_is_audited_for_staff_and_404_for_others(w):
    number = w.g1.appeals.get().tracking_number
    response = api(w.users["grid"]).post(f"/api/v1/appeals/{number}/reveal/", {"purpose": "call back"}, format="json")
    assert response.status_code == 200
    assert response.json() == {"tracking_number": number, "reporter_name": "张三", "reporter_phone": "13900000001",
                               "address": ""}
    read = AuditEvent.objects.get(action="personal_data.read")
    assert (read.actor, read.reason, read.changes) == (
        w.users["grid"], "call back", {"fields": ["address", "reporter_name", "reporter_phone"]})
    for who in ("resident", "street2"):
        assert api(w.users[who]).post(f"/api/v1/appeals/{number}/reveal/").status_code == 404
    assert AuditEvent.objects.filter(action="personal_data.read").count() == 1


# --- callbacks, whistles, catalogue ----------------------------------------------------------
def closed(w):
    order = w.g1
    services.transition(order, "dispatch", w.users["street"], unit=w.units["cg"])
    services.transition(order, "accept", w.users["dept"])
    services.transition(order, "resolve", w.users["dept"], answer="已修补")
    services.transition(order, "verify", w.users["grid"])
    return services.transition(order, "close", w.users["street"])


def test_resident_rates_the_closed_order(w):
    order = closed(w)
    response = api(w.users["resident"]).post(url(order, "callbacks/"),
                                             {"resolution": "resolved", "satisfaction": "satisfied"}, format="json")
    assert response.status_code == 201
    assert {k: response.json()[k] for k in ("order", "round", "reached", "resolution", "satisfaction", "channel")} == {
        "order": order.number, "round": 0, "reached": True, "resolution": "resolved", "satisfaction": "satisfied",
        "channel": "web"}


def test_callback_refusals_change_nothing(w):
    order = closed(w)
    before = (Callback.objects.count(), AuditEvent.objects.count())
    assert api(w.users["resident2"]).post(url(order, "callbacks/"), {"resolution": "resolved",
                                                                     "satisfaction": "satisfied"},
                                          format="json").status_code == 404
    response = api(w.users["resident"]).post(url(order, "callbacks/"), {"resolution": "resolved"}, format="json")
    assert response.status_code == 400
    assert (Callback.objects.count(), AuditEvent.objects.count()) == before


def test_street_whistles_and_the_department_reports(w):
    order = w.g1
    services.transition(order, "dispatch", w.users["street"], unit=w.units["s1"])
    response = api(w.users["street"]).post(url(order, "whistles/"),
                                           {"units": ["D-CG", "D-ZJ"], "reason": "联合处置", "report_hours": 24},
                                           format="json")
    assert response.status_code == 201
    whistle = response.json()
    assert ([r["unit"]["code"] for r in whistle["responses"]], whistle["status"]) == (["D-CG", "D-ZJ"], "open")
    assert api(w.users["dept"]).get(url(order)).status_code == 200  # the whistle lets the department see it
    report = api(w.users["dept"]).post(f"/api/v1/whistles/{whistle['id']}/report/", {"note": "已到场"}, format="json")
    assert report.status_code == 200
    assert [(r["unit"]["code"], r["note"]) for r in report.json()["responses"]] == [("D-CG", "已到场"), ("D-ZJ", "")]


def test_whistle_refusals(w):
    before = AuditEvent.objects.count()
    assert api(w.users["street2"]).post(url(w.g1, "whistles/"), {"units": ["D-CG"], "reason": "x"},
                                        format="json").status_code == 404
    assert api(w.users["street"]).post(url(w.g1, "whistles/"), {"units": ["NOPE"], "reason": "x"},
                                       format="json").status_code == 400
    assert api(w.users["dept"]).post("/api/v1/whistles/999/report/", {"note": "x"}, format="json").status_code == 404
    assert AuditEvent.objects.count() == before


def test_categories_are_public_and_responsibilities_need_sign_in(w):
    tree = APIClient().get("/api/v1/categories/").json()
    assert "01" in [n["code"] for n in tree]
    assert APIClient().get("/api/v1/responsibilities/").status_code == 401
    assert api(w.users["street"]).get("/api/v1/responsibilities/").status_code == 200

