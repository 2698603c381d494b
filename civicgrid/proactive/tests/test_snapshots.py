"""Scans store snapshots; the panel, 每月一题 and findings_for read the topics from them."""

from __future__ import annotations

from unittest import mock

import pytest
from django.test import Client

from civicgrid.core.models import AuditEvent
from civicgrid.people.jurisdiction import jurisdiction_for
from civicgrid.proactive import selectors, tasks
from civicgrid.proactive.models import Snapshot
from civicgrid.workorders.models import Responsibility
from civicgrid.workorders.testing import make_world

from .helpers import NOW, spike_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: NOW)
    world = make_world()
    Responsibility.objects.create(category=world.categories["root"], area=world.tree.district,
                                  area_path=world.tree.district.path, unit=world.units["cg"], level="district")
    spike_world(world)
    return world


def test_the_scan_stores_a_day_snapshot_and_month_topics(w):
    summary, _found = tasks.run_scan(areas=[w.tree.district], now=NOW)
    rows = {(s.scope, s.period): s for s in Snapshot.objects.filter(area=w.tree.district)}
    assert sorted(rows) == [("day", "2026-11-23"), ("month", "2026-10"), ("month", "2026-11")]
    day = rows[("day", "2026-11-23")]
    assert day.as_of == NOW and day.trigger == "job" and day.area_path == w.tree.district.path
    assert sorted({f["kind"] for f in day.findings}) == sorted(summary.findings)
    assert [f["count"] for f in day.findings if f["kind"] == "spike"] == [10]
    assert all(f["kind"] == "topic" for f in rows[("month", "2026-11")].findings)
    assert AuditEvent.objects.filter(action="proactive.scan").count() == 1


def test_the_panel_reads_topics_from_the_snapshot_and_never_mines_them(w):
    tasks.run_scan(areas=[w.tree.district], now=NOW)
    stored = [f["title"] for f in Snapshot.objects.get(scope="day").findings if f["kind"] == "topic"]
    assert stored   # the crafted appeals share one text
    j = jurisdiction_for(w.users["district"])
    with mock.patch("civicgrid.proactive.detectors.detect_topics", side_effect=AssertionError("mined")):
        now = selectors.current(j, w.tree.district)
        c = Client()
        c.force_login(w.users["district"])
        text = c.get("/proactive/panel/", {"area": w.tree.district.code}).content.decode()
        # The report's window of the month reads the month snapshot.
        month = selectors.findings_for(w.tree.district, NOW.replace(day=1, hour=0), NOW, kinds=["topic"])
    assert [f.title for f in now.findings if f.kind == "topic"] == stored
    assert now.topics_as_of == NOW
    assert "截至 2026-11-23 12:00" in text and "重新扫描" in text
    assert [f.key for f in month] == [f["key"] for f in Snapshot.objects.get(scope="month", period="2026-11").findings]
    # A street reads its district's snapshot, limited to topics with a grid inside the street.
    street = selectors.current(jurisdiction_for(w.users["street2"]), w.tree.street2, kinds=["topic"])
    assert street.findings == [] and street.topics_as_of == NOW


def test_without_a_scan_the_panel_says_so(w):
    c = Client()
    c.force_login(w.users["district"])
    text = c.get("/proactive/panel/", {"area": w.tree.district.code}).content.decode()
    assert "尚未" in text and "恩县路第一网格城乡建设诉求激增（7天10件，预期2.0件）" in text


def test_rescan_by_staff_is_audited_and_refused_to_others(w):
    c = Client()
    c.force_login(w.users["street"])
    r = c.post("/proactive/rescan/", {"area": w.tree.street1.code})
    assert r.status_code == 302
    snap = Snapshot.objects.get(scope="day")
    assert (snap.area, snap.trigger, snap.created_by) == (w.tree.street1, "manual", w.users["street"])
    event = AuditEvent.objects.get(action="proactive.scan")
    assert event.changes["trigger"] == "manual" and event.changes["area"] == w.tree.street1.code
    other = Client()
    other.force_login(w.users["street2"])
    assert other.post("/proactive/rescan/", {"area": w.tree.street1.code}).status_code == 404
    resident = Client()
    resident.force_login(w.users["resident"])
    assert resident.post("/proactive/rescan/", {"area": w.tree.street1.code}).status_code == 403
    assert Snapshot.objects.filter(scope="day").count() == 1 and AuditEvent.objects.filter(action="proactive.scan").count() == 1


def test_monthly_top_problem_reads_the_month_snapshot(w):
    assert selectors.monthly_top_problem(w.tree.district, "2026-11").kind == "category_area"
    tasks.run_scan(areas=[w.tree.district], now=NOW)
    snap = Snapshot.objects.get(scope="month", period="2026-11")
    heat = max(f["score"] for f in snap.findings)
    snap.findings = [{**f, "score": 1000.0} for f in snap.findings]
    snap.save()
    top = selectors.monthly_top_problem(w.tree.district, "2026-11")
    assert top.kind == "topic" and top.heat == 1000.0 and top.evidence["topics_as_of"] == snap.as_of.isoformat()
    assert heat < 1000
