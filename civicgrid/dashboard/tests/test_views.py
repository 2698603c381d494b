"""The command-center pages over HTTP: exact figures, scoping by jurisdiction, drill-down, rankings,
the polled partials and the wall screen."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from civicgrid.dashboard import rollups
from civicgrid.sla import services as sla_services
from civicgrid.workorders import services
from civicgrid.workorders.models import WorkOrder
from civicgrid.workorders.testing import World, make_order, make_world

pytestmark = pytest.mark.django_db

DISTRICT, STREET1, STREET2 = "370203000000", "370203020000", "370203028000"
COMMUNITY1, COMMUNITY2, GRID1 = "370203020009", "370203020002", "370203020009001"


@dataclass
class CenterWorld:
    world: World
    new1: WorkOrder        # street 1, grid 1: new
    late1: WorkOrder       # street 1, grid 1: dispatched, overdue, whistled to two departments
    closed1: WorkOrder     # street 1, grid 1: closed today, on time
    supervised: WorkOrder  # street 1, grid 3: new, supervised by the street
    new2: WorkOrder        # street 2: new
    late2: WorkOrder       # street 2: accepted, overdue


def _overdue(order: WorkOrder) -> None:
    # What the SLA sweep would have done hours later: the deadline passed and the order is marked.
    WorkOrder.objects.filter(pk=order.pk).update(is_overdue=True, handle_due=timezone.now() - timedelta(hours=3))


def build_center_world() -> CenterWorld:
    """Six orders received today across both streets; the figures of each area are in the tests."""
    w = make_world()
    t, u, units = w.tree, w.users, w.units
    new1 = make_order(w, title="恩县路路面坑洼")
    late1 = make_order(w, title="恩县路井盖缺失")
    services.transition(late1, "dispatch", u["street"], unit=units["cg"])
    closed1 = make_order(w, title="恩县路路灯不亮")
    services.transition(closed1, "dispatch", u["street"], unit=units["cg"])
    services.transition(closed1, "accept", u["dept"])
    services.transition(closed1, "resolve", u["dept"], answer="已更换灯泡。")
    services.transition(closed1, "verify", u["street"])
    services.transition(closed1, "close", u["street"])
    supervised = make_order(w, area=t.grid3, title="上海路垃圾堆放")
    WorkOrder.objects.filter(pk=supervised.pk).update(supervision_level="street")
    new2 = make_order(w, area=t.grid4, title="上四方噪音扰民")
    late2 = make_order(w, area=t.grid4, title="上四方楼道堆物")
    services.transition(late2, "dispatch", u["street2"], unit=units["cg"])
    services.transition(late2, "accept", u["dept"])
    _overdue(late1)
    _overdue(late2)
    sla_services.blow_whistle(u["street"], WorkOrder.objects.get(pk=late1.pk), units=[units["cg"], units["zj"]],
                              reason="井盖缺失，需城管和住建联合处置。")
    # make_order and the updates above write the orders directly, past the services: recount.
    rollups.rebuild()
    return CenterWorld(w, new1, late1, closed1, supervised, new2, late2)


@pytest.fixture
def cw() -> CenterWorld:
    return build_center_world()


def client_for(cw: CenterWorld, name: str) -> Client:
    c = Client()
    c.force_login(cw.world.users[name])
    return c


def tiles(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-figure="(\w+)"[^>]*><span class="value">([^<]*)</span>', html))


DISTRICT_TILES = {"in_today": "6", "open": "5", "overdue": "2", "closed_today": "1", "on_time_rate": "100.0%",
                  "escalated": "2", "whistles_waiting": "2", "urgent_today": "0"}
STREET1_TILES = {"in_today": "4", "open": "3", "overdue": "1", "closed_today": "1", "on_time_rate": "100.0%",
                 "escalated": "2", "whistles_waiting": "2", "urgent_today": "0"}
STREET2_TILES = {"in_today": "2", "open": "2", "overdue": "1", "closed_today": "0", "on_time_rate": "—",
                 "escalated": "0", "whistles_waiting": "0", "urgent_today": "0"}


def test_commander_lands_on_the_district_with_exact_figures(cw):
    r = client_for(cw, "district").get("/center/")
    html = r.content.decode()
    assert r.status_code == 200
    assert tiles(html) == DISTRICT_TILES
    assert "区指挥中心" in html and "今日受理" in html and "按时办结率" in html
    # The on-time rate says what it counts (closed orders only), so it is not read against 超期.
    hint = "近30天办结的工单中，在期限内办结的比例。尚未办结、已过期限的工单不计入此率，计在“超期”中。"
    assert re.findall(r'data-figure="(\w+)" title="([^"]+)"', html) == [("on_time_rate", hint)]
    # The map's drill-down list: both streets with their load, each a link one level down.
    rows = re.findall(r'<tr data-code="(\d+)">\s*<td><a href="\?area=\d+">([^<]+)</a></td>\s*'
                      r'<td class="num">(\d+)</td><td class="num[^"]*">(\d+)</td><td class="num">(\d+)</td>', html)
    assert rows == [(STREET1, "即墨路街道", "3", "1", "4"), (STREET2, "四方街道", "2", "1", "2")]


def test_street_dispatcher_sees_only_their_street(cw):
    r = client_for(cw, "street").get("/center/")
    html = r.content.decode()
    assert r.status_code == 200
    assert tiles(html) == STREET1_TILES
    assert "街道指挥分中心" in html
    crumbs = re.search(r'<nav class="crumbs".*?</nav>', html, re.DOTALL).group(0)
    assert re.findall(r">([^<>\s][^<>]*)</(?:a|span)>", crumbs) == ["市北区", "即墨路街道"]
    # Nothing of street 2 appears anywhere on the page.
    assert cw.late2.number not in html and cw.new2.number not in html and "四方街道" not in html


def test_community_staff_land_on_their_community(cw):
    html = client_for(cw, "community").get("/center/").content.decode()
    assert tiles(html) == {"in_today": "3", "open": "2", "overdue": "1", "closed_today": "1",
                           "on_time_rate": "100.0%", "escalated": "1", "whistles_waiting": "2", "urgent_today": "0"}
    assert '<span aria-current="page">恩县路社区</span>' in html


def test_drill_down_to_a_street_and_a_grid(cw):
    c = client_for(cw, "district")
    assert tiles(c.get(f"/center/?area={STREET2}").content.decode()) == STREET2_TILES
    grid = c.get(f"/center/?area={GRID1}").content.decode()
    assert tiles(grid)["open"] == "2"
    # A grid is the last level: its map shows itself, with no link further down.
    assert re.findall(r'<tr data-code="(\d+)">\s*<td>([^<]+)</td>', grid) == [(GRID1, "恩县路第一网格")]


@pytest.mark.parametrize("code", [STREET2, "370203028013", "999999999999"])
def test_area_outside_the_jurisdiction_or_missing_is_404(cw, code):
    c = client_for(cw, "street")
    for url in ("/center/", "/center/wall/", "/center/figures/", "/center/lists/"):
        assert c.get(f"{url}?area={code}").status_code == 404


@pytest.mark.parametrize("name", ["resident", "grid", "dept", "hotline"])
def test_people_without_a_command_center_get_403(cw, name):
    c = client_for(cw, name)
    for url in ("/center/", "/center/wall/", "/center/figures/", "/center/lists/"):
        assert c.get(url).status_code == 403


def test_anonymous_is_sent_to_sign_in(cw):
    r = Client().get("/center/")
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")


def test_lists_of_overdue_escalated_and_whistles(cw):
    html = client_for(cw, "district").get("/center/").content.decode()
    overdue = re.search(r'id="h-overdue".*?</section>', html, re.DOTALL).group(0)
    escalated = re.search(r'id="h-escalated".*?</section>', html, re.DOTALL).group(0)
    whistles = re.search(r'id="h-whistles".*?</section>', html, re.DOTALL).group(0)
    link = r'<a href="/orders/(\w+)/">'
    assert sorted(re.findall(link, overdue)) == sorted([cw.late1.number, cw.late2.number])
    assert sorted(re.findall(link, escalated)) == sorted([cw.late1.number, cw.supervised.number])
    assert re.findall(link, whistles) == [cw.late1.number, cw.late1.number]
    assert "市北区城市管理局" in whistles and "市北区住房和城乡建设局" in whistles


def test_figures_partial_follows_a_move_without_a_page(cw):
    c = client_for(cw, "street")
    before = c.get(f"/center/figures/?area={STREET1}").content.decode()
    assert tiles(before) == STREET1_TILES and "<html" not in before
    assert 'hx-trigger="every 60s"' in before
    order = WorkOrder.objects.get(pk=cw.supervised.pk)
    services.transition(order, "dispatch", cw.world.users["street"], unit=cw.world.units["cg"])
    services.transition(order, "accept", cw.world.users["dept"])
    services.transition(order, "resolve", cw.world.users["dept"], answer="已清运。")
    services.transition(order, "verify", cw.world.users["street"])
    services.transition(order, "close", cw.world.users["street"])
    after = tiles(c.get(f"/center/figures/?area={STREET1}").content.decode())
    assert (after["open"], after["closed_today"], after["in_today"]) == ("2", "2", "4")


def test_rankings_red_and_black_lists(cw, settings):
    settings.CENTER_RED_LIST_SIZE = 1
    settings.CENTER_BLACK_LIST_SIZE = 1
    page = client_for(cw, "district").get("/center/").content.decode()
    # The page loads its rankings panel right after the first paint, from the rankings URL.
    assert 'hx-get="/center/rankings/?area=' in page and 'hx-trigger="load"' in page
    html = client_for(cw, "district").get("/center/rankings/").content.decode()
    table = re.search(r'<table class="table rankings">.*?</table>', html, re.DOTALL).group(0)
    rows = re.findall(r'<tr class="(\w+)-list" data-code="(\d+)">\s*<td class="num">(\d+)</td>', table)
    # Street 2 accepted its one dispatched order in time (100); street 1 one of two (50).
    assert rows == [("red", STREET2, "1"), ("black", STREET1, "2")]
    # Scores with two decimals, as in the monthly report (they showed "100.0" next to "92.53").
    assert re.findall(r'<td class="num">([\d.]+)</td><td class="num">\d+</td><td class="num">\d+</td>\s*</tr>', table) == [
        "100.00", "50.00"]
    assert re.findall(r'<span class="muted">([^<]+)</span></li>', html) == ["100.00", "50.00"]
    assert re.findall(r'<a href="[^"]*rank=(\w+)[^"]*"( aria-current="page")?>', html) == [
        ("street", ' aria-current="page"'), ("community", ""), ("department", "")]
    assert "红榜" in html and "黑榜" in html


def test_rankings_of_another_month_and_kind(cw):
    c = client_for(cw, "street")
    month = (timezone.localdate().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    html = c.get(f"/center/rankings/?rank=community&month={month}").content.decode()
    table = re.search(r'<table class="table rankings">.*?</table>', html, re.DOTALL).group(0)
    # Last month nothing happened: both communities listed by code, unranked, on no list.
    assert re.findall(r'<tr data-code="(\d+)">\s*<td class="num">([^<]+)</td>', table) == [
        (COMMUNITY2, "—"), (COMMUNITY1, "—")]
    assert "red-list\"" not in table and "black-list\"" not in table
    assert f'value="{month}"' in html
    # A street has no streets to rank: its tabs start with the communities.
    assert re.findall(r'rank=(\w+)&amp;month=[\d-]+#rankings"', html) == ["community", "department"]


def test_wall_screen(cw):
    html = client_for(cw, "district").get(f"/center/wall/?area={DISTRICT}").content.decode()
    assert '<body class="wall"' in html
    assert tiles(html) == DISTRICT_TILES
    assert 'id="center-map" class="map tall"' in html
    assert "/center/lists/?area=370203000000&amp;wall=1" in html
    assert 'id="chart-trend"' in html and 'id="chart-categories"' in html


def test_page_carries_the_chart_numbers_as_tables(cw):
    html = client_for(cw, "district").get("/center/").content.decode()
    trend = re.search(r'<table class="table" id="table-trend">.*?</table>', html, re.DOTALL).group(0)
    days = re.findall(r'<tr><td><time datetime="([\d-]+)">[^<]*</time></td><td class="num">(\d+)</td>'
                      r'<td class="num">(\d+)</td><td class="num">(\d+)</td></tr>', trend)
    assert len(days) == 30
    assert days[-1] == (timezone.localdate().isoformat(), "6", "1", "1")
    assert all(d[1:] == ("0", "0", "0") for d in days[:-1])
    cats = re.search(r'<table class="table" id="table-categories">.*?</table>', html, re.DOTALL).group(0)
    assert re.findall(r'<tr><td>([^<]+)</td><td class="num">(\d+)</td><td class="num">(\d+)</td></tr>', cats) == [
        ("城乡建设", "6", "5")]
    assert '<script id="center-data" type="application/json">' in html


def test_page_queries_do_not_grow_with_the_orders(cw, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # The holiday calendar's version is re-read every few seconds, not per order: keep it out.
    settings.SLA_CALENDAR_CHECK_SECONDS = 3600

    c = client_for(cw, "district")
    c.get("/center/")
    with CaptureQueriesContext(connection) as first:
        c.get("/center/")
    for i in range(12):
        order = make_order(cw.world, area=cw.world.tree.grid2 if i % 2 else cw.world.tree.grid4)
        _overdue(order)
    rollups.rebuild()
    with CaptureQueriesContext(connection) as second:
        html = c.get("/center/").content.decode()
    assert tiles(html)["overdue"] == "14"
    assert len(second) == len(first)


def test_list_heads_count_every_order_not_only_the_rows_shown(cw):
    """The wall shows eight rows per list; its heads must still say 11 overdue and 11 escalated,
    as the tiles do (they said 8, and 20 on the page, whatever the real number)."""
    for i in range(9):
        order = make_order(cw.world, area=cw.world.tree.grid2 if i % 2 else cw.world.tree.grid4)
        _overdue(order)
        WorkOrder.objects.filter(pk=order.pk).update(supervision_level="street")
    rollups.rebuild()
    c = client_for(cw, "district")
    for url in ("/center/wall/", "/center/lists/?wall=1"):
        html = c.get(url).content.decode()
        assert tiles(html).get("overdue") in (None, "11")
        heads = dict(re.findall(r'<h2 id="h-(overdue|escalated|whistles)">[^<]*<span class="badge \w+">(\d+)</span>', html))
        assert heads == {"overdue": "11", "escalated": "11", "whistles": "2"}
        overdue = re.search(r'id="h-overdue".*?</section>', html, re.DOTALL).group(0)
        assert len(re.findall(r'<a href="/orders/(\w+)/">', overdue)) == 8
