"""The grid worker's pages: masked households, foreign grids, my open orders, patrol and visit forms."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from civicgrid.core.testing import make_building
from civicgrid.fieldwork.models import Patrol, Visit
from civicgrid.fieldwork.tests.test_services import png
from civicgrid.workorders.models import Appeal, Status
from civicgrid.workorders.testing import make_order, make_world

pytestmark = pytest.mark.django_db
PHOTO_NEEDED = "巡查上报至少需要一张照片。"


@pytest.fixture
def w():
    world = make_world()
    world.b1 = make_building("B-G1-1", world.tree.grid1, "恩县路12号", 120.305, 36.055, households=2)
    world.b3 = make_building("B-G3-1", world.tree.grid3, "上海路3号", 120.325, 36.055, households=1)
    return world


@pytest.fixture
def grid_client(client, w):
    client.force_login(w.users["grid"])
    return client


def test_households_are_masked(grid_client, w):
    page = grid_client.get(f"/field/grid/{w.tree.grid1.code}/", {"building": "B-G1-1"})
    html = page.content.decode()
    assert page.status_code == 200
    assert ("张*" in html, "欧阳**" in html, "138****0000" in html, "138****0001" in html) == (True, True, True, True)
    assert ("张三" in html, "欧阳娜娜" in html, "13800000000" in html, "370203198001010000" in html) == (
        False, False, False, False)


def test_building_list_counts_households(grid_client, w):
    html = grid_client.get(f"/field/grid/{w.tree.grid1.code}/").content.decode()
    assert "恩县路12号" in html and "上海路3号" not in html
    assert re.search(r"2\s*户", html)


def test_foreign_grid_is_404_like_a_missing_one(grid_client, w):
    assert grid_client.get(f"/field/grid/{w.tree.grid3.code}/").status_code == 404
    assert grid_client.get("/field/grid/999999999999999/").status_code == 404
    # A building of another grid through my grid's page is missing too.
    assert grid_client.get(f"/field/grid/{w.tree.grid1.code}/", {"building": "B-G3-1"}).status_code == 404


def test_pages_refuse_people_who_are_not_grid_workers(client, w):
    client.force_login(w.users["resident"])
    assert client.get("/field/").status_code == 403
    client.force_login(w.users["community"])
    assert client.get("/field/orders/").status_code == 403


def test_my_orders_lists_exactly_my_open_orders(grid_client, w):
    mine_new = make_order(w, status=Status.NEW)
    mine_office = make_order(w, status=Status.DISPATCHED, unit=w.units["c1"])
    mine_overdue = make_order(w, status=Status.IN_PROGRESS, unit=w.units["cg"], is_overdue=True)
    make_order(w, status=Status.CLOSED)  # closed: not open
    make_order(w, area=w.tree.grid2)  # the other grid of my community: not mine
    make_order(w, area=w.tree.grid3, status=Status.DISPATCHED, unit=w.units["c2"])  # another community
    html = grid_client.get("/field/orders/").content.decode()
    numbers = list(dict.fromkeys(re.findall(r"T\d{8}", html)))
    # Overdue first, then by deadline and age.
    assert numbers == [mine_overdue.number, mine_new.number, mine_office.number]
    assert f'href="/orders/{mine_new.number}/"' in html


def test_home_figures_and_patrol_start_end(grid_client, w):
    make_order(w, status=Status.NEW)
    make_order(w, status=Status.ACCEPTED, is_overdue=True)
    html = grid_client.get("/field/").content.decode()
    values = re.findall(r'<span class="value">(\d+)</span>', html)
    assert values == ["2", "1", "0"]

    response = grid_client.post("/field/patrol/start/", {"grid": w.tree.grid1.code})
    assert response.status_code == 302
    patrol = Patrol.objects.get()
    assert (patrol.worker, patrol.grid, patrol.ended_at) == (w.users["grid"], w.tree.grid1, None)
    assert grid_client.post("/field/patrol/start/", {"grid": w.tree.grid3.code}).status_code == 404
    assert Patrol.objects.count() == 1
    grid_client.post(f"/field/patrol/{patrol.pk}/end/", {"note": "正常"})
    patrol.refresh_from_db()
    assert (patrol.ended_at is not None, patrol.note) == (True, "正常")


def test_visit_form_with_problem_files_an_appeal(grid_client, w):
    household = w.b1.households.order_by("room").first()
    response = grid_client.post("/field/visits/", {
        "grid": w.tree.grid1.code, "kind": "household", "household": household.pk, "summary": "独居老人情况良好",
        "is_problem": "on", "finding_text": "楼道灯不亮", "photos": SimpleUploadedFile("p.png", png(), "image/png"),
    })
    assert response.status_code == 302
    visit = Visit.objects.get()
    appeal = Appeal.objects.get()
    assert (visit.household, visit.appeal, appeal.channel, appeal.text) == (household, appeal, "patrol", "楼道灯不亮")


def test_visit_form_problem_without_photo_shows_the_error_and_writes_nothing(grid_client, w):
    household = w.b1.households.order_by("room").first()
    response = grid_client.post("/field/visits/", {
        "grid": w.tree.grid1.code, "kind": "household", "household": household.pk, "summary": "情况",
        "is_problem": "on", "finding_text": "楼道灯不亮"})
    assert response.status_code == 400
    assert PHOTO_NEEDED in response.content.decode()
    assert (Visit.objects.count(), Appeal.objects.count()) == (0, 0)


def test_snap_page_has_camera_input_and_reports(grid_client, w):
    html = grid_client.get("/field/snap/").content.decode()
    assert 'accept="image/*"' in html and 'capture="environment"' in html
    response = grid_client.post("/field/snap/", {
        "photos": SimpleUploadedFile("s.png", png(), "image/png"), "text": "井盖缺失", "lon": "120.3071",
        "lat": "36.0582", "accuracy": "8"})
    appeal = Appeal.objects.get()
    assert response.status_code == 200
    assert appeal.tracking_number in response.content.decode()


def test_api_patrol_and_route_point(client, w):
    client.force_login(w.users["grid"])
    started = client.post("/api/v1/field/patrols/", {"grid": w.tree.grid1.code}, content_type="application/json")
    assert started.status_code == 201
    pid = started.json()["id"]
    point = client.post(f"/api/v1/field/patrols/{pid}/points/", {"lon": 120.305, "lat": 36.055},
                        content_type="application/json")
    assert (point.status_code, point.json()["route_points"]) == (200, 1)
    foreign = client.post("/api/v1/field/patrols/", {"grid": w.tree.grid3.code}, content_type="application/json")
    assert foreign.status_code == 404
    twice = client.post("/api/v1/field/patrols/", {"grid": w.tree.grid1.code}, content_type="application/json")
    assert (twice.status_code, twice.json()["error"]["code"]) == (400, "patrol_open")
    assert Patrol.objects.count() == 1
