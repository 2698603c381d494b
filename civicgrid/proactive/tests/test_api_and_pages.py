"""The proactive API and pages: scoping, auth, creating a task from a finding, the center panel."""

from __future__ import annotations

import re
from unittest import mock

import pytest
from django.utils import timezone
from django.test import Client
from rest_framework.test import APIClient

from civicgrid.proactive import selectors
from civicgrid.proactive.models import ProactiveTask
from civicgrid.workorders.models import Responsibility, WorkOrder
from civicgrid.workorders.testing import make_world

from .helpers import NOW, spike_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    world = make_world()
    Responsibility.objects.create(category=world.categories["root"], area=world.tree.district,
                                  area_path=world.tree.district.path, unit=world.units["cg"], level="district")
    spike_world(world)
    return world


@pytest.fixture(autouse=True)
def frozen_scan(settings):
    """The scan's clock is the crafted data's (the selectors take ``now``; the views use the real
    one), and nothing is cached (a cached scan is keyed by the real clock)."""
    settings.PROACTIVE = {"cache_seconds": 0}
    real = selectors.scan_area

    def at_now(area, *, now=None, **kw):
        return real(area, now=NOW if now is None else now, **kw)

    with mock.patch.object(selectors, "scan_area", side_effect=at_now):
        yield


def api(user):
    c = APIClient()
    c.force_authenticate(user)
    return c


def test_findings_api_scoped_to_the_street(w):
    r = api(w.users["street"]).get("/api/v1/proactive/findings/", {"kind": "spike"})
    assert r.status_code == 200
    assert r.json()["area"] == w.tree.street1.code
    assert [(f["kind"], f["area_code"], f["count"]) for f in r.json()["findings"]] == [("spike", w.tree.grid1.code, 10)]
    assert api(w.users["street2"]).get("/api/v1/proactive/findings/", {"kind": "spike"}).json()["findings"] == []
    assert api(w.users["street2"]).get("/api/v1/proactive/findings/", {"area": w.tree.street1.code}).status_code == 404


def test_residents_and_anonymous_are_refused(w):
    assert api(w.users["resident"]).get("/api/v1/proactive/findings/").status_code == 403
    assert api(w.users["resident"]).get("/api/v1/proactive/tasks/").status_code == 403
    assert APIClient().get("/api/v1/proactive/findings/").status_code in (401, 403)


def test_create_a_task_from_a_finding_by_key(w):
    key = api(w.users["street"]).get("/api/v1/proactive/findings/", {"kind": "spike"}).json()["findings"][0]["key"]
    before = WorkOrder.objects.count()
    denied = api(w.users["street2"]).post("/api/v1/proactive/tasks/", {"key": key}, format="json")
    assert denied.status_code == 404 and WorkOrder.objects.count() == before
    r = api(w.users["street"]).post("/api/v1/proactive/tasks/", {"key": key}, format="json")
    assert r.status_code == 201, r.json()
    body = r.json()
    assert (body["kind"], body["order_status"], body["suggested_unit"], body["count"]) == ("spike", "new", "市北区城市管理局", 10)
    assert WorkOrder.objects.get(number=body["order_number"]).channel == "proactive"
    again = api(w.users["district"]).post("/api/v1/proactive/tasks/", {"key": key, "area": w.tree.district.code},
                                          format="json")
    assert again.status_code == 409 and ProactiveTask.objects.count() == 1
    detail = api(w.users["street"]).get(f"/api/v1/proactive/tasks/{body['id']}/")
    assert detail.status_code == 200 and detail.json()["key"] == key
    assert api(w.users["street2"]).get(f"/api/v1/proactive/tasks/{body['id']}/").status_code == 404
    assert [t["id"] for t in api(w.users["district"]).get("/api/v1/proactive/tasks/").json()["results"]] == [body["id"]]
    assert api(w.users["street2"]).get("/api/v1/proactive/tasks/").json()["results"] == []


def test_monthly_api(w):
    r = api(w.users["district"]).get("/api/v1/proactive/monthly/", {"month": "2026-11"})
    assert r.status_code == 200 and r.json()["category_code"] == "010101" and r.json()["task_order"] is None
    assert api(w.users["district"]).get("/api/v1/proactive/monthly/", {"month": "2019-01"}).status_code == 204
    assert api(w.users["district"]).get("/api/v1/proactive/monthly/", {"month": "2026-13x"}).status_code == 400
    c = api(w.users["district"]).post("/api/v1/proactive/monthly/", {"month": "2026-11"}, format="json")
    assert c.status_code == 201 and c.json()["kind"] == "monthly"


def test_monthly_api_names_a_month_that_is_not_one(w):
    """2026-13 has the form of a month: it was taken for this month without a word."""
    from civicgrid.proactive.models import ProactiveTask

    example = timezone.localdate().strftime("%Y-%m")
    message = f"参数 month 的值“2026-13”不是有效的月份，应写成 YYYY-MM（年-月），例如 {example}。"
    r = api(w.users["district"]).get("/api/v1/proactive/monthly/", {"month": "2026-13"})
    assert (r.status_code, r.json()["error"]["message"]) == (400, message)
    before = ProactiveTask.objects.count()
    c = api(w.users["district"]).post("/api/v1/proactive/monthly/", {"month": "2026-13"}, format="json")
    assert (c.status_code, c.json()["error"]["fields"]["month"]) == (400, [message])
    assert ProactiveTask.objects.count() == before


def test_the_center_loads_the_panel_lazily_and_the_panel_lists_findings(w):
    c = Client()
    c.force_login(w.users["district"])
    center = c.get("/center/")
    assert center.status_code == 200
    html = center.content.decode()
    assert 'hx-get="/proactive/panel/?area=' + w.tree.district.code in html
    assert "转为主动治理任务" not in html  # nothing is computed for the first paint
    panel = c.get("/proactive/panel/", {"area": w.tree.district.code})
    text = panel.content.decode()
    assert panel.status_code == 200
    assert "恩县路第一网格城乡建设诉求激增（7天10件，预期2.0件）" in text and "转为主动治理任务" in text
    assert "每月一题" in text


def test_the_page_and_the_buttons(w):
    c = Client()
    c.force_login(w.users["street"])
    page = c.get("/proactive/")
    assert page.status_code == 200 and "proactive-map" in page.content.decode()
    key = selectors.scan_area(w.tree.street1, kinds=["spike"])[0].key
    r = c.post("/proactive/tasks/create/", {"key": key, "area": w.tree.street1.code})
    assert r.status_code == 302
    task = ProactiveTask.objects.get()
    assert task.order.channel == "proactive"
    assert task.order.number in c.get("/proactive/").content.decode()
    resident = Client()
    resident.force_login(w.users["resident"])
    assert resident.get("/proactive/").status_code == 403
    assert resident.post("/proactive/tasks/create/", {"key": key}).status_code == 403
    assert ProactiveTask.objects.count() == 1


def test_the_findings_api_says_when_topics_were_scanned_and_rescan_stores_a_snapshot(w):
    from civicgrid.proactive.models import Snapshot

    api = APIClient()
    api.force_authenticate(w.users["street"])
    before = api.get("/api/v1/proactive/findings/", {"area": w.tree.street1.code}).json()
    assert before["topics_as_of"] is None
    r = api.post("/api/v1/proactive/rescan/", {"area": w.tree.street1.code}, format="json")
    assert r.status_code == 201
    snap = Snapshot.objects.get(scope="day")
    assert (r.json()["area"], r.json()["scope"], r.json()["trigger"]) == (w.tree.street1.code, "day", "manual")
    assert r.json()["findings"] == len(snap.findings)
    after = api.get("/api/v1/proactive/findings/", {"area": w.tree.street1.code}).json()
    assert after["topics_as_of"] is not None
    assert [f["key"] for f in after["findings"] if f["kind"] == "topic"] == \
        [f["key"] for f in sorted(snap.findings, key=lambda f: -f["score"]) if f["kind"] == "topic"]
    resident = APIClient()
    resident.force_authenticate(w.users["resident"])
    assert resident.post("/api/v1/proactive/rescan/", {}, format="json").status_code == 403
    assert Snapshot.objects.filter(scope="day").count() == 1


def test_a_finding_over_appeals_already_in_an_open_task_says_so(w):
    """The month's top problem and the spike are the same ten road appeals of grid 1: once the
    month's problem is a task, the spike is still offered (it may be a different problem), but
    the commander is told which open task already holds its appeals before opening a second order."""
    from civicgrid.proactive import services

    c = Client()
    c.force_login(w.users["district"])
    spike = selectors.scan_area(w.tree.district, kinds=["spike"])[0]
    panel = c.get("/proactive/panel/", {"area": w.tree.district.code}).content.decode()
    assert "其中部分诉求已在未办结的主动治理任务中" not in panel
    task = services.confirm_monthly_problem(actor=w.users["district"], area=w.tree.district, month=NOW.strftime("%Y-%m"))
    assert set(spike.sample_orders) & set(task.evidence["sample_orders"])
    for url in ("/proactive/panel/", "/proactive/"):
        html = c.get(url, {"area": w.tree.district.code}).content.decode()
        row = re.search(rf'<li data-key="{re.escape(spike.key)}">.*?</li>', html, re.DOTALL).group(0)
        assert re.findall(r'<small class="covered">([^<]+)<a href="/orders/(\w+)/">', row) == [
            ("其中部分诉求已在未办结的主动治理任务中： ", task.order.number)]
    # A closed task no longer holds anything back.
    WorkOrder.objects.filter(pk=task.order.pk).update(status="closed")
    html = c.get("/proactive/", {"area": w.tree.district.code}).content.decode()
    assert 'class="covered"' not in html
