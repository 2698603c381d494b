import pytest
from django.urls import reverse

from civicgrid.core.testing import make_tree

pytestmark = pytest.mark.django_db


def test_outlines_of_children_and_of_every_grid_below(client):
    tree = make_tree()
    district = tree.district
    response = client.get(reverse("geo:area-outlines", args=[district.code]))
    assert response.status_code == 200
    children = sorted(f["properties"]["code"] for f in response.json()["features"])
    assert children == ["370203020000", "370203028000"]

    grids = client.get(reverse("geo:area-outlines", args=[district.code]), {"kind": "grid"}).json()["features"]
    assert sorted(f["properties"]["code"] for f in grids) == [
        "370203020002001", "370203020009001", "370203020009002", "370203028013001"]
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in grids)


def test_unknown_area_and_bad_kind(client):
    tree = make_tree()
    assert client.get(reverse("geo:area-outlines", args=["999"])).status_code == 404
    assert client.get(reverse("geo:area-outlines", args=[tree.district.code]), {"kind": "x"}).status_code == 400
