"""The command center's participation panel asks each participation app for its figures."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from rest_framework.utils.encoders import JSONEncoder

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


@pytest.mark.slow
def test_a_street_seen_from_the_district_gets_that_streets_figures_from_every_app():
    """On the demo: the district's center looking at one street shows, for each app, exactly what the
    app's own selector says for that street; the streets' field visits add up to the district's; a
    street's dispatcher cannot look at the other street."""
    from importlib import import_module

    from civicgrid.demo.builder import DEFAULT_SEED, build
    from civicgrid.geo.models import Area, AreaKind
    from civicgrid.people.jurisdiction import jurisdiction_for
    from civicgrid.people.models import User

    build(seed=DEFAULT_SEED, scale="small", progress=False, orders=0)
    district = User.objects.get(username="district")
    c = Client()
    c.force_login(district)
    whole = c.get("/api/v1/dashboard/participation/").json()["panels"]
    streets = list(Area.objects.filter(kind=AreaKind.STREET).order_by("code"))
    assert len(streets) >= 2
    visits = 0
    for street in streets:
        answer = c.get("/api/v1/dashboard/participation/", {"area": street.code})
        if answer.status_code == 404:  # a street of another district in the demo
            continue
        sent = answer.json()
        assert sent["area"]["code"] == street.code
        for app in PANEL_APPS:
            fn = import_module(f"civicgrid.{app}.selectors").center_figures
            # Through DRF's JSON, as the API sends them (tuples become lists, lazy labels strings).
            assert sent["panels"][app] == json.loads(json.dumps(fn(jurisdiction_for(district), area=street), cls=JSONEncoder)), app
        visits += sent["panels"]["fieldwork"]["visits"]
    assert visits == whole["fieldwork"]["visits"] > 0

    own = User.objects.get(username="street")
    s = Client()
    s.force_login(own)
    home = jurisdiction_for(own).area_paths
    other = next(st for st in streets if not any(st.path.startswith(p) for p in home)
                 and st.path.startswith(streets[0].path[:streets[0].path.rstrip("/").rfind("/") + 1]))
    assert s.get("/api/v1/dashboard/participation/", {"area": other.code}).status_code == 404
