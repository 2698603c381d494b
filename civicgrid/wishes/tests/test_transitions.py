"""One test per move of each transitions table, and refusals that change nothing."""

from __future__ import annotations

import inspect
import sys

import pytest
from django.core.exceptions import ValidationError

from civicgrid.core.models import AuditEvent
from civicgrid.notifications.models import OutboxMessage
from civicgrid.wishes import services
from civicgrid.wishes.models import HardProblem, ProblemNote, ProblemState, WishPhoto, WishState
from civicgrid.wishes.testing import png, wish_in
from civicgrid.wishes.transitions import PROBLEM_MOVES, WISH_MOVES
from civicgrid.workorders.testing import make_order

pytestmark = pytest.mark.django_db


def snapshot(obj):
    obj = type(obj).objects.get(pk=obj.pk)
    return ({f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields},
            AuditEvent.objects.count(), OutboxMessage.objects.count())


def audit(action):
    return list(AuditEvent.objects.filter(action=action).values_list("actor_repr", "changes", "reason"))


def inbox(event):
    rows = OutboxMessage.objects.filter(event=event, channel="inbox")
    return sorted(rows.values_list("recipient__username", flat=True))


# --- wishes ---------------------------------------------------------------------------------------
def test_wish_approve(ww, django_capture_on_commit_callbacks):
    wish = wish_in(ww, "pending")
    with django_capture_on_commit_callbacks(execute=True):
        moved = services.move_wish(wish, "approve", ww.users["community"])
    assert (moved.state, moved.reviewed_by, moved.version) == (WishState.OPEN, ww.users["community"], 2)
    assert audit("wishes.approve") == [("community", {"state": ["pending", "open"]}, "")]
    assert inbox("wish.approve") == ["resident"]


def test_wish_reject_needs_a_reason(ww):
    wish = wish_in(ww, "pending")
    before = snapshot(wish)
    with pytest.raises(services.WishError) as exc:
        services.move_wish(wish, "reject", ww.users["community"])
    assert exc.value.message_dict == {"reason": ["请说明原因。"]}
    assert snapshot(wish) == before
    moved = services.move_wish(wish, "reject", ww.users["community"], reason="请到社区窗口办理")
    assert (moved.state, moved.last_reason) == (WishState.REJECTED, "请到社区窗口办理")
    assert audit("wishes.reject") == [("community", {"state": ["pending", "rejected"]}, "请到社区窗口办理")]


def test_wish_claim(ww, django_capture_on_commit_callbacks):
    wish = wish_in(ww, "open")
    with django_capture_on_commit_callbacks(execute=True):
        moved = services.move_wish(wish, "claim", ww.users["vol"])
    assert (moved.state, moved.claimer, moved.claimer_team, moved.claimer_branch) == (
        WishState.CLAIMED, ww.users["vol"], ww.team, ww.branch3)
    assert audit("wishes.claim") == [("vol", {"state": ["open", "claimed"], "claimer": ww.users["vol"].pk,
                                              "team": ww.team.pk, "branch": ww.branch3.pk}, "")]
    assert inbox("wish.claimed") == ["resident"]


def test_a_volunteer_reading_english_tells_the_household_in_chinese(ww, django_capture_on_commit_callbacks):
    from django.utils import translation

    wish = wish_in(ww, "open", title="帮忙修理轮椅")
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        services.move_wish(wish, "claim", ww.users["vol"])
    assert list(OutboxMessage.objects.filter(event="wish.claimed", channel="inbox").values_list("subject", flat=True)) == [
        "您的心愿“帮忙修理轮椅”已被认领。"]


def test_wish_release(ww):
    wish = wish_in(ww, "claimed")
    moved = services.move_wish(wish, "release", ww.users["vol"], reason="临时出差")
    assert (moved.state, moved.claimer, moved.claimer_team, moved.claimer_branch, moved.claimed_at) == (
        WishState.OPEN, None, None, None, None)
    assert audit("wishes.release") == [("vol", {"state": ["claimed", "open"], "claimer": ww.users["vol"].pk}, "临时出差")]


def test_wish_fulfil_needs_note_and_photo(ww, django_capture_on_commit_callbacks):
    wish = wish_in(ww, "claimed")
    before = snapshot(wish)
    with pytest.raises(services.WishError) as exc:
        services.move_wish(wish, "fulfil", ww.users["vol"], note="已更换")
    assert exc.value.message_dict == {"photos": ["请至少添加一张结果照片。"]}
    with pytest.raises(services.WishError) as exc:
        services.move_wish(wish, "fulfil", ww.users["vol"], photos=[png()])
    assert exc.value.message_dict == {"note": ["请写明做了什么。"]}
    with pytest.raises(ValidationError) as exc:
        services.move_wish(wish, "fulfil", ww.users["vol"], note="已更换", photos=[("x.png", b"not an image")])
    assert exc.value.message_dict == {"photos": ["照片 1（x.png） 不是 JPEG、PNG 或 WebP 格式的图片。"]}
    assert snapshot(wish) == before and WishPhoto.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        moved = services.move_wish(wish, "fulfil", ww.users["vol"], note="已更换两只灯泡", photos=[png(), png((0, 0, 9))])
    assert (moved.state, moved.proof_note) == (WishState.FULFILLED, "已更换两只灯泡")
    assert WishPhoto.objects.filter(wish=wish).count() == 2
    assert inbox("wish.fulfilled") == ["resident"]


def test_wish_confirm(ww, django_capture_on_commit_callbacks):
    wish = wish_in(ww, "fulfilled")
    with django_capture_on_commit_callbacks(execute=True):
        moved = services.move_wish(wish, "confirm", ww.users["resident"])
    assert moved.state == WishState.CONFIRMED and moved.confirmed_at is not None
    assert audit("wishes.confirm") == [("resident", {"state": ["fulfilled", "confirmed"]}, "")]
    assert inbox("wish.confirmed") == ["vol"]


def test_wish_dispute_goes_back_to_the_claimer(ww, django_capture_on_commit_callbacks):
    wish = wish_in(ww, "fulfilled")
    with django_capture_on_commit_callbacks(execute=True):
        moved = services.move_wish(wish, "dispute", ww.users["resident"], reason="灯还是不亮")
    assert (moved.state, moved.claimer, moved.fulfilled_at, moved.last_reason) == (
        WishState.CLAIMED, ww.users["vol"], None, "灯还是不亮")
    assert inbox("wish.disputed") == ["vol"]


def test_wish_cancel_by_staff(ww, django_capture_on_commit_callbacks):
    wish = wish_in(ww, "claimed")
    with pytest.raises(services.MoveForbidden):
        services.move_wish(wish, "cancel", ww.users["resident"], reason="不需要了")
    with django_capture_on_commit_callbacks(execute=True):
        moved = services.move_wish(wish, "cancel", ww.users["community"], reason="家属已购买")
    assert (moved.state, moved.claimer) == (WishState.CANCELLED, None)
    assert inbox("wish.cancelled") == ["vol"]


def test_moves_not_in_the_table_change_nothing(ww):
    confirmed = wish_in(ww, "confirmed")
    for action, actor in [("claim", "party"), ("release", "vol"), ("cancel", "community"), ("approve", "community"),
                          ("dispute", "resident")]:
        before = snapshot(confirmed)
        with pytest.raises(services.IllegalMove) as exc:
            services.move_wish(confirmed, action, ww.users[actor], reason="x")
        assert exc.value.http_status == 409
        assert snapshot(confirmed) == before
    with pytest.raises(services.IllegalMove):
        services.move_wish(confirmed, "teleport", ww.users["community"])


def test_wrong_people_are_refused_and_nothing_changes(ww):
    pending = wish_in(ww, "pending")
    claimed = wish_in(ww, "claimed", title="轮椅一台")
    cases = [
        (pending, "approve", "vol"),          # not staff
        (pending, "approve", "community2"),   # staff of another community
        (claimed, "release", "party"),        # not the claimer
        (claimed, "fulfil", "party"),
    ]
    for wish, action, actor in cases:
        before = snapshot(wish)
        with pytest.raises(services.MoveForbidden) as exc:
            services.move_wish(wish, action, ww.users[actor], reason="x", note="x", photos=[png()])
        assert exc.value.http_status == 403
        assert snapshot(wish) == before
    fulfilled = wish_in(ww, "fulfilled", title="陪同就医", claimer="party")
    before = snapshot(fulfilled)
    with pytest.raises(services.MoveForbidden):
        services.move_wish(fulfilled, "confirm", ww.users["party"])  # the claimer cannot confirm their own work
    assert snapshot(fulfilled) == before


def test_every_wish_move_has_a_test_here():
    names = {name for name, _f in inspect.getmembers(sys.modules[__name__], inspect.isfunction)}
    assert {m for m in WISH_MOVES if not any(n.startswith(f"test_wish_{m}") for n in names)} == set()
    assert {m for m in PROBLEM_MOVES if not any(n.startswith(f"test_problem_{m}") for n in names)} == set()


# --- hard problems --------------------------------------------------------------------------------
def problem_in(ww, state: str) -> HardProblem:
    order = make_order(ww.w, is_overdue=True, status="in_progress")
    problem = services.create_hard_problem(actor=ww.users["community"], order=order)
    sec = ww.users["secretary"]
    if state == "open":
        return problem
    services.move_problem(problem, "claim", sec)
    if state == "claimed":
        return HardProblem.objects.get(pk=problem.pk)
    services.move_problem(problem, "progress", sec, note="已协调物业", progress=40)
    if state == "in_progress":
        return HardProblem.objects.get(pk=problem.pk)
    services.move_problem(problem, "solve", sec, note="已修复并建立维护机制")
    if state == "solved":
        return HardProblem.objects.get(pk=problem.pk)
    return services.move_problem(problem, "confirm", ww.users["community"])


def test_problem_claim_by_a_secretary_of_the_street(ww, django_capture_on_commit_callbacks):
    problem = problem_in(ww, "open")
    for outsider in ("far_sec", "vol", "community"):
        before = snapshot(problem)
        with pytest.raises(services.MoveForbidden):
            services.move_problem(problem, "claim", ww.users[outsider])
        assert snapshot(problem) == before
    with django_capture_on_commit_callbacks(execute=True):
        moved = services.move_problem(problem, "claim", ww.users["branch_sec"])
    assert (moved.state, moved.secretary, moved.branch) == (ProblemState.CLAIMED, ww.users["branch_sec"], ww.branch1)
    assert audit("wishes.problem.claim") == [("branch_sec", {"state": ["open", "claimed"]}, "")]
    assert inbox("hard_problem.claim") == ["community"]


def test_problem_progress_with_percent(ww):
    problem = problem_in(ww, "claimed")
    before = snapshot(problem)
    with pytest.raises(services.WishError) as exc:
        services.move_problem(problem, "progress", ww.users["secretary"], note="x", progress=120)
    assert exc.value.message_dict == {"progress": ["请以 0 到 100 的整数填写进度。"]}
    assert snapshot(problem) == before
    moved = services.move_problem(problem, "progress", ww.users["secretary"], note="已约谈物业", progress=30)
    assert (moved.state, moved.progress) == (ProblemState.IN_PROGRESS, 30)
    moved = services.move_problem(problem, "progress", ww.users["secretary"], note="已施工", progress=70)
    assert (moved.state, moved.progress) == (ProblemState.IN_PROGRESS, 70)
    assert list(ProblemNote.objects.filter(problem=problem, action="progress").values_list("text", "progress")) == [
        ("已约谈物业", 30), ("已施工", 70)]


def test_problem_solve(ww):
    problem = problem_in(ww, "in_progress")
    moved = services.move_problem(problem, "solve", ww.users["secretary"], note="已修复")
    assert (moved.state, moved.solution, moved.progress) == (ProblemState.SOLVED, "已修复", 100)


def test_problem_confirm_by_staff(ww):
    problem = problem_in(ww, "solved")
    before = snapshot(problem)
    with pytest.raises(services.MoveForbidden):
        services.move_problem(problem, "confirm", ww.users["secretary"])  # secretaries do not confirm themselves
    assert snapshot(problem) == before
    moved = services.move_problem(problem, "confirm", ww.users["community"])
    assert (moved.state, moved.confirmed_by) == (ProblemState.CONFIRMED, ww.users["community"])


def test_problem_reopen(ww):
    problem = problem_in(ww, "solved")
    moved = services.move_problem(problem, "reopen", ww.users["street"], reason="群众仍有反映")
    assert (moved.state, moved.solved_at) == (ProblemState.IN_PROGRESS, None)


def test_problem_release(ww):
    problem = problem_in(ww, "in_progress")
    moved = services.move_problem(problem, "release", ww.users["secretary"], reason="需街道协调")
    assert (moved.state, moved.secretary, moved.progress) == (ProblemState.OPEN, None, 0)
    confirmed = problem_in(ww, "confirmed")
    before = snapshot(confirmed)
    with pytest.raises(services.IllegalMove):
        services.move_problem(confirmed, "release", ww.users["secretary"], reason="x")
    assert snapshot(confirmed) == before
