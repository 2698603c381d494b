"""回音壁: closed, published orders with masked texts; filters; never private categories or
opted-out residents; the resident's opt-out before and after publication; the public page and API."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.utils import timezone

from civicgrid.core.models import AuditEvent
from civicgrid.workorders import echowall, services
from civicgrid.workorders.errors import OrderError, TransitionForbidden
from civicgrid.workorders.models import Appeal, WorkOrder
from civicgrid.workorders.testing import make_order, make_world

pytestmark = pytest.mark.django_db

TEXT = "张三反映：恩县路12号3单元502室门前路面有坑，电话13900000001，身份证370203198001010011。"


@pytest.fixture
def w():
    return make_world()


def close(w, **kw):
    order = make_order(w, text=TEXT, title="张三反映路面坑洼", **kw)
    services.transition(order, "dispatch", w.users["district"], unit=w.units["cg"])
    services.transition(order, "accept", w.users["dept"])
    services.transition(order, "resolve", w.users["dept"], answer="已联系张三（13900000001），3单元门前已修补。")
    services.transition(order, "verify", w.users["district"])
    return services.transition(order, "close", w.users["district"])


def test_a_closed_order_is_published_masked(w):
    order = close(w)
    entry, = echowall.entries(echowall.echo_wall())
    assert entry.number == order.number
    assert entry.title == "张*反映路面坑洼"
    assert entry.text == "张*反映：恩县路12号***门前路面有坑，电话139****0001，身份证370203********0011。"
    assert entry.answer == "已联系张*（139****0001），***门前已修补。"
    assert (entry.category, entry.area) == ("道路破损", "恩县路第一网格")
    for personal in ("张三", "13900000001", "370203198001010011", "3单元"):
        assert personal not in f"{entry.title}{entry.text}{entry.answer}"


def test_open_private_and_declined_orders_never_appear(w):
    shown = close(w)
    make_order(w)  # open
    private = close(w, category=w.categories["private"])
    assert private.published_at is None
    # Published, then a reporter's appeal is flagged (e.g. a merged reporter declined): the selector
    # hides it even though the order still carries its publication date.
    declined = close(w)
    Appeal.objects.filter(order=declined).update(echo_opt_out=True)
    assert [o.number for o in echowall.echo_wall()] == [shown.number]


def test_filters_by_area_category_and_month(w):
    a = close(w)
    b = close(w, area=w.tree.grid4)
    WorkOrder.objects.filter(pk=b.pk).update(closed_at=timezone.make_aware(datetime(2025, 3, 5, 10)))
    numbers = lambda **f: sorted(o.number for o in echowall.echo_wall(**f))  # noqa: E731
    assert numbers(area=w.tree.street1.code) == [a.number]
    assert numbers(area=w.tree.district.code) == sorted([a.number, b.number])
    assert numbers(area="999") == []
    assert numbers(category="01") == sorted([a.number, b.number])
    assert numbers(category="010102") == []
    assert numbers(month="2025-03") == [b.number]
    for bad in ("2025-3", "2025-13", "March"):
        with pytest.raises(OrderError):
            echowall.echo_wall(month=bad)


def test_the_resident_opts_out_after_publication(w):
    order = close(w)
    published = order.published_at
    echowall.opt_out(w.users["resident"], order)
    order.refresh_from_db()
    assert (order.echo_opt_out, order.published_at, order.public_answer) == (True, None, "")
    assert list(order.appeals.values_list("echo_opt_out", flat=True)) == [True]
    assert echowall.echo_wall().count() == 0
    audit = AuditEvent.objects.get(action="order.echo_opt_out")
    assert audit.changes == {"appeals": [order.appeals.get().pk], "published_at": [published.isoformat(), None],
                             "echo_opt_out": [False, True]}
    # Asking again changes nothing and writes no second audit row.
    echowall.opt_out(w.users["resident"], order)
    assert AuditEvent.objects.filter(action="order.echo_opt_out").count() == 1


def test_opting_out_before_closing_keeps_it_off_the_wall(w):
    order = make_order(w)
    echowall.opt_out(w.users["resident"], order)
    services.transition(order, "dispatch", w.users["street"], unit=w.units["cg"])
    services.transition(order, "accept", w.users["dept"])
    services.transition(order, "resolve", w.users["dept"], answer="已修补。")
    services.transition(order, "verify", w.users["grid"])
    order = services.transition(order, "close", w.users["street"])
    assert order.published_at is None
    assert echowall.echo_wall().count() == 0


def test_only_the_reporter_can_opt_out(w):
    order = close(w)
    before = (order.published_at, AuditEvent.objects.count())
    for who in ("resident2", "street", "admin"):
        with pytest.raises(TransitionForbidden):
            echowall.opt_out(w.users[who], order)
    order.refresh_from_db()
    assert (order.published_at, AuditEvent.objects.count()) == before
    assert order.echo_opt_out is False


def test_public_page_and_api(w, client):
    order = close(w)
    client.cookies["django_language"] = "en"
    page = client.get("/echo/")
    assert page.status_code == 200
    html = page.content.decode()
    assert order.number in html and "139****0001" in html
    assert "13900000001" not in html and "张三" not in html
    assert client.get("/echo/?month=bad").status_code == 400
    api = client.get("/api/v1/echo-wall/", HTTP_ACCEPT_LANGUAGE="en")
    assert api.status_code == 200
    data = api.json()
    assert data["count"] == 1
    item = data["results"][0]
    assert sorted(item) == ["answer", "area", "category", "closed_at", "number", "published_at", "received_at",
                            "text", "title"]
    assert (item["number"], item["title"], item["answer"]) == (order.number, "张*反映路面坑洼",
                                                               "已联系张*（139****0001），***门前已修补。")
    bad = client.get("/api/v1/echo-wall/?month=2025-13", HTTP_ACCEPT_LANGUAGE="en")
    assert (bad.status_code, bad.json()["error"]["fields"]) == (400, {"month": ["Give the month as YYYY-MM, e.g. 2025-03."]})
