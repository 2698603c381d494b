"""One test per move of the transitions table, plus the refusals: a move not in the table, a
user without the right, missing input. A refused move changes nothing (order, history, audit)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from civicgrid.core.models import AuditEvent
from civicgrid.workorders import services
from civicgrid.workorders.errors import IllegalTransition, OrderError, TransitionForbidden, VersionConflict
from civicgrid.workorders.models import Attachment, ExtensionRequest, OrderEvent, Status, WorkOrder
from civicgrid.workorders.testing import make_order, make_world
from civicgrid.workorders.transitions import TRANSITIONS

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return make_world()


def move(order, action, who, w, **kw):
    actor = w.users[who] if who else None
    return services.transition(order, action, actor, **kw)


def snapshot(order):
    order.refresh_from_db()
    return (
        {f.attname: getattr(order, f.attname) for f in WorkOrder._meta.concrete_fields},
        OrderEvent.objects.filter(order=order).count(),
        AuditEvent.objects.count(),
    )


def dispatched(w, unit="cg", **kw):
    order = make_order(w, **kw)
    return move(order, "dispatch", "street", w, unit=w.units[unit])


def test_every_move_in_the_table_has_a_test_here():
    tested = {name[len("test_move_"):] for name in globals() if name.startswith("test_move_")}
    assert tested == set(TRANSITIONS)


def test_move_dispatch(w):
    order = make_order(w)
    before = timezone.now()
    order = move(order, "dispatch", "street", w, unit=w.units["cg"])
    assert (order.status, order.unit, order.level, order.version) == (Status.DISPATCHED, w.units["cg"], "district", 2)
    assert order.dispatched_at >= before
    assert order.response_due == order.dispatched_at + timedelta(hours=24)
    assert order.handle_due > order.dispatched_at + timedelta(days=4)
    event = order.events.get()
    assert (event.action, event.from_status, event.to_status, event.actor, event.data) == (
        "dispatch", "new", "dispatched", w.users["street"], {"unit": "D-CG"},
    )
    audit = AuditEvent.objects.get(action="order.dispatch")
    assert audit.changes["status"] == ["new", "dispatched"]
    assert audit.object_id == str(order.pk)


def test_move_redispatch(w):
    order = dispatched(w)
    order = move(order, "redispatch", "street", w, unit=w.units["zj"], reason="属于住建职责")
    assert (order.status, order.unit) == (Status.DISPATCHED, w.units["zj"])
    assert order.events.last().reason == "属于住建职责"


def test_move_accept(w):
    order = move(dispatched(w), "accept", "dept", w)
    assert (order.status, order.handler) == (Status.ACCEPTED, w.users["dept"])
    assert order.accepted_at is not None


def test_move_return(w):
    before = timezone.now()
    order = move(dispatched(w), "return", "dept", w, reason="不属于本单位职责")
    assert (order.status, order.unit, order.handler) == (Status.RETURNED, None, None)
    assert order.events.last().data == {"unit": "D-CG"}
    # Back in the dispatch queue with a fresh dispatch limit (2 h by the default policy).
    assert before + timedelta(hours=2) <= order.dispatch_due <= timezone.now() + timedelta(hours=2)


def test_move_start(w):
    order = move(move(dispatched(w), "accept", "dept", w), "start", "dept", w)
    assert order.status == Status.IN_PROGRESS


def test_move_resolve(w):
    order = move(move(dispatched(w), "accept", "dept", w), "resolve", "dept", w, answer="已修补路面。")
    assert (order.status, order.answer) == (Status.RESOLVED, "已修补路面。")
    assert order.resolved_at is not None


def resolved(w):
    return move(move(dispatched(w), "accept", "dept", w), "resolve", "dept", w, answer="已修补路面，恢复通行。")


def test_move_verify(w):
    order = move(resolved(w), "verify", "grid", w)
    assert order.status == Status.VERIFIED


def test_move_reject_resolution(w):
    order = move(resolved(w), "reject_resolution", "community", w, reason="现场仍有坑洼")
    assert (order.status, order.resolved_at) == (Status.IN_PROGRESS, None)


def test_move_close(w):
    order = move(move(resolved(w), "verify", "grid", w), "close", "street", w)
    assert order.status == Status.CLOSED
    assert order.closed_at is not None
    assert order.public_answer == "已修补路面，恢复通行。"
    assert order.published_at == order.closed_at


def test_move_close_on_spot(w):
    order = make_order(w)
    photo = Attachment.objects.create(order=order, purpose="evidence", file=ContentFile(b"x", name="a.jpg"),
                                      content_type="image/jpeg", size=1)
    order = move(order, "close_on_spot", "grid", w, answer="已现场清理。", evidence=[photo])
    assert (order.status, order.handler, order.level) == (Status.CLOSED, w.users["grid"], "grid")
    assert order.events.last().data == {"evidence": [photo.pk]}


def test_move_report_up(w):
    order = make_order(w)
    order = move(order, "report_up", "grid", w, reason="需社区协调物业")
    assert (order.status, order.level) == (Status.NEW, "community")
    assert order.events.last().data == {"from_level": "grid", "to_level": "community"}
    order = move(order, "report_up", "community", w, reason="需街道协调")
    assert order.level == "street"


def test_a_patrol_finding_reported_up_is_suggested_the_responsible_unit(w):
    """The grid handles its own patrol findings (no suggestion); once reported up, the dispatcher
    above gets the unit the responsibility list names, and later list edits keep it current."""
    from civicgrid.workorders import routing
    from civicgrid.workorders.models import Channel, Responsibility

    Responsibility.objects.create(category=w.categories["sub"], area=w.tree.district, area_path=w.tree.district.path,
                                  unit=w.units["cg"], level="district")
    order = make_order(w)
    WorkOrder.objects.filter(pk=order.pk).update(channel=Channel.PATROL)
    order.refresh_from_db()
    assert order.suggested_unit is None
    order = move(order, "report_up", "grid", w, reason="需社区协调")
    assert (order.level, order.suggested_unit) == ("community", w.units["cg"])
    assert order.events.last().data == {"from_level": "grid", "to_level": "community", "suggested_unit": "D-CG"}

    Responsibility.objects.create(category=w.categories["road"], area=w.tree.district,
                                  area_path=w.tree.district.path, unit=w.units["zj"], level="district")
    routing.forget()
    assert routing.refresh_suggestions([(w.tree.district.path, w.categories["road"].path)]) == [order.number]
    assert WorkOrder.objects.get(pk=order.pk).suggested_unit == w.units["zj"]


def test_move_request_extension(w):
    order = move(dispatched(w), "accept", "dept", w)
    move(order, "request_extension", "dept", w, days=5, reason="需采购材料")
    request = ExtensionRequest.objects.get(order=order)
    assert (request.days, request.state, request.requested_by) == (5, "pending", w.users["dept"])


def test_move_approve_extension(w):
    order = move(dispatched(w), "accept", "dept", w)
    due = order.handle_due
    move(order, "request_extension", "dept", w, days=3, reason="需采购材料")
    order = move(order, "approve_extension", "street", w)
    assert order.extension_days == 3
    assert order.handle_due > due + timedelta(days=2)
    assert ExtensionRequest.objects.get(order=order).state == "approved"


def test_move_deny_extension(w):
    order = move(dispatched(w), "accept", "dept", w)
    due = order.handle_due
    move(order, "request_extension", "dept", w, days=3, reason="需采购材料")
    order = move(order, "deny_extension", "street", w, reason="工作量不大")
    assert (order.extension_days, order.handle_due) == (0, due)
    assert ExtensionRequest.objects.get(order=order).state == "denied"


def test_move_suspend(w):
    order = move(move(dispatched(w), "accept", "dept", w), "suspend", "district", w, reason="需列入明年改造计划")
    assert order.status == Status.SUSPENDED


def test_move_resume(w):
    order = move(move(dispatched(w), "accept", "dept", w), "suspend", "street", w, reason="长期问题")
    due = order.handle_due
    order = move(order, "resume", "street", w)
    assert order.status == Status.IN_PROGRESS
    assert order.handle_due >= due


def closed(w):
    return move(move(resolved(w), "verify", "grid", w), "close", "street", w)


def test_move_reopen(w):
    order = move(closed(w), "reopen", None, w, reason="回访不满意")
    assert (order.status, order.reopen_count, order.unit) == (Status.DISPATCHED, 1, w.units["cg"])
    assert (order.closed_at, order.published_at, order.public_answer) == (None, None, "")


def test_move_merge(w):
    first = make_order(w)
    second = make_order(w, reporter=w.users["resident2"])
    second = move(second, "merge", "street", w, target_order=first)
    first.refresh_from_db()
    assert (second.status, second.merged_into) == (Status.MERGED, first)
    assert first.appeals_count == 2
    assert sorted(a.reporter.username for a in first.appeals.all()) == ["resident", "resident2"]


def test_move_reject(w):
    order = move(make_order(w), "reject", "hotline", w, reason="属于司法程序，不予受理")
    assert order.status == Status.REJECTED


def test_move_withdraw(w):
    order = move(dispatched(w), "withdraw", "resident", w)
    assert order.status == Status.WITHDRAWN


# --- refusals ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "action,who,kwargs,error",
    [
        ("accept", "dept", {}, IllegalTransition),               # still new: nothing to accept
        ("close", "street", {}, IllegalTransition),              # not verified
        ("dispatch", "street2", {"unit": "cg"}, TransitionForbidden),  # another street's order
        ("dispatch", "dept", {"unit": "cg"}, TransitionForbidden),     # a department does not dispatch
        ("dispatch", "resident", {"unit": "cg"}, TransitionForbidden),
        ("withdraw", "resident2", {}, TransitionForbidden),      # not their appeal
        ("reject", "street", {}, OrderError),                    # reason required
        ("dispatch", "street", {}, OrderError),                  # unit required
        ("fly_away", "street", {}, IllegalTransition),           # not a move at all
    ],
)
def test_refused_moves_change_nothing(w, action, who, kwargs, error):
    order = make_order(w)
    if "unit" in kwargs:
        kwargs = {**kwargs, "unit": w.units[kwargs["unit"]]}
    before = snapshot(order)
    with pytest.raises(error):
        move(order, action, who, w, **kwargs)
    assert snapshot(order) == before


def test_only_the_dispatched_unit_may_accept(w):
    order = dispatched(w)
    before = snapshot(order)
    for who in ("dept2", "grid3", "community2"):
        with pytest.raises(TransitionForbidden):
            move(order, "accept", who, w)
    assert snapshot(order) == before


def test_community_office_orders_are_accepted_by_community_staff_or_the_grid_worker(w):
    assert move(dispatched(w, unit="c1"), "accept", "community", w).status == Status.ACCEPTED
    assert move(dispatched(w, unit="c1"), "accept", "grid", w).status == Status.ACCEPTED


def test_return_after_its_limit_is_refused(w):
    order = dispatched(w)
    WorkOrder.objects.filter(pk=order.pk).update(return_due=timezone.now() - timedelta(minutes=1))
    before = snapshot(order)
    with pytest.raises(OrderError, match="该工单的退单时限已于"):
        move(order, "return", "dept", w, reason="不属于本单位")
    assert snapshot(order) == before


def test_reopen_is_limited(w):
    order = closed(w)
    for _ in range(2):
        order = move(order, "reopen", None, w, reason="不满意")
        order = move(order, "accept", "dept", w)
        order = move(order, "resolve", "dept", w, answer="再次处理")
        order = move(move(order, "verify", "grid", w), "close", "street", w)
    before = snapshot(order)
    with pytest.raises(OrderError, match="该工单已重办 2 次，已达上限"):
        move(order, "reopen", None, w, reason="还是不满意")
    assert snapshot(order) == before


def test_stale_version_is_refused(w):
    order = make_order(w)
    move(order, "dispatch", "street", w, unit=w.units["cg"])
    before = snapshot(order)
    with pytest.raises(VersionConflict):
        move(order, "redispatch", "street", w, unit=w.units["zj"], reason="改派", expected_version=1)
    assert snapshot(order) == before


def test_extension_longer_than_allowed_is_refused(w):
    order = move(dispatched(w), "accept", "dept", w)
    before = snapshot(order)
    with pytest.raises(OrderError, match="该工单可申请延期 1 至 10 个工作日"):
        move(order, "request_extension", "dept", w, days=11, reason="太久")
    assert snapshot(order) == before


def test_private_category_and_opt_out_never_reach_the_echo_wall(w):
    private = make_order(w, category=w.categories["private"])
    order = move(private, "dispatch", "street", w, unit=w.units["cg"])
    order = move(move(move(order, "accept", "dept", w), "resolve", "dept", w, answer="已处理"), "verify", "grid", w)
    order = move(order, "close", "street", w)
    assert (order.published_at, order.public_answer) == (None, "")
    opted = make_order(w)
    opted.appeals.update(echo_opt_out=True)
    order = move(opted, "dispatch", "street", w, unit=w.units["cg"])
    order = move(move(move(order, "accept", "dept", w), "resolve", "dept", w, answer="已处理"), "verify", "grid", w)
    assert move(order, "close", "street", w).published_at is None


def test_public_answer_masks_personal_data(w):
    order = dispatched(w)
    order = move(order, "accept", "dept", w)
    order = move(order, "resolve", "dept", w,
                 answer="已联系张三（13900000001），身份证370203198001011234，3单元502室漏水已修复。")
    order = move(move(order, "verify", "grid", w), "close", "street", w)
    assert order.public_answer == "已联系张*（139****0001），身份证370203********1234，***漏水已修复。"


def test_allowed_moves_are_exactly_what_the_table_lets_this_user_do(w):
    order = dispatched(w)
    assert sorted(t.name for t in services.allowed_moves(w.users["dept"], order)) == ["accept", "return"]
    assert sorted(t.name for t in services.allowed_moves(w.users["street"], order)) == ["merge", "redispatch"]
    assert [t.name for t in services.allowed_moves(w.users["resident"], order)] == ["withdraw"]
    assert services.allowed_moves(w.users["street2"], order) == []


def test_internal_moves_stay_off_the_residents_timeline(w):
    order = move(move(dispatched(w), "accept", "dept", w), "request_extension", "dept", w, days=2, reason="内部说明")
    order = move(order, "resolve", "dept", w, answer="已处理，联系了张三13900000001")
    order = move(move(order, "verify", "grid", w), "close", "street", w)
    assert list(order.events.values_list("action", "is_public")) == [
        ("dispatch", True), ("accept", True), ("request_extension", False), ("resolve", False),
        ("verify", False), ("close", True),
    ]
