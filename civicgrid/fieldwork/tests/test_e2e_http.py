"""Over real HTTP (``live_server`` and urllib, no test client, no forced login): the grid worker
signs in on the sign-in page and, in one request each, logs a visit whose finding is filed as an
appeal — through the phone page's form and through the API."""

from __future__ import annotations

import re
import uuid

import pytest

from civicgrid.fieldwork.models import Visit
from civicgrid.fieldwork.tests.test_services import png
from civicgrid.workorders.models import Appeal, WorkOrder
from civicgrid.workorders.tests.http_client import CSRF_FIELD, Browser

from .helpers import care_world

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    out = bytearray()
    for name, value in fields.items():
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").encode()
    for name, (filename, content, mime) in files.items():
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\n"
                f"Content-Type: {mime}\r\n\r\n").encode() + content + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


def signed_in(url: str, username: str) -> Browser:
    browser = Browser(url)
    response = browser.sign_in(username, "x")
    assert (response.status, response.location) == (302, "/")
    assert browser.signed_in
    return browser


def test_visit_with_finding_becomes_an_appeal_in_one_request(live_server):
    w = care_world()
    browser = signed_in(live_server.url, "grid")
    before = (Visit.objects.count(), Appeal.objects.count(), WorkOrder.objects.count())

    # The phone page: one form, one tick, one request.
    form = browser.get("/field/visits/", household=str(w.A.pk), next="/field/care/")
    assert form.status == 200
    assert f'<option value="{w.A.pk}" selected>' in form.text
    token = CSRF_FIELD.search(form.text).group(1)
    body, content_type = multipart({
        "csrfmiddlewaretoken": token, "grid": w.tree.grid1.code, "kind": "household", "household": w.A.pk,
        "summary": "独居老人身体尚好", "is_problem": "on", "finding_text": "楼前路面坑洼，老人出行不便",
        "category_code": "", "next": "/field/care/",
    }, {"photos": ("p.png", png(), "image/png")})
    response = browser.request("POST", "/field/visits/", data=body, headers={"Content-Type": content_type})
    assert (response.status, response.location) == (302, "/field/care/")
    visit = Visit.objects.select_related("appeal__order__category").get(appeal__isnull=False)
    appeal = visit.appeal
    assert (visit.household_id, visit.worker.username, appeal.channel, appeal.text, appeal.building_id) == (
        w.A.pk, "grid", "patrol", "楼前路面坑洼，老人出行不便", w.A.building_id)
    assert appeal.order.category.code == "010101"  # intake's suggestion from the words 路面, 坑洼
    assert (Visit.objects.count(), Appeal.objects.count(), WorkOrder.objects.count()) == (
        before[0] + 1, before[1] + 1, before[2] + 1)
    care = browser.get("/field/care/")
    assert f"问题已作为诉求 {appeal.tracking_number} 上报（工单 {appeal.order.number}，分类：道路破损）" in care.text
    # A was visited today: it left the overdue list.
    assert f'data-household="{w.A.pk}"' not in care.text
    assert f'data-household="{w.D.pk}"' in care.text

    # The API: JSON fields and the photo in one multipart request, with the session's CSRF token.
    body, content_type = multipart({
        "grid": w.tree.grid1.code, "kind": "enterprise", "summary": "走访辖区企业", "finding_text": "门前井盖缺失",
        "lon": "120.3071", "lat": "36.0582"}, {"photos": ("q.png", png(), "image/png")})
    api = browser.request("POST", "/api/v1/field/visits/", data=body,
                          headers={"Content-Type": content_type, "Accept": "application/json"})
    assert api.status == 201, api.text
    data = api.json()
    assert re.fullmatch(r"SQ\d{14}", data["appeal"]["tracking_number"])
    assert (data["kind"], data["household"], data["appeal"]["lon"], data["appeal"]["lat"]) == (
        "enterprise", None, 120.3071, 36.0582)
    assert Appeal.objects.get(tracking_number=data["appeal"]["tracking_number"]).visits.get().pk == data["id"]

    # Without the CSRF token the session's POST is refused and writes nothing.
    counted = (Visit.objects.count(), Appeal.objects.count())
    refused = browser.request("POST", "/api/v1/field/visits/", data=body, csrf=False,
                              headers={"Content-Type": content_type, "Accept": "application/json"})
    assert refused.status == 403
    assert (Visit.objects.count(), Appeal.objects.count()) == counted


def test_another_grids_worker_cannot_log_in_my_grid_over_http(live_server):
    w = care_world()
    browser = signed_in(live_server.url, "grid3")
    before = (Visit.objects.count(), Appeal.objects.count())
    response = browser.post_json("/api/v1/field/visits/", {"grid": w.tree.grid1.code, "household": w.A.pk,
                                                            "summary": "x"})
    assert response.status == 404
    # grid3's care list holds grid 3's households only (C, then B), never A of grid 1.
    assert re.findall(r'data-household="(\d+)"', browser.get("/field/care/").text) == [str(w.C.pk), str(w.B.pk)]
    assert (Visit.objects.count(), Appeal.objects.count()) == before
