"""Dispatch offers, and accepts, only the units that serve the order's place: on the demo (two
districts) a 市北区 street dispatcher no longer sees 即墨区's units, and neither the page nor the API
lets an order go to one."""

from __future__ import annotations

import re

import pytest
from rest_framework.test import APIClient

from civicgrid.core.models import AuditEvent
from civicgrid.demo.builder import DEFAULT_SEED, build
from civicgrid.geo.models import Building
from civicgrid.people.models import User
from civicgrid.workorders.models import OrderEvent, Status, WorkOrder

pytestmark = pytest.mark.django_db

SHIBEI_DEPARTMENTS = {f"370203000000-{c}" for c in ("CGJ", "JJ", "JTJ", "MZJ", "RSJ", "SCJG", "SFJ", "STHJ", "WJJ",
                                                     "YJJ", "ZJJ", "GD", "GS", "RL", "RQ")}
# 恩县路第一网格 lies in 恩县路社区, 即墨路街道, 市北区: its units are the district's departments and
# utilities, the street office and the community office (the small demo has one community a street).
GRID1_UNITS = SHIBEI_DEPARTMENTS | {"370203020000-JDB", "370203020009-JWH"}
JIMO_CGJ = "370215000000-CGJ"


@pytest.fixture
def demo(client):
    build(seed=DEFAULT_SEED, scale="small", progress=False)
    building = Building.objects.filter(grid__code="370203020009001").order_by("code").first()
    client.force_login(User.objects.get(username="hotline"))
    response = client.post("/orders/hotline/", {"reporter_name": "李四", "reporter_phone": "13700000009",
                                                "text": "楼下路灯不亮", "address": building.address,
                                                "building_code": building.code})
    assert response.status_code == 302, response.content.decode()[:2000]
    return WorkOrder.objects.get(channel="hotline")


def _unit_options(html: str, name: str = "unit") -> set[str]:
    select = re.search(rf'<select[^>]* name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return set(re.findall(r'<option value="([^"]+)"', select))


def _unchanged(order: WorkOrder) -> tuple:
    order.refresh_from_db()
    return (order.status, order.unit_id, order.version,
            OrderEvent.objects.filter(order=order, action="dispatch").count(),
            AuditEvent.objects.filter(action="order.dispatch").count())


def test_the_order_page_offers_the_units_serving_the_orders_place(client, demo):
    assert demo.area.code == "370203020009001"
    client.force_login(User.objects.get(username="street"))
    html = client.get(f"/orders/{demo.number}/").content.decode()
    assert _unit_options(html) == GRID1_UNITS
    # The bulk dispatch of the street's queue: its district's departments, its own offices.
    queue = client.get("/orders/", {"queue": "to_dispatch"}).content.decode()
    assert _unit_options(queue) == {"suggested"} | GRID1_UNITS


def test_the_page_refuses_a_unit_of_another_district_and_changes_nothing(client, demo):
    before = _unchanged(demo)
    client.force_login(User.objects.get(username="street"))
    response = client.post(f"/orders/{demo.number}/move/", {"action": "dispatch", "unit": JIMO_CGJ,
                                                            "version": demo.version})
    assert response.status_code == 400
    assert ("青岛市即墨区城市管理局不负责恩县路第一网格（本工单所在地），请从所列单位中选择。"
            in response.content.decode())
    assert _unchanged(demo) == before == (Status.NEW, None, demo.version, 0, 0)
    # The units of the order's place still take it.
    ok = client.post(f"/orders/{demo.number}/move/", {"action": "dispatch", "unit": "370203000000-CGJ"})
    assert ok.status_code == 302
    assert _unchanged(demo)[:2] == (Status.DISPATCHED, demo.unit_id) and demo.unit.code == "370203000000-CGJ"


def test_the_api_refuses_it_too(demo):
    before = _unchanged(demo)
    api = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
    api.force_authenticate(User.objects.get(username="admin"))
    response = api.post(f"/api/v1/orders/{demo.number}/transitions/", {"action": "dispatch", "unit": JIMO_CGJ},
                        format="json")
    assert response.status_code == 400
    assert "青岛市即墨区城市管理局不负责恩县路第一网格（本工单所在地），请从所列单位中选择。" in response.content.decode()
    assert _unchanged(demo) == before


def test_bulk_dispatch_reports_the_order_it_refused(client, demo):
    before = _unchanged(demo)
    client.force_login(User.objects.get(username="hotline"))
    response = client.post("/orders/bulk/dispatch/", {"order": [demo.number], "unit": JIMO_CGJ}, follow=True)
    assert (f"{demo.number} 未派遣：青岛市即墨区城市管理局不负责恩县路第一网格（本工单所在地），请从所列单位中选择。"
            in response.content.decode())
    assert _unchanged(demo) == before
