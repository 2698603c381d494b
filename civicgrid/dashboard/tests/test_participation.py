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


@pytest.mark.slow
def test_the_api_sends_every_apps_figures_as_json_on_the_demo():
    from civicgrid.demo.builder import DEFAULT_SEED, build
    from civicgrid.proposals.models import Campaign

    build(seed=DEFAULT_SEED, scale="small", progress=False, orders=0)
    from civicgrid.people.models import User

    c = Client()
    c.force_login(User.objects.get(username="district"))
    answer = c.get("/api/v1/dashboard/participation/")
    assert answer.status_code == 200
    panels = answer.json()["panels"]
    current = Campaign.objects.get(title=panels["proposals"]["campaign"]["title"])
    assert panels["proposals"]["campaign"] == {"pk": current.pk, "title": current.title}
    from civicgrid.deliberation.selectors import STAGE_ORDER

    assert [s["label"] for s in panels["deliberation"]["by_stage"]] == [str(s.label) for s in STAGE_ORDER]
    assert panels["deliberation"]["by_stage"][0]["label"] == "说（提出议题）"
    page = c.get("/center/participation/")
    assert page.status_code == 200 and current.title in page.content.decode()
