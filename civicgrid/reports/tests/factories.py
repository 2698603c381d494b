"""A crafted month for the report's tests, with every figure known in advance.

Month M is two months before the current one (so M and its previous month are both complete).
In M, on the test tree (civicgrid.core.testing):

- grid G1 (即墨路街道 / 恩县路社区), category 道路破损, unit 市北区城市管理局 (cg), three orders:
  a: dispatched, accepted in time, closed on time; callback 满意 + 解决; appeal via the portal;
  b: dispatched, accepted in time, closed late; callback 不满意 + 未解决; reopened once in M; hotline;
  c: dispatched, accepted late, still in progress and past its deadline (overdue); hotline.
- grid G4 (四方街道 / 上四方社区), category 燃气供应, unit 住建局 (zj), one order:
  d: dispatched, accepted in time, closed on time; callback 基本满意 + 解决; portal.
- In the previous month: one order in G1 (道路破损), created and left new, one portal appeal.

Expected for the district in M: appeals 4 (previous 1), orders opened 4 (1), closed 3 (0),
on-time 2/3, overdue 1, response 3/4, resolution 2/3, satisfaction (1 + 0.9)/3, score
10·0.75 + 50·2/3 + 40·0.6333… = 66.17.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from civicgrid.dashboard.api.params import Month, this_month
from civicgrid.workorders.models import Appeal, Callback, Channel, OrderEvent, Status, WorkOrder
from civicgrid.workorders.testing import World, make_order, make_world


@dataclass
class Crafted:
    world: World
    month: Month
    orders: dict


def at(month: Month, day: int, hour: int = 10) -> datetime:
    start, _end = month.bounds()
    return start + timedelta(days=day - 1, hours=hour)


def _order(world, month, day, *, area, category, unit, channel=Channel.WEB, **fields):
    order = make_order(world, area=area, category=category, unit=unit, **fields)
    created = at(month, day)
    WorkOrder.objects.filter(pk=order.pk).update(created_at=created)
    Appeal.objects.filter(order=order).update(received_at=created, channel=channel)
    order.refresh_from_db()
    return order


def _times(month, day, *, accept_hours, close_day=None, due_day):
    dispatched = at(month, day, 11)
    fields = {"dispatched_at": dispatched, "response_due": dispatched + timedelta(hours=24),
              "accepted_at": dispatched + timedelta(hours=accept_hours), "handle_due": at(month, due_day, 18)}
    if close_day:
        fields.update(resolved_at=at(month, close_day, 9), closed_at=at(month, close_day, 12))
    return fields


def _callback(order, month, day, resolution, satisfaction):
    cb = Callback.objects.create(order=order, round=0, reached=True, resolution=resolution, satisfaction=satisfaction,
                                 channel="phone", unit=order.unit, area_path=order.area_path)
    Callback.objects.filter(pk=cb.pk).update(created_at=at(month, day, 15))


def build_crafted(now: datetime | None = None) -> Crafted:
    w = make_world()
    t, u, c = w.tree, w.units, w.categories
    month = this_month(now).previous.previous
    prev = month.previous
    _order(w, prev, 20, area=t.grid1, category=c["road"], unit=None)
    a = _order(w, month, 3, area=t.grid1, category=c["road"], unit=u["cg"], status=Status.CLOSED,
               **_times(month, 3, accept_hours=2, close_day=5, due_day=8))
    b = _order(w, month, 10, area=t.grid1, category=c["road"], unit=u["cg"], status=Status.CLOSED, channel=Channel.HOTLINE,
               **_times(month, 10, accept_hours=3, close_day=20, due_day=15))
    cc = _order(w, month, 12, area=t.grid1, category=c["road"], unit=u["cg"], status=Status.IN_PROGRESS,
                channel=Channel.HOTLINE, **_times(month, 12, accept_hours=30, due_day=18))
    d = _order(w, month, 15, area=t.grid4, category=c["gas"], unit=u["zj"], status=Status.CLOSED,
               **_times(month, 15, accept_hours=1, close_day=17, due_day=22))
    _callback(a, month, 6, "resolved", "satisfied")
    _callback(b, month, 21, "unresolved", "unsatisfied")
    _callback(d, month, 18, "resolved", "basically")
    event = OrderEvent.objects.create(order=b, action="reopen", from_status="closed", to_status="dispatched", unit=u["cg"])
    OrderEvent.objects.filter(pk=event.pk).update(created_at=at(month, 14))
    return Crafted(w, month, {"a": a, "b": b, "c": cc, "d": d})


def now_aware() -> datetime:
    return timezone.now()
