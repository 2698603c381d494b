"""Switching a unit off in the admin: orders waiting for dispatch stop suggesting it (one-click
dispatch to it would be refused), the admin says so and names the open orders it still holds."""

from __future__ import annotations

import pytest

from civicgrid.core.models import AuditEvent
from civicgrid.workorders.models import Responsibility, Status, WorkOrder
from civicgrid.workorders.testing import make_order, make_world
from civicgrid.workorders.unit_changes import save_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    w = make_world()
    t = w.tree
    Responsibility.objects.create(category=None, area=t.district, area_path=t.district.path, unit=w.units["zj"],
                                  level="district")
    Responsibility.objects.create(category=w.categories["sub"], area=t.district, area_path=t.district.path,
                                  unit=w.units["cg"], level="district")
    w.waiting = make_order(w, suggested_unit=w.units["cg"])
    w.held = make_order(w, status=Status.ACCEPTED, unit=w.units["cg"])
    w.closed = make_order(w, status=Status.CLOSED, unit=w.units["cg"])
    return w


def test_switching_a_unit_off_moves_the_suggestions_to_the_next_rule(w):
    result = save_unit(w.users["admin"], w.units["cg"], is_active=False)
    assert result.resuggested == [w.waiting.number]
    assert result.still_held == 1
    assert WorkOrder.objects.get(pk=w.waiting.pk).suggested_unit == w.units["zj"]
    assert WorkOrder.objects.get(pk=w.held.pk).unit == w.units["cg"]  # a person redispatches it
    assert AuditEvent.objects.get(action="unit.update").changes == {"is_active": [True, False]}

    back = save_unit(w.users["admin"], w.units["cg"], is_active=True)
    assert (back.resuggested, back.still_held) == ([w.waiting.number], 0)
    assert WorkOrder.objects.get(pk=w.waiting.pk).suggested_unit == w.units["cg"]


def test_a_change_that_leaves_the_unit_active_moves_nothing(w):
    result = save_unit(w.users["admin"], w.units["cg"], duty_phone="0532-88888888")
    assert (result.resuggested, result.still_held) == ([], 0)
    assert WorkOrder.objects.get(pk=w.waiting.pk).suggested_unit == w.units["cg"]


def test_a_refused_change_moves_nothing(w):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        save_unit(w.users["district"], w.units["cg"], is_active=False)
    assert WorkOrder.objects.get(pk=w.waiting.pk).suggested_unit == w.units["cg"]
    assert type(w.units["cg"]).objects.get(pk=w.units["cg"].pk).is_active is True


def test_the_admin_says_what_followed(w, client):
    client.force_login(w.users["admin"])
    unit = w.units["cg"]
    page = client.get(f"/admin/people/unit/{unit.pk}/change/")
    assert page.status_code == 200
    form = {"code": unit.code, "name": unit.name, "short_name": unit.short_name, "kind": unit.kind, "area": unit.area_id,
            "parent": "", "duty_phone": unit.duty_phone, "description": unit.description}  # is_active left unticked
    done = client.post(f"/admin/people/unit/{unit.pk}/change/", form, follow=True)
    html = done.content.decode()
    assert "1 张待派遣工单的建议承办单位已随之更新。" in html
    assert "市北区城市管理局 仍有 1 张在办工单：请在工作台改派。" in html
    assert WorkOrder.objects.get(pk=w.waiting.pk).suggested_unit == w.units["zj"]
