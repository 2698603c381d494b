import json

import pytest

from civicgrid.core.models import AuditEvent
from civicgrid.core.testing import make_building, make_tree, square
from civicgrid.geo.models import Area

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("root", password="x", email="r@example.com")
    client.force_login(user)
    client.cookies["django_language"] = "en"  # the administrator chose English with the switch
    return client


def area_form(area, boundary):
    return {"name": area.name, "boundary": json.dumps(boundary), "households_planned": "", "description": ""}


def test_admin_boundary_save_goes_through_the_service(admin_client):
    tree = make_tree()
    response = admin_client.post(f"/admin/geo/area/{tree.grid1.pk}/change/",
                                 area_form(tree.grid1, square(120.30, 36.05, 0.005)))
    assert response.status_code == 302
    tree.grid1.refresh_from_db()
    assert tree.grid1.boundary == square(120.30, 36.05, 0.005)
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["area.boundary.update"]


def test_admin_refusal_is_shown_on_the_form_and_changes_nothing(admin_client):
    tree = make_tree()
    response = admin_client.post(f"/admin/geo/area/{tree.grid1.pk}/change/",
                                 area_form(tree.grid1, square(120.30, 36.05, 0.015)))
    assert response.status_code == 200
    assert "overlaps area 370203020009002" in response.content.decode()
    tree.grid1.refresh_from_db()
    assert tree.grid1.boundary == square(120.30, 36.05, 0.01)
    assert not AuditEvent.objects.exists()


def test_admin_creates_an_area_through_the_service(admin_client):
    tree = make_tree()
    response = admin_client.post("/admin/geo/area/add/", {
        "code": "370203020009003", "name": "第三网格", "kind": "grid", "parent": tree.community1.pk,
        "boundary": json.dumps(square(120.30, 36.06, 0.01)), "households_planned": "", "description": ""})
    assert response.status_code == 302
    area = Area.objects.get(code="370203020009003")
    assert (area.path, area.depth) == ("370203000000/370203020000/370203020009/370203020009003/", 3)
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["area.create"]


def test_household_list_masks_personal_data(admin_client):
    tree = make_tree()
    make_building("B1", tree.grid1, "恩县路1号", 120.305, 36.055, households=1)
    page = admin_client.get("/admin/geo/household/").content.decode()
    assert "张*" in page and "138****0000" in page and "370203********0000" in page
    assert "13800000000" not in page and "370203198001010000" not in page


def test_area_list_and_search(admin_client):
    make_tree()
    page = admin_client.get("/admin/geo/area/", {"kind__exact": "grid", "q": "恩县路"}).content.decode()
    assert "370203020009001" in page and "370203020002001" not in page


def test_opening_a_household_in_the_admin_is_an_audited_read(admin_client):
    tree = make_tree()
    building = make_building("B1", tree.grid1, "青岛市市北区恩县路1号", 120.305, 36.055, households=1)
    household = building.households.get()
    response = admin_client.get(f"/admin/geo/household/{household.pk}/change/")
    assert response.status_code == 200
    assert "13800000000" in response.content.decode()
    event = AuditEvent.objects.get()
    assert (event.kind, event.action, event.object_id, event.reason, event.changes) == (
        "read", "personal_data.read", str(household.pk), "admin",
        {"fields": ["head_id_number", "head_name", "head_phone"]},
    )
    admin_client.get("/admin/geo/household/")  # the masked list is not a read of personal data
    assert AuditEvent.objects.count() == 1
