"""Two dispatchers racing on one order leave exactly one result (row lock in ``transition``).

Real concurrent transactions need a server database: this runs in the PostgreSQL pass of CI
(`make test-postgres`). SQLite serialises writers with its database lock instead.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from civicgrid.workorders import services
from civicgrid.workorders.errors import IllegalTransition
from civicgrid.workorders.models import OrderEvent, Status, WorkOrder
from civicgrid.workorders.testing import make_order, make_world

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (runs in make test-postgres)"),
]


def race(order_id, attempts):
    """Run each (action, actor, kwargs) in its own thread and connection, released together."""
    barrier = threading.Barrier(len(attempts))
    results = [None] * len(attempts)

    def worker(i, action, actor, kwargs):
        try:
            barrier.wait(timeout=10)
            services.transition(order_id, action, actor, **kwargs)
            results[i] = "ok"
        except IllegalTransition:
            results[i] = "illegal"
        except Exception as exc:  # pragma: no cover - shown in the assertion message
            results[i] = repr(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, *a)) for i, a in enumerate(attempts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


@pytest.mark.parametrize("round_", range(5))
def test_two_dispatchers_racing_leave_exactly_one_result(round_):
    w = make_world()
    order = make_order(w)
    results = race(order.pk, [
        ("dispatch", w.users["street"], {"unit": w.units["cg"]}),
        ("dispatch", w.users["community"], {"unit": w.units["c1"]}),
    ])
    assert sorted(results) == ["illegal", "ok"]
    order.refresh_from_db()
    assert order.status == Status.DISPATCHED
    assert order.version == 2
    events = list(OrderEvent.objects.filter(order=order).values_list("action", "actor__username", "data"))
    assert len(events) == 1
    winner = "street" if results[0] == "ok" else "community"
    assert events[0][1] == winner
    assert order.unit == (w.units["cg"] if winner == "street" else w.units["c1"])


def test_dispatch_racing_a_reject_leaves_one_outcome():
    w = make_world()
    order = make_order(w)
    results = race(order.pk, [
        ("dispatch", w.users["street"], {"unit": w.units["cg"]}),
        ("reject", w.users["hotline"], {"reason": "重复诉求"}),
    ])
    assert sorted(results) == ["illegal", "ok"]
    order = WorkOrder.objects.get(pk=order.pk)
    assert order.status in (Status.DISPATCHED, Status.REJECTED)
    assert OrderEvent.objects.filter(order=order).count() == 1
