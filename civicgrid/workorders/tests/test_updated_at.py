"""Every change to an order moves its ``updated_at``, so that a client pulling
``/api/v1/orders/?updated_after=`` sees it: moves, a merge (both orders), a callback, a resident's
"me too", and the sweep's overdue mark. Some of these write with update(), which skips auto_now."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from civicgrid.sla.models import SlaPolicy
from civicgrid.sla.sweep import run_sweep
from civicgrid.workorders import services
from civicgrid.workorders.models import Status, WorkOrder
from civicgrid.workorders.testing import make_order, make_world

pytestmark = pytest.mark.django_db
LONG_AGO = timezone.make_aware(datetime(2020, 1, 1, 9, 0))


@pytest.fixture
def w():
    return make_world()


def client_for(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def all_long_ago():
    WorkOrder.objects.update(updated_at=LONG_AGO)


def pulled(w) -> list[str]:
    """What the district's incremental pull returns after LONG_AGO."""
    body = client_for(w.users["district"]).get("/api/v1/orders/", {
        "updated_after": "2020-01-01T09:00:00.000001+08:00", "ordering": "number"}).json()
    return [o["number"] for o in body["results"]]


def test_a_move_is_pulled(w):
    order, other = make_order(w), make_order(w)
    all_long_ago()
    response = client_for(w.users["street"]).post(f"/api/v1/orders/{order.number}/transitions/",
                                                  {"action": "dispatch", "unit": "D-CG"}, format="json")
    assert response.status_code == 200
    assert pulled(w) == [order.number]
    assert other.number not in pulled(w)


def test_a_merge_is_pulled_for_both_orders(w):
    target = make_order(w)
    merged = make_order(w, reporter=w.users["resident2"])
    bystander = make_order(w)
    all_long_ago()
    response = client_for(w.users["street"]).post(f"/api/v1/orders/{merged.number}/transitions/",
                                                  {"action": "merge", "target_order": target.number}, format="json")
    assert response.status_code == 200
    assert pulled(w) == sorted([target.number, merged.number])
    target.refresh_from_db()
    assert (target.appeals_count, bystander.number in pulled(w)) == (2, False)


def test_a_callback_is_pulled(w):
    order = make_order(w)
    services.transition(order, "dispatch", w.users["street"], unit=w.units["cg"])
    services.transition(order, "accept", w.users["dept"])
    services.transition(order, "resolve", w.users["dept"], answer="已修补。")
    services.transition(order, "verify", w.users["grid"])
    services.transition(order, "close", w.users["street"])
    all_long_ago()
    response = client_for(w.users["resident"]).post(f"/api/v1/orders/{order.number}/callbacks/", {
        "resolution": "resolved", "satisfaction": "satisfied"}, format="json")
    assert response.status_code == 201
    order.refresh_from_db()
    assert (order.status, pulled(w)) == (Status.CLOSED, [order.number])


def test_a_me_too_is_pulled(w):
    order = make_order(w)
    all_long_ago()
    response = client_for(w.users["resident2"]).post(f"/api/v1/duplicates/orders/{order.number}/me-too/",
                                                     {"text": "我也遇到了"}, format="json")
    assert response.status_code == 201
    assert pulled(w) == [order.number]


def test_the_sweeps_overdue_mark_is_pulled(w):
    t0 = timezone.make_aware(datetime(2026, 11, 23, 9, 0))
    policy = SlaPolicy.objects.create(
        name="test hours", dispatch_limit=2, dispatch_unit="hours", response_limit=4, response_unit="hours",
        handle_limit=10, handle_unit="hours", remind_at=[], escalate_every=2, escalate_unit="hours")
    order = make_order(w, status=Status.IN_PROGRESS, unit=w.units["c1"], level="community", sla_policy=policy,
                       dispatched_at=t0, handle_due=t0 + timedelta(hours=10), response_due=t0 + timedelta(hours=4))
    all_long_ago()
    assert run_sweep(t0 + timedelta(hours=11)).orders_marked_overdue == 1
    order.refresh_from_db()
    assert (order.is_overdue, pulled(w)) == (True, [order.number])


def test_a_whistle_and_a_departments_report_are_pulled(w):
    from civicgrid.sla.services import blow_whistle, report_whistle

    order, other = make_order(w, status=Status.IN_PROGRESS, unit=w.units["c1"]), make_order(w)
    all_long_ago()
    whistle = blow_whistle(w.users["street"], order, units=[w.units["cg"]], reason="占道经营需联合处置")
    assert pulled(w) == [order.number]
    all_long_ago()
    report_whistle(w.users["dept"], whistle, note="已派执法队员到场")
    assert pulled(w) == [order.number]
    assert other.number not in pulled(w)


def test_an_added_photo_is_pulled(w, settings, tmp_path):
    import io

    from PIL import Image

    settings.MEDIA_ROOT = tmp_path
    order = make_order(w)
    all_long_ago()
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), "red").save(buffer, "PNG")
    buffer.seek(0)
    buffer.name = "p.png"
    response = client_for(w.users["grid"]).post(f"/api/v1/orders/{order.number}/attachments/",
                                                {"file": buffer, "purpose": "evidence"}, format="multipart")
    assert response.status_code == 201
    assert pulled(w) == [order.number]
