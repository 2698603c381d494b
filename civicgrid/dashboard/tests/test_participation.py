"""The command center's participation panel asks each participation app for its figures."""

from __future__ import annotations

import pytest
from django.test import Client

from civicgrid.dashboard.participation import PANEL_APPS
from civicgrid.workorders.testing import make_world

pytestmark = pytest.mark.django_db


def test_panel_and_api_carry_the_four_apps_and_refuse_residents():
    world = make_world()
    c = Client()
    c.force_login(world.users["street"])
    page = c.get("/center/participation/")
    assert page.status_code == 200
    html = page.content.decode()
    for app in PANEL_APPS:
        assert f'data-app="{app}"' in html
    assert "居民参与" in html
    api = c.get("/api/v1/dashboard/participation/")
    assert api.status_code == 200
    assert sorted(api.json()["panels"]) == sorted(PANEL_APPS)

    resident = Client()
    resident.force_login(world.users["resident"])
    assert resident.get("/center/participation/").status_code == 403
    assert resident.get("/api/v1/dashboard/participation/").status_code == 403
