"""/api/v1/duplicates/: suggestions (staff), me too (residents), merge (like the merge move)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from civicgrid.workorders.models import Status
from civicgrid.workorders.testing import make_order

from .conftest import LAT, LON, QUERY, placed

pytestmark = pytest.mark.django_db


def api(user=None):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_authenticate(user)
    return client


def test_suggestions_for_staff_scoped_to_their_jurisdiction(w, crafted):
    body = {"text": QUERY, "lon": LON, "lat": LAT, "category_code": "010101"}
    response = api(w.users["street"]).post("/api/v1/duplicates/suggestions/", body, format="json")
    assert response.status_code == 200
    assert [(r["number"], r["score"], r["metres"], r["appeals_count"]) for r in response.json()] == [
        (crafted["near"].number, 0.6208, 22, 1), (crafted["parent"].number, 0.5373, 33, 1)]
    assert api(w.users["resident"]).post("/api/v1/duplicates/suggestions/", body, format="json").status_code == 403
    assert api().post("/api/v1/duplicates/suggestions/", body, format="json").status_code == 401
    bad = api(w.users["street"]).post("/api/v1/duplicates/suggestions/", {**body, "category_code": "999"}, format="json")
    assert bad.status_code == 400 and bad.json()["error"]["fields"]["category_code"] == ["Unknown category 999."]
    assert api(w.users["street"]).post("/api/v1/duplicates/suggestions/", {"text": "x"}, format="json").status_code == 400


def test_me_too_by_api(w, crafted):
    url = f"/api/v1/duplicates/orders/{crafted['near'].number}/me-too/"
    first = api(w.users["resident2"]).post(url, {"text": "我也是"}, format="json")
    assert first.status_code == 201
    assert (first.json()["order"], first.json()["appeals_count"]) == (crafted["near"].number, 2)
    again = api(w.users["resident2"]).post(url, {}, format="json")
    assert again.status_code == 400 and again.json()["error"]["code"] == "already_joined"
    closed = api(w.users["resident2"]).post(f"/api/v1/duplicates/orders/{crafted['closed'].number}/me-too/", {},
                                            format="json")
    assert closed.status_code == 400 and closed.json()["error"]["code"] == "closed"
    assert api().post(url, {}, format="json").status_code == 401


def test_merge_from_suggestion_by_api(w, crafted):
    new = placed(make_order(w, title="门口路面有坑", text=QUERY), 0.0001)
    url = f"/api/v1/duplicates/orders/{new.number}/merge/"
    assert api(w.users["dept"]).post(url, {"target": crafted["near"].number}, format="json").status_code == 404
    refused = api(w.users["grid"]).post(url, {"target": crafted["near"].number}, format="json")
    assert refused.status_code == 403
    response = api(w.users["street"]).post(url, {"target": crafted["near"].number}, format="json")
    assert response.status_code == 200
    assert response.json() == {"number": new.number, "status": Status.MERGED, "merged_into": crafted["near"].number,
                               "appeals_count": 2}
    again = api(w.users["street"]).post(url, {"target": crafted["near"].number}, format="json")
    assert again.status_code == 409
