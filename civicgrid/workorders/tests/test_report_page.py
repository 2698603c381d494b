"""The resident's report page (/orders/report/): where its receipt leads, reloading the receipt,
long texts, the category list."""

from __future__ import annotations

import pytest

from civicgrid.core.models import AuditEvent
from civicgrid.core.testing import make_building
from civicgrid.workorders.models import Appeal, OrderEvent, WorkOrder
from civicgrid.workorders.testing import make_world

pytestmark = pytest.mark.django_db

REPORT = {"text": "恩县路12号门前路灯不亮", "building_code": "B1", "address": "青岛市市北区恩县路12号",
          "reporter_name": "王五", "reporter_phone": "13700000008"}


@pytest.fixture
def w():
    world = make_world()
    make_building("B1", world.tree.grid1, "青岛市市北区恩县路12号", 120.3012, 36.0511)
    return world


def _written():
    return (WorkOrder.objects.count(), Appeal.objects.count(), OrderEvent.objects.filter(action="intake").count(),
            AuditEvent.objects.filter(action="order.intake").count())


def test_a_signed_in_resident_follows_the_progress_on_their_own_appeal_page(client, w):
    client.force_login(w.users["resident"])
    body = client.post("/orders/report/", REPORT, follow=True).content.decode()
    appeal = Appeal.objects.get()
    assert appeal.reporter == w.users["resident"]
    link = f'<a class="button primary big" href="/portal/mine/{appeal.tracking_number}/" id="done-progress">'
    assert link in body
    assert f"/orders/track/{appeal.tracking_number}/" not in body
    assert client.get(f"/portal/mine/{appeal.tracking_number}/").status_code == 200
    assert _written() == (1, 1, 1, 1)


def test_an_anonymous_reporter_follows_the_progress_on_the_tracking_page(client, w):
    body = client.post("/orders/report/", REPORT, follow=True).content.decode()
    appeal = Appeal.objects.get()
    assert appeal.reporter is None
    link = f'<a class="button primary big" href="/orders/track/{appeal.tracking_number}/" id="done-progress">'
    assert link in body
    assert "/portal/mine/" not in body
    assert _written() == (1, 1, 1, 1)
