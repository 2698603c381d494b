"""The intake pages: resident report, patrol report, hotline entry."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from civicgrid.core.testing import make_building
from civicgrid.workorders.models import Appeal, WorkOrder
from civicgrid.workorders.testing import make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    world = make_world()
    make_building("B2", world.tree.grid1, "青岛市市北区嘉兴路30号海晶花园1号楼", 120.303, 36.053)
    make_building("B3", world.tree.grid2, "青岛市市北区嘉兴路30号海晶花园2号楼", 120.312, 36.052)
    return world


def photo(name="p.jpg"):
    out = io.BytesIO()
    Image.new("RGB", (20, 20)).save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def test_resident_report_shows_the_tracking_number(client, w):
    client.force_login(w.users["resident"])
    page = client.get("/orders/report/")
    assert page.status_code == 200
    assert 'name="text"' in page.content.decode() and 'name="address"' in page.content.decode()
    response = client.post("/orders/report/", {"title": "路灯不亮", "text": "恩县路路灯不亮", "lon": "120.305",
                                               "lat": "36.055", "coord_system": "WGS84"}, follow=True)
    appeal = Appeal.objects.get()
    assert response.status_code == 200
    assert appeal.tracking_number in response.content.decode()
    assert (appeal.channel, appeal.reporter) == ("web", w.users["resident"])


def test_anonymous_report_without_phone_is_refused_in_english(client, w):
    client.cookies["django_language"] = "en"
    response = client.post("/orders/report/", {"text": "路灯不亮", "lon": "120.305", "lat": "36.055"})
    assert response.status_code == 400
    assert "Leave a phone number so that we can tell you the result." in response.content.decode()
    assert WorkOrder.objects.count() == 0


def test_ambiguous_address_shows_candidates_then_the_choice_goes_through(client, w):
    client.force_login(w.users["resident"])
    response = client.post("/orders/report/", {"text": "楼道堆物", "address": "嘉兴路30号海晶花园"})
    body = response.content.decode()
    assert response.status_code == 400
    assert 'value="B2"' in body and 'value="B3"' in body
    response = client.post("/orders/report/", {"text": "楼道堆物", "address": "嘉兴路30号海晶花园", "building_code": "B3"},
                           follow=True)
    assert response.status_code == 200
    assert WorkOrder.objects.get().area == w.tree.grid2


def test_patrol_page_needs_a_grid_worker_and_a_photo(client, w):
    client.force_login(w.users["resident"])
    assert client.get("/orders/patrol/").status_code == 403
    client.force_login(w.users["grid"])
    assert client.get("/orders/patrol/").status_code == 200
    assert client.post("/orders/patrol/", {"text": "井盖缺失", "lon": "120.305", "lat": "36.055"}).status_code == 400
    response = client.post("/orders/patrol/", {"text": "井盖缺失", "lon": "120.305", "lat": "36.055",
                                               "photos": [photo()]})
    assert response.status_code == 302
    order = WorkOrder.objects.get()
    assert (order.channel, order.attachments.count()) == ("patrol", 1)


def test_hotline_page_stores_the_caller(client, w):
    client.force_login(w.users["grid"])
    assert client.get("/orders/hotline/").status_code == 403
    client.force_login(w.users["hotline"])
    response = client.post("/orders/hotline/", {"reporter_name": "李四", "reporter_phone": "13700000009",
                                                "text": "楼道有杂物", "address": "嘉兴路30号海晶花园1号楼"})
    assert response.status_code == 302
    appeal = Appeal.objects.get()
    assert (appeal.reporter_name, appeal.reporter_phone, appeal.taken_by) == ("李四", "13700000009", w.users["hotline"])


def test_anonymous_visitor_is_sent_to_sign_in_for_staff_pages(client, w):
    assert client.get("/orders/hotline/").status_code == 302


def test_the_hotline_receipt_leads_to_the_new_order(client, w):
    client.force_login(w.users["hotline"])
    page = client.post("/orders/hotline/", {"reporter_name": "李四", "reporter_phone": "13700000009",
                                            "text": "楼道有杂物", "address": "嘉兴路30号海晶花园1号楼"}, follow=True).content.decode()
    order = WorkOrder.objects.get()
    assert f'<a href="/orders/{order.number}/" id="done-order-link">{order.number}</a>' in page
    assert "来电人的受理编号（请告知来电人）：" in page
    # The resident's receipt keeps its own wording and links to tracking, not to the staff page.
    client.logout()
    page = client.post("/orders/report/", {"reporter_name": "王五", "reporter_phone": "13700000008",
                                           "text": "路灯不亮", "building_code": "B2"}, follow=True).content.decode()
    assert 'id="done-order-link"' not in page and "来电人的受理编号" not in page
