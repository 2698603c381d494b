"""Open311 GeoReport v2: every endpoint in both formats, every refusal, and the georeport client
from PyPI reading a live server."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import urlencode
from xml.etree import ElementTree as ET

import pytest
from django.utils import timezone
from georeport import GeoReport

from civicgrid.core.models import AuditEvent
from civicgrid.open311 import services
from civicgrid.open311.models import ServiceAttribute, Submission
from civicgrid.workorders.models import Appeal, WorkOrder
from civicgrid.workorders.testing import make_order, make_world

pytestmark = pytest.mark.django_db
BASE = "/open311/v2"


@pytest.fixture
def w(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return make_world()


@pytest.fixture
def key(w):
    return services.create_api_key(actor=None, name="test app")[1]


def post(client, key, HTTP_IDEMPOTENCY_KEY=None, **fields):
    headers = {"HTTP_IDEMPOTENCY_KEY": HTTP_IDEMPOTENCY_KEY} if HTTP_IDEMPOTENCY_KEY else {}
    data = {"api_key": key, "service_code": "010101", "lat": "36.055", "long": "120.305",
            "description": "恩县路12号门前路面有坑，联系人张三 13812345678", "first_name": "三", "last_name": "张",
            "phone": "13812345678", "email": "zs@example.com", "account_id": "acc-1", "device_id": "dev-1", **fields}
    return client.post(f"{BASE}/requests.json", {k: v for k, v in data.items() if v is not None}, **headers)


def xml(response):
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(response.content)


def counts():
    return (WorkOrder.objects.count(), Appeal.objects.count(), Submission.objects.count(), AuditEvent.objects.count())


# --- discovery and services ------------------------------------------------------------------
def test_discovery_in_both_formats(client, w):
    body = client.get(f"{BASE}/discovery.json").json()
    assert body["endpoints"] == [{
        "specification": "http://wiki.open311.org/GeoReport_v2", "url": "http://testserver/open311/v2/",
        "changeset": "2026-11-22T00:00:00+08:00", "type": "production", "formats": ["text/xml", "application/json"],
    }]
    root = xml(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    assert [f.text for f in root.find("endpoints/endpoint/formats")] == ["text/xml", "application/json"]


def test_services_are_the_leaf_categories_without_private_ones(client, w):
    services_ = client.get(f"{BASE}/services.json").json()
    by_code = {s["service_code"]: s for s in services_}
    assert by_code["010101"] == {
        "service_code": "010101", "service_name": "道路破损", "description": "城乡建设 / 市政管理 / 道路破损",
        "metadata": True, "type": "realtime", "keywords": "路面,坑洼", "group": "市政管理",
    }
    assert "010103" not in by_code  # private
    assert "0101" not in by_code and "01" not in by_code  # not leaves
    root = xml(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    first = root.find("service[service_code='010101']")
    assert (first.findtext("service_name"), first.findtext("metadata"), first.findtext("group")) == (
        "道路破损", "true", "市政管理")
    assert len(root.findall("service")) == len(services_)


def test_metadata_is_false_without_attributes(client, w):
    ServiceAttribute.objects.update(is_active=False)
    by_code = {s["service_code"]: s for s in client.get(f"{BASE}/services.json").json()}
    assert by_code["010101"]["metadata"] is False


def test_service_definition_lists_the_attributes(client, w):
    ServiceAttribute.objects.create(category=w.categories["road"], code="size", description="坑的大小",
                                    datatype="singlevaluelist", required=False, position=3,
                                    values=[{"key": "s", "name": "小"}, {"key": "l", "name": "大"}])
    body = client.get(f"{BASE}/services/010101.json").json()
    assert body["service_code"] == "010101"
    assert [(a["code"], a["datatype"], a["required"], a["order"]) for a in body["attributes"]] == [
        ("description", "text", True, 1), ("photo", "string", False, 2), ("size", "singlevaluelist", False, 3)]
    assert body["attributes"][2]["values"] == [{"key": "s", "name": "小"}, {"key": "l", "name": "大"}]
    root = xml(client.get(f"{BASE}/services/010101.xml"))
    assert root.tag == "service_definition"
    assert [v.findtext("name") for v in root.findall("attributes/attribute[code='size']/values/value")] == ["小", "大"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_service_is_404_in_the_spec_error_shape(client, w, fmt):
    response = client.get(f"{BASE}/services/999999.{fmt}")
    assert response.status_code == 404
    if fmt == "json":
        assert response.json() == [{"code": 404, "description": "There is no service with the code 999999."}]
    else:
        root = xml(response)
        assert (root.tag, root.findtext("error/code"), root.findtext("error/description")) == (
            "errors", "404", "There is no service with the code 999999.")


# --- POST requests ---------------------------------------------------------------------------
def test_post_creates_an_open311_appeal_and_returns_id_notice_account_and_token(client, w, key):
    response = post(client, key)
    assert response.status_code == 201
    (body,) = response.json()
    appeal = Appeal.objects.get()
    submission = Submission.objects.get()
    assert body == {
        "service_request_id": appeal.tracking_number,
        "service_notice": f"Received as {appeal.tracking_number}; the handling unit answers by the deadline.",
        "account_id": "acc-1", "token": submission.token,
    }
    assert (appeal.channel, appeal.reporter_name, appeal.reporter_phone, appeal.order.category.code,
            appeal.order.area.code, appeal.source) == (
        "open311", "张三", "13812345678", "010101", "370203020009001", "open311:test app")
    assert (submission.email, submission.device_id, submission.account_id, submission.api_key.name) == (
        "zs@example.com", "dev-1", "acc-1", "test app")
    assert AuditEvent.objects.filter(action="open311.request", object_id=str(submission.pk)).count() == 1


def test_post_with_an_idempotency_key_retried_gives_the_first_request_and_writes_nothing(client, w, key):
    first = post(client, key, HTTP_IDEMPOTENCY_KEY="o-1")
    assert first.status_code == 201
    before = counts()
    again = post(client, key, HTTP_IDEMPOTENCY_KEY="o-1")
    assert again.status_code == 200
    assert again.json() == first.json()
    assert counts() == before
    # Without a key every POST is a new request, as before.
    assert post(client, key).status_code == 201
    assert counts()[:3] == tuple(n + 1 for n in before[:3])


def test_post_with_an_idempotency_key_and_another_form_is_422_naming_the_key(client, w, key):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    assert post(client, key, HTTP_IDEMPOTENCY_KEY="o-1").status_code == 201
    before = counts()
    response = post(client, key, description="另一件事：路灯不亮", HTTP_IDEMPOTENCY_KEY="o-1")
    assert response.status_code == 422
    assert response.json() == [{"code": 422, "description": "Idempotency-Key: 幂等键“o-1”已用于另一个内容不同的请求。"
                                                           "重试时请原样重发同一请求；提交新的诉求请使用新的幂等键。"}]
    assert counts() == before
    assert Appeal.objects.get().text == "恩县路12号门前路面有坑，联系人张三 13812345678"


def test_another_clients_idempotency_key_is_409_and_shows_nothing(client, w, key):
    first = post(client, key, HTTP_IDEMPOTENCY_KEY="o-1")
    other = services.create_api_key(actor=None, name="other app")[1]
    before = counts()
    response = post(client, other, HTTP_IDEMPOTENCY_KEY="o-1")
    assert response.status_code == 409
    assert response.json() == [{"code": 409, "description": "Idempotency-Key: This idempotency key was already used "
                                                           "for another request; send a new key with each new appeal."}]
    assert first.json()[0]["service_request_id"] not in response.content.decode()
    assert counts() == before


def test_a_bad_idempotency_key_is_400(client, w, key):
    before = counts()
    response = post(client, key, HTTP_IDEMPOTENCY_KEY="has space")
    assert response.status_code == 400
    assert response.json() == [{"code": 400, "description": "Idempotency-Key: The idempotency key must be 1 to 80 "
                                                           "printable ASCII characters without spaces."}]
    assert counts() == before


def test_post_xml_and_the_description_attribute(client, w, key):
    response = client.post(f"{BASE}/requests.xml", {
        "api_key": key, "service_code": "010101", "address_id": "", "lat": "36.055", "long": "120.305",
        "attribute[description]": "路灯不亮", "attribute[photo]": "https://example.com/p.jpg"})
    assert response.status_code == 201
    root = xml(response)
    assert root.tag == "service_requests"
    assert root.findtext("request/service_request_id") == Appeal.objects.get().tracking_number
    assert Appeal.objects.get().text == "路灯不亮\nPhoto: https://example.com/p.jpg"


def test_post_in_demo_mode_accepts_the_demo_key(client, w, settings):
    settings.DEMO_MODE = True
    assert post(client, "demo").status_code == 201
    assert Submission.objects.get().api_key is None


@pytest.mark.parametrize(("api_key", "message"), [
    (None, "api_key is required to post a service request."),
    ("wrong", "The api_key is not valid."),
    ("demo", "The api_key is not valid."),  # not in demo mode
])
def test_post_without_a_valid_key_is_403_and_writes_nothing(client, w, api_key, message):
    before = counts()
    response = post(client, api_key)
    assert response.status_code == 403
    assert response.json() == [{"code": 403, "description": message}]
    assert counts() == before


def test_a_deactivated_key_is_refused(client, w, key):
    from civicgrid.open311.models import ApiKey

    ApiKey.objects.update(is_active=False)
    assert post(client, key).status_code == 403


@pytest.mark.parametrize(("fields", "descriptions"), [
    ({"service_code": None}, ["service_code: service_code is required."]),
    ({"service_code": "999999"}, ["service_code: There is no service with the code 999999."]),
    ({"service_code": "010103"}, ["service_code: There is no service with the code 010103."]),
    ({"description": None}, ["attribute[description]: 问题描述（时间、地点、现象） is required."]),
    ({"lat": None, "long": None}, ["location: Say where: lat and long, address_string or address_id."]),
    ({"lat": "0", "long": "0"}, ["location: The place 0.000000, 0.000000 is not inside any grid of this platform."]),
    ({"lat": "north"}, ["lat: lat must be a number, got 'north'."]),
    ({"phone": "12"}, ["phone: 12 is not a phone number."]),
    ({"lat": "95"}, ["lat: Latitude 95.0 is outside -90..90."]),
    ({"long": "-500"}, ["long: Longitude -500.0 is outside -180..180."]),
    ({"lat": None, "long": None, "address_id": "nope"}, ["address_id: There is no building with the code nope."]),
    ({"email": "not-an-address"}, ["email: not-an-address is not an e-mail address."]),
])
def test_post_bad_input_is_400_with_what_and_where_and_writes_nothing(client, w, key, fields, descriptions):
    before = counts()
    response = post(client, key, **fields)
    assert response.status_code == 400
    assert response.json() == [{"code": 400, "description": d} for d in descriptions]
    assert counts() == before


def test_a_form_in_another_encoding_is_refused_in_the_spec_error_shape(client, w, key):
    form = {"api_key": key, "service_code": "010101", "lat": "36.055", "long": "120.305", "description": "路灯不亮"}
    before = counts()
    response = client.post(f"{BASE}/requests.json", urlencode(form, encoding="gbk"),
                           content_type="application/x-www-form-urlencoded", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json() == [{"code": 400, "description": "description: This text is not UTF-8. Send the form "
                                                           "in UTF-8."}]
    named = client.post(f"{BASE}/requests.json", urlencode(form, encoding="gbk"),
                        content_type="application/x-www-form-urlencoded; charset=gbk", HTTP_ACCEPT_LANGUAGE="en")
    assert named.status_code == 400
    assert named.json() == [{"code": 400, "description": "Send the form in UTF-8."}]
    assert counts() == before


def test_a_body_over_the_limit_is_413_in_the_spec_error_shape(client, w, key, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    before = counts()
    response = client.post(f"{BASE}/requests.json", {"api_key": key, "service_code": "010101", "lat": "36.055",
                                                     "long": "120.305", "description": "灯" * 2000},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 413
    assert response.json() == [{"code": 413, "description": "The request body is too large."}]
    assert counts() == before


def test_post_bad_input_in_xml(client, w, key):
    response = client.post(f"{BASE}/requests.xml", {"api_key": key, "service_code": "999999"})
    assert response.status_code == 400
    root = xml(response)
    assert [(e.findtext("code"), e.findtext("description")) for e in root.findall("error")] == [
        ("400", "service_code: There is no service with the code 999999.")]


# --- GET requests ----------------------------------------------------------------------------
def test_get_request_shows_public_fields_only(client, w, key):
    post(client, key)
    appeal = Appeal.objects.get()
    body = client.get(f"{BASE}/requests/{appeal.tracking_number}.json").json()
    order = appeal.order
    local = timezone.localtime(appeal.received_at).replace(microsecond=0).isoformat()
    assert body == [{
        "service_request_id": appeal.tracking_number, "status": "open", "status_notes": "New, to dispatch",
        "service_name": "道路破损", "service_code": "010101",
        "description": "恩县路12号门前路面有坑，联系人张* 138****5678",
        "agency_responsible": "", "service_notice": "", "requested_datetime": local,
        "updated_datetime": timezone.localtime(order.updated_at).replace(microsecond=0).isoformat(),
        "expected_datetime": None, "address": "", "address_id": "", "zipcode": "", "lat": 36.055, "long": 120.305,
        "media_url": "",
    }]
    assert local.endswith("+08:00")
    text = json.dumps(body, ensure_ascii=False)
    for secret in ("13812345678", "zs@example.com", "acc-1", "dev-1", "张三"):
        assert secret not in text


def test_closed_request_has_status_closed_agency_and_answer(client, w):
    from civicgrid.workorders import services as order_services

    order = make_order(w, area=w.tree.grid1)
    actor = w.users["street"]
    order_services.transition(order, "dispatch", actor, unit=w.units["cg"])
    order_services.transition(order, "accept", w.users["dept"])
    order_services.transition(order, "resolve", w.users["dept"], answer="已修补路面。")
    order_services.transition(order, "verify", w.users["grid"])
    order = order_services.transition(order, "close", actor)
    number = order.appeals.get().tracking_number
    (body,) = client.get(f"{BASE}/requests/{number}.json").json()
    assert (body["status"], body["status_notes"], body["agency_responsible"]) == ("closed", "已修补路面。", "市北区城市管理局")
    assert body["expected_datetime"] == timezone.localtime(order.handle_due).replace(microsecond=0).isoformat()
    root = xml(client.get(f"{BASE}/requests/{number}.xml"))
    assert (root.tag, root.findtext("request/status")) == ("service_requests", "closed")


def test_private_and_opted_out_requests_are_not_public(client, w):
    private = make_order(w, category=w.categories["private"])
    opted = make_order(w)
    opted.appeals.update(echo_opt_out=True)
    for order in (private, opted):
        number = order.appeals.get().tracking_number
        assert client.get(f"{BASE}/requests/{number}.json").status_code == 404
    assert client.get(f"{BASE}/requests.json").json() == []


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_request_and_token_are_404(client, w, fmt):
    for path, description in (("requests/NOPE", "There is no service request NOPE."),
                              ("tokens/abc", "There is no token abc.")):
        response = client.get(f"{BASE}/{path}.{fmt}")
        assert response.status_code == 404
        if fmt == "json":
            assert response.json() == [{"code": 404, "description": description}]
        else:
            assert xml(response).findtext("error/description") == description


def test_list_filters_by_id_code_status_dates_and_pages(client, w):
    orders = [make_order(w) for _ in range(3)]
    gas = make_order(w, category=w.categories["gas"])
    old = make_order(w)
    Appeal.objects.filter(order=old).update(received_at=timezone.now() - timedelta(days=120))
    WorkOrder.objects.filter(pk=orders[0].pk).update(status="closed")
    ids = {o.pk: o.appeals.get().tracking_number for o in [*orders, gas, old]}

    def listed(**params):
        return [r["service_request_id"] for r in client.get(f"{BASE}/requests.json", params).json()]

    newest_first = [ids[o.pk] for o in reversed([*orders, gas])]
    assert listed() == newest_first  # the 120-day-old one is outside the default 90 days
    assert listed(service_request_id=f"{ids[old.pk]},{ids[gas.pk]}") == [ids[gas.pk], ids[old.pk]]
    assert listed(service_code="010102") == [ids[gas.pk]]
    assert listed(status="closed") == [ids[orders[0].pk]]
    assert listed(status="open,closed") == newest_first
    start = (timezone.now() - timedelta(days=130)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (timezone.now() - timedelta(days=100)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert listed(start_date=start, end_date=end) == [ids[old.pk]]
    assert listed(page_size="2") == newest_first[:2]
    assert listed(page_size="2", page="2") == newest_first[2:4]
    root = xml(client.get(f"{BASE}/requests.xml", {"page_size": "2"}))
    assert [r.findtext("service_request_id") for r in root.findall("request")] == newest_first[:2]


@pytest.mark.parametrize(("params", "description"), [
    ({"status": "pending"}, "status: status is open, closed, or both separated by a comma."),
    ({"start_date": "yesterday"}, "start_date: Give start_date as a W3C date and time, e.g. 2026-01-01T00:00:00Z."),
    ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
     "end_date: A search may span at most 90 days."),
    ({"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"},
     "end_date: end_date lies before start_date."),
    ({"page_size": "5000"}, "page_size: page_size must be a whole number from 1 to 1000."),
    ({"page": "0"}, "page: page must be a whole number from 1 to 1000000."),
])
def test_list_bad_parameters_are_400(client, w, params, description):
    response = client.get(f"{BASE}/requests.json", params)
    assert response.status_code == 400
    assert response.json() == [{"code": 400, "description": description}]


def test_token_gives_the_request_id(client, w, key):
    (created,) = post(client, key).json()
    body = client.get(f"{BASE}/tokens/{created['token']}.json").json()
    assert body == [{"service_request_id": created["service_request_id"], "token": created["token"]}]
    root = xml(client.get(f"{BASE}/tokens/{created['token']}.xml"))
    assert root.findtext("request/service_request_id") == created["service_request_id"]


def test_without_extension_the_answer_is_xml(client, w):
    assert xml(client.get(f"{BASE}/services")).tag == "services"


def test_other_methods_are_refused(client, w):
    assert client.delete(f"{BASE}/requests.json").status_code == 405
    assert client.post(f"{BASE}/services.json").status_code == 405


# --- the georeport client against a live server ----------------------------------------------
# serialized_rollback: the flush after a live-server test would otherwise take the migrations' data
# (default catalogue, default attributes) away from the tests that run after it.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_client_reads_a_live_server(live_server, fmt):
    # An earlier transactional test's flush can leave this one without the default questions when
    # the serialized restore runs before them; put them back exactly as the data migration does.
    import importlib

    from django.apps import apps as django_apps

    importlib.import_module("civicgrid.open311.migrations.0002_default_attributes").load(django_apps, None)
    world = make_world()
    key = services.create_api_key(actor=None, name="live")[1]
    order = make_order(world)
    number = order.appeals.get().tracking_number
    client = GeoReport(f"{live_server.url}/open311/v2", api_key=key, output_format=fmt)

    listed = client.get_service_list()
    assert "010101" in [s["service_code"] for s in listed]
    definition = client.get_service_definition("010101")
    attributes = definition["attributes"] if fmt == "json" else definition["attributes"]["attribute"]
    assert [a["code"] for a in attributes] == ["description", "photo"]
    requests_ = client.get_service_requests()
    if fmt == "xml":
        requests_ = [requests_] if isinstance(requests_, dict) else requests_
    assert [r["service_request_id"] for r in requests_] == [number]
    one = client.get_service_request(number)
    assert (one["service_request_id"], one["status"], one["service_code"]) == (number, "open", "010101")
