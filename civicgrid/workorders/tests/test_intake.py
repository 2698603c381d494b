"""submit_appeal from every channel, and every refusal shown to write nothing."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.utils import translation
from django.core.exceptions import ValidationError
from django.utils import timezone
from PIL import Image

from civicgrid.core.models import AuditEvent
from civicgrid.core.testing import make_building
from civicgrid.geo import coords
from civicgrid.workorders import intake
from civicgrid.workorders.intake import IntakeForbidden, address_candidates, submit_appeal, submit_appeals
from civicgrid.workorders.models import (
    Appeal,
    Attachment,
    Category,
    Channel,
    NumberSequence,
    OrderEvent,
    Responsibility,
    Status,
    WorkOrder,
)
from civicgrid.workorders.testing import make_world

pytestmark = pytest.mark.django_db

IN_G1 = (120.305, 36.055)
IN_G3 = (120.325, 36.055)
OUTSIDE = (121.5, 37.5)


@pytest.fixture
def w(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    world = make_world()
    world.buildings = {
        "b1": make_building("B1", world.tree.grid1, "青岛市市北区恩县路12号", 120.302, 36.052),
        "b2": make_building("B2", world.tree.grid1, "青岛市市北区嘉兴路30号海晶花园1号楼", 120.303, 36.053),
        "b3": make_building("B3", world.tree.grid2, "青岛市市北区嘉兴路30号海晶花园2号楼", 120.312, 36.052),
        "b4": make_building("B4", world.tree.grid3, "青岛市市北区上海路7号", 120.322, 36.052),
    }
    return world


def counts():
    return (WorkOrder.objects.count(), Appeal.objects.count(), OrderEvent.objects.count(),
            AuditEvent.objects.count(), Attachment.objects.count())


def jpeg(size=(40, 30), **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "JPEG", **save)
    return out.getvalue()


def web(w, **kw):
    args = dict(channel=Channel.WEB, actor=w.users["resident"], title="恩县路路面坑洼",
                text="恩县路12号门前路面有坑，雨天积水。", lon=IN_G1[0], lat=IN_G1[1])
    args.update(kw)
    return submit_appeal(**args)


def refused(call, field, code=None) -> ValidationError:
    before = counts()
    with pytest.raises(ValidationError) as info:
        call()
    assert counts() == before
    assert field in info.value.message_dict, info.value.message_dict
    if code:
        assert [e.code for e in info.value.error_dict[field]] == [code]
    return info.value


# --- channels -----------------------------------------------------------------------------------
def test_web_resident_with_a_point(w):
    result = web(w)
    order, appeal = result.order, result.appeal
    assert result.created is True
    assert re.fullmatch(r"GD\d{8}000001", order.number)
    assert appeal.tracking_number == "SQ" + order.number[2:]
    assert (order.status, order.level, order.channel, order.area, order.area_path) == (
        Status.NEW, "grid", "web", w.tree.grid1, w.tree.grid1.path)
    assert (order.lon, order.lat) == IN_G1
    assert (appeal.reporter, appeal.taken_by, appeal.reporter_name, appeal.reporter_phone) == (
        w.users["resident"], None, "张三", "13900000001")
    assert (appeal.coord_system, appeal.lon, appeal.lat) == ("WGS84", IN_G1[0], IN_G1[1])
    # No operator's choice: the suggestion hook chose (the default catalogue's 基础设施 knows more of
    # the words than the test's 道路破损), and the appeal keeps what it proposed.
    infrastructure = Category.objects.get(code="010211")
    assert order.category == infrastructure
    assert result.category_suggestion.category == infrastructure
    assert [c.code for c, _s in result.category_suggestion.top3] == ["010211", "010101"]
    assert appeal.suggested_category == infrastructure
    assert appeal.suggestion_confidence == result.category_suggestion.confidence
    assert order.priority == "normal"
    assert order.dispatch_due is not None and order.dispatch_due > timezone.now()
    event = order.events.get()
    assert (event.action, event.from_status, event.to_status, event.actor) == ("intake", "", "new", w.users["resident"])
    assert event.data["channel"] == "web" and event.data["category_from"] == "suggestion"
    audit = AuditEvent.objects.get(action="order.intake")
    assert (audit.object_id, audit.actor) == (str(order.pk), w.users["resident"])
    assert audit.changes["reporter_phone"] == "139****0001"
    assert audit.changes["reporter_name"] == "张*"


def test_routing_rule_is_recorded_as_the_suggested_unit_not_dispatched(w):
    Responsibility.objects.create(category=w.categories["sub"], area=w.tree.district, area_path=w.tree.district.path,
                                  unit=w.units["cg"], level="district")
    order = web(w, category_code="010101").order
    assert (order.status, order.unit, order.suggested_unit, order.dispatched_at) == (
        Status.NEW, None, w.units["cg"], None)
    assert order.events.get().data["suggested_unit"] == "D-CG"
    assert order.events.get().data["category_from"] == "operator"


def test_anonymous_web_needs_a_phone(w):
    refused(lambda: web(w, actor=None), "reporter_phone", "required")
    result = web(w, actor=None, reporter_phone="13812345678", is_anonymous=True)
    assert (result.appeal.reporter, result.appeal.reporter_phone, result.appeal.is_anonymous) == (
        None, "13812345678", True)
    assert result.order.events.get().actor_repr == "system"


def test_hotline_stores_caller_and_operator(w):
    result = submit_appeal(channel=Channel.HOTLINE, actor=w.users["hotline"], title="燃气味道", text="楼道有燃气味",
                           address="恩县路12号", reporter_name="李四", reporter_phone="13700000009",
                           category_code="010102")
    appeal, order = result.appeal, result.order
    assert (appeal.reporter, appeal.taken_by, appeal.reporter_name, appeal.reporter_phone) == (
        None, w.users["hotline"], "李四", "13700000009")
    assert (order.building, order.area, appeal.building) == (w.buildings["b1"], w.tree.grid1, w.buildings["b1"])
    assert (order.lon, order.lat) == (120.302, 36.052)
    assert AuditEvent.objects.get(action="order.intake").changes["reporter_phone"] == "137****0009"


def test_an_urgent_policy_in_minutes_sets_a_dispatch_deadline_in_minutes(w):
    from civicgrid.sla.services import save_policy

    save_policy(w.users["admin"], name="燃气紧急", category=w.categories["gas"], priority="urgent",
                dispatch_limit=30, dispatch_unit="minutes")
    result = submit_appeal(channel=Channel.HOTLINE, actor=w.users["hotline"], title="燃气泄漏", text="楼道里燃气味很浓",
                           address="恩县路12号", reporter_name="李四", reporter_phone="13700000009",
                           category_code="010102", priority="urgent")
    order = result.order
    assert order.sla_policy.name == "燃气紧急"
    assert order.dispatch_due - result.appeal.received_at == timedelta(minutes=30)


def test_hotline_needs_the_callers_phone_and_an_operator(w):
    call = dict(channel=Channel.HOTLINE, title="燃气味道", text="楼道有燃气味", address="恩县路12号")
    refused(lambda: submit_appeal(actor=w.users["hotline"], **call), "reporter_phone", "required")
    before = counts()
    with pytest.raises(IntakeForbidden):
        submit_appeal(actor=w.users["resident"], reporter_phone="13700000009", **call)
    assert counts() == before


def test_patrol_with_photo_stays_with_the_grid(w):
    Responsibility.objects.create(category=None, area=w.tree.district, area_path=w.tree.district.path,
                                  unit=w.units["cg"], level="district")
    result = submit_appeal(channel=Channel.PATROL, actor=w.users["grid"], title="井盖缺失", text="恩县路井盖缺失",
                           lon=IN_G1[0], lat=IN_G1[1], photos=[("a.jpg", jpeg())])
    order, appeal = result.order, result.appeal
    assert (appeal.taken_by, appeal.reporter, order.suggested_unit, order.level) == (
        w.users["grid"], None, None, "grid")
    photo = order.attachments.get()
    assert (photo.appeal, photo.content_type, photo.width, photo.height, photo.uploaded_by) == (
        appeal, "image/jpeg", 40, 30, w.users["grid"])


def test_patrol_refusals(w):
    call = dict(channel=Channel.PATROL, title="井盖缺失", text="井盖缺失", lon=IN_G1[0], lat=IN_G1[1])
    refused(lambda: submit_appeal(actor=w.users["grid"], **call), "photos", "required")
    # grid3's worker reporting in grid1
    refused(lambda: submit_appeal(actor=w.users["grid3"], photos=[jpeg()], **call), "location", "outside_jurisdiction")
    before = counts()
    with pytest.raises(IntakeForbidden):
        submit_appeal(actor=w.users["street"], photos=[jpeg()], **call)
    assert counts() == before


def test_api_idempotency_key_twice_gives_one_appeal(w):
    first = web(w, channel=Channel.API, idempotency_key="req-1", request_hash="a" * 64)
    assert first.appeal.idempotency_hash == "a" * 64
    before = counts()
    again = web(w, channel=Channel.API, idempotency_key="req-1", request_hash="a" * 64)
    assert (again.created, again.appeal.pk, again.order.pk) == (False, first.appeal.pk, first.order.pk)
    assert counts() == before


def test_the_same_idempotency_key_with_another_request_is_refused_and_writes_nothing(w):
    first = web(w, channel=Channel.API, idempotency_key="req-1", request_hash="a" * 64)
    before = counts()
    with translation.override("en"), pytest.raises(intake.IdempotencyKeyReused) as refused:
        web(w, channel=Channel.API, idempotency_key="req-1", request_hash="b" * 64, title="别的标题")
    assert refused.value.http_status == 422
    assert refused.value.message_dict == {"idempotency_key": [
        "The idempotency key “req-1” was already used for a different request. To retry, send exactly the same "
        "request again; for a new appeal, use a new key."]}
    assert counts() == before
    first.appeal.refresh_from_db()
    assert (first.appeal.title, first.appeal.idempotency_hash) == ("恩县路路面坑洼", "a" * 64)


def test_source_and_external_id_seen_before_creates_nothing(w):
    first = web(w, channel=Channel.IMPORT, actor=None, reporter_phone="13812345678", source="12345",
                external_id="A-1")
    assert (first.appeal.taken_by, first.appeal.source, first.appeal.external_id) == (None, "12345", "A-1")
    before = counts()
    again = web(w, channel=Channel.IMPORT, actor=None, reporter_phone="13812345678", source="12345", external_id="A-1")
    assert (again.created, again.appeal.pk) == (False, first.appeal.pk)
    assert counts() == before
    other_source = web(w, channel=Channel.IMPORT, actor=None, reporter_phone="13812345678", source="boston",
                       external_id="A-1")
    assert other_source.created is True


def test_open311_and_proactive_channels(w):
    assert web(w, channel=Channel.OPEN311).order.channel == "open311"
    proactive = web(w, channel=Channel.PROACTIVE, actor=w.users["street"])
    assert (proactive.order.channel, proactive.appeal.taken_by) == ("proactive", w.users["street"])
    before = counts()
    with pytest.raises(IntakeForbidden):
        web(w, channel=Channel.PROACTIVE)
    assert counts() == before


# --- location -----------------------------------------------------------------------------------
def test_outside_every_grid_is_refused(w):
    with translation.override("en"):
        error = refused(lambda: web(w, lon=OUTSIDE[0], lat=OUTSIDE[1]), "location", "outside")
    assert error.message_dict["location"] == ["The place 121.500000, 37.500000 is not inside any grid of this platform."]


def test_outside_the_staff_members_jurisdiction_is_refused(w):
    # community staff of 恩县路社区 entering a call about 上海路 (another community)
    refused(lambda: submit_appeal(channel=Channel.HOTLINE, actor=w.users["community"], title="路灯不亮", text="路灯不亮",
                                  lon=IN_G3[0], lat=IN_G3[1], reporter_phone="13700000009"),
            "location", "outside_jurisdiction")


def test_gcj02_point_is_stored_as_wgs84(w):
    g_lon, g_lat = coords.from_wgs84(*IN_G1, "GCJ02")
    order = web(w, lon=g_lon, lat=g_lat, coord_system="gcj-02").order
    assert order.lon == pytest.approx(IN_G1[0], abs=1e-7)
    assert order.lat == pytest.approx(IN_G1[1], abs=1e-7)
    assert order.appeals.get().coord_system == "GCJ02"


def test_ambiguous_address_carries_the_candidates(w):
    error = refused(lambda: web(w, lon=None, lat=None, address="嘉兴路30号海晶花园"), "address", "ambiguous_address")
    assert [(c["code"], c["address"]) for c in address_candidates(error)] == [
        ("B2", "青岛市市北区嘉兴路30号海晶花园1号楼"), ("B3", "青岛市市北区嘉兴路30号海晶花园2号楼")]


def test_unknown_address_and_building(w):
    refused(lambda: web(w, lon=None, lat=None, address="香港中路100号"), "address", "unknown_address")
    refused(lambda: web(w, lon=None, lat=None, building_code="NOPE"), "building_code", "unknown_building")
    refused(lambda: web(w, lon=None, lat=None), "address", "required")
    assert web(w, lon=None, lat=None, building_code="B4").order.area == w.tree.grid3


# --- category and priority ----------------------------------------------------------------------
def test_unknown_category_is_refused(w):
    with translation.override("en"):
        error = refused(lambda: web(w, category_code="999999"), "category_code", "unknown_category")
    assert error.message_dict["category_code"] == ["Unknown category 999999."]


def test_operator_category_and_its_default_priority(w):
    gas = w.categories["gas"]
    gas.default_priority = "urgent"
    gas.save()
    result = web(w, category_code="010102")
    assert (result.order.category, result.order.priority, result.category_suggestion) == (gas, "urgent", None)
    assert web(w, category_code="010102", priority="normal").order.priority == "normal"
    refused(lambda: web(w, priority="soon"), "priority")


# --- validation ---------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, field", [
    ({"title": "长" * 201}, "title"),
    ({"text": ""}, "text"),
    ({"text": 42}, "text"),
    ({"lat": None}, "lat"),
    ({"lon": "east"}, "lon"),
    ({"lon": float("nan")}, "lon"),
    ({"coord_system": "MARS"}, "coord_system"),
    ({"reporter_phone": "12345"}, "reporter_phone"),
    ({"reporter_name": "名" * 51}, "reporter_name"),
    ({"idempotency_key": "k" * 81}, "idempotency_key"),
    ({"received_at": "yesterday"}, "received_at"),
    ({"received_at": timezone.now() + timedelta(days=2)}, "received_at"),
    ({"is_anonymous": "yes"}, "is_anonymous"),
    ({"photos": [b"not an image"]}, "photos"),
    ({"photos": [jpeg()] * 10}, "photos"),
])
def test_bad_input_is_refused_naming_the_field(w, kwargs, field):
    refused(lambda: web(w, **kwargs), field)


def test_unknown_channel(w):
    refused(lambda: web(w, channel="fax"), "channel")


def test_title_defaults_to_the_first_line_of_the_text(w):
    assert web(w, title="", text="路灯不亮\n晚上很黑").order.title == "路灯不亮"


# --- numbers ------------------------------------------------------------------------------------
def test_numbers_follow_a_per_day_sequence(w):
    a, b = web(w), web(w)
    assert int(b.order.number[-6:]) == int(a.order.number[-6:]) + 1
    day = timezone.localtime().strftime("%Y%m%d")
    assert NumberSequence.objects.get(key=f"intake:{day}").value == 2
    assert a.order.number.startswith(f"GD{day}")


def test_a_refused_intake_takes_no_number(w):
    with pytest.raises(ValidationError):
        web(w, lon=OUTSIDE[0], lat=OUTSIDE[1])
    assert NumberSequence.objects.count() == 0


# --- many at once -------------------------------------------------------------------------------
def test_submit_appeals_writes_the_same_rows_and_reports_bad_items(w):
    items = [
        {"title": "路面坑洼", "text": "恩县路路面坑洼", "lon": IN_G1[0], "lat": IN_G1[1], "reporter_phone": "13812345678",
         "external_id": "1", "source": "feed"},
        {"title": "外地", "text": "不在网格内", "lon": OUTSIDE[0], "lat": OUTSIDE[1], "external_id": "2", "source": "feed"},
        {"title": "上海路", "text": "上海路7号路灯不亮", "address": "上海路7号", "external_id": "3", "source": "feed"},
        {"title": "重复", "text": "重复的一行", "lon": IN_G1[0], "lat": IN_G1[1], "external_id": "1", "source": "feed"},
    ]
    batch = submit_appeals(items, channel=Channel.IMPORT, actor=None)
    assert batch.created == 2
    assert sorted(batch.errors) == [1]
    assert batch.errors[1].error_dict["location"][0].code == "outside"
    assert batch.results[3] is None  # the same external id twice in one batch: the first wins
    first, third = batch.results[0], batch.results[2]
    assert (first.order.area, third.order.area, third.order.building) == (w.tree.grid1, w.tree.grid3, w.buildings["b4"])
    assert int(third.order.number[-6:]) == int(first.order.number[-6:]) + 1
    assert OrderEvent.objects.filter(action="intake").count() == 2
    assert AuditEvent.objects.filter(action="order.intake").count() == 2
    assert all(o.dispatch_due is not None for o in WorkOrder.objects.all())
    before = counts()
    again = submit_appeals(items, channel=Channel.IMPORT, actor=None)
    assert (again.created, counts()) == (0, before)
    assert again.results[0].appeal.pk == first.appeal.pk


def test_intake_module_exports_the_contract():
    assert callable(intake.submit_appeal)
    assert {"appeal", "order", "created", "category_suggestion"} <= set(intake.IntakeResult.__dataclass_fields__)
