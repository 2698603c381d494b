from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from civicgrid.workorders.models import Status, WorkOrder
from civicgrid.workorders.testing import make_order, make_world

# The query point: inside 恩县路第一网格 (grid1). 0.0001° of latitude is about 11.1 m.
LON, LAT = 120.3000, 36.0500
QUERY = "恩县路门前路面有个大坑，下雨积水"


def placed(order, dlat=0.0, *, days_ago: float = 0, **fields):
    WorkOrder.objects.filter(pk=order.pk).update(lon=LON, lat=LAT + dlat,
                                                 created_at=timezone.now() - timedelta(days=days_ago), **fields)
    order.refresh_from_db()
    return order


@pytest.fixture
def w():
    return make_world()


@pytest.fixture
def crafted(w):
    """Open and closed orders around the query point; which ones are the same problem is the test."""
    o = {}
    o["near"] = placed(make_order(w, title="恩县路路面坑洼", text="恩县路12号门前路面有坑，雨天积水。"), 0.0002, days_ago=1)
    o["far"] = placed(make_order(w, title="恩县路路面坑洼", text="门前路面有坑，雨天积水。"), 0.0009, days_ago=1)
    o["old"] = placed(make_order(w, title="恩县路路面坑洼", text="门前路面有坑，雨天积水。"), 0.0001, days_ago=9)
    o["gas"] = placed(make_order(w, title="路面有坑燃气味", text="门前路面有坑，雨天积水。", category=w.categories["gas"]), 0.0001)
    o["closed"] = placed(make_order(w, title="恩县路路面坑洼", text="门前路面有坑，雨天积水。", status=Status.CLOSED), 0.0001)
    o["other_street"] = placed(make_order(w, title="恩县路路面坑洼", text="门前路面有坑，雨天积水。",
                                          area=w.tree.grid4), 0.0001)
    o["parent"] = placed(make_order(w, title="路面坑洼", text="门前路面有个大坑", category=w.categories["sub"]), 0.0003,
                         days_ago=2)
    o["unlike"] = placed(make_order(w, title="绿化带杂草", text="小区绿化带杂草丛生"), 0.0001)
    return o

