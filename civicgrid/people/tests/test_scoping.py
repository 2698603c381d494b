"""Jurisdiction scoping: every role sees exactly its jurisdiction, and a denial reveals nothing.

The tree is civicgrid.core.testing.make_tree(): district D, streets S1 (C1: G1, G2; C2: G3) and
S2 (C3: G4). Each grid has one building with 2 households.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from civicgrid.core.models import AuditEvent
from civicgrid.core.testing import make_building, make_tree
from civicgrid.geo.models import Household
from civicgrid.people.models import Membership, Role, Unit, UnitKind, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    t = make_tree()
    buildings = {
        "G1": make_building("B-G1", t.grid1, "青岛市市北区恩县路1号", 120.305, 36.055, households=2),
        "G2": make_building("B-G2", t.grid2, "青岛市市北区恩县路2号", 120.315, 36.055, households=2),
        "G3": make_building("B-G3", t.grid3, "青岛市市北区上海路3号", 120.325, 36.055, households=2),
        "G4": make_building("B-G4", t.grid4, "青岛市市北区上四方路4号", 120.345, 36.055, households=2),
    }
    unit = Unit.objects.create(code="U-CG", name="市北区城市管理局", kind=UnitKind.DEPARTMENT, area=t.district)
    other_unit = Unit.objects.create(code="U-ZJ", name="市北区住房和城乡建设局", kind=UnitKind.DEPARTMENT, area=t.district)

    def staff(username, role, area=None, unit=None):
        user = User.objects.create_user(username, password="x")
        Membership.objects.create(user=user, role=role, area=area, unit=unit)
        return user

    users = {
        "admin": User.objects.create_superuser("admin", password="x"),
        "district": staff("district", Role.DISTRICT_COMMANDER, area=t.district),
        "street1": staff("street1", Role.STREET_DISPATCHER, area=t.street1),
        "street2": staff("street2", Role.STREET_DISPATCHER, area=t.street2),
        "community1": staff("community1", Role.COMMUNITY_STAFF, area=t.community1),
        "community2": staff("community2", Role.COMMUNITY_STAFF, area=t.community2),
        "grid1": staff("grid1", Role.GRID_WORKER, area=t.grid1),
        "grid3": staff("grid3", Role.GRID_WORKER, area=t.grid3),
        "dept": staff("dept", Role.DEPARTMENT_HANDLER, unit=unit),
        "dept2": staff("dept2", Role.DEPARTMENT_HANDLER, unit=other_unit),
        "hotline": staff("hotline", Role.HOTLINE_OPERATOR, area=t.district),
        "resident": staff("resident", Role.RESIDENT),
        "resident4": staff("resident4", Role.RESIDENT),
    }
    home = buildings["G1"].households.order_by("room").first()
    home.residents.add(users["resident"])
    buildings["G4"].households.order_by("room").first().residents.add(users["resident4"])
    return {"tree": t, "buildings": buildings, "users": users, "home": home}


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def household_ids(world, *grids):
    return sorted(
        Household.objects.filter(building__code__in=[f"B-{g}" for g in grids]).values_list("id", flat=True)
    )


EXPECTED_HOUSEHOLD_GRIDS = {
    "admin": ("G1", "G2", "G3", "G4"),
    "district": ("G1", "G2", "G3", "G4"),
    "street1": ("G1", "G2", "G3"),
    "street2": ("G4",),
    "community1": ("G1", "G2"),
    "community2": ("G3",),
    "grid1": ("G1",),
    "grid3": ("G3",),
    "dept": (),
    "dept2": (),
    "hotline": (),
}


@pytest.mark.parametrize("username,grids", sorted(EXPECTED_HOUSEHOLD_GRIDS.items()))
def test_household_list_is_exactly_the_jurisdiction(world, username, grids):
    response = client_for(world["users"][username]).get("/api/v1/households/?page_size=100")
    assert response.status_code == 200
    body = response.json()
    assert sorted(row["id"] for row in body["results"]) == household_ids(world, *grids)
    assert body["count"] == 2 * len(grids)


def test_resident_sees_only_their_own_household(world):
    response = client_for(world["users"]["resident"]).get("/api/v1/households/")
    assert [row["id"] for row in response.json()["results"]] == [world["home"].id]
    assert response.json()["count"] == 1


EXPECTED_BUILDINGS = {
    "admin": ["B-G1", "B-G2", "B-G3", "B-G4"],
    "district": ["B-G1", "B-G2", "B-G3", "B-G4"],
    "hotline": ["B-G1", "B-G2", "B-G3", "B-G4"],
    "street1": ["B-G1", "B-G2", "B-G3"],
    "community1": ["B-G1", "B-G2"],
    "community2": ["B-G3"],
    "grid1": ["B-G1"],
    "dept": [],
    "resident": ["B-G1"],
    "resident4": ["B-G4"],
}


@pytest.mark.parametrize("username,codes", sorted(EXPECTED_BUILDINGS.items()))
def test_building_list_is_exactly_the_jurisdiction(world, username, codes):
    body = client_for(world["users"][username]).get("/api/v1/buildings/").json()
    assert [row["code"] for row in body["results"]] == codes
    assert body["count"] == len(codes)


def test_household_outside_jurisdiction_looks_exactly_like_a_missing_one(world):
    client = client_for(world["users"]["community1"])
    foreign = Household.objects.filter(building__code="B-G3").first()
    missing_id = Household.objects.order_by("-id").first().id + 1000
    denied = client.get(f"/api/v1/households/{foreign.id}/")
    missing = client.get(f"/api/v1/households/{missing_id}/")
    assert denied.status_code == missing.status_code == 404
    assert denied.json() == missing.json()


def test_filtering_into_another_jurisdiction_reveals_not_even_a_count(world):
    client = client_for(world["users"]["community1"])
    body = client.get("/api/v1/households/?within=370203020002").json()  # C2, not C1's
    assert body == {"count": 0, "next": None, "previous": None, "results": []}
    body = client.get("/api/v1/buildings/?within=370203028000").json()  # street S2
    assert body == {"count": 0, "next": None, "previous": None, "results": []}


def test_household_list_masks_personal_data(world):
    row = client_for(world["users"]["grid1"]).get("/api/v1/households/").json()["results"][0]
    assert row["head_name"] == "张*"
    assert row["head_phone"] == "138****0000"
    assert row["head_id_number"] == "370203********0000"


def test_reveal_inside_jurisdiction_returns_full_data_and_is_audited(world):
    household = Household.objects.filter(building__code="B-G1").order_by("room").first()
    before = AuditEvent.objects.count()
    response = client_for(world["users"]["grid1"]).post(
        f"/api/v1/households/{household.id}/reveal/", {"purpose": "走访"}, format="json"
    )
    assert response.status_code == 200
    assert response.json() == {
        "id": household.id, "head_name": "张三", "head_phone": "13800000000", "head_id_number": "370203198001010000",
    }
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.order_by("-id").first()
    assert (event.kind, event.action, event.actor.username, event.object_id, event.reason) == (
        "read", "personal_data.read", "grid1", str(household.id), "走访",
    )


@pytest.mark.parametrize("username", ["community2", "grid3", "dept", "hotline", "resident4", "street2"])
def test_reveal_outside_jurisdiction_is_refused_and_changes_nothing(world, username):
    household = Household.objects.filter(building__code="B-G1").order_by("room").first()
    before = list(AuditEvent.objects.values_list("id", flat=True))
    response = client_for(world["users"][username]).post(f"/api/v1/households/{household.id}/reveal/")
    assert response.status_code == 404
    assert "张三" not in response.content.decode()
    assert list(AuditEvent.objects.values_list("id", flat=True)) == before


@pytest.mark.parametrize("household_id", ["abc", "OD\u008e"])
def test_reveal_of_a_malformed_id_is_404_and_changes_nothing(world, household_id):
    before = list(AuditEvent.objects.values_list("id", flat=True))
    response = client_for(world["users"]["district"]).post(f"/api/v1/households/{household_id}/reveal/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert list(AuditEvent.objects.values_list("id", flat=True)) == before


def test_resident_may_reveal_their_own_household(world):
    response = client_for(world["users"]["resident"]).post(f"/api/v1/households/{world['home'].id}/reveal/")
    assert response.status_code == 200
    assert response.json()["head_phone"] == "13800000000"


EXPECTED_USERS = {
    "community1": ["community1", "grid1"],
    "community2": ["community2", "grid3"],
    "street1": ["community1", "community2", "grid1", "grid3", "street1"],
    "street2": ["street2"],
    "grid1": ["grid1"],
    "dept": ["dept"],
    "resident": ["resident"],
}


@pytest.mark.parametrize("username,expected", sorted(EXPECTED_USERS.items()))
def test_people_list_is_exactly_the_jurisdiction(world, username, expected):
    body = client_for(world["users"][username]).get("/api/v1/users/").json()
    assert [row["username"] for row in body["results"]] == expected
    assert body["count"] == len(expected)


def test_anonymous_sees_no_personal_data(world):
    client = APIClient()
    for url in ("/api/v1/households/", "/api/v1/buildings/", "/api/v1/users/", "/api/v1/me/"):
        response = client.get(url)
        assert response.status_code == 401, url
        assert "results" not in response.json()


def test_areas_and_units_directory_are_public(world):
    client = APIClient()
    grids = client.get("/api/v1/areas/?kind=grid&geometry=0").json()
    assert [f["properties"]["code"] for f in grids["features"]] == [
        "370203020002001", "370203020009001", "370203020009002", "370203028013001",
    ]
    units = client.get("/api/v1/units/").json()
    assert [u["code"] for u in units["results"]] == ["U-CG", "U-ZJ"]


def test_me_reports_the_jurisdiction(world):
    body = client_for(world["users"]["street1"]).get("/api/v1/me/").json()
    assert body["username"] == "street1"
    assert body["jurisdiction"] == {
        "is_global": False,
        "roles": ["street_dispatcher"],
        "area_paths": ["370203000000/370203020000/"],
        "unit_ids": [],
    }


@pytest.mark.parametrize(
    "username,grid_attr,status",
    [
        ("community1", "grid1", 200),
        ("community1", "grid3", 404),
        ("grid1", "grid2", 404),
        ("street1", "grid3", 200),
        ("street1", "grid4", 404),
        ("resident", "grid1", 200),
        ("resident", "grid2", 404),
        ("dept", "grid1", 404),
    ],
)
def test_grid_profile_page_is_scoped(world, client, username, grid_attr, status):
    client.force_login(world["users"][username])
    grid = getattr(world["tree"], grid_attr)
    response = client.get(f"/areas/grids/{grid.code}/")
    assert response.status_code == status
    if status == 404:
        assert grid.name not in response.content.decode()


def test_grid_profile_of_missing_grid_and_foreign_grid_look_the_same(world, client):
    client.force_login(world["users"]["grid1"])
    foreign = client.get(f"/areas/grids/{world['tree'].grid4.code}/")
    missing = client.get("/areas/grids/999999999999999/")
    assert foreign.status_code == missing.status_code == 404


@pytest.mark.django_db(transaction=True)
def test_scoping_over_real_http(world, live_server):
    """The same rules through a real socket and token authentication."""

    def get(username, path):
        token = Token.objects.create(user=world["users"][username]) if username else None
        request = urllib.request.Request(live_server.url + path)
        if token:
            request.add_header("Authorization", f"Token {token.key}")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    status, body = get("grid1", "/api/v1/households/")
    assert status == 200 and body["count"] == 2
    assert sorted(r["id"] for r in body["results"]) == household_ids(world, "G1")
    status, body = get("dept", "/api/v1/households/")
    assert status == 200 and body["count"] == 0
    status, body = get(None, "/api/v1/households/")
    assert status == 401 and body["error"]["code"] == "not_authenticated"


def test_grid_profile_api_shows_team_and_lists_inside_the_jurisdiction(world):
    from civicgrid.people.models import GridListItem, GridTeamMember, PartyBranch

    t = world["tree"]
    worker = world["users"]["grid1"]
    worker.real_name = "赵六"
    worker.save()
    GridTeamMember.objects.create(grid=t.grid1, area_path=t.grid1.path, position="grid_worker", user=worker, work_phone="0532-1")
    GridListItem.objects.create(grid=t.grid1, area_path=t.grid1.path, list_kind="resources", title="党群服务中心活动室")
    PartyBranch.objects.create(grid=t.grid1, name="恩县路第一网格党支部", secretary=worker, members_count=12)
    body = client_for(world["users"]["community1"]).get(f"/api/v1/grids/{t.grid1.code}/profile/").json()
    assert body == {
        "grid": {"code": "370203020009001", "name": "恩县路第一网格"},
        "team": [{"position": "grid_worker", "position_display": "网格员", "name": "赵六", "work_phone": "0532-1"}],
        "lists": {"resources": [{"list_kind": "resources", "title": "党群服务中心活动室", "detail": "", "contact": ""}]},
        "party_branch": {"name": "恩县路第一网格党支部", "secretary": "赵六", "members_count": 12},
        "building_leaders": [],
    }
    denied = client_for(world["users"]["community2"]).get(f"/api/v1/grids/{t.grid1.code}/profile/")
    assert denied.status_code == 404
    assert "赵六" not in denied.content.decode()


def test_baolian_list_is_scoped(world):
    from civicgrid.people.models import BaolianAssignment

    t = world["tree"]
    cadre = world["users"]["district"]
    BaolianAssignment.objects.create(cadre=cadre, level="street", area=t.street1, area_path=t.street1.path)
    BaolianAssignment.objects.create(cadre=cadre, level="street", area=t.street2, area_path=t.street2.path)
    street1 = client_for(world["users"]["street1"]).get("/api/v1/baolian/").json()
    assert [row["target"] for row in street1["results"]] == ["370203020000"]
    assert [row["target"] for row in client_for(cadre).get("/api/v1/baolian/").json()["results"]] == [
        "370203020000", "370203028000",
    ]
    assert client_for(world["users"]["resident"]).get("/api/v1/baolian/").json()["count"] == 0
