"""Posting (own household, on behalf), limits, the claim limit K, and who sees the household."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from civicgrid.core.models import AuditEvent
from civicgrid.core.ratelimit import RateLimited
from civicgrid.wishes import rules, selectors, services
from civicgrid.wishes.models import Wish, WishState
from civicgrid.wishes.testing import wish_in

pytestmark = pytest.mark.django_db


def counts():
    return Wish.objects.count(), AuditEvent.objects.count()


def test_a_resident_posts_for_their_own_household(ww):
    wish = services.post_wish(actor=ww.users["resident"], title=" 轮椅一台 ", description="腿脚不便",
                              deadline=timezone.localdate() + timedelta(days=7))
    assert (wish.household, wish.grid, wish.area_path, wish.state, wish.on_behalf, wish.posted_by) == (
        ww.home, ww.w.tree.grid1, ww.w.tree.grid1.path, WishState.PENDING, False, ww.users["resident"])
    assert wish.title == "轮椅一台"
    assert list(AuditEvent.objects.filter(action="wishes.post").values_list("actor_repr", "object_id")) == [
        ("resident", str(wish.pk))]


def test_bad_input_is_refused_in_chinese_and_writes_nothing(ww):
    before = counts()
    with pytest.raises(services.WishError) as exc:
        services.post_wish(actor=ww.users["resident"], title="", deadline=timezone.localdate() - timedelta(days=1))
    assert exc.value.message_dict == {"title": ["请用几句话说明您的心愿。"], "deadline": ["日期已经过去。"]}
    with pytest.raises(services.MoveForbidden) as exc:
        services.post_wish(actor=ww.users["nobody"], title="更换灯泡")
    assert exc.value.messages == ["您的账号尚未关联家庭，请联系网格员关联或代为发布心愿。"]
    assert counts() == before


def test_three_wishes_per_household_per_thirty_days(ww, settings):
    settings.CIVICGRID_RATE_LIMITS = {"wishes.post": (3, 30 * 86400)}
    for title in ("更换灯泡", "轮椅一台", "陪同就医"):
        services.post_wish(actor=ww.users["resident"], title=title)
    before = counts()
    with pytest.raises(RateLimited) as exc:
        services.post_wish(actor=ww.users["resident"], title="孩子课外辅导")
    assert exc.value.http_status == 429
    assert exc.value.messages == ["您在最近 43200 分钟内已操作 3 次，请稍后再试。"]
    assert counts() == before
    # A second resident account of the same household is held by the household's count.
    ww.home.residents.add(ww.users["resident2"])
    ww.users["resident2"].households.remove(*ww.users["resident2"].households.exclude(pk=ww.home.pk))
    with pytest.raises(RateLimited) as exc:
        services.post_wish(actor=ww.users["resident2"], title="孩子课外辅导")
    assert exc.value.messages == ["该家庭最近 30 天内已发布 3 个心愿，请稍后再发布。"]
    assert counts() == before


def test_a_grid_worker_posts_for_a_tagged_household_of_their_grid(ww):
    wish = services.post_wish_on_behalf(actor=ww.users["grid"], household=ww.elderly, title="陪同就医")
    assert (wish.household, wish.posted_by, wish.on_behalf, wish.care_tags) == (
        ww.elderly, ww.users["grid"], True, ["elderly_alone"])
    assert AuditEvent.objects.get(action="wishes.post_on_behalf").changes["household"] == ww.elderly.pk
    before = counts()
    with pytest.raises(services.WishError) as exc:
        services.post_wish_on_behalf(actor=ww.users["grid"], household=ww.plain, title="更换灯泡")
    assert exc.value.message_dict == {"household": ["网格员只能为带有以下关爱标签之一的家庭代发心愿：独居老人、残疾人、低收入家庭。"]}
    with pytest.raises(services.MoveForbidden):
        services.post_wish_on_behalf(actor=ww.users["grid3"], household=ww.elderly, title="更换灯泡")
    with pytest.raises(services.MoveForbidden):
        services.post_wish_on_behalf(actor=ww.users["resident"], household=ww.elderly, title="更换灯泡")
    assert counts() == before


def test_the_grid_worker_confirms_for_the_household_they_posted_for(ww):
    wish = services.post_wish_on_behalf(actor=ww.users["grid"], household=ww.elderly, title="陪同就医")
    services.move_wish(wish, "approve", ww.users["community"])
    services.move_wish(wish, "claim", ww.users["party"])
    from civicgrid.wishes.testing import png

    services.move_wish(wish, "fulfil", ww.users["party"], note="已陪同", photos=[png()])
    assert [m.name for m in rules.allowed_wish_moves(ww.users["grid"], Wish.objects.get(pk=wish.pk))] == [
        "confirm", "dispute"]
    assert rules.allowed_wish_moves(ww.users["resident"], Wish.objects.get(pk=wish.pk)) == []
    assert services.move_wish(wish, "confirm", ww.users["grid"]).state == WishState.CONFIRMED


def test_who_may_claim(ww):
    wish = wish_in(ww, "open")
    assert [rules.may_claim_wishes(ww.users[u]) for u in ("party", "vol", "vol2", "resident", "nobody", "grid")] == [
        True, True, True, False, False, False]
    before = counts()
    for outsider in ("resident", "nobody", "grid"):
        with pytest.raises(services.MoveForbidden):
            services.move_wish(wish, "claim", ww.users[outsider])
    assert counts() == before
    # Not one's own household's wish, even as a party member.
    ww.home.residents.add(ww.users["party"])
    with pytest.raises(services.MoveForbidden):
        services.move_wish(wish, "claim", ww.users["party"])
    assert counts() == before


def test_a_claimer_holds_at_most_k_open_claims(ww, settings):
    settings.WISHES_MAX_OPEN_CLAIMS = 2
    first, second, third = (wish_in(ww, "open", title=t) for t in ("更换灯泡", "轮椅一台", "陪同就医"))
    services.move_wish(first, "claim", ww.users["vol"])
    services.move_wish(second, "claim", ww.users["vol"])
    before = counts()
    with pytest.raises(services.WishError) as exc:
        services.move_wish(third, "claim", ww.users["vol"])
    assert exc.value.messages == ["您已认领 2 个心愿，已达上限；请先完成或放弃一个。"]
    assert counts() == before and Wish.objects.get(pk=third.pk).state == WishState.OPEN
    services.move_wish(first, "release", ww.users["vol"], reason="时间冲突")
    assert services.move_wish(third, "claim", ww.users["vol"]).claimer == ww.users["vol"]


def test_claim_credits_the_team_and_branch(ww):
    wish = wish_in(ww, "open")
    moved = services.move_wish(wish, "claim", ww.users["vol2"])   # party_member role in grid1, no team
    assert (moved.claimer_team, moved.claimer_branch) == (None, ww.branch1)
    other = wish_in(ww, "open", title="轮椅一台")
    moved = services.move_wish(other, "claim", ww.users["party"])  # flag only, no grid, no household
    assert (moved.claimer_team, moved.claimer_branch) == (None, None)


def test_only_the_claimer_and_staff_see_the_household(ww):
    wish = wish_in(ww, "open")
    masked = selectors.contact_for(ww.users["vol"], wish)
    assert (masked.full, masked.name, masked.phone, masked.address, masked.summary) == (
        False, "张*", "139****0001", "", "市北区即墨路街道某社区 张*")
    services.move_wish(wish, "claim", ww.users["vol"])
    wish = Wish.objects.get(pk=wish.pk)
    reads = AuditEvent.objects.filter(action="personal_data.read")
    assert reads.count() == 0
    full = selectors.contact_for(ww.users["vol"], wish)
    assert (full.full, full.name, full.phone, full.address) == (True, "张三", "13900000001", "恩县路12号 1单元502室")
    assert list(reads.values_list("actor_repr", "object_type", "changes")) == [
        ("vol", "geo.household", {"fields": ["head_name", "head_phone", "room"]})]
    assert selectors.contact_for(ww.users["party"], wish).full is False
    assert selectors.contact_for(ww.users["community"], wish).full is True
    assert selectors.contact_for(ww.users["community2"], wish).full is False
    assert selectors.contact_for(ww.users["resident"], wish).full is True  # their own data: no audit row
    assert reads.count() == 2


def test_the_summary_names_the_care_tag(ww):
    wish = services.post_wish_on_behalf(actor=ww.users["grid"], household=ww.elderly, title="陪同就医")
    assert selectors.masked_summary(wish) == "市北区即墨路街道某社区 李** 独居老人"


def test_overdue_claims_are_shown(ww):
    wish = wish_in(ww, "claimed")
    Wish.objects.filter(pk=wish.pk).update(deadline=timezone.localdate() - timedelta(days=1))
    wish = Wish.objects.get(pk=wish.pk)
    assert selectors.is_overdue(wish) is True
    assert list(selectors.wishes_for(selectors.jurisdiction_for(ww.users["community"])).filter(
        selectors.overdue_q()).values_list("pk", flat=True)) == [wish.pk]


def test_hard_problems_come_only_from_the_problem_list(ww):
    from civicgrid.workorders.testing import make_order

    calm = make_order(ww.w, status="in_progress")
    before = counts()
    with pytest.raises(services.WishError) as exc:
        services.create_hard_problem(actor=ww.users["community"], order=calm)
    assert exc.value.message_dict == {"order": [f"工单 {calm.number} 没有超期、督办或重办。"]}
    stalled = make_order(ww.w, status="in_progress", reopen_count=2)
    with pytest.raises(services.MoveForbidden):
        services.create_hard_problem(actor=ww.users["community2"], order=stalled)
    problem = services.create_hard_problem(actor=ww.users["community"], order=stalled)
    assert (problem.title, problem.area, problem.source, problem.state) == (
        stalled.title, ww.w.tree.grid1, "order", "open")
    with pytest.raises(services.WishError) as exc:
        services.create_hard_problem(actor=ww.users["community"], order=stalled)
    assert exc.value.messages == ["该来源已列入难题清单。"]
    j = selectors.jurisdiction_for(ww.users["community"])
    assert list(selectors.candidate_orders(j)) == []
    assert counts()[1] == before[1] + 1


def test_a_hard_problem_from_a_proactive_task(ww):
    from datetime import date

    from civicgrid.proactive.models import ProactiveTask
    from civicgrid.workorders.testing import make_order

    order = make_order(ww.w, status="dispatched", title="恩县路夜间施工噪音反复投诉")
    task = ProactiveTask.objects.create(
        key="recurring:370203020009001:010101:2026-11", kind="recurring", title="恩县路12号 反复出现：道路破损",
        area=ww.w.tree.grid1, area_path=ww.w.tree.grid1.path, period_start=date(2026, 11, 1),
        period_end=date(2026, 11, 30), count=4, order=order)
    j = selectors.jurisdiction_for(ww.users["community"])
    assert list(selectors.candidate_tasks(j)) == [task]
    assert list(selectors.candidate_tasks(selectors.jurisdiction_for(ww.users["community2"]))) == []
    problem = services.create_hard_problem(actor=ww.users["community"], task=task)
    assert (problem.source, problem.source_task, problem.source_order, problem.title, problem.area_path) == (
        "proactive", task, None, "恩县路12号 反复出现：道路破损", ww.w.tree.grid1.path)
    assert list(selectors.candidate_tasks(j)) == []
    with pytest.raises(services.WishError):
        services.create_hard_problem(actor=ww.users["community"], task=task, order=order)
