"""/reports/ and /api/v1/reports/: who may generate and download what. A refused request writes
no report row and no audit row."""

from __future__ import annotations

import hashlib

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from civicgrid.core.models import AuditEvent
from civicgrid.reports.models import GeneratedReport

from .factories import build_crafted
from .test_render import needs_font

pytestmark = pytest.mark.django_db


@pytest.fixture
def crafted(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return build_crafted()


def web(crafted, name):
    c = Client()
    c.force_login(crafted.world.users[name])
    return c


def api(crafted, name):
    c = APIClient()
    if name:
        c.force_authenticate(crafted.world.users[name])
    return c


def audit_rows():
    return AuditEvent.objects.filter(action="report.generate").count()


def test_page_lists_only_the_readers_areas(crafted):
    response = web(crafted, "street").get(reverse("reports:index"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "即墨路街道" in body and "恩县路社区" in body
    assert "四方街道" not in body and 'value="370203000000"' not in body


@pytest.mark.parametrize("name", ["resident", "grid", "dept", "hotline"])
def test_page_is_refused_to_people_without_a_command_center(crafted, name):
    client = web(crafted, name)
    assert client.get(reverse("reports:index")).status_code == 403
    response = client.post(reverse("reports:index"), {"area": "370203020000", "month": crafted.month.code,
                                                      "format": ["pdf", "xlsx"]})
    assert response.status_code == 403
    assert GeneratedReport.objects.count() == 0 and audit_rows() == 0


def test_street_staff_generate_for_their_street_and_download(crafted):
    needs_font()
    client = web(crafted, "street")
    response = client.post(reverse("reports:index"), {"area": "370203020000", "month": crafted.month.code,
                                                      "format": ["pdf", "xlsx"]})
    assert response.status_code == 302
    report = GeneratedReport.objects.get()
    assert (report.area_code, report.month, report.requested_by.username) == ("370203020000", crafted.month.code, "street")
    assert report.pages >= 6 and report.sheets == 7 and report.has_data
    event = AuditEvent.objects.get(action="report.generate")
    assert event.changes["files"]["pdf"]["sha256"] == report.pdf_sha256
    page = client.get(reverse("reports:index")).content.decode()
    assert report.title in page
    download = client.get(reverse("reports:download", args=[report.pk, "pdf"]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    raw = b"".join(download.streaming_content)
    assert raw.startswith(b"%PDF") and hashlib.sha256(raw).hexdigest() == report.pdf_sha256
    assert f"report-370203020000-{crafted.month.code}.pdf" in download["Content-Disposition"]
    # Another street's dispatcher does not see it; the district commander does.
    assert web(crafted, "street2").get(reverse("reports:download", args=[report.pk, "pdf"])).status_code == 404
    assert web(crafted, "district").get(reverse("reports:download", args=[report.pk, "xlsx"])).status_code == 200


@pytest.mark.parametrize("area,month,message", [
    ("370203000000", None, "没有代码为 370203000000 的区域"),  # the district is above a street dispatcher
    ("370203028000", None, "没有代码为 370203028000 的区域"),  # another street
    ("370203020000", "2026-xx", "月份格式应为 YYYY-MM"),
    ("370203020000", "2099-01", "尚未开始"),
])
def test_page_refuses_other_areas_and_bad_months_and_writes_nothing(crafted, area, month, message):
    response = web(crafted, "street").post(reverse("reports:index"), {"area": area, "month": month or crafted.month.code,
                                                                     "format": ["xlsx"]})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert GeneratedReport.objects.count() == 0 and audit_rows() == 0


def test_api_generates_lists_and_downloads(crafted):
    client = api(crafted, "district")
    response = client.post("/api/v1/reports/", {"area": "370203000000", "month": crafted.month.code, "formats": ["xlsx"]},
                           format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["area_code"] == "370203000000" and body["sheets"] == 7 and body["pages"] is None
    assert [f["format"] for f in body["files"]] == ["xlsx"]
    listed = client.get("/api/v1/reports/").json()
    assert [r["id"] for r in listed["results"]] == [body["id"]]
    assert client.get(f"/api/v1/reports/{body['id']}/").json()["requested_by"] == "district"
    download = client.get(body["files"][0]["url"])
    assert download.status_code == 200
    assert hashlib.sha256(b"".join(download.streaming_content)).hexdigest() == body["files"][0]["sha256"]
    assert client.get(f"/api/v1/reports/{body['id']}/pdf/").status_code == 404  # not generated
    # A street dispatcher cannot see the district's report.
    street = api(crafted, "street")
    assert street.get("/api/v1/reports/").json()["results"] == []
    assert street.get(f"/api/v1/reports/{body['id']}/").status_code == 404


@pytest.mark.parametrize("name,payload,status", [
    (None, {"area": "370203020000"}, 401),
    ("resident", {"area": "370203020000"}, 403),
    ("dept", {"area": "370203020000"}, 403),
    ("street", {"area": "370203000000"}, 400),
    ("street", {"area": "370203020000", "month": "2026-1"}, 400),
    ("street", {"area": "370203020000", "formats": ["docx"]}, 400),
])
def test_api_refusals_write_nothing(crafted, name, payload, status):
    data = {"month": crafted.month.code, "formats": ["xlsx"], **payload}
    response = api(crafted, name).post("/api/v1/reports/", data, format="json")
    assert response.status_code == status
    assert GeneratedReport.objects.count() == 0 and audit_rows() == 0


def test_command_center_links_to_the_reports_page(crafted):
    body = web(crafted, "district").get(reverse("dashboard:center")).content.decode()
    assert reverse("reports:index") + "?area=370203000000" in body
