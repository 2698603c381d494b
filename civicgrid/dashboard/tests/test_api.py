"""The command-center API: the same figures as the pages, as JSON, scoped by jurisdiction."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from civicgrid.workorders.models import OrderEvent, WorkOrder

from .test_views import (
    COMMUNITY1,
    COMMUNITY2,
    DISTRICT,
    GRID1,
    STREET1,
    STREET2,
    build_center_world,
)

pytestmark = pytest.mark.django_db

ENDPOINTS = ["summary", "trend", "categories", "map", "rankings", "overdue", "escalated", "whistles"]


@pytest.fixture
def cw():
    return build_center_world()


def api(cw, name: str | None) -> APIClient:
    c = APIClient()
    if name:
        c.force_authenticate(cw.world.users[name])
    return c


def figures(data: dict) -> dict:
    return {k: v for k, v in data.items() if k not in ("as_of", "area")}


def test_summary_of_the_district(cw):
    r = api(cw, "district").get("/api/v1/dashboard/summary/")
    assert r.status_code == 200
    data = r.json()
    assert data["area"] == {"code": DISTRICT, "name": "市北区", "kind": "district"}
    assert figures(data) == {"in_today": 6, "open": 5, "overdue": 2, "closed_today": 1, "escalated": 2,
                             "whistles_waiting": 2, "urgent_today": 0, "on_time_rate": 1.0}


def test_street_dispatcher_gets_their_street_and_nothing_else(cw):
    c = api(cw, "street")
    data = c.get("/api/v1/dashboard/summary/").json()
    assert data["area"]["code"] == STREET1
    assert figures(data) == {"in_today": 4, "open": 3, "overdue": 1, "closed_today": 1, "escalated": 2,
                             "whistles_waiting": 2, "urgent_today": 0, "on_time_rate": 1.0}
    for name in ENDPOINTS:
        r = c.get(f"/api/v1/dashboard/{name}/?area={STREET2}")
        assert r.status_code == 404, name


def test_street2_summary_has_no_on_time_rate(cw):
    data = api(cw, "street2").get(f"/api/v1/dashboard/summary/?area={STREET2}").json()
    assert figures(data) == {"in_today": 2, "open": 2, "overdue": 1, "closed_today": 0, "escalated": 0,
                             "whistles_waiting": 0, "urgent_today": 0, "on_time_rate": None}


@pytest.mark.parametrize("name", ["resident", "grid", "dept"])
def test_people_without_a_command_center_get_403(cw, name):
    for endpoint in ENDPOINTS:
        assert api(cw, name).get(f"/api/v1/dashboard/{endpoint}/").status_code == 403, endpoint


def test_anonymous_gets_401_or_403(cw):
    assert api(cw, None).get("/api/v1/dashboard/summary/").status_code in (401, 403)


def test_trend(cw):
    c = api(cw, "district")
    days = c.get("/api/v1/dashboard/trend/").json()["days"]
    today = timezone.localdate()
    assert len(days) == 30
    assert days[0]["day"] == (today - timedelta(days=29)).isoformat()
    assert days[-1] == {"day": today.isoformat(), "created": 6, "closed": 1, "closed_on_time": 1}
    assert sum(d["created"] for d in days[:-1]) == 0
    week = c.get(f"/api/v1/dashboard/trend/?area={STREET2}&days=7").json()
    assert week["area"]["code"] == STREET2
    assert [d["created"] for d in week["days"]] == [0, 0, 0, 0, 0, 0, 2]
    assert c.get("/api/v1/dashboard/trend/?days=0").status_code == 400
    assert c.get("/api/v1/dashboard/trend/?days=abc").status_code == 400


def test_categories(cw):
    c = api(cw, "district")
    assert c.get("/api/v1/dashboard/categories/").json()["categories"] == [
        {"code": "01", "name": "城乡建设", "open": 5, "created": 6}]
    assert c.get(f"/api/v1/dashboard/categories/?area={STREET2}").json()["categories"] == [
        {"code": "01", "name": "城乡建设", "open": 2, "created": 2}]


def test_map_of_the_district_and_of_a_grid(cw):
    c = api(cw, "district")
    data = c.get("/api/v1/dashboard/map/").json()
    assert data["type"] == "FeatureCollection"
    assert [f["properties"] for f in data["features"]] == [
        {"code": STREET1, "name": "即墨路街道", "kind": "street", "open": 3, "overdue": 1, "created_30d": 4, "drill": True},
        {"code": STREET2, "name": "四方街道", "kind": "street", "open": 2, "overdue": 1, "created_30d": 2, "drill": True},
    ]
    assert data["features"][0]["geometry"]["type"] == "Polygon"
    street = c.get(f"/api/v1/dashboard/map/?area={STREET1}").json()
    assert [(f["properties"]["code"], f["properties"]["open"]) for f in street["features"]] == [
        (COMMUNITY2, 1), (COMMUNITY1, 2)]
    grid = c.get(f"/api/v1/dashboard/map/?area={GRID1}").json()
    assert [f["properties"] for f in grid["features"]] == [
        {"code": GRID1, "name": "恩县路第一网格", "kind": "grid", "open": 2, "overdue": 1, "created_30d": 3, "drill": False}]


def test_rankings(cw, settings):
    settings.CENTER_RED_LIST_SIZE = 1
    settings.CENTER_BLACK_LIST_SIZE = 1
    c = api(cw, "district")
    data = c.get("/api/v1/dashboard/rankings/").json()
    assert (data["kind"], data["month"]) == ("street", timezone.localdate().strftime("%Y-%m"))
    assert [(r["code"], r["rank"], r["response_rate"], r["score"], r["dispatched"], r["list"]) for r in data["rows"]] == [
        (STREET2, 1, 1.0, 100.0, 1, "red"), (STREET1, 2, 0.5, 50.0, 2, "black")]
    assert [r["code"] for r in data["red"]] == [STREET2]
    assert [r["code"] for r in data["black"]] == [STREET1]
    departments = c.get("/api/v1/dashboard/rankings/?kind=department").json()
    # Only departments with work in the month: 城管 got three orders and accepted two in time.
    assert [(r["code"], r["rank"], r["dispatched"], r["response_rate"], r["score"], r["list"])
            for r in departments["rows"]] == [("D-CG", 1, 3, 0.6667, 66.67, "red")]


def test_rankings_refuse_bad_parameters(cw):
    c = api(cw, "street")
    assert c.get("/api/v1/dashboard/rankings/?month=2026-13").status_code == 400
    assert c.get("/api/v1/dashboard/rankings/?kind=village").status_code == 400
    # A street has no streets below it to rank.
    assert c.get("/api/v1/dashboard/rankings/?kind=street").status_code == 404
    last = (timezone.localdate().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    data = c.get(f"/api/v1/dashboard/rankings/?month={last}").json()
    assert (data["kind"], data["month"]) == ("community", last)
    assert [(r["code"], r["rank"], r["list"]) for r in data["rows"]] == [(COMMUNITY2, None, None), (COMMUNITY1, None, None)]


def test_overdue_escalated_and_whistles(cw):
    c = api(cw, "district")
    overdue = c.get("/api/v1/dashboard/overdue/").json()["orders"]
    assert sorted(o["number"] for o in overdue) == sorted([cw.late1.number, cw.late2.number])
    first = next(o for o in overdue if o["number"] == cw.late1.number)
    assert (first["title"], first["status"], first["area"], first["unit"], first["is_overdue"], first["url"]) == (
        "恩县路井盖缺失", "dispatched", "恩县路第一网格", "市北区城市管理局", True, f"/orders/{cw.late1.number}/")
    assert len(c.get("/api/v1/dashboard/overdue/?limit=1").json()["orders"]) == 1
    assert c.get("/api/v1/dashboard/overdue/?limit=0").status_code == 400
    escalated = c.get("/api/v1/dashboard/escalated/").json()["orders"]
    assert sorted(o["number"] for o in escalated) == sorted([cw.late1.number, cw.supervised.number])
    whistles = c.get("/api/v1/dashboard/whistles/").json()["whistles"]
    assert sorted((w["order_number"], w["unit"], w["street"], w["overdue"]) for w in whistles) == [
        (cw.late1.number, "市北区住房和城乡建设局", "即墨路街道", False),
        (cw.late1.number, "市北区城市管理局", "即墨路街道", False)]
    assert api(cw, "street2").get(f"/api/v1/dashboard/whistles/?area={STREET2}").json()["whistles"] == []


def test_reads_change_nothing(cw):
    before = (WorkOrder.objects.count(), OrderEvent.objects.count())
    c = api(cw, "district")
    for name in ENDPOINTS:
        assert c.get(f"/api/v1/dashboard/{name}/").status_code == 200
        assert c.post(f"/api/v1/dashboard/{name}/", {}).status_code == 405
    assert (WorkOrder.objects.count(), OrderEvent.objects.count()) == before


def test_every_endpoint_is_in_the_schema(cw):
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    for name in ENDPOINTS:
        op = paths[f"/api/v1/dashboard/{name}/"]["get"]
        assert op["operationId"] == f"dashboard_{name}"
        assert "area" in [p["name"] for p in op["parameters"]]
        assert set(op["responses"]) == {"200", "400", "401", "403", "404", "default"}
