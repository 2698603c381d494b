"""Crafted appeals for the proactive tests: rows written directly, at chosen days and points."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from django.utils import timezone

from civicgrid.dashboard import rollups
from civicgrid.workorders.models import Appeal, Channel, WorkOrder

NOW = timezone.make_aware(datetime(2026, 11, 23, 12, 0))  # a Monday
_n = {"n": 0}


def at(lon0: float, lat0: float, north_m: float = 0, east_m: float = 0) -> tuple[float, float]:
    return (lon0 + east_m / (111_320 * math.cos(math.radians(lat0))), lat0 + north_m / 111_320)


def appeal(world, *, days_ago: float, area=None, category=None, point=(120.305, 36.055), building=None,
           title="路面坑洼", text="门前路面有坑，雨天积水。", reopen_count: int = 0, appeals_count: int = 1) -> WorkOrder:
    _n["n"] += 1
    n = _n["n"]
    area = area or world.tree.grid1
    category = category or world.categories["road"]
    when = NOW - timedelta(days=days_ago)
    lon, lat = (building.lon, building.lat) if building is not None else point
    order = WorkOrder.objects.create(
        number=f"P{n:08d}", title=title, description=text, category=category, channel=Channel.WEB, area=area,
        area_path=area.path, lon=lon, lat=lat, building=building, reopen_count=reopen_count,
        appeals_count=appeals_count)
    WorkOrder.objects.filter(pk=order.pk).update(created_at=when)
    rollups.orders_created([order])
    Appeal.objects.create(
        tracking_number=f"Q{n:08d}", order=order, channel=Channel.WEB, title=title, text=text,
        area_path=area.path, category=category, received_at=when, lon=lon, lat=lat, building=building,
        reporter_phone="13900000001")
    return order


def spike_world(world):
    """Grid 1, roads: two a week for four weeks, then ten in the last week (a spike). Grid 3,
    roads: two a week and three in the last week (normal)."""
    for week in range(1, 5):
        for _ in range(2):
            appeal(world, days_ago=7 * week + 2)
            appeal(world, days_ago=7 * week + 2, area=world.tree.grid3, point=(120.325, 36.055))
    for i in range(10):
        appeal(world, days_ago=i % 6, point=at(120.305, 36.055, 80 * (i % 5) - 160, 150 * (i // 5)))
    for i in range(3):
        appeal(world, days_ago=i, area=world.tree.grid3, point=at(120.325, 36.055, 120 * i, 0))
