"""The proposal services: limits, merging without double counting, screening, scores, the
selection's projects, progress and notifications, and the command-center figures."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from civicgrid.core.models import AuditEvent
from civicgrid.notifications.models import OutboxMessage
from civicgrid.proposals import selectors, services
from civicgrid.proposals.errors import Conflict, Forbidden, PhaseClosed
from civicgrid.proposals.models import Campaign, Milestone, PanelScore, Project, Proposal, Support, SupportQuota
from civicgrid.proposals.testing import add_proposal, make_campaign, make_residents, set_state

pytestmark = pytest.mark.django_db


def supports_state():
    return (sorted(Support.objects.values_list("proposal_id", "user_id")),
            sorted(SupportQuota.objects.values_list("user_id", "used")),
            sorted(Proposal.objects.values_list("pk", "support_count", "status")))


@pytest.fixture
def w_c():
    return make_campaign(support_limit=2)


def test_the_support_limit_counts_per_campaign_and_withdrawing_gives_one_back(w_c):
    w, campaign = w_c
    r = make_residents(1)[0]
    ps = [add_proposal(w, campaign, title=f"第{i}个口袋公园", author=u)
          for i, u in enumerate(make_residents(3, start=30))]
    set_state(campaign, "support")
    services.support(actor=r, proposal=ps[0])
    services.support(actor=r, proposal=ps[1])
    before = supports_state()
    with pytest.raises(Conflict) as exc:
        services.support(actor=r, proposal=ps[2])
    assert exc.value.code == "support_limit" and exc.value.messages == ["本活动每人最多支持 2 项提案，请先撤回一项。"]
    assert supports_state() == before
    services.withdraw_support(actor=r, proposal=ps[0])
    services.support(actor=r, proposal=ps[2])
    assert sorted(Support.objects.filter(user=r).values_list("proposal_id", flat=True)) == [ps[1].pk, ps[2].pk]
    assert selectors.remaining_supports(r, campaign) == 0
    assert AuditEvent.objects.filter(action="proposals.support").count() == 3
    assert AuditEvent.objects.filter(action="proposals.withdraw").count() == 1


@pytest.mark.parametrize("state", ["draft", "collect", "support_closed", "screen", "evaluate"])
def test_supporting_outside_the_support_phase_is_refused_and_changes_nothing(w_c, state):
    w, campaign = w_c
    p = add_proposal(w, campaign)
    set_state(campaign, state)
    before = supports_state()
    with pytest.raises(PhaseClosed):
        services.support(actor=w.users["resident2"], proposal=p)
    assert supports_state() == before


def test_merging_moves_supports_and_counts_a_resident_who_supported_both_once(w_c):
    w, campaign = w_c
    a = add_proposal(w, campaign, title="恩县路口袋公园", author=w.users["resident"])
    b = add_proposal(w, campaign, title="恩县路街角口袋公园", author=w.users["resident2"])
    both, only_b, only_a = make_residents(3)
    set_state(campaign, "support")
    for user, ps in ((both, (a, b)), (only_b, (b,)), (only_a, (a,))):
        for p in ps:
            services.support(actor=user, proposal=p)
    services.merge_proposals(actor=w.users["district"], source=b, target=a, reason="同一地块")
    a.refresh_from_db(), b.refresh_from_db()
    assert (a.support_count, b.support_count, b.status, b.merged_into_id) == (3, 0, "merged", a.pk)
    assert sorted(Support.objects.filter(proposal=a).values_list("user__username", flat=True)) == ["r10", "r11", "r12"]
    assert dict(SupportQuota.objects.values_list("user__username", "used")) == {"r10": 1, "r11": 1, "r12": 1}
    event = AuditEvent.objects.get(action="proposals.merge")
    assert event.changes == {"into": a.pk, "moved": 1, "duplicates": 1} and event.reason == "同一地块"
    with pytest.raises(Conflict):
        services.support(actor=only_b, proposal=b)   # merged away
    with pytest.raises(Forbidden):
        services.merge_proposals(actor=w.users["community"], source=a, target=b)


def test_screening_needs_a_reason_to_refuse(w_c):
    w, campaign = w_c
    p = add_proposal(w, campaign)
    set_state(campaign, "screen")
    with pytest.raises(ValidationError) as exc:
        services.screen_proposal(actor=w.users["district"], proposal=p, eligible=False)
    assert exc.value.message_dict == {"reason": ["请说明不符合条件的原因。"]}
    assert Proposal.objects.get().status == "submitted"
    services.screen_proposal(actor=w.users["district"], proposal=p, eligible=False, reason="属于物业维修范围")
    assert Proposal.objects.values_list("status", "status_reason").get() == ("ineligible", "属于物业维修范围")


def test_the_score_is_the_mean_of_the_panellists_weighted_means(w_c):
    w, campaign = w_c
    p = add_proposal(w, campaign, status="eligible")
    set_state(campaign, "screen")
    c = list(campaign.criteria.order_by("position").values_list("pk", flat=True))   # weights 4, 3, 3
    services.score_proposal(actor=w.users["rep0"], proposal=p, values={c[0]: 10, c[1]: 5, c[2]: 0})   # 5.5
    p.refresh_from_db()
    assert (p.score, p.scored_by) == (Decimal("5.50"), 1)
    services.score_proposal(actor=w.users["rep1"], proposal=p, values={c[0]: 7, c[1]: 8, c[2]: 9})    # 7.9
    p.refresh_from_db()
    assert (p.score, p.scored_by) == (Decimal("6.70"), 2)
    services.score_proposal(actor=w.users["rep0"], proposal=p, values={c[0]: 10, c[1]: 10, c[2]: 10})  # replaces
    p.refresh_from_db()
    assert (p.score, p.scored_by) == (Decimal("8.95"), 2)
    assert PanelScore.objects.count() == 6
    with pytest.raises(ValidationError):
        services.score_proposal(actor=w.users["rep0"], proposal=p, values={c[0]: 11, c[1]: 1, c[2]: 1})
    with pytest.raises(Forbidden):
        services.score_proposal(actor=w.users["district"], proposal=p, values={c[0]: 1, c[1]: 1, c[2]: 1})
    p.refresh_from_db()
    assert (p.score, p.scored_by) == (Decimal("8.95"), 2)


def test_progress_is_the_weighted_milestones_and_supporters_hear_of_each_step(w_c, django_capture_on_commit_callbacks):
    w, campaign = w_c
    p = add_proposal(w, campaign, status="selected")
    supporter = make_residents(1)[0]
    Support.objects.create(campaign=campaign, proposal=p, user=supporter)
    project = Project.objects.create(proposal=p, campaign=campaign, area_path=p.area_path, unit=w.units["cg"],
                                     budget=p.estimated_cost)
    set_state(campaign, "implement")
    a = services.add_milestone(actor=w.users["dept"], project=project, title="设计", due_date="2026-04-01", weight=1)
    b = services.add_milestone(actor=w.users["dept"], project=project, title="施工", due_date="2026-08-01", weight=3)
    with django_capture_on_commit_callbacks(execute=True):
        services.set_milestone_progress(actor=w.users["dept"], milestone=a, progress=100)
    services.set_milestone_progress(actor=w.users["dept"], milestone=b, progress=40)
    project.refresh_from_db()
    assert project.progress == 55   # (100*1 + 40*3) / 4
    told = list(OutboxMessage.objects.filter(event="proposals.milestone").values_list("recipient__username", "subject"))
    assert sorted(told) == [("r10", "恩县路口袋公园：节点“设计”已完成"), ("resident", "恩县路口袋公园：节点“设计”已完成")]
    with pytest.raises(Conflict):
        services.finish_project(actor=w.users["dept"], project=project)
    assert Milestone.objects.get(pk=a.pk).done_at is not None


def test_center_figures_count_inside_the_readers_subtree(w_c):
    from civicgrid.people.jurisdiction import jurisdiction_for

    w, campaign = w_c
    a = add_proposal(w, campaign, title="恩县路口袋公园", cost=300_000, author=w.users["resident"])
    b = add_proposal(w, campaign, title="上四方社区食堂", cost=200_000, author=w.users["resident2"], area=w.tree.grid4)
    Proposal.objects.filter(pk=a.pk).update(support_count=5, status="selected")
    Proposal.objects.filter(pk=b.pk).update(support_count=2, status="selected")
    Project.objects.create(proposal=a, campaign=campaign, area_path=a.area_path, unit=w.units["cg"], budget=300_000,
                           progress=40)
    Project.objects.create(proposal=b, campaign=campaign, area_path=b.area_path, unit=w.units["cg"], budget=200_000,
                           progress=80)
    set_state(campaign, "implement")
    d = selectors.center_figures(jurisdiction_for(w.users["district"]))
    assert {k: d[k] for k in ("phase", "proposals", "supports", "projects", "mean_progress", "budget_used",
                              "budget_used_pct")} == {
        "phase": "implement", "proposals": 2, "supports": 7, "projects": 2, "mean_progress": 60.0,
        "budget_used": 500_000, "budget_used_pct": 50.0}
    s = selectors.center_figures(jurisdiction_for(w.users["street"]))
    assert (s["campaign"], s["proposals"], s["supports"], s["projects"], s["budget_used"]) == (
        {"pk": campaign.pk, "title": campaign.title}, 1, 5, 1, 300_000)
    assert selectors.center_figures(jurisdiction_for(w.users["resident"]))["campaign"] is None
    from django.template.loader import render_to_string

    html = render_to_string("proposals/_center_figures.html", {"figures": d})
    assert "项目实施" in html and "已用预算 500,000 / 1,000,000 元" in html


def test_similar_proposals_of_the_campaign_only(w_c):
    w, campaign = w_c
    a = add_proposal(w, campaign, title="恩县路口袋公园")
    add_proposal(w, campaign, title="老旧小区加装电梯", author=w.users["resident2"], category="housing",
                 description="上海路社区6号楼老人上下楼困难，希望加装电梯。")
    other = services.create_campaign(actor=w.users["street"], area=w.tree.street1, year=2026, title="街道微实事",
                                     budget=100_000)
    assert [p.pk for p, _s in selectors.similar_proposals(campaign, "恩县路建个口袋公园")] == [a.pk]
    assert selectors.similar_proposals(other, "恩县路建个口袋公园") == []
    assert selectors.similar_proposals(campaign, "路灯不亮") == []
