"""The staff order page carries the whole loop: whistles (吹哨报到) blown and reported from it,
extension requests shown to whoever decides them, and a refused form that keeps what was typed."""

import pytest

from civicgrid.core.models import AuditEvent
from civicgrid.sla.models import Whistle, WhistleResponse
from civicgrid.workorders import services
from civicgrid.workorders.models import ExtensionRequest, OrderEvent, Status, WorkOrder
from civicgrid.workorders.testing import make_order, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return make_world()


def in_progress(w):
    return make_order(w, status=Status.IN_PROGRESS, unit=w.units["c1"])


def counts():
    return (Whistle.objects.count(), WhistleResponse.objects.filter(reported_at__isnull=False).count(),
            ExtensionRequest.objects.count(), OrderEvent.objects.count(), AuditEvent.objects.count())


# --- 吹哨 -----------------------------------------------------------------------------------------
def test_the_street_dispatcher_blows_the_whistle_from_the_order_page(client, w):
    order = in_progress(w)
    client.force_login(w.users["street"])
    page = client.get(f"/orders/{order.number}/").content.decode()
    assert 'id="whistle-blow"' in page
    # Only departments and enterprises answer a whistle: no community office in the list.
    assert 'value="D-CG"' in page and 'value="D-ZJ"' in page and 'name="units" value="C1-OFFICE"' not in page

    response = client.post(f"/orders/{order.number}/whistle/",
                           {"units": ["D-CG", "D-ZJ"], "reason": "占道经营反复出现，需联合处置", "report_hours": "4"})
    assert response.status_code == 302
    whistle = Whistle.objects.get()
    assert (whistle.order, whistle.called_by, whistle.reason) == (order, w.users["street"], "占道经营反复出现，需联合处置")
    assert sorted(whistle.responses.values_list("unit__code", flat=True)) == ["D-CG", "D-ZJ"]
    assert AuditEvent.objects.filter(action="sla.whistle.blow", object_id=str(whistle.pk)).count() == 1
    page = client.get(f"/orders/{order.number}/").content.decode()
    assert "吹哨已发出：市北区城市管理局、市北区住房和城乡建设局须报到。" in page
    # One open whistle at a time: the form is gone until the departments have reported.
    assert 'id="whistle-blow"' not in page


@pytest.mark.parametrize("data, message", [
    ({"units": [], "reason": "需要联合处置"}, "请至少指定一个召集的部门。"),
    ({"units": ["C1-OFFICE"], "reason": "需要联合处置"}, "请从列表中选择部门。"),
    ({"units": ["D-CG"], "reason": "需要联合处置", "report_hours": "两小时"}, "请检查您输入的数字。"),
])
def test_a_refused_whistle_stores_nothing_and_keeps_the_reason(client, w, data, message):
    order = in_progress(w)
    client.force_login(w.users["street"])
    before = counts()
    response = client.post(f"/orders/{order.number}/whistle/", data)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert ">需要联合处置</textarea>" in page
    assert counts() == before


def test_a_grid_worker_may_not_blow_the_whistle(client, w):
    order = in_progress(w)
    client.force_login(w.users["grid"])
    assert 'id="whistle-blow"' not in client.get(f"/orders/{order.number}/").content.decode()
    before = counts()
    response = client.post(f"/orders/{order.number}/whistle/", {"units": ["D-CG"], "reason": "需要联合处置"})
    assert response.status_code == 400
    assert "只有街道调度员或区指挥中心可以就工单" in response.content.decode()
    assert counts() == before


# --- 报到 -----------------------------------------------------------------------------------------
def test_a_called_department_reports_from_the_order_page(client, w):
    from civicgrid.sla import services as sla_services

    order = in_progress(w)
    whistle = sla_services.blow_whistle(w.users["street"], order, units=[w.units["cg"]], reason="联合处置占道经营")
    client.force_login(w.users["dept"])
    page = client.get(f"/orders/{order.number}/").content.decode()
    assert f'id="whistle-report-{whistle.pk}"' in page

    # An empty report is refused and stores nothing.
    before = counts()
    assert client.post(f"/orders/{order.number}/whistles/{whistle.pk}/report/", {"note": " "}).status_code == 400
    assert counts() == before

    response = client.post(f"/orders/{order.number}/whistles/{whistle.pk}/report/", {"note": "已派执法队员到场"})
    assert response.status_code == 302
    reply = WhistleResponse.objects.get()
    assert (reply.reported_by, reply.note) == (w.users["dept"], "已派执法队员到场")
    whistle.refresh_from_db()
    assert whistle.status == "done"
    assert AuditEvent.objects.filter(action="sla.whistle.report", object_id=str(whistle.pk)).count() == 1
    page = client.get(f"/orders/{order.number}/").content.decode()
    assert "已记录本部门的报到。" in page
    assert f'id="whistle-report-{whistle.pk}"' not in page


def test_a_department_not_called_cannot_report(client, w):
    from civicgrid.sla import services as sla_services

    order = in_progress(w)
    whistle = sla_services.blow_whistle(w.users["street"], order, units=[w.units["cg"]], reason="联合处置占道经营")
    client.force_login(w.users["dept2"])
    before = counts()
    assert client.post(f"/orders/{order.number}/whistles/{whistle.pk}/report/", {"note": "到"}).status_code == 404
    assert counts() == before


# --- 延期 -----------------------------------------------------------------------------------------
def test_the_dispatcher_sees_the_extension_asked_and_decides_only_a_waiting_one(client, w):
    order = make_order(w, status=Status.ACCEPTED, unit=w.units["cg"])
    client.force_login(w.users["dept"])
    assert client.post(f"/orders/{order.number}/move/",
                       {"action": "request_extension", "days": "3", "reason": "需要协调环卫车辆"}).status_code == 302
    # While a request waits, the handler is not offered a second one.
    assert 'id="move-request_extension"' not in client.get(f"/orders/{order.number}/").content.decode()

    client.force_login(w.users["street"])
    page = client.get(f"/orders/{order.number}/").content.decode()
    assert 'id="move-approve_extension"' in page and 'id="move-deny_extension"' in page
    assert "申请延期 3 个工作日：需要协调环卫车辆" in page
    assert client.post(f"/orders/{order.number}/move/", {"action": "approve_extension"}).status_code == 302
    page = client.get(f"/orders/{order.number}/").content.decode()
    # Nothing waits any more: no decision to offer.
    assert 'id="move-approve_extension"' not in page and 'id="move-deny_extension"' not in page
    assert [t.name for t in services.allowed_moves(w.users["street"], order) if "extension" in t.name] == []


def test_a_refused_move_keeps_what_the_handler_typed(client, w):
    order = make_order(w, status=Status.ACCEPTED, unit=w.units["cg"])
    client.force_login(w.users["dept"])
    before = counts(), WorkOrder.objects.filter(pk=order.pk).values().get()
    response = client.post(f"/orders/{order.number}/move/",
                           {"action": "request_extension", "days": "30", "reason": "需要协调环卫车辆和执法队"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "该工单可申请延期 1 至 10 个工作日。" in page
    assert 'value="需要协调环卫车辆和执法队"' in page and 'value="30"' in page
    assert (counts(), WorkOrder.objects.filter(pk=order.pk).values().get()) == before


# --- 回访 -----------------------------------------------------------------------------------------
def closed_order(w):
    return make_order(w, status=Status.CLOSED, unit=w.units["cg"])


def test_the_hotline_records_a_phone_callback_from_the_order_page(client, w):
    from civicgrid.workorders.models import Callback

    order = closed_order(w)
    client.force_login(w.users["hotline"])
    assert 'id="callback-form"' in client.get(f"/orders/{order.number}/").content.decode()
    response = client.post(f"/orders/{order.number}/callback/",
                           {"reached": "yes", "resolution": "resolved", "satisfaction": "basically", "comment": "清运及时"})
    assert response.status_code == 302
    callback = Callback.objects.get()
    assert (callback.channel, callback.recorded_by, callback.resolution, callback.satisfaction, callback.comment) == (
        "phone", w.users["hotline"], "resolved", "basically", "清运及时")
    assert AuditEvent.objects.filter(action="order.callback", object_id=str(order.pk)).count() == 1
    page = client.get(f"/orders/{order.number}/").content.decode()
    assert "已记录回访：已解决，基本满意。" in page
    # The verdict of this round is in: no second form.
    assert 'id="callback-form"' not in page


def test_a_resident_not_reached_is_recorded_and_can_be_called_again(client, w):
    from civicgrid.workorders.models import Callback

    order = closed_order(w)
    client.force_login(w.users["hotline"])
    assert client.post(f"/orders/{order.number}/callback/", {"reached": "no", "comment": "无人接听"}).status_code == 302
    assert list(Callback.objects.values_list("reached", "resolution", "comment")) == [(False, "", "无人接听")]
    assert 'id="callback-form"' in client.get(f"/orders/{order.number}/").content.decode()


def test_a_refused_callback_stores_nothing_and_keeps_the_comment(client, w):
    from civicgrid.workorders.models import Callback

    order = closed_order(w)
    client.force_login(w.users["hotline"])
    before = counts(), Callback.objects.count()
    response = client.post(f"/orders/{order.number}/callback/",
                           {"reached": "yes", "resolution": "resolved", "comment": "居民说还行"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "请说明居民的满意程度。" in page
    assert ">居民说还行</textarea>" in page
    assert (counts(), Callback.objects.count()) == before


def test_a_dispatcher_is_not_offered_the_phone_callback(client, w):
    order = closed_order(w)
    client.force_login(w.users["street"])
    assert 'id="callback-form"' not in client.get(f"/orders/{order.number}/").content.decode()
    before = counts()
    response = client.post(f"/orders/{order.number}/callback/", {"reached": "yes", "resolution": "resolved",
                                                                 "satisfaction": "satisfied"})
    assert response.status_code == 400
    assert counts() == before


def test_the_history_names_staff_by_their_names_not_their_logins(client, w):
    w.users["street"].real_name = "高涛"
    w.users["street"].save(update_fields=["real_name"])
    order = make_order(w)
    services.transition(order, "dispatch", w.users["street"], unit=w.units["cg"])
    client.force_login(w.users["community"])
    page = client.get(f"/orders/{order.number}/").content.decode()
    assert "派遣 · 高涛 · 市北区城市管理局" in page
    assert "派遣 · street" not in page
