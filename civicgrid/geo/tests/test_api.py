import pytest
from rest_framework.test import APIClient

from civicgrid.core.testing import make_tree
from civicgrid.geo import coords

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    make_tree()
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


def codes(response):
    return [f["properties"]["code"] for f in response.json()["features"]]


def test_grid_list_is_a_feature_collection_with_the_expected_properties(client):
    response = client.get("/api/v1/areas/", {"kind": "grid"})
    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert codes(response) == ["370203020002001", "370203020009001", "370203020009002", "370203028013001"]
    props = body["features"][1]["properties"]
    assert {k: props[k] for k in ("code", "name", "kind", "parent")} == {
        "code": "370203020009001", "name": "恩县路第一网格", "kind": "grid", "parent": "370203020009"}
    assert body["features"][1]["geometry"]["type"] == "Polygon"


def test_filters_by_parent_and_kind(client):
    assert codes(client.get("/api/v1/areas/", {"parent": "370203020009"})) == ["370203020009001", "370203020009002"]
    assert codes(client.get("/api/v1/areas/", {"kind": "community", "parent": "370203020000"})) == [
        "370203020002", "370203020009"]
    assert codes(client.get("/api/v1/areas/", {"kind": "street"})) == ["370203020000", "370203028000"]
    assert codes(client.get("/api/v1/areas/", {"kind": "grid", "parent": "370203028000"})) == []


def test_locate_returns_wgs84_point_area_and_chain(client):
    gcj = coords.from_wgs84(120.305, 36.055, "GCJ02")
    response = client.get("/api/v1/areas/locate/", {"lon": gcj[0], "lat": gcj[1], "coord_system": "gcj-02"})
    assert response.status_code == 200
    body = response.json()
    assert body["lon"] == pytest.approx(120.305, abs=1e-7) and body["lat"] == pytest.approx(36.055, abs=1e-7)
    assert body["area"] == {"code": "370203020009001", "name": "恩县路第一网格", "kind": "grid",
                            "parent": "370203020009", "parent_name": "恩县路社区", "depth": 3,
                            "centroid": [120.305, 36.055]}
    assert body["chain"] == [
        {"code": "370203000000", "name": "市北区", "kind": "district"},
        {"code": "370203020000", "name": "即墨路街道", "kind": "street"},
        {"code": "370203020009", "name": "恩县路社区", "kind": "community"},
        {"code": "370203020009001", "name": "恩县路第一网格", "kind": "grid"},
    ]


def test_locate_defaults_to_wgs84(client):
    assert client.get("/api/v1/areas/locate/", {"lon": "120.345", "lat": "36.055"}).json()["area"]["code"] == \
        "370203028013001"


@pytest.mark.parametrize(
    ("params", "code", "message", "fields"),
    [
        ({"lat": "36"}, "required", "This parameter is required.", {"lon": ["This parameter is required."]}),
        ({"lon": "east", "lat": "36"}, "invalid", "lon and lat must be numbers, got 'east' and '36'.",
         {"non_field_errors": ["lon and lat must be numbers, got 'east' and '36'."]}),
        ({"lon": "200", "lat": "36"}, "invalid", "Longitude 200.0 is outside -180..180.",
         {"lon": ["Longitude 200.0 is outside -180..180."]}),
        ({"lon": "120.3", "lat": "-95"}, "invalid", "Latitude -95.0 is outside -90..90.",
         {"lat": ["Latitude -95.0 is outside -90..90."]}),
        ({"lon": "nan", "lat": "36"}, "invalid", "Longitude nan is outside -180..180.",
         {"lon": ["Longitude nan is outside -180..180."]}),
        ({"lon": "120.3", "lat": "36", "coord_system": "mars"}, "invalid",
         "Unknown coordinate system 'mars'; accepted: WGS84 (WGS-84), GCJ02 (GCJ-02), BD09 (BD-09).",
         {"coord_system": ["Unknown coordinate system 'mars'; accepted: WGS84 (WGS-84), GCJ02 (GCJ-02), BD09 (BD-09)."]}),
    ],
)
def test_locate_bad_input_is_a_400_in_the_project_error_shape(client, params, code, message, fields):
    response = client.get("/api/v1/areas/locate/", params)
    assert response.status_code == 400
    assert response.json() == {"error": {"code": code, "message": message, "fields": fields,
                                         "codes": {name: [code] for name in fields}}}


def test_locate_outside_every_area_is_a_404(client):
    response = client.get("/api/v1/areas/locate/", {"lon": "121", "lat": "37"})
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "fields": {}, "codes": {},
                                         "message": "The point 121.000000, 37.000000 is outside every area."}}
