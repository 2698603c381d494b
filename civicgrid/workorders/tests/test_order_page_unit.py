"""The order page's 承办单位 says 未派单 for an order no unit holds yet (it read "— (网格)")."""

from __future__ import annotations

import re

import pytest

from civicgrid.workorders import services
from civicgrid.workorders.testing import make_order, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return make_world()


def _unit_cell(client, number: str) -> str:
    html = client.get(f"/orders/{number}/").content.decode()
    return re.search(r'承办单位</th><td[^>]*>(.*?)</td>', html, re.S).group(1)


def test_the_handling_unit_reads_not_dispatched_until_a_unit_holds_the_order(client, w):
    order = make_order(w, suggested_unit=w.units["cg"])
    client.force_login(w.users["street"])
    assert _unit_cell(client, order.number) == "未派单 · 建议：市北区城市管理局"
    services.transition(order, "report_up", w.users["grid"], reason="网格处置不了")
    assert _unit_cell(client, order.number) == "未派单 · 已上报至社区 · 建议：市北区城市管理局"
    services.transition(order, "dispatch", w.users["street"], unit=w.units["cg"])
    assert _unit_cell(client, order.number) == "市北区城市管理局 (区)"
