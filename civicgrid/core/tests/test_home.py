import pytest

from civicgrid.workorders.testing import make_world

pytestmark = pytest.mark.django_db


def test_each_person_lands_on_their_own_face(client):
    w = make_world()
    assert client.get("/").url == "/portal/"
    expected = {"district": "/center/", "street": "/center/", "community": "/center/", "admin": "/center/",
                "grid": "/field/", "dept": "/orders/", "hotline": "/orders/", "resident": "/portal/"}
    got = {}
    for name in expected:
        client.force_login(w.users[name])
        got[name] = client.get("/").url
    assert got == expected
    assert client.get("/about/").status_code == 200
