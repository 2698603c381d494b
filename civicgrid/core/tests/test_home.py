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


def test_every_page_names_the_site_icon_and_the_icon_is_a_static_file(client):
    from django.contrib.staticfiles import finders

    page = client.get("/portal/").content.decode()
    assert '<link rel="icon" href="/static/civicgrid/favicon.svg" type="image/svg+xml">' in page
    with open(finders.find("civicgrid/favicon.svg"), encoding="utf-8") as icon:
        assert icon.read().startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    # Pages that do not name it (the admin, the API's own pages) get it where browsers look.
    response = client.get("/favicon.ico")
    assert (response.status_code, response["Location"]) == (301, "/static/civicgrid/favicon.svg")
