"""A flagged answer stays off the echo wall until a reviewer approves it or the handler rewrites
it; unflagged answers publish exactly as before; a failing check never stops a move."""

from __future__ import annotations

import pytest

from civicgrid.core.models import AuditEvent
from civicgrid.textcheck import services as tc
from civicgrid.textcheck.models import ReplyCheck, ReplyState
from civicgrid.workorders import echowall, services
from civicgrid.workorders.errors import OrderError, TransitionForbidden
from civicgrid.workorders.models import Status
from civicgrid.workorders.testing import make_order, make_world

pytestmark = pytest.mark.django_db

BOILERPLATE = "您好！您的留言已收悉，已转交相关部门处理。感谢您的关注！"
GOOD = "经现场核实，恩县路12号门前路面因雨水冲刷出现坑洼，区城管局已于11月20日完成修补，恢复通行。"


@pytest.fixture
def w():
    return make_world()


def closed(w, answer):
    order = make_order(w)
    services.transition(order, "dispatch", w.users["street"], unit=w.units["cg"])
    services.transition(order, "accept", w.users["dept"])
    services.transition(order, "resolve", w.users["dept"], answer=answer)
    services.transition(order, "verify", w.users["grid"])
    return services.transition(order, "close", w.users["street"])


def snapshot(order):
    order.refresh_from_db()
    return (order.published_at, order.public_answer, order.answer, order.version,
            list(ReplyCheck.objects.filter(order=order).values_list("state", flat=True)), AuditEvent.objects.count())


def test_an_explaining_answer_publishes_at_closing_as_before(w):
    order = closed(w, GOOD)
    assert (order.status, order.published_at, order.public_answer) == (Status.CLOSED, order.closed_at, GOOD)
    check = ReplyCheck.objects.get(order=order)
    assert (check.state, check.flagged, check.reasons) == (ReplyState.OK, False, [])


def test_a_boilerplate_answer_is_checked_at_resolve_and_held_at_closing(w):
    order = closed(w, BOILERPLATE)
    assert (order.status, order.published_at, order.public_answer) == (Status.CLOSED, None, "")
    check = ReplyCheck.objects.get(order=order)
    assert (check.state, check.reasons) == (ReplyState.FLAGGED, ["boilerplate_only", "no_explanation", "off_topic",
                                                                 "no_details"])
    assert AuditEvent.objects.filter(action="textcheck.reply_flagged").count() == 1
    assert echowall.echo_wall().count() == 0


def test_a_street_reviewer_approves_and_the_answer_is_published(w):
    order = closed(w, BOILERPLATE)
    check = ReplyCheck.objects.get(order=order)
    tc.approve_reply(w.users["street"], check, note="属实，已电话说明")
    order.refresh_from_db()
    check.refresh_from_db()
    assert (check.state, check.reviewed_by, check.review_note) == (ReplyState.APPROVED, w.users["street"],
                                                                   "属实，已电话说明")
    assert order.published_at is not None and order.public_answer == BOILERPLATE
    assert order.events.last().action == "reply_approved"
    assert AuditEvent.objects.filter(action="textcheck.reply_approved").count() == 1
    assert echowall.echo_wall().count() == 1


@pytest.mark.parametrize("who", ["dept", "grid", "street2", "resident"])
def test_others_may_not_approve_and_nothing_changes(w, who):
    order = closed(w, BOILERPLATE)
    check = ReplyCheck.objects.get(order=order)
    before = snapshot(order)
    with pytest.raises(TransitionForbidden):
        tc.approve_reply(w.users[who], check)
    assert snapshot(order) == before


def test_approving_twice_is_refused(w):
    check = ReplyCheck.objects.get(order=closed(w, BOILERPLATE))
    tc.approve_reply(w.users["district"], check)
    with pytest.raises(OrderError):
        tc.approve_reply(w.users["district"], check)


def test_the_handler_rewrites_and_the_new_answer_is_published(w):
    order = closed(w, BOILERPLATE)
    check = tc.rewrite_answer(w.users["dept"], order, GOOD)
    order.refresh_from_db()
    assert (check.state, order.answer, order.public_answer) == (ReplyState.OK, GOOD, GOOD)
    assert order.published_at is not None
    assert list(ReplyCheck.objects.filter(order=order).order_by("pk").values_list("state", flat=True)) == [
        ReplyState.REPLACED, ReplyState.OK]
    assert order.events.last().action == "answer_rewritten"


def test_a_rewrite_that_still_explains_nothing_stays_held(w):
    order = closed(w, BOILERPLATE)
    check = tc.rewrite_answer(w.users["dept"], order, "已处理。")
    order.refresh_from_db()
    assert (check.state, order.published_at, order.answer) == (ReplyState.FLAGGED, None, "已处理。")


def test_only_the_handling_unit_may_rewrite_and_nothing_changes(w):
    order = closed(w, BOILERPLATE)
    before = snapshot(order)
    with pytest.raises(TransitionForbidden):
        tc.rewrite_answer(w.users["street2"], order, GOOD)
    with pytest.raises(OrderError):
        tc.rewrite_answer(w.users["dept"], order, "   ")
    assert snapshot(order) == before


def test_approval_before_closing_lets_the_close_publish(w):
    order = make_order(w)
    services.transition(order, "dispatch", w.users["street"], unit=w.units["cg"])
    services.transition(order, "accept", w.users["dept"])
    services.transition(order, "resolve", w.users["dept"], answer=BOILERPLATE)
    tc.approve_reply(w.users["street"], ReplyCheck.objects.get(order=order))
    services.transition(order, "verify", w.users["grid"])
    order = services.transition(order, "close", w.users["street"])
    assert order.published_at == order.closed_at and order.public_answer == BOILERPLATE


def test_a_failing_check_publishes_as_before(w, monkeypatch):
    def broken(*a, **kw):
        raise RuntimeError("checker down")

    monkeypatch.setattr(tc, "check_order_answer", broken)
    order = closed(w, BOILERPLATE)
    assert order.published_at == order.closed_at and order.public_answer == BOILERPLATE
    assert not ReplyCheck.objects.exists()


def test_review_list_is_scoped_to_the_jurisdiction(w):
    from civicgrid.people.jurisdiction import jurisdiction_for
    from civicgrid.textcheck.selectors import reply_checks_for

    order = closed(w, BOILERPLATE)
    assert [c.order for c in reply_checks_for(jurisdiction_for(w.users["street"]))] == [order]
    assert list(reply_checks_for(jurisdiction_for(w.users["street2"]))) == []
