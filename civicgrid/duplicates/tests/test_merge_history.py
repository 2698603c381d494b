"""After a merge both orders' histories say what happened: the absorbed order "合并至 <target>", the
surviving order "合并了 <absorbed>", each with its audit row, written in the merge's transaction."""

from __future__ import annotations

import re

import pytest

from civicgrid.core.models import AuditEvent
from civicgrid.workorders import services as order_services
from civicgrid.workorders.models import OrderEvent, Status
from civicgrid.workorders.testing import make_order

from .conftest import placed

pytestmark = pytest.mark.django_db


def _history(client, number: str) -> list[str]:
    html = client.get(f"/orders/{number}/").content.decode()
    timeline = re.search(r'<ol class="timeline">(.*?)</ol>', html, re.S).group(1)
    return [re.sub(r"<time>.*?</time>\s*", "", li).strip() for li in re.findall(r"<li>(.*?)</li>", timeline, re.S)]


def test_a_merge_from_the_suggestion_is_on_both_histories(client, w):
    target = placed(make_order(w, title="恩县路路面坑洼"), 0.0002)
    absorbed = placed(make_order(w, title="门口路面有坑"), 0.0001)
    moved_appeal = absorbed.appeals.get().pk
    w.users["street"].real_name = "王林文"
    w.users["street"].save()
    client.force_login(w.users["street"])
    response = client.post(f"/intelligence/duplicates/orders/{absorbed.number}/merge/",
                           {"target": target.number, "version": absorbed.version})
    assert (response.status_code, response["Location"]) == (302, f"/orders/{target.number}/")
    reason = f"与工单 {target.number} 为同一问题（系统提示）"
    assert _history(client, target.number) == [f"合并了 {absorbed.number} · 王林文: {reason}"]
    assert _history(client, absorbed.number) == [f"合并至 {target.number} · 王林文: {reason}"]
    row = OrderEvent.objects.get(order=target)
    assert (row.action, row.from_status, row.to_status, row.actor, row.data) == (
        "merged_in", Status.NEW, Status.NEW, w.users["street"],
        {"from": absorbed.number, "appeals": [moved_appeal], "appeals_count": 2})
    audit = AuditEvent.objects.get(action="order.merged_in")
    assert (audit.object_id, audit.actor, audit.changes) == (
        str(target.pk), w.users["street"], {"from": absorbed.number, "appeals_count": [1, 2]})
    assert AuditEvent.objects.filter(action="order.merge", object_id=str(absorbed.pk)).count() == 1


def test_a_refused_merge_writes_nothing_on_either_order(client, w):
    target = make_order(w, status=Status.CLOSED)
    absorbed = make_order(w)
    client.force_login(w.users["street"])
    client.post(f"/intelligence/duplicates/orders/{absorbed.number}/merge/", {"target": target.number})
    absorbed.refresh_from_db()
    assert absorbed.status == Status.NEW and absorbed.merged_into is None
    assert OrderEvent.objects.count() == 0
    assert AuditEvent.objects.filter(action__startswith="order.merge").count() == 0


def test_a_merge_typed_by_hand_is_on_the_target_too(w):
    target, absorbed = make_order(w), make_order(w)
    order_services.transition(absorbed, "merge", w.users["street"], target_order=target, reason="同一处路面")
    assert list(OrderEvent.objects.filter(order=target).values_list("action", "reason", "data__from")) == [
        ("merged_in", "同一处路面", absorbed.number)]
