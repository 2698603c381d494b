"""The staff workbench: queues by role, the search list with the API's filters, scoping."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone, translation
from rest_framework.test import APIClient

from civicgrid.workorders.filters import QUEUE_CHOICES
from civicgrid.workorders.models import Status
from civicgrid.workorders.testing import make_order, make_world
from civicgrid.workorders.workbench_views import time_left

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    world = make_world()
    now = timezone.now()
    cg, s1 = world.units["cg"], world.units["s1"]
    world.new1 = make_order(world, title="新工单一", dispatch_due=now + timedelta(hours=3))
    world.late = make_order(world, title="超期未派", dispatch_due=now - timedelta(hours=5), is_overdue=True,
                            area=world.tree.grid3)
    world.sent = make_order(world, title="已派待签", status=Status.DISPATCHED, unit=cg,
                            response_due=now + timedelta(hours=30))
    world.held = make_order(world, title="办理中", status=Status.ACCEPTED, unit=cg, handle_due=now + timedelta(days=4))
    world.office = make_order(world, title="街道承办", status=Status.DISPATCHED, unit=s1)
    world.far = make_order(world, title="四方的工单", area=world.tree.grid4, reporter=world.users["resident2"])
    return world


def rows(response) -> list[str]:
    return re.findall(r'<tr[^>]*data-number="([^"]+)"', response.content.decode())


def tab_names(response) -> list[str]:
    nav = response.content.decode().split('<nav class="tabs"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'<a href="\?queue=(\w+)"', nav)


def test_street_dispatcher_sees_their_queues_first_and_exactly_their_orders(client, w):
    client.force_login(w.users["street"])
    page = client.get("/orders/")
    assert page.status_code == 200
    assert tab_names(page) == ["to_dispatch", "to_accept", "in_hand", "overdue", "due_soon", "pressed"]
    # Overdue first, then by dispatch deadline; the other street's order is not there.
    assert rows(page) == [w.late.number, w.new1.number]
    # The street office's own dispatched order waits for the dispatcher to accept it.
    assert rows(client.get("/orders/?queue=to_accept")) == [w.office.number]
    assert rows(client.get("/orders/?queue=overdue")) == [w.late.number]


def test_department_handler_sees_to_accept_first_and_no_dispatch_queue(client, w):
    client.force_login(w.users["dept"])
    page = client.get("/orders/")
    assert tab_names(page) == ["to_accept", "in_hand", "overdue", "due_soon", "pressed"]
    assert rows(page) == [w.sent.number]
    assert rows(client.get("/orders/?queue=in_hand")) == [w.held.number]
    # A queue name outside the user's tabs falls back to the first tab.
    assert rows(client.get("/orders/?queue=to_dispatch")) == [w.sent.number]
    assert "bulk-dispatch" not in page.content.decode()


def test_tab_counts_and_overdue_rows_are_marked_in_words(client, w):
    client.force_login(w.users["street"])
    html = client.get("/orders/").content.decode()
    nav = html.split('<nav class="tabs"', 1)[1].split("</nav>", 1)[0]
    counts = dict(re.findall(r'\?queue=(\w+)".*?<span class="badge count[^"]*">(\d+)</span>', nav))
    assert counts == {"to_dispatch": "2", "to_accept": "1", "in_hand": "0", "overdue": "1", "due_soon": "1",
                      "pressed": "0"}
    late_row = re.search(rf'<tr class="overdue" data-number="{w.late.number}">(.*?)</tr>', html, re.DOTALL)
    assert late_row is not None
    with translation.override("zh-hans"):
        assert time_left(w.late.dispatch_due) in late_row.group(1)
    assert "已超期" in late_row.group(1)
    assert f'<tr data-number="{w.new1.number}">' in html


def test_the_workbench_offers_the_right_new_entry_per_role(client, w):
    client.force_login(w.users["hotline"])
    html = client.get("/orders/").content.decode()
    assert 'href="/orders/hotline/"' in html and 'href="/orders/patrol/"' not in html
    client.force_login(w.users["grid"])
    html = client.get("/orders/").content.decode()
    assert 'href="/orders/patrol/"' in html and 'href="/orders/hotline/"' not in html
    client.force_login(w.users["dept"])
    html = client.get("/orders/").content.decode()
    assert 'href="/orders/patrol/"' not in html and 'href="/orders/hotline/"' not in html


def test_residents_and_anonymous_visitors_get_no_workbench(client, w):
    assert client.get("/orders/").status_code == 302  # to sign-in
    client.force_login(w.users["resident"])
    assert client.get("/orders/").status_code == 403
    assert client.get("/orders/list/").status_code == 403
    assert client.get("/orders/export/").status_code == 403


def test_outside_the_jurisdiction_nothing_shows(client, w):
    client.force_login(w.users["street2"])
    assert rows(client.get("/orders/")) == [w.far.number]
    assert rows(client.get("/orders/list/")) == [w.far.number]
    assert client.get(f"/orders/{w.new1.number}/").status_code == 404
    # Filtering on an area outside the jurisdiction finds nothing rather than widening it.
    assert rows(client.get("/orders/list/", {"area": w.tree.street1.code})) == []


@pytest.mark.parametrize("query", [
    {"state": "open", "ordering": "number"},
    {"area": "370203020009", "ordering": "-number"},
    {"status": ["new", "dispatched"], "ordering": "created"},
    {"queue": "to_dispatch"},
    {"q": "办理", "ordering": "number"},
    {"unit": "D-CG", "ordering": "number"},
    {"updated_after": "2020-01-01", "updated_before": "2099-12-31", "ordering": "-updated"},
])
def test_the_list_gives_the_same_orders_as_the_api(client, w, query):
    client.force_login(w.users["district"])
    api = APIClient()
    api.force_authenticate(w.users["district"])
    from_api = [o["number"] for o in api.get("/api/v1/orders/", query).json()["results"]]
    assert rows(client.get("/orders/list/", query)) == from_api
    assert from_api  # each query finds something, so the comparison means something


def test_the_filter_form_uses_the_api_parameter_names_and_paginates(client, w, monkeypatch):
    from civicgrid.workorders import workbench_views

    monkeypatch.setattr(workbench_views, "PAGE_SIZE", 2)
    client.force_login(w.users["district"])
    html = client.get("/orders/list/", {"ordering": "number"}).content.decode()
    for name in ("status", "state", "category", "area", "unit", "channel", "priority", "overdue", "q", "ordering"):
        assert f'name="{name}"' in html
    assert 'name="created_after"' in html and 'name="closed_before"' in html
    first = rows(client.get("/orders/list/", {"ordering": "number"}))
    second = rows(client.get("/orders/list/", {"ordering": "number", "page": 2}))
    assert first == sorted(o.number for o in w.orders)[:2]
    assert second == sorted(o.number for o in w.orders)[2:4]
    assert "ordering=number&amp;page=2" in html


def test_invalid_filters_show_an_error_and_no_rows(client, w):
    client.force_login(w.users["district"])
    page = client.get("/orders/list/", {"status": "bogus"})
    assert page.status_code == 200
    assert rows(page) == []
    assert 'class="errorlist"' in page.content.decode()


def test_every_queue_has_a_label():
    assert [name for name, _label in QUEUE_CHOICES] == ["to_dispatch", "to_accept", "in_hand", "overdue",
                                                         "due_soon", "pressed"]
