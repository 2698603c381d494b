"""Completion rates per party branch and volunteer team, hard problems per secretary and branch,
and the command-center figures: exact numbers, then the same numbers recounted from the rows."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import pytest
from django.utils import timezone

from civicgrid.people.jurisdiction import jurisdiction_for
from civicgrid.wishes import selectors, services
from civicgrid.wishes.models import CLAIMED_STATES, HardProblem, Wish, WishState
from civicgrid.wishes.testing import png
from civicgrid.workorders.testing import make_order

pytestmark = pytest.mark.django_db

T0 = timezone.now() - timedelta(days=20)


def story(ww, title, claimer, *, days=None, fulfilled=False, resident="resident", approver="street"):
    """Post, approve, claim at T0; fulfil; confirm ``days`` after the claim."""
    u = ww.users
    wish = services.post_wish(actor=u[resident], title=title)
    services.move_wish(wish, "approve", u[approver])
    if claimer is None:
        return wish
    services.move_wish(wish, "claim", u[claimer], now=T0)
    if fulfilled or days is not None:
        services.move_wish(wish, "fulfil", u[claimer], note="完成", photos=[png()], now=T0 + timedelta(hours=1))
    if days is not None:
        services.move_wish(wish, "confirm", u[resident], now=T0 + timedelta(days=days))
    return wish


@pytest.fixture
def scene(ww, settings):
    settings.WISHES_MAX_OPEN_CLAIMS = 10
    story(ww, "A", "vol", days=2)
    story(ww, "B", "vol", days=4)
    story(ww, "C", "vol", fulfilled=True)
    story(ww, "D", "vol")
    story(ww, "E", "vol2", days=1)
    released = story(ww, "F", "vol2")
    services.move_wish(released, "release", ww.users["vol2"], reason="没时间")
    story(ww, "G", "vol", days=6, resident="resident2")   # 上海路社区: outside 恩县路社区's staff
    story(ww, "H", None)                                   # open
    services.post_wish(actor=ww.users["resident"], title="I")  # pending
    return ww


def recount(wishes, field):
    """The rates straight from the rows, the slow obvious way."""
    rows = defaultdict(lambda: {"claimed": 0, "fulfilled": 0, "confirmed": 0, "days": []})
    for w in wishes:
        key = getattr(w, f"{field}_id")
        if key is None or w.state not in CLAIMED_STATES:
            continue
        r = rows[key]
        r["claimed"] += 1
        r["fulfilled"] += w.state in (WishState.FULFILLED, WishState.CONFIRMED)
        if w.state == WishState.CONFIRMED:
            r["confirmed"] += 1
            r["days"].append((w.confirmed_at - w.claimed_at).total_seconds() / 86400)
    return {k: (r["claimed"], r["fulfilled"], r["confirmed"], round(r["confirmed"] / r["claimed"], 4),
                round(sum(r["days"]) / len(r["days"]), 2) if r["days"] else None) for k, r in rows.items()}


def as_tuples(rates):
    return {r.key: (r.claimed, r.fulfilled, r.confirmed, r.confirmation_rate, r.mean_days_to_confirm) for r in rates}


def test_branch_and_team_rates_of_the_community(scene):
    ww = scene
    j = jurisdiction_for(ww.users["community"])
    branches = selectors.branch_wish_rates(j)
    assert [(r.name, r.claimed, r.fulfilled, r.confirmed, r.confirmation_rate, r.mean_days_to_confirm)
            for r in branches] == [
        ("恩县路第一网格党支部", 1, 1, 1, 1.0, 1.0),
        ("上海路第一网格党支部", 4, 3, 2, 0.5, 3.0),
    ]
    assert [(r.name, r.claimed, r.fulfilled, r.confirmed, r.confirmation_rate, r.mean_days_to_confirm)
            for r in selectors.team_wish_rates(j)] == [("红邻里志愿服务队", 4, 3, 2, 0.5, 3.0)]
    mine = list(Wish.objects.filter(area_path__startswith=ww.w.tree.community1.path))
    assert as_tuples(branches) == recount(mine, "claimer_branch")


def test_the_street_sees_both_communities(scene):
    ww = scene
    j = jurisdiction_for(ww.users["street"])
    branches = selectors.branch_wish_rates(j)
    assert [(r.name, r.claimed, r.confirmed, r.confirmation_rate, r.mean_days_to_confirm) for r in branches] == [
        ("恩县路第一网格党支部", 1, 1, 1.0, 1.0),
        ("上海路第一网格党支部", 5, 3, 0.6, 4.0),
    ]
    assert as_tuples(branches) == recount(Wish.objects.all(), "claimer_branch")
    assert as_tuples(selectors.team_wish_rates(j)) == recount(Wish.objects.all(), "claimer_team")
    # People without a staff role get nothing.
    assert selectors.branch_wish_rates(jurisdiction_for(ww.users["vol"])) == []


def test_hard_problem_rates_per_secretary_and_branch(ww):
    u = ww.users
    problems = []
    for n in range(4):
        order = make_order(ww.w, status="in_progress", is_overdue=True, title=f"难题{n}")
        problems.append(services.create_hard_problem(actor=u["community"], order=order))
    a, b, c, d = problems
    for p, sec in ((a, "secretary"), (b, "secretary"), (c, "branch_sec")):
        services.move_problem(p, "claim", u[sec])
        services.move_problem(p, "progress", u[sec], note="推进中", progress=50)
        services.move_problem(p, "solve", u[sec], note="已解决")
    services.move_problem(a, "confirm", u["community"])
    services.move_problem(b, "reopen", u["community"], reason="仍有问题")
    j = jurisdiction_for(u["community"])
    assert [(r.name, r.claimed, r.solved) for r in selectors.secretary_problem_rates(j)] == [
        ("孙书记", 2, 1), ("周支书", 1, 0)]
    assert [(r.name, r.claimed, r.solved) for r in selectors.branch_problem_rates(j)] == [("恩县路第一网格党支部", 1, 0)]
    recount = defaultdict(lambda: [0, 0])
    for p in HardProblem.objects.exclude(secretary=None):
        recount[p.secretary_id][0] += 1
        recount[p.secretary_id][1] += p.state == "confirmed"
    assert {r.key: [r.claimed, r.solved] for r in selectors.secretary_problem_rates(j)} == dict(recount)
    figures = selectors.center_figures(j)
    assert (figures["problems_open"], figures["problems_solved"]) == (3, 1)


def test_center_figures(scene):
    ww = scene
    Wish.objects.filter(title="D").update(deadline=timezone.localdate() - timedelta(days=1))
    figures = selectors.center_figures(jurisdiction_for(ww.users["community"]))
    assert figures["wishes_by_state"] == {"pending": 1, "rejected": 0, "open": 2, "claimed": 1, "fulfilled": 1,
                                          "confirmed": 3, "cancelled": 0}
    assert (figures["wishes_claimed"], figures["wishes_confirmed"], figures["completion"]) == (5, 3, 0.6)
    assert figures["overdue_claims"] == 1
    assert [b["name"] for b in figures["top_branches"]] == ["恩县路第一网格党支部", "上海路第一网格党支部"]
    other = selectors.center_figures(jurisdiction_for(ww.users["community2"]))  # 上海路社区: wish G only
    assert (other["wishes_claimed"], other["completion"], other["wishes_by_state"]["confirmed"]) == (1, 1.0, 1)
    empty = selectors.center_figures(jurisdiction_for(ww.users["street2"]))
    assert (empty["wishes_claimed"], empty["completion"], sum(empty["wishes_by_state"].values())) == (0, None, 0)


def test_center_figures_template_renders(scene):
    from django.template.loader import render_to_string

    figures = selectors.center_figures(jurisdiction_for(scene.users["community"]))
    html = render_to_string("wishes/_center_figures.html", {"figures": figures})
    assert "60.0%" in html and "微心愿与难题" in html and "恩县路第一网格党支部 · 100.0% (1/1)" in html


@pytest.fixture
def two_streets(scene):
    """The scene (all in 即墨路街道) plus 四方街道: a confirmed wish, an open one, a claim due in
    three days (credited to 上四方's branch), and a confirmed hard problem; one open problem in
    即墨路街道."""
    from civicgrid.core.testing import make_building
    from civicgrid.geo.models import Household
    from civicgrid.people.models import Membership, PartyBranch, Role

    ww, t, u = scene, scene.w.tree, scene.users
    Household.objects.filter(building=make_building("B-G4-1", t.grid4, "四方路3号", 120.345, 36.055,
                                                    households=1)).get().residents.add(u["resident2"])
    u["resident2"].households.exclude(building__grid=t.grid4).first().residents.remove(u["resident2"])
    Membership.objects.create(user=u["party"], role=Role.PARTY_MEMBER, area=t.grid4)
    ww.branch4 = PartyBranch.objects.create(grid=t.grid4, name="上四方第一网格党支部")
    story(ww, "J", "party", days=3, resident="resident2", approver="street2")
    story(ww, "K", None, resident="resident2", approver="street2")
    late = story(ww, "L", "party", resident="resident2", approver="street2")
    Wish.objects.filter(pk=late.pk).update(deadline=timezone.localdate() + timedelta(days=3))
    Wish.objects.filter(title="D").update(deadline=timezone.localdate() - timedelta(days=1))
    near = make_order(ww.w, status="in_progress", is_overdue=True, area=t.grid1, title="路灯")
    services.create_hard_problem(actor=u["district"], order=near)
    far = services.create_hard_problem(actor=u["district"], order=make_order(
        ww.w, status="in_progress", is_overdue=True, area=t.grid4, title="积水"))
    services.move_problem(far, "claim", u["far_sec"])
    services.move_problem(far, "progress", u["far_sec"], note="推进中", progress=50)
    services.move_problem(far, "solve", u["far_sec"], note="已疏通")
    services.move_problem(far, "confirm", u["district"])
    return ww


def test_center_figures_of_an_area(two_streets):
    ww, t = two_streets, two_streets.w.tree
    district = jurisdiction_for(ww.users["district"])
    b1 = {"id": ww.branch1.pk, "name": "恩县路第一网格党支部", "claimed": 1, "fulfilled": 1, "confirmed": 1,
          "confirmation_rate": 1.0, "mean_days_to_confirm": 1.0}
    b3 = {"id": ww.branch3.pk, "name": "上海路第一网格党支部", "claimed": 5, "fulfilled": 4, "confirmed": 3,
          "confirmation_rate": 0.6, "mean_days_to_confirm": 4.0}
    b4 = {"id": ww.branch4.pk, "name": "上四方第一网格党支部", "claimed": 2, "fulfilled": 1, "confirmed": 1,
          "confirmation_rate": 0.5, "mean_days_to_confirm": 3.0}

    def plain(figures):
        return {k: v for k, v in figures.items() if k != "wish_states"}

    # 即墨路街道: the nine wishes of the scene and its open problem, nothing of 四方街道.
    assert plain(selectors.center_figures(district, area=t.street1)) == {
        "wishes_by_state": {"pending": 1, "rejected": 0, "open": 2, "claimed": 1, "fulfilled": 1, "confirmed": 4,
                            "cancelled": 0},
        "wishes_claimed": 6, "wishes_confirmed": 4, "completion": 0.6667, "overdue_claims": 1,
        "problems_open": 1, "problems_solved": 0, "top_branches": [b1, b3]}
    # 四方街道 only its own; the claim due in three days is overdue only once ``now`` passes it.
    street2 = selectors.center_figures(district, area=t.street2)
    assert plain(street2) == {
        "wishes_by_state": {"pending": 0, "rejected": 0, "open": 1, "claimed": 1, "fulfilled": 0, "confirmed": 1,
                            "cancelled": 0},
        "wishes_claimed": 2, "wishes_confirmed": 1, "completion": 0.5, "overdue_claims": 0,
        "problems_open": 0, "problems_solved": 1, "top_branches": [b4]}
    later = timezone.now() + timedelta(days=5)
    assert selectors.center_figures(district, area=t.street2, now=later)["overdue_claims"] == 1
    # The district, with or without its own area: everything.
    whole = plain(selectors.center_figures(district))
    assert whole == plain(selectors.center_figures(district, area=t.district)) == {
        "wishes_by_state": {"pending": 1, "rejected": 0, "open": 3, "claimed": 2, "fulfilled": 1, "confirmed": 5,
                            "cancelled": 0},
        "wishes_claimed": 8, "wishes_confirmed": 5, "completion": 0.625, "overdue_claims": 1,
        "problems_open": 1, "problems_solved": 1, "top_branches": [b1, b3, b4]}
    # A community staff member looking at the whole district still sees only their community.
    community = selectors.center_figures(jurisdiction_for(ww.users["community2"]), area=t.district)
    assert (community["wishes_claimed"], community["wishes_confirmed"], community["problems_solved"]) == (1, 1, 0)


def test_the_command_center_api_sends_the_areas_figures(two_streets, client):
    ww, t = two_streets, two_streets.w.tree
    client.force_login(ww.users["district"])
    answer = client.get("/api/v1/dashboard/participation/", {"area": t.street2.code})
    assert answer.status_code == 200
    wishes = answer.json()["panels"]["wishes"]
    assert (wishes["wishes_by_state"]["confirmed"], wishes["wishes_claimed"], wishes["problems_solved"],
            [b["name"] for b in wishes["top_branches"]]) == (1, 2, 1, ["上四方第一网格党支部"])
