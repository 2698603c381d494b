"""Bulk dispatch: each order through the one transition service, refusals reported one by one."""

import pytest
from django.utils import translation
from django.utils.translation import gettext

from civicgrid.core.models import AuditEvent
from civicgrid.workorders import services
from civicgrid.workorders.bulk import dispatch_many
from civicgrid.workorders.models import OrderEvent, Status, WorkOrder
from civicgrid.workorders.testing import make_order, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    world = make_world()
    world.a = make_order(world, title="甲", suggested_unit=world.units["zj"])
    world.b = make_order(world, title="乙")
    world.far = make_order(world, title="四方", area=world.tree.grid4)
    return world


def zh(msgid: str) -> str:
    with translation.override("zh-hans"):
        return gettext(msgid)


def snapshot():
    return (list(WorkOrder.objects.order_by("pk").values_list("number", "status", "unit_id", "version")),
            OrderEvent.objects.count(), AuditEvent.objects.count())


def test_dispatch_many_moves_the_allowed_and_reports_the_rest(w):
    with translation.override("zh-hans"):
        result = dispatch_many(w.users["street"], [w.a.number, w.far.number, w.b.number, "GD404"], w.units["cg"])
    assert result.done == [w.a.number, w.b.number]
    missing = zh("No such work order.")
    assert result.failed == [(w.far.number, missing), ("GD404", missing)]
    assert {o.number: (o.status, o.unit_id, o.version) for o in WorkOrder.objects.all()} == {
        w.a.number: (Status.DISPATCHED, w.units["cg"].pk, 2), w.b.number: (Status.DISPATCHED, w.units["cg"].pk, 2),
        w.far.number: (Status.NEW, None, 1)}
    assert OrderEvent.objects.filter(action="dispatch").count() == 2
    assert AuditEvent.objects.filter(action="order.dispatch").count() == 2


def test_an_order_changed_since_the_page_was_read_is_reported_not_moved(w):
    services.transition(w.b, "reject", w.users["street"], reason="重复诉求")
    result = dispatch_many(w.users["street"], [w.a.number, w.b.number], w.units["cg"],
                           versions={w.a.number: 1, w.b.number: 1})
    assert result.done == [w.a.number]
    assert [n for n, _reason in result.failed] == [w.b.number]
    assert "2" in result.failed[0][1]  # names the version it found
    w.b.refresh_from_db()
    assert (w.b.status, w.b.unit_id) == (Status.REJECTED, None)


def test_without_a_unit_each_order_goes_to_its_suggested_unit(w):
    with translation.override("zh-hans"):
        result = dispatch_many(w.users["street"], [w.a.number, w.b.number], None)
    assert result.done == [w.a.number]
    with translation.override("zh-hans"):
        assert result.failed == [(w.b.number, "该工单没有建议承办单位，请选择一个单位。")]
    w.a.refresh_from_db()
    assert (w.a.status, w.a.unit.code) == (Status.DISPATCHED, "D-ZJ")


def test_a_user_who_may_not_dispatch_changes_nothing(client, w):
    # The grid worker sees the orders of the grid but dispatching is the dispatchers' move.
    before = snapshot()
    result = dispatch_many(w.users["grid"], [w.a.number, w.b.number], w.units["cg"])
    assert result.done == []
    assert [n for n, _r in result.failed] == [w.a.number, w.b.number]
    assert snapshot() == before


def test_bulk_dispatch_over_http_reports_counts_and_failures(client, w):
    client.force_login(w.users["street"])
    response = client.post("/orders/bulk/dispatch/", {
        "order": [w.a.number, w.b.number, w.far.number], "unit": "D-CG",
        f"version-{w.a.number}": "1", f"version-{w.b.number}": "1"}, follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == "/orders/?queue=to_dispatch"
    assert f"已派遣 2 个工单：{w.a.number}, {w.b.number}。" in html
    assert f"{w.far.number} 未派遣：{zh('No such work order.')}" in html
    assert set(WorkOrder.objects.filter(status=Status.DISPATCHED).values_list("number", flat=True)) == {
        w.a.number, w.b.number}


def test_the_row_button_dispatches_one_order_to_its_suggested_unit(client, w):
    client.force_login(w.users["street"])
    page = client.get("/orders/?queue=to_dispatch").content.decode()
    assert f'name="suggested" value="{w.a.number}"' in page
    assert f'name="suggested" value="{w.b.number}"' not in page  # no suggestion, no button
    client.post("/orders/bulk/dispatch/", {"suggested": w.a.number, "order": [w.b.number], "unit": "D-CG"})
    w.a.refresh_from_db(), w.b.refresh_from_db()
    assert (w.a.status, w.a.unit.code, w.b.status) == (Status.DISPATCHED, "D-ZJ", Status.NEW)


def test_a_denied_bulk_dispatch_over_http_changes_nothing(client, w):
    before = snapshot()
    client.force_login(w.users["dept"])
    response = client.post("/orders/bulk/dispatch/", {"order": [w.a.number, w.b.number], "unit": "D-CG"}, follow=True)
    html = response.content.decode()
    assert f"{w.a.number} 未派遣" in html and f"{w.b.number} 未派遣" in html
    assert "已派遣" not in html
    assert snapshot() == before
    # A resident may not use the endpoint at all.
    client.force_login(w.users["resident"])
    assert client.post("/orders/bulk/dispatch/", {"order": [w.a.number], "unit": "D-CG"}).status_code == 403
    assert snapshot() == before


def test_nothing_ticked_or_no_unit_is_explained(client, w):
    client.force_login(w.users["street"])
    before = snapshot()
    html = client.post("/orders/bulk/dispatch/", {"unit": "D-CG"}, follow=True).content.decode()
    assert "请先勾选要派遣的工单。" in html
    html = client.post("/orders/bulk/dispatch/", {"order": [w.a.number], "unit": "NOPE"}, follow=True).content.decode()
    assert zh("Choose the unit to dispatch the order to.") in html
    assert snapshot() == before
