"""In a real phone-sized browser: a grid worker starts a patrol and files a 随手拍 with the
phone's GPS position and a photo, and sees the tracking number."""

from __future__ import annotations

import re

import pytest

from civicgrid.fieldwork.models import Patrol
from civicgrid.fieldwork.tests.test_services import png
from civicgrid.workorders.models import Appeal, Channel
from civicgrid.workorders.testing import make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LON, LAT = 120.3071, 36.0582  # inside 恩县路第一网格 (grid1 of the test tree)


def test_grid_worker_patrols_and_snaps_a_problem(live_server, page, tmp_path):
    w = make_world()
    page.set_viewport_size({"width": 375, "height": 740})
    page.context.grant_permissions(["geolocation"], origin=live_server.url)
    page.context.set_geolocation({"latitude": LAT, "longitude": LON, "accuracy": 9})

    page.goto(f"{live_server.url}/accounts/login/?next=/field/")
    page.fill("#id_username", "grid")
    page.fill("#id_password", "x")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/field/")

    page.click("main form[action='/field/patrol/start/'] button[type=submit]")
    page.wait_for_selector("form[action*='/end/']")
    patrol = Patrol.objects.get()
    assert (patrol.worker_id, patrol.grid_id, patrol.ended_at) == (w.users["grid"].pk, w.tree.grid1.pk, None)

    page.click("a.field-snap")
    page.wait_for_url(f"{live_server.url}/field/snap/")
    # The hidden lon/lat are filled from navigator.geolocation.
    page.wait_for_function("document.getElementById('id_lat').value !== ''")
    assert page.inner_text("#gps-status") == "已定位，精度约 9 米。"
    photo = tmp_path / "problem.png"
    photo.write_bytes(png())
    page.set_input_files("#id_photos", str(photo))
    page.fill("#id_text", "井盖缺失，有安全隐患")
    page.click("main button[type=submit]")
    page.wait_for_selector(".tracking")
    tracking = page.inner_text(".tracking").strip()
    assert re.fullmatch(r"SQ\d{14}", tracking)

    appeal = Appeal.objects.select_related("order").get(tracking_number=tracking)
    assert (appeal.channel, appeal.text, appeal.lon, appeal.lat, appeal.order.area_id) == (
        Channel.PATROL, "井盖缺失，有安全隐患", LON, LAT, w.tree.grid1.pk)
    assert appeal.order.attachments.count() == 1
    patrol.refresh_from_db()
    assert patrol.findings == 1
