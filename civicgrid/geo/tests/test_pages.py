"""The area pages answer only inside the reader's jurisdiction."""

import pytest

from civicgrid.core.testing import make_building, make_tree
from civicgrid.people.models import BaolianAssignment, Membership, Role, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    t = make_tree()
    make_building("B1", t.grid1, "青岛市市北区恩县路1号", 120.305, 36.055, households=3)
    make_building("B3", t.grid3, "青岛市市北区上海路3号", 120.325, 36.055, households=2)
    return t


def login(client, role, area):
    user = User.objects.create_user(f"u-{role}-{area.code}", password="x", real_name="李四")
    Membership.objects.create(user=user, role=role, area=area)
    client.force_login(user)
    return user


def test_street_page_lists_communities_with_their_figures(client, tree):
    user = login(client, Role.STREET_DISPATCHER, tree.street1)
    cadre = User.objects.create_user("cadre", password="x", real_name="王五")
    BaolianAssignment.objects.create(cadre=cadre, level="street", area=tree.street1, area_path=tree.street1.path)
    page = " ".join(client.get(f"/areas/{tree.street1.code}/").content.decode().split())
    assert "王五" in page
    # name, code, grids, buildings, households of each community
    assert '恩县路社区</a></td> <td>370203020009</td><td>2</td><td>1</td><td>3</td>' in page
    assert '上海路社区</a></td> <td>370203020002</td><td>1</td><td>1</td><td>2</td>' in page
    assert user.username


def test_area_outside_jurisdiction_is_404_like_a_missing_one(client, tree):
    login(client, Role.COMMUNITY_STAFF, tree.community1)
    assert client.get(f"/areas/{tree.community2.code}/").status_code == 404
    assert client.get("/areas/000000000000/").status_code == 404
    assert client.get(f"/areas/{tree.community1.code}/").status_code == 200


def test_area_index_lists_the_users_own_areas(client, tree):
    login(client, Role.COMMUNITY_STAFF, tree.community1)
    page = client.get("/areas/").content.decode()
    assert "恩县路社区" in page
    assert "上海路社区" not in page


def test_area_pages_need_sign_in(client, tree):
    response = client.get(f"/areas/{tree.street1.code}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
