"""The field-work API: visits with findings, patrol log, coverage, overdue care, 包联 chain and gaps,
each scoped to the reader, every refusal shown to change nothing."""

from __future__ import annotations

import io
import math

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from civicgrid.core.models import AuditEvent
from civicgrid.fieldwork.models import Patrol, Visit
from civicgrid.fieldwork.tests.test_services import png
from civicgrid.people.models import BaolianAssignment
from civicgrid.workorders.models import Appeal, WorkOrder

from .helpers import care_world, local

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return care_world()


def counts():
    return (Visit.objects.count(), Appeal.objects.count(), WorkOrder.objects.count(), AuditEvent.objects.count())


def photo():
    return SimpleUploadedFile("p.png", png(), "image/png")


def test_visit_with_finding_files_the_appeal_in_one_request(client, w):
    client.force_login(w.users["grid"])
    response = client.post("/api/v1/field/visits/", {
        "grid": w.tree.grid1.code, "kind": "household", "household": w.A.pk, "summary": "老人身体好",
        "finding_text": "楼前路面坑洼，老人出行不便", "photos": [photo()]})
    assert response.status_code == 201, response.content
    body = response.json()
    visit = Visit.objects.select_related("appeal__order").get(appeal__isnull=False)
    appeal = visit.appeal
    assert (body["id"], body["household"], body["building"], body["appeal"]["tracking_number"]) == (
        visit.pk, w.A.pk, "B-G1", appeal.tracking_number)
    # Intake's suggestion (keyword rules: 路面, 坑洼) chose the category; the building is the place.
    assert (body["appeal"]["category"], appeal.order.category.code, appeal.channel) == ("010101", "010101", "patrol")
    assert (appeal.building_id, appeal.lon, appeal.lat, appeal.order.area_id) == (
        w.A.building_id, 120.305, 36.055, w.tree.grid1.pk)


def test_visit_to_an_enterprise_files_the_finding_at_the_phones_position(client, w):
    client.force_login(w.users["grid"])
    response = client.post("/api/v1/field/visits/", {
        "grid": w.tree.grid1.code, "kind": "enterprise", "summary": "走访企业", "finding_text": "门前井盖缺失",
        "photos": [photo()], "lon": "120.3071", "lat": "36.0582", "category_code": "010102"})
    assert response.status_code == 201, response.content
    appeal = Appeal.objects.select_related("order").get()
    assert (appeal.lon, appeal.lat, appeal.building_id, appeal.order.category.code) == (120.3071, 36.0582, None, "010102")
    assert Visit.objects.get(appeal__isnull=False).appeal_id == appeal.pk


def test_refused_visits_write_nothing(client, w):
    client.force_login(w.users["grid"])
    before = counts()
    # Another worker's grid: like a missing one.
    assert client.post("/api/v1/field/visits/", {"grid": w.tree.grid3.code, "household": w.C.pk, "summary": "x"},
                       content_type="application/json").status_code == 404
    # A household of another grid through my grid.
    foreign = client.post("/api/v1/field/visits/", {"grid": w.tree.grid1.code, "household": w.C.pk, "summary": "x"},
                          content_type="application/json")
    assert (foreign.status_code, foreign.json()["error"]["code"], list(foreign.json()["error"]["fields"])) == (
        400, "unknown_household", ["household"])
    # A finding without a photo: intake refuses, so the visit is not written either.
    nophoto = client.post("/api/v1/field/visits/", {"grid": w.tree.grid1.code, "household": w.A.pk, "summary": "x",
                                                    "finding_text": "路灯不亮"}, content_type="application/json")
    assert (nophoto.status_code, nophoto.json()["error"]["fields"]) == (400, {"photos": ["巡查上报至少需要一张照片。"]})
    client.force_login(w.users["community"])
    assert client.post("/api/v1/field/visits/", {"grid": w.tree.grid1.code, "household": w.A.pk, "summary": "x"},
                       content_type="application/json").status_code == 403
    assert counts() == before


def test_visit_list_is_scoped(client, w):
    client.force_login(w.users["grid3"])
    rows = client.get("/api/v1/field/visits/").json()["results"]
    assert [r["household"] for r in rows] == [w.B.pk]
    client.force_login(w.users["community"])
    assert sorted(r["household"] for r in client.get("/api/v1/field/visits/", {"month": "2026-03"}).json()["results"]) == sorted(
        [w.A.pk, w.F.pk])
    bad = client.get("/api/v1/field/visits/", {"month": "2026-3"})
    assert (bad.status_code, bad.json()["error"]["message"]) == (400, "请按 YYYY-MM 填写月份，例如 2026-03。")


def test_patrol_log_with_duration_distance_and_visits(client, w):
    t = w.tree
    patrol = Patrol.objects.create(worker=w.users["grid"], grid=t.grid1, area_path=t.grid1.path,
                                   started_at=local(2026, 3, 10, 9), ended_at=local(2026, 3, 10, 10, 25),
                                   route=[[120.305, 36.055, ""], [120.306, 36.055, ""], [120.306, 36.056, ""]], findings=2)
    Visit.objects.filter(household=w.A, visited_at=local(2026, 3, 10, 10)).update(patrol=patrol)
    Patrol.objects.create(worker=w.users["grid3"], grid=t.grid3, area_path=t.grid3.path,
                          started_at=local(2026, 3, 11, 9), ended_at=local(2026, 3, 11, 9, 30))
    client.force_login(w.users["grid"])
    rows = client.get("/api/v1/field/patrol-log/").json()["results"]
    east = 6_371_008.8 * math.radians(0.001) * math.cos(math.radians(36.055))
    north = 6_371_008.8 * math.radians(0.001)
    assert [(r["id"], r["grid"], r["minutes"], r["route_metres"], r["findings"], r["visits"]) for r in rows] == [
        (patrol.pk, t.grid1.code, 85, round(east + north), 2, 1)]
    assert round(east + north) == 201
    client.force_login(w.users["street"])
    assert [r["grid"] for r in client.get("/api/v1/field/patrol-log/").json()["results"]] == [t.grid3.code, t.grid1.code]
    assert [r["grid"] for r in client.get("/api/v1/field/patrol-log/", {"worker": "grid3"}).json()["results"]] == [t.grid3.code]
    assert client.get("/api/v1/field/patrol-log/", {"month": "2026-04"}).json()["results"] == []
    assert client.get("/api/v1/field/patrol-log/", {"month": "March"}).status_code == 400
    client.force_login(w.users["dept"])
    assert client.get("/api/v1/field/patrol-log/").status_code == 403


def test_coverage_api(client, w):
    t = w.tree
    client.force_login(w.users["community"])
    body = client.get("/api/v1/field/coverage/", {"area": t.community1.code, "month": "2026-03"}).json()
    # B-G1 has 5 households; A and F were visited in March (F only by an enterprise visit: not counted).
    assert body == {"area": t.community1.code, "month": "2026-03", "level": "grid",
                    "total": {"code": t.community1.code, "name": "恩县路社区", "kind": "community", "households": 5,
                              "visited": 1, "percent": 20.0},
                    "rows": [{"code": t.grid1.code, "name": "恩县路第一网格", "kind": "grid", "households": 5,
                              "visited": 1, "percent": 20.0},
                             {"code": t.grid2.code, "name": "恩县路第二网格", "kind": "grid", "households": 0,
                              "visited": 0, "percent": None}]}
    assert client.get("/api/v1/field/coverage/", {"area": t.community2.code}).status_code == 404
    bad = client.get("/api/v1/field/coverage/", {"area": t.community1.code, "level": "building"})
    assert (bad.status_code, list(bad.json()["error"]["fields"])) == (400, ["level"])
    client.force_login(w.users["district"])
    street = client.get("/api/v1/field/coverage/", {"month": "2026-03", "level": "street"}).json()
    assert [(r["code"], r["households"], r["visited"]) for r in street["rows"]] == [
        (t.street1.code, 8, 2), (t.street2.code, 0, 0)]


def test_overdue_care_api_masks_names(client, w):
    client.force_login(w.users["grid"])
    rows = client.get("/api/v1/field/care/overdue/").json()["results"]
    today = timezone.localdate()
    assert [r["household"] for r in rows] == [w.F.pk, w.D.pk, w.A.pk, w.G.pk]
    assert rows[2] | {"days_overdue": None} == {
        "household": w.A.pk, "address": "恩县路12号", "room": "1-101", "head_name": "张*", "grid": w.tree.grid1.code,
        "tags": ["elderly_alone"], "last_visit": "2026-03-10T10:00:00+08:00", "due_on": "2026-03-13",
        "days_overdue": None, "baolian": ["王党员"]}
    assert rows[2]["days_overdue"] == (today - local(2026, 3, 13).date()).days
    assert "张三" not in str(rows)
    assert client.get("/api/v1/field/care/overdue/", {"grid": w.tree.grid3.code}).status_code == 404
    client.force_login(w.users["community2"])
    assert [r["household"] for r in client.get("/api/v1/field/care/overdue/").json()["results"]] == [w.C.pk, w.B.pk]


def test_baolian_chain_and_gaps_api(client, w):
    t = w.tree
    street_cadre = w.users["district"]
    BaolianAssignment.objects.create(cadre=street_cadre, level="street", area=t.street1, area_path=t.street1.path)
    BaolianAssignment.objects.create(cadre=w.users["community"], level="building", building=w.A.building,
                                     area_path=t.grid1.path)
    client.force_login(w.users["community"])
    chain = client.get("/api/v1/field/baolian/chain/", {"household": w.A.pk}).json()
    assert [(c["level"], c["target"], [x["username"] for x in c["cadres"]]) for c in chain] == [
        ("household", "恩县路12号 1-101 张*", ["pm"]), ("building", "恩县路12号", ["community"]),
        ("community", "恩县路社区", []), ("street", "即墨路街道", ["district"])]
    assert client.get("/api/v1/field/baolian/chain/", {"household": w.C.pk}).status_code == 404
    assert client.get("/api/v1/field/baolian/chain/", {"building": "B-G3"}).status_code == 404
    gaps = client.get("/api/v1/field/baolian/gaps/", {"area": t.community1.code}).json()
    assert (gaps["communities"], gaps["buildings"], gaps["buildings_total"], gaps["households_total"]) == (
        [t.community1.code], [], 0, 3)
    assert [h["id"] for h in gaps["households"]] == [w.D.pk, w.F.pk, w.G.pk]
    assert all("张三" not in h["label"] and "欧阳娜娜" not in h["label"] for h in gaps["households"])
    client.force_login(w.users["dept"])
    assert client.get("/api/v1/field/baolian/chain/", {"household": w.A.pk}).status_code == 403
    client.force_login(w.users["hotline"])
    # The hotline reads the address book of its district, but no household.
    assert client.get("/api/v1/field/baolian/chain/", {"household": w.A.pk}).status_code == 404
    assert client.get("/api/v1/field/baolian/gaps/", {"area": t.district.code}).json()["households"] is None


def test_center_figures_api(client, w):
    client.force_login(w.users["community"])
    figures = client.get("/api/v1/field/center-figures/").json()
    assert set(figures) == {"month", "visits", "households", "households_visited", "coverage", "overdue_care", "patrols"}
    assert (figures["households"], figures["overdue_care"]) == (5, 4)


def test_visit_posting_is_rate_limited_and_the_refusal_writes_nothing(client, w, settings):
    settings.CIVICGRID_RATE_LIMITS = {"visit.log": (2, 3600)}
    client.force_login(w.users["grid"])
    payload = {"grid": w.tree.grid1.code, "household": w.A.pk, "summary": "走访"}
    assert [client.post("/api/v1/field/visits/", payload, content_type="application/json").status_code
            for _ in range(2)] == [201, 201]
    before = counts()
    refused = client.post("/api/v1/field/visits/", payload, content_type="application/json")
    assert refused.status_code == 429
    assert counts() == before
