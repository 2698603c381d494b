"""Urgent orders in the command center (today's count, the urgent list, the badge in every list)
and the toolbar of intelligence pages, each shown only to those who may open it."""

from __future__ import annotations

import re

import pytest
from rest_framework.test import APIClient

from civicgrid.dashboard.tests.test_views import DISTRICT, STREET2, build_center_world, client_for
from civicgrid.textcheck.models import UrgencyFlag
from civicgrid.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db


@pytest.fixture
def cw():
    cw = build_center_world()
    # late1 (street 1, overdue, whistled) was flagged urgent at intake; late2 stays normal.
    WorkOrder.objects.filter(pk=cw.late1.pk).update(priority="urgent")
    UrgencyFlag.objects.create(order_id=cw.late1.pk, score=1.0, reasons=["井盖丢了"], applied=True)
    return cw


def _section(html: str, heading_id: str) -> str:
    return re.search(rf'id="{heading_id}".*?</section>', html, re.DOTALL).group(0)


def _rows(section: str) -> dict[str, str]:
    return dict(re.findall(r'<tr class="[^"]*" data-number="(\w+)">(.*?)</tr>', section, re.DOTALL))


def test_urgent_list_today_count_and_badges(cw):
    html = client_for(cw, "district").get("/center/").content.decode()
    urgent = _section(html, "h-urgent")
    assert list(_rows(urgent)) == [cw.late1.number]
    assert re.search(r'<span class="badge bad">1</span>', urgent)
    overdue = _rows(_section(html, "h-overdue"))
    assert sorted(overdue) == sorted([cw.late1.number, cw.late2.number])
    # The badge and the reason on the urgent order only.
    assert ">紧急</span>" in overdue[cw.late1.number] and "井盖丢了" in overdue[cw.late1.number]
    assert "紧急" not in overdue[cw.late2.number]
    escalated = _rows(_section(html, "h-escalated"))
    assert ">紧急</span>" in escalated[cw.late1.number] and "紧急" not in escalated[cw.supervised.number]
    assert re.search(r'data-figure="urgent_today"><span class="value">1</span><span class="label">今日紧急</span>', html)


def test_center_rows_show_the_me_too_count(cw):
    WorkOrder.objects.filter(pk=cw.late1.pk).update(appeals_count=3)
    overdue = _rows(_section(client_for(cw, "district").get("/center/").content.decode(), "h-overdue"))
    assert '<span class="badge warn me-too">3 条诉求（我也遇到）</span>' in overdue[cw.late1.number]
    assert "me-too" not in overdue[cw.late2.number]


def test_urgent_figures_follow_the_area(cw):
    street2 = client_for(cw, "street2").get(f"/center/?area={STREET2}").content.decode()
    assert re.search(r'data-figure="urgent_today"><span class="value">0</span>', street2)
    assert "没有在办的紧急工单。" in _section(street2, "h-urgent")


def test_summary_api_has_todays_urgent_count(cw):
    client = APIClient()
    client.force_authenticate(cw.world.users["district"])
    assert client.get("/api/v1/dashboard/summary/").json()["urgent_today"] == 1
    client.force_authenticate(cw.world.users["street2"])
    assert client.get(f"/api/v1/dashboard/summary/?area={STREET2}").json()["urgent_today"] == 0


def test_lists_partial_links_the_urgent_orders_to_the_order_list(cw, settings):
    from civicgrid.dashboard import views

    more = WorkOrder.objects.filter(pk__in=[cw.new1.pk, cw.new2.pk])
    more.update(priority="urgent")
    old = views.LIST_LIMIT
    views.LIST_LIMIT = 2
    try:
        html = client_for(cw, "district").get(f"/center/lists/?area={DISTRICT}").content.decode()
    finally:
        views.LIST_LIMIT = old
    urgent = _section(html, "h-urgent")
    assert len(_rows(urgent)) == 2 and '<span class="badge bad">3</span>' in urgent
    assert f'href="/orders/list/?priority=urgent&amp;state=open&amp;area={DISTRICT}"' in urgent
    # The link shows the same 3 orders in the order list.
    listed = client_for(cw, "district").get(f"/orders/list/?priority=urgent&state=open&area={DISTRICT}").content.decode()
    assert sorted(re.findall(r'data-number="(\w+)"', listed)) == sorted([cw.late1.number, cw.new1.number, cw.new2.number])


TOOLS = {
    "proactive": "/proactive/", "reports": "/reports/", "replies": "/intelligence/checks/replies/",
    "duplicates": "/intelligence/duplicates/acceptance/", "classifier": "/intelligence/classifier/",
}


def _toolbar(html: str) -> set[str]:
    bar = re.search(r'<nav class="toolbar" aria-label="指挥中心工具">(.*?)</nav>', html, re.DOTALL).group(1)
    return {name for name, url in TOOLS.items() if f'href="{url}' in bar}


@pytest.mark.parametrize("name, expected", [
    ("district", {"proactive", "reports", "replies", "duplicates", "classifier"}),
    ("street", {"proactive", "reports", "replies", "duplicates"}),
    ("community", {"proactive", "reports", "replies"}),
])
def test_toolbar_links_only_what_the_reader_may_open(cw, name, expected):
    client = client_for(cw, name)
    assert _toolbar(client.get("/center/").content.decode()) == expected
    for tool, url in TOOLS.items():
        assert (client.get(url).status_code == 200) == (tool in expected), (name, tool)


def test_refusal_page_speaks_chinese_and_says_why(cw):
    r = client_for(cw, "community").get("/intelligence/duplicates/acceptance/")
    assert r.status_code == 403
    html = r.content.decode()
    assert "您无权打开此页面" in html and "Forbidden" not in html
    assert "返回首页" in html
