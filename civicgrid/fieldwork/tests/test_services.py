"""Field-work services: patrols, visits with findings, the one-tap report (随手拍)."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from PIL import Image

from civicgrid.core.models import AuditEvent
from civicgrid.core.testing import make_building
from civicgrid.fieldwork import services
from civicgrid.fieldwork.models import Patrol, Visit, VisitKind
from civicgrid.workorders.models import Appeal, Channel, WorkOrder
from civicgrid.workorders.testing import make_world

pytestmark = pytest.mark.django_db


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def w():
    world = make_world()
    world.b1 = make_building("B-G1-1", world.tree.grid1, "恩县路12号", 120.305, 36.055, households=2)
    world.b3 = make_building("B-G3-1", world.tree.grid3, "上海路3号", 120.325, 36.055, households=1)
    return world


# --- patrols ------------------------------------------------------------------------------------
def test_one_open_patrol_per_worker(w):
    grid = w.users["grid"]
    first = services.start_patrol(actor=grid, grid=w.tree.grid1)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as err:
        services.start_patrol(actor=grid, grid=w.tree.grid1)
    assert err.value.code == "patrol_open"
    assert "恩县路第一网格" in err.value.messages[0]
    assert Patrol.objects.filter(worker=grid).count() == 1

    ended = services.end_patrol(actor=grid, patrol=first, note="一切正常")
    assert (ended.ended_at is not None, ended.note) == (True, "一切正常")
    second = services.start_patrol(actor=grid, grid=w.tree.grid1)
    assert Patrol.objects.filter(worker=grid, ended_at__isnull=True).get() == second
    assert list(AuditEvent.objects.filter(action__startswith="patrol.").order_by("id").values_list("action", flat=True)) \
        == ["patrol.start", "patrol.end", "patrol.start"]


def test_worker_cannot_patrol_a_grid_not_theirs(w):
    before = AuditEvent.objects.count()
    with pytest.raises(services.FieldworkForbidden):
        services.start_patrol(actor=w.users["grid"], grid=w.tree.grid3)
    # A community staff member is not a grid worker of the grid in their community either.
    with pytest.raises(services.FieldworkForbidden):
        services.start_patrol(actor=w.users["community"], grid=w.tree.grid1)
    assert (Patrol.objects.count(), AuditEvent.objects.count()) == (0, before)


def test_route_points_only_on_own_open_patrol(w):
    grid = w.users["grid"]
    patrol = services.start_patrol(actor=grid, grid=w.tree.grid1)
    services.add_route_point(actor=grid, patrol=patrol, lon=120.305, lat=36.055)
    patrol = services.add_route_point(actor=grid, patrol=patrol, lon="120.3061234567", lat="36.0561")
    assert [p[:2] for p in patrol.route] == [[120.305, 36.055], [120.306123, 36.0561]]

    with pytest.raises(services.FieldworkForbidden):
        services.add_route_point(actor=w.users["grid3"], patrol=patrol, lon=120.305, lat=36.055)
    with pytest.raises(ValidationError) as err:
        services.add_route_point(actor=grid, patrol=patrol, lon=None, lat=36.05)
    assert "location" in err.value.message_dict
    services.end_patrol(actor=grid, patrol=patrol)
    with pytest.raises(ValidationError) as err:
        services.add_route_point(actor=grid, patrol=patrol, lon=120.305, lat=36.055)
    assert err.value.code == "ended"
    assert len(Patrol.objects.get(pk=patrol.pk).route) == 2


# --- visits -------------------------------------------------------------------------------------
def test_visit_without_finding(w):
    household = w.b1.households.order_by("room").first()
    visit = services.log_visit(actor=w.users["grid"], grid=w.tree.grid1, kind=VisitKind.HOUSEHOLD,
                               household=household, summary="老人身体好", needs="想要助餐服务", follow_up=True)
    assert (visit.building_id, visit.appeal_id, visit.area_path, visit.follow_up) == (
        w.b1.pk, None, w.tree.grid1.path, True)
    assert AuditEvent.objects.filter(action="visit.log", object_id=str(visit.pk)).count() == 1


def test_visit_with_finding_files_one_patrol_appeal_in_the_grid(w):
    grid = w.users["grid"]
    patrol = services.start_patrol(actor=grid, grid=w.tree.grid1)
    household = w.b1.households.order_by("room").first()
    visit = services.log_visit(actor=grid, grid=w.tree.grid1, kind=VisitKind.HOUSEHOLD, household=household,
                               summary="走访时发现楼道堆物", finding_text="2单元楼道堆放杂物，堵塞消防通道。",
                               photos=[("p.png", png())])
    appeal = Appeal.objects.select_related("order").get()
    assert visit.appeal_id == appeal.pk
    assert (appeal.channel, appeal.order.area_id, appeal.building_id, appeal.taken_by_id) == (
        Channel.PATROL, w.tree.grid1.pk, w.b1.pk, grid.pk)
    assert appeal.order.attachments.count() == 1
    patrol.refresh_from_db()
    assert (visit.patrol_id, patrol.findings) == (patrol.pk, 1)


def test_finding_without_photo_is_refused_and_writes_nothing(w):
    household = w.b1.households.order_by("room").first()
    with translation.override("zh-hans"), pytest.raises(ValidationError) as err:
        services.log_visit(actor=w.users["grid"], grid=w.tree.grid1, household=household,
                           summary="发现问题", finding_text="路灯不亮")
    assert list(err.value.message_dict) == ["photos"]
    assert (Visit.objects.count(), Appeal.objects.count(), WorkOrder.objects.count()) == (0, 0, 0)


def test_visit_in_a_foreign_grid_or_to_a_foreign_household_is_refused(w):
    foreign = w.b3.households.get()
    with pytest.raises(services.FieldworkForbidden):
        services.log_visit(actor=w.users["grid"], grid=w.tree.grid3, household=foreign, summary="x")
    with pytest.raises(ValidationError) as err:
        services.log_visit(actor=w.users["grid"], grid=w.tree.grid1, household=foreign, summary="x")
    assert list(err.value.message_dict) == ["household"]
    assert Visit.objects.count() == 0


# --- 随手拍 -------------------------------------------------------------------------------------
def test_snap_report_locates_the_grid_from_the_point(w):
    grid = w.users["grid"]
    patrol = services.start_patrol(actor=grid, grid=w.tree.grid1)
    result = services.snap_report(actor=grid, photos=[("s.png", png())], lon=120.3071, lat=36.0582,
                                  text="井盖缺失", accuracy=12.5)
    appeal = Appeal.objects.select_related("order").get()
    assert result.appeal == appeal
    assert (appeal.channel, appeal.order.area_id, appeal.lon, appeal.lat) == (
        Channel.PATROL, w.tree.grid1.pk, 120.3071, 36.0582)
    patrol.refresh_from_db()
    assert patrol.findings == 1
    snap = AuditEvent.objects.get(action="patrol.snap")
    assert (snap.changes["grid"], snap.changes["accuracy_m"]) == (w.tree.grid1.code, 12.5)


def test_snap_report_outside_every_grid_is_refused_in_chinese(w):
    before = AuditEvent.objects.count()
    with translation.override("zh-hans"), pytest.raises(ValidationError) as err:
        # Inside the district's square but outside all of its grids.
        services.snap_report(actor=w.users["grid"], photos=[("s.png", png())], lon=120.365, lat=36.115,
                             text="井盖缺失")
    assert err.value.message_dict == {"location": ["您的位置（120.36500, 36.11500）不在任何网格内；请走到现场或在地图上选点。"]}
    assert (Appeal.objects.count(), WorkOrder.objects.count(), AuditEvent.objects.count()) == (0, 0, before)


def test_snap_report_in_another_workers_grid_is_refused(w):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as err:
        services.snap_report(actor=w.users["grid"], photos=[("s.png", png())], lon=120.325, lat=36.055,
                             text="井盖缺失")
    assert err.value.message_dict == {"location": ["该地点位于上海路第一网格，不是您负责的网格。"]}
    assert Appeal.objects.count() == 0
