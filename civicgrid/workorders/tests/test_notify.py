"""Who hears what: each move of an order queues exactly the expected outbox rows, in the same
transaction; a refused move queues nothing. Messages are in the platform's language (English here
so the texts can be compared exactly; one test shows the Chinese default)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext

from civicgrid.notifications.models import OutboxMessage, WebhookEndpoint
from civicgrid.people.models import Membership, Role, User
from civicgrid.sla.models import Pressure, PressureKind, Whistle, WhistleResponse
from civicgrid.workorders import notify, services
from civicgrid.workorders.errors import TransitionForbidden
from civicgrid.workorders.models import Appeal, Attachment, Channel, WorkOrder
from civicgrid.workorders.testing import make_order, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(settings):
    settings.LANGUAGE_CODE = "en"
    return make_world()


def rows(**filters):
    return [(m.channel, m.recipient.username if m.recipient else "", m.address, m.event, m.subject, m.body, m.link)
            for m in OutboxMessage.objects.filter(**filters).order_by("id")]


def move(order, action, who, w, **kw):
    return services.transition(order, action, w.users[who] if who else None, **kw)


def closed_order(w, **kw):
    order = make_order(w, **kw)
    move(order, "dispatch", "street", w, unit=w.units["cg"])
    move(order, "accept", "dept", w)
    move(order, "resolve", "dept", w, answer="已修补路面。")
    move(order, "verify", "grid", w)
    return move(order, "close", "street", w)


def test_intake_gives_the_reporter_the_tracking_number(w):
    order = make_order(w)
    appeal = order.appeals.get()
    OutboxMessage.objects.all().delete()
    notify.on_intake(appeal, order=order)
    body = f"Your appeal “恩县路路面坑洼” was received. Tracking number: {appeal.tracking_number}."
    link = f"/orders/track/{appeal.tracking_number}/"
    assert rows() == [
        ("inbox", "resident", "", "appeal.received", "Your appeal was received", body, link),
        ("sms", "resident", "13900000001", "appeal.received", "", body, ""),
    ]


def test_a_caller_without_an_account_gets_an_sms_only(w):
    order = make_order(w)
    appeal = order.appeals.get()
    Appeal.objects.filter(pk=appeal.pk).update(reporter=None, reporter_phone="13700000000")
    appeal.refresh_from_db()
    notify.on_intake_many([(appeal, order)])
    assert [(c, u, a, e) for c, u, a, e, *_ in rows()] == [("sms", "", "13700000000", "appeal.received")]


def test_batch_intake_notifies_in_a_fixed_number_of_queries(w, django_assert_max_num_queries):
    orders = [make_order(w) for _ in range(20)]
    pairs = [(o.appeals.get(), o) for o in orders]
    OutboxMessage.objects.all().delete()
    with django_assert_max_num_queries(5):
        notify.on_intake_many(pairs)
    assert OutboxMessage.objects.count() == 40


def test_dispatch_reaches_the_handlers_of_the_unit(w):
    order = make_order(w)
    order = move(order, "dispatch", "street", w, unit=w.units["cg"])
    due = timezone.localtime(order.handle_due).strftime("%Y-%m-%d %H:%M")
    assert rows() == [(
        "inbox", "dept", "", "order.dispatch", f"New order {order.number}",
        f"“恩县路路面坑洼” was dispatched to 市北区城市管理局. Accept it and resolve by {due}.", f"/orders/{order.number}/",
    )]


def test_dispatch_to_a_community_office_reaches_its_staff(w):
    extra = User.objects.create_user("secretary", password="x")
    Membership.objects.create(user=extra, role=Role.COMMUNITY_SECRETARY, area=w.tree.community1)
    gone = User.objects.create_user("left", password="x")
    Membership.objects.create(user=gone, role=Role.COMMUNITY_STAFF, area=w.tree.community1, is_active=False)
    move(make_order(w), "dispatch", "street", w, unit=w.units["c1"])
    assert [r[1] for r in rows()] == ["community", "secretary"]


def test_acceptance_closing_rejection_reach_the_reporter(w):
    order = make_order(w)
    move(order, "dispatch", "street", w, unit=w.units["cg"])
    OutboxMessage.objects.all().delete()
    move(order, "accept", "dept", w)
    assert rows() == [("inbox", "resident", "", "order.accept", "Your appeal is being handled",
                       f"市北区城市管理局 accepted your appeal (order {order.number}).",
                       f"/orders/track/{order.appeals.get().tracking_number}/")]
    move(order, "resolve", "dept", w, answer="已修补路面。")
    move(order, "verify", "grid", w)
    assert rows(event__in=["order.resolve", "order.verify"]) == []
    move(order, "close", "street", w)
    assert rows(event="order.close") == [(
        "inbox", "resident", "", "order.close", "Your appeal was answered",
        f"Order {order.number} is closed. Answer: 已修补路面。 Please rate how it was handled.",
        f"/inbox/rate/{order.number}/",
    )]
    rejected = move(make_order(w, reporter=w.users["resident2"]), "reject", "hotline", w, reason="属于司法程序")
    assert rows(event="order.reject") == [(
        "inbox", "resident2", "", "order.reject", "Your appeal was not accepted",
        f"Order {rejected.number} was not accepted: 属于司法程序", f"/orders/track/{rejected.appeals.get().tracking_number}/",
    )]


def test_close_on_the_spot_sends_the_rating_link(w):
    order = make_order(w)
    photo = Attachment.objects.create(order=order, file="x.jpg", content_type="image/jpeg", size=1,
                                      purpose=Attachment.Purpose.EVIDENCE)
    move(order, "close_on_spot", "grid", w, answer="当场清理。", evidence=[photo])
    assert [(r[1], r[4], r[6]) for r in rows()] == [("resident", "Your appeal was answered", f"/inbox/rate/{order.number}/")]


def test_merge_tells_every_reporter_of_the_merged_order(w):
    target = make_order(w)
    merged = make_order(w, reporter=w.users["resident2"])
    Appeal.objects.create(tracking_number="AX1", order=merged, channel=Channel.HOTLINE, title="t", text="t",
                          reporter_phone="13600000000", area_path=merged.area_path, received_at=timezone.now())
    move(merged, "merge", "street", w, target_order=target)
    body = f"Your appeal is handled together with the same problem reported by others, in order {target.number}."
    assert [(r[0], r[1], r[2], r[4], r[5]) for r in rows()] == [
        ("inbox", "resident2", "", f"Your appeal joined order {target.number}", body),
        ("sms", "", "13600000000", "", body),
    ]


def test_reopen_tells_handlers_and_reporter(w):
    order = closed_order(w)
    OutboxMessage.objects.all().delete()
    move(order, "reopen", None, w, reason="居民不满意")
    assert [(r[1], r[4]) for r in rows()] == [
        ("dept", f"Order {order.number} reopened"),
        ("resident", "Your appeal is handled again"),
    ]


def test_a_refused_move_queues_nothing(w):
    order = make_order(w)
    with pytest.raises(TransitionForbidden):
        move(order, "dispatch", "street2", w, unit=w.units["cg"])
    assert OutboxMessage.objects.count() == 0


def test_every_order_event_goes_to_matching_webhooks(w):
    hook = WebhookEndpoint.objects.create(name="h", url="http://127.0.0.1:9/", secret="k", event_types="order.*")
    WebhookEndpoint.objects.create(name="other", url="http://127.0.0.1:9/x", secret="k", event_types="order.close",
                                   area=w.tree.street2)
    order = closed_order(w)
    events = list(OutboxMessage.objects.filter(channel="webhook").order_by("id").values_list("event", "endpoint_id"))
    assert events == [(f"order.{a}", hook.pk) for a in ("dispatch", "accept", "resolve", "verify", "close")]
    payload = OutboxMessage.objects.filter(channel="webhook").order_by("id").last().payload
    assert payload["event"] == "order.close"
    data = payload["data"]
    assert (data["number"], data["status"], data["unit"], data["action"], data["from_status"], data["area"]) == (
        order.number, "closed", "D-CG", "close", "verified", "370203020009001")
    # No personal data leaves in a webhook.
    assert "13900000001" not in str(payload) and "张三" not in str(payload)


def test_messages_are_in_chinese_by_default(w, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    order = make_order(w)
    with translation.override("en"):  # the request's language does not matter
        move(order, "dispatch", "street", w, unit=w.units["cg"])
    with translation.override("zh-hans"):
        expected = gettext("New order %(n)s") % {"n": order.number}
    assert OutboxMessage.objects.get().subject == expected


def test_pressure_reaches_the_unit_and_the_supervising_level(w):
    order = move(make_order(w), "dispatch", "street", w, unit=w.units["cg"])
    OutboxMessage.objects.all().delete()
    remind = Pressure.objects.create(order=order, kind=PressureKind.REMIND, stage="handle", key="0.5",
                                     due_at=order.handle_due, scheduled_at=timezone.now(), note="50% of the limit")
    notify.on_pressure(remind)
    assert [(r[1], r[3], r[4], r[5]) for r in rows()] == [
        ("dept", "order.remind", f"Reminder (催办): order {order.number}", "50% of the limit")]
    OutboxMessage.objects.all().delete()
    supervise = Pressure.objects.create(order=order, kind=PressureKind.SUPERVISE, stage="handle", key="street",
                                        level="street", target_area=w.tree.street1, target_unit=w.units["s1"],
                                        due_at=order.handle_due, scheduled_at=timezone.now(), note="督办")
    notify.on_pressure(supervise)
    assert [(r[1], r[3]) for r in rows(channel="inbox")] == [("dept", "order.supervise"), ("street", "order.supervise")]


def test_supervision_without_a_target_area_finds_the_level_above(w):
    order = move(make_order(w), "dispatch", "street", w, unit=w.units["cg"])
    OutboxMessage.objects.all().delete()
    pressure = Pressure.objects.create(order=order, kind=PressureKind.SUPERVISE, stage="handle", key="district",
                                       level="district", scheduled_at=timezone.now())
    notify.on_pressure(pressure)
    assert [r[1] for r in rows()] == ["dept", "district"]


def test_whistles_reach_the_called_departments_then_the_street(w):
    order = move(make_order(w), "dispatch", "street", w, unit=w.units["s1"])
    OutboxMessage.objects.all().delete()
    whistle = Whistle.objects.create(order=order, street=w.tree.street1, area_path=order.area_path,
                                     called_by=w.users["street"], reason="占道经营反复",
                                     report_due=timezone.now() + timedelta(hours=24))
    cg = WhistleResponse.objects.create(whistle=whistle, unit=w.units["cg"])
    WhistleResponse.objects.create(whistle=whistle, unit=w.units["zj"])
    notify.on_whistle(whistle, "blown")
    assert [(r[1], r[3], r[4]) for r in rows()] == [
        ("dept", "whistle.blown", f"Whistle: report to order {order.number}"),
        ("dept2", "whistle.blown", f"Whistle: report to order {order.number}"),
    ]
    OutboxMessage.objects.all().delete()
    cg.reported_at = timezone.now()
    cg.save()
    notify.on_whistle(whistle, "reported")
    assert [(r[1], r[5]) for r in rows()] == [("street", "1 of 2 departments reported.")]
    OutboxMessage.objects.all().delete()
    notify.on_whistle(whistle, "overdue")
    due = timezone.localtime(whistle.report_due).strftime("%Y-%m-%d %H:%M")
    assert [(r[1], r[5]) for r in rows()] == [
        ("dept2", f"Not reported by {due}: 市北区住房和城乡建设局."),
        ("street", f"Not reported by {due}: 市北区住房和城乡建设局."),
    ]


def _pressures(w, n):
    made = []
    for i in range(n):
        order = move(make_order(w), "dispatch", "street", w, unit=w.units["cg"])
        made.append(Pressure.objects.create(
            order=order, kind=PressureKind.SUPERVISE if i % 2 else PressureKind.REMIND, stage="handle",
            key=f"k{i}", level="street" if i % 2 else "", due_at=order.handle_due, scheduled_at=timezone.now()))
    return made


def test_batch_of_pressures_sends_what_one_by_one_sends(w):
    pressures = _pressures(w, 4)
    OutboxMessage.objects.all().delete()
    for p in pressures:
        notify.on_pressure(p)
    one_by_one = sorted(rows())
    OutboxMessage.objects.all().delete()
    notify.on_pressures(pressures)
    assert sorted(rows()) == one_by_one
    assert len(one_by_one) == 6  # dept for each of 4, plus the street for the 2 supervisions


def test_batch_of_pressures_costs_the_same_queries_for_3_or_30_orders(w):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for n in (3, 30):
        pressures = _pressures(w, n)
        for p in pressures:
            p.order = WorkOrder.objects.select_related("unit", "unit__area").get(pk=p.order_id)
        with CaptureQueriesContext(connection) as ctx:
            notify.on_pressures(pressures)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
