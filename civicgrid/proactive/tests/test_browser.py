"""In a real browser: the command center draws first, then its hotspot panel arrives; a commander
turns a spike into a proactive task from it and finds the task and the cluster map on /proactive/."""

from __future__ import annotations

import pytest
from django.utils import timezone

from civicgrid.proactive.models import ProactiveTask
from civicgrid.workorders.models import Responsibility
from civicgrid.workorders.testing import make_world

from . import helpers

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_panel_arrives_after_the_first_paint_and_its_button_opens_a_task(live_server, _chromium, monkeypatch):
    monkeypatch.setattr(helpers, "NOW", timezone.now())
    w = make_world()
    Responsibility.objects.create(category=w.categories["root"], area=w.tree.district,
                                  area_path=w.tree.district.path, unit=w.units["cg"], level="district")
    helpers.spike_world(w)
    context = _chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(30000)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "district")
    page.fill("input[name=password]", "x")
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/" not in url)
    page.goto(f"{live_server.url}/center/")
    page.wait_for_selector("#proactive li[data-key^='spike:'] button")
    assert "恩县路第一网格城乡建设诉求激增" in page.inner_text("#proactive")
    page.click("#proactive li[data-key^='spike:'] button")
    page.wait_for_selector(".messages .success")
    assert page.url.startswith(f"{live_server.url}/center/")
    task = ProactiveTask.objects.get()
    assert task.order.channel == "proactive" and task.order.suggested_unit == w.units["cg"]
    page.goto(f"{live_server.url}/proactive/")
    page.wait_for_selector("#proactive-map.leaflet-container")
    # Leaflet's zoom buttons speak the page's language.
    assert [page.get_attribute(f"#proactive-map .leaflet-control-zoom-{b}", "title") for b in ("in", "out")] == [
        "放大", "缩小"]
    assert task.order.number in page.inner_text("#proactive-tasks")
    context.close()
