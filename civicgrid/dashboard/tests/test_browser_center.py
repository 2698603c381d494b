"""In a real browser at 1280×800: a district commander opens the command center, reads the exact
figures, sees the charts drawn, and drills down from the district to a street and a community."""

from __future__ import annotations

import os
import re

import pytest

from .test_views import COMMUNITY1, DISTRICT, STREET1, STREET2, build_center_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "x")
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")


def _tiles(page) -> dict[str, str]:
    return {el.get_attribute("data-figure"): el.query_selector(".value").inner_text()
            for el in page.query_selector_all("#center-figures .stat")}


def _crumbs(page) -> list[str]:
    return [li.inner_text() for li in page.query_selector_all("nav.crumbs li")]


def test_commander_reads_figures_and_drills_down_on_the_map(live_server, page):
    cw = build_center_world()
    page.set_viewport_size({"width": 1280, "height": 800})
    _sign_in(page, live_server.url, "district")
    page.goto(f"{live_server.url}/center/")
    assert _tiles(page) == {"in_today": "6", "open": "5", "overdue": "2", "closed_today": "1",
                            "on_time_rate": "100.0%", "escalated": "2", "whistles_waiting": "2", "urgent_today": "0"}
    assert _crumbs(page) == ["市北区"]
    # The rankings panel arrives right after the first paint.
    page.wait_for_selector("#rankings table.rankings")
    assert page.locator("#rankings tr.red-list").count() >= 1
    # ECharts drew both charts onto canvases, and the map its outlines with a legend.
    page.wait_for_selector("#chart-trend canvas", state="attached")
    page.wait_for_selector("#chart-categories canvas", state="attached")
    page.wait_for_selector("#center-legend .swatch", state="attached")
    assert page.evaluate("window.civicgridCenter.trend.getOption().series[0].data.slice(-1)[0]") == 6
    assert page.evaluate("window.civicgridCenter.categories.getOption().yAxis[0].data") == ["城乡建设"]
    if os.environ.get("CENTER_SCREENSHOT"):
        page.screenshot(path=os.environ["CENTER_SCREENSHOT"], full_page=True)

    # Click inside street 1 (its square's middle) on the map: the page drills down to it.
    page.locator("#center-map").scroll_into_view_if_needed()
    x, y = page.evaluate("""() => {
        const m = window.civicgridCenter.map.map, box = m.getContainer().getBoundingClientRect();
        const p = m.latLngToContainerPoint([36.07, 120.32]);
        return [box.left + p.x, box.top + p.y];
    }""")
    page.mouse.click(x, y)
    page.wait_for_url(re.compile(rf"/center/\?area={STREET1}$"))
    assert _crumbs(page) == ["市北区", "即墨路街道"]
    assert _tiles(page)["open"] == "3"

    # The same drill-down from the list under the map, for keyboards and screen readers.
    page.click(f'#drill-list tr[data-code="{COMMUNITY1}"] a')
    page.wait_for_url(re.compile(rf"/center/\?area={COMMUNITY1}$"))
    assert _crumbs(page) == ["市北区", "即墨路街道", "恩县路社区"]
    assert _tiles(page)["open"] == "2"

    # Back up through the breadcrumbs.
    page.click(f'nav.crumbs a[href="?area={DISTRICT}"]')
    page.wait_for_url(re.compile(rf"/center/\?area={DISTRICT}$"))
    assert _tiles(page)["in_today"] == "6"
    assert cw.late1.number in page.inner_text("#center-lists")


def test_wall_screen_fills_1920_by_1080(live_server, page):
    build_center_world()
    page.set_viewport_size({"width": 1920, "height": 1080})
    _sign_in(page, live_server.url, "district")
    page.goto(f"{live_server.url}/center/wall/")
    page.wait_for_selector("#chart-trend canvas", state="attached")
    assert page.is_hidden("header.topbar")
    assert _tiles(page)["open"] == "5"
    # The map is the middle column, wider than each side column.
    widths = page.evaluate("[...document.querySelectorAll('.wall-grid > div')].map(d => d.getBoundingClientRect().width)")
    assert len(widths) == 3 and widths[1] > widths[0] * 1.5 and widths[1] > widths[2] * 1.5
    if os.environ.get("CENTER_WALL_SCREENSHOT"):
        page.screenshot(path=os.environ["CENTER_WALL_SCREENSHOT"], full_page=False)


def test_center_without_the_npm_libraries_still_shows_every_panel(live_server, page):
    """Installed without npm there is no htmx, ECharts or Leaflet: the rankings, participation and
    hotspot panels used to say "loading" forever and the charts were empty boxes over folded tables."""
    build_center_world()
    page.set_viewport_size({"width": 1366, "height": 900})
    page.context.route("**/static/vendor/**", lambda route: route.fulfill(status=404, body="not installed"))
    _sign_in(page, live_server.url, "district")
    page.goto(f"{live_server.url}/center/")
    assert page.evaluate("typeof window.htmx + typeof window.echarts + typeof window.L") == "undefinedundefinedundefined"
    page.wait_for_selector("#rankings table.rankings")
    assert page.locator("#rankings [aria-busy]").count() == 0
    assert [r.get_attribute("data-code") for r in page.query_selector_all("#rankings tbody tr")] == [
        STREET2, STREET1]
    page.wait_for_selector("#participation:not([aria-busy])")
    page.wait_for_selector("#proactive:not([aria-busy])")
    assert page.is_hidden("#chart-trend") and page.is_hidden("#chart-categories") and page.is_hidden("#center-map")
    assert page.is_visible("#table-trend") and page.is_visible("#table-categories") and page.is_visible("#drill-list")
    assert page.inner_text("#table-categories tbody") == "城乡建设\t6\t5"
    # The hotspot page says why there is no map instead of showing an empty box.
    page.goto(f"{live_server.url}/proactive/")
    assert page.is_hidden("#proactive-map")
    assert page.inner_text("#proactive-map-none") == "此处无地图（未安装地图组件）；空间聚集已列在左侧的发现中。"


def test_the_wall_fits_one_screen_however_long_the_lists(live_server, page):
    """Twelve more overdue, supervised orders: the lists column used to run three screens down,
    past the bottom of the wall; it now ends with the map's column and the page does not scroll."""
    from civicgrid.dashboard import rollups
    from civicgrid.workorders.models import WorkOrder
    from civicgrid.workorders.testing import make_order

    from .test_views import _overdue

    cw = build_center_world()
    for i in range(12):
        order = make_order(cw.world, area=cw.world.tree.grid2 if i % 2 else cw.world.tree.grid4,
                           title=f"楼道堆物第{i}处，长期无人清理，影响消防通道")
        _overdue(order)
        WorkOrder.objects.filter(pk=order.pk).update(supervision_level="street", priority="urgent")
    rollups.rebuild()
    page.set_viewport_size({"width": 1920, "height": 1080})
    _sign_in(page, live_server.url, "district")
    page.goto(f"{live_server.url}/center/wall/")
    page.wait_for_selector("#rankings table.rankings")
    page.wait_for_selector("#chart-trend canvas", state="attached")
    bottoms = page.evaluate("[...document.querySelectorAll('.wall-grid > div')].map(d => Math.round(d.getBoundingClientRect().bottom))")
    assert bottoms[2] <= max(bottoms[0], bottoms[1])
    assert page.evaluate("document.scrollingElement.scrollHeight") <= 1080
    assert page.inner_text("#h-overdue .badge") == "14"


def test_wall_fits_the_screen_in_english_and_chinese(live_server, page):
    """The English wall overflowed on the right at 1280 px: the rankings table's English heads
    widened its column past the screen. Nothing may widen the page, and no table is cut off."""
    build_center_world()
    _sign_in(page, live_server.url, "district")
    seen = {}
    for language in ("en", "zh-hans"):
        page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        for width, height in ((1280, 800), (1366, 768), (1920, 1080)):
            page.set_viewport_size({"width": width, "height": height})
            page.goto(f"{live_server.url}/center/wall/")
            page.wait_for_selector("#rankings table.rankings")
            page.wait_for_load_state("networkidle")
            assert page.evaluate("document.documentElement.lang") == language
            seen[(language, width)] = page.evaluate("""() => ({
                fits: document.documentElement.scrollWidth <= window.innerWidth,
                cut: [...document.querySelectorAll('.table-wrap')]
                    .filter(w => w.offsetParent && w.scrollWidth > w.clientWidth + 1)
                    .map(w => w.querySelector('table').className)})""")
    assert seen == {key: {"fits": True, "cut": []} for key in seen} and len(seen) == 6
