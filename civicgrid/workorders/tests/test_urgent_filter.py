"""The dispatcher's view of urgency and of the intelligence around an order: the urgent-only
filter (the shared FilterSet, so the web list, the workbench and the API count the same), the
"me too" count and the held-answer state in the list rows."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from civicgrid.textcheck.models import ReplyCheck, ReplyState
from civicgrid.workorders import services
from civicgrid.workorders.models import WorkOrder
from civicgrid.workorders.testing import make_order, make_world

pytestmark = pytest.mark.django_db

VAGUE = "您好！您的留言已收悉，已转交相关部门处理。"


@pytest.fixture
def w():
    w = make_world()
    soon = timezone.now() + timedelta(hours=1)
    w.urgent_new = make_order(w, title="楼道燃气泄漏", priority="urgent", dispatch_due=soon)
    w.urgent_other_street = make_order(w, area=w.tree.grid4, title="井盖丢了", priority="urgent", dispatch_due=soon)
    w.normal_new = make_order(w, title="路灯不亮", dispatch_due=soon)
    w.urgent_closed = make_order(w, title="电线裸露", priority="urgent", status="closed")
    return w


def _client(w, name):
    c = Client()
    c.force_login(w.users[name])
    return c


def _numbers(html: str) -> list[str]:
    return re.findall(r'<tr[^>]*data-number="(\w+)"', html)


def test_priority_filter_gives_the_same_orders_on_the_web_list_and_the_api(w):
    api = APIClient()
    for name, expected in [
        ("district", {w.urgent_new.number, w.urgent_other_street.number, w.urgent_closed.number}),
        ("street", {w.urgent_new.number, w.urgent_closed.number}),
    ]:
        api.force_authenticate(w.users[name])
        body = api.get("/api/v1/orders/?priority=urgent").json()
        assert body["count"] == len(expected) and {o["number"] for o in body["results"]} == expected
        web = _client(w, name).get("/orders/list/?priority=urgent").content.decode()
        assert set(_numbers(web)) == expected
        # Open ones only: the same narrowing both ways.
        body = api.get("/api/v1/orders/?priority=urgent&state=open").json()
        web = _client(w, name).get("/orders/list/?priority=urgent&state=open").content.decode()
        assert {o["number"] for o in body["results"]} == set(_numbers(web)) == expected - {w.urgent_closed.number}
    api.force_authenticate(w.users["district"])
    assert api.get("/api/v1/orders/?priority=normal").json()["count"] == 1


def test_workbench_urgent_only_narrows_the_queue(w):
    c = _client(w, "district")
    everything = c.get("/orders/?queue=to_dispatch").content.decode()
    assert set(_numbers(everything)) == {w.urgent_new.number, w.urgent_other_street.number, w.normal_new.number}
    assert re.search(r'priority=urgent"[^>]*>仅紧急<span class="badge count bad">2</span>', everything)
    urgent = c.get("/orders/?queue=to_dispatch&priority=urgent").content.decode()
    assert set(_numbers(urgent)) == {w.urgent_new.number, w.urgent_other_street.number}
    assert re.search(r'priority=urgent" aria-current="page">仅紧急', urgent)
    # The export of that view holds the same rows.
    assert "queue=to_dispatch&amp;priority=urgent" in urgent
    export = c.get("/orders/export/?queue=to_dispatch&priority=urgent")
    assert export["X-Export-Rows"] == "2"


def test_workbench_without_urgent_orders_shows_zero(w):
    WorkOrder.objects.filter(priority="urgent").update(priority="normal")
    html = _client(w, "street").get("/orders/?queue=to_dispatch").content.decode()
    assert re.search(r'>仅紧急<span class="badge count plain">0</span>', html)


def test_rows_show_me_too_count_and_held_answer(w):
    order = make_order(w, title="楼道堆物")
    services.transition(order, "dispatch", w.users["street"], unit=w.units["cg"])
    services.transition(order, "accept", w.users["dept"])
    services.transition(order, "resolve", w.users["dept"], answer=VAGUE)
    assert ReplyCheck.objects.get(order=order).state == ReplyState.FLAGGED
    WorkOrder.objects.filter(pk=w.normal_new.pk).update(appeals_count=4)
    html = _client(w, "street").get("/orders/list/").content.decode()
    rows = dict(re.findall(r'data-number="(\w+)">(.*?)</tr>', html, re.DOTALL))
    assert "答复暂缓公开" in rows[order.number]
    assert "答复暂缓公开" not in rows[w.normal_new.number]
    assert '<span class="badge warn me-too">4</span>' in rows[w.normal_new.number]
    assert "me-too" not in rows[order.number]
    # Once a reviewer approves the answer, the badge goes.
    check = ReplyCheck.objects.get(order=order)
    from civicgrid.textcheck.services import approve_reply

    approve_reply(w.users["street"], check)
    html = _client(w, "street").get("/orders/list/").content.decode()
    rows = dict(re.findall(r'data-number="(\w+)">(.*?)</tr>', html, re.DOTALL))
    assert "答复暂缓公开" not in rows[order.number]


def test_order_list_sort_labels_are_chinese(w):
    html = _client(w, "district").get("/orders/list/").content.decode()
    options = re.search(r'<select name="ordering".*?</select>', html, re.DOTALL).group(0)
    assert "优先级（紧急在前）" in options and "办结时限" in options
    assert not re.search(r">[^<]*(descending|Handle due|Response due)", options)


def test_order_page_urgent_priority_badge_is_red(w):
    html = _client(w, "street").get(f"/orders/{w.urgent_new.number}/").content.decode()
    assert '<span class="badge bad">紧急</span>' in html
    html = _client(w, "street").get(f"/orders/{w.normal_new.number}/").content.decode()
    assert '<span class="badge plain">一般</span>' in html
