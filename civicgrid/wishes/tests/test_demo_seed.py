"""The demo shows micro-wishes and hard problems in every state, and the `volunteer` login can claim."""

from __future__ import annotations

from collections import Counter

import pytest

from civicgrid.demo.builder import DEFAULT_SEED, build, delete_demo_data
from civicgrid.people.models import User
from civicgrid.wishes import rules, selectors
from civicgrid.wishes.models import HardProblem, ProblemState, VolunteerTeam, Wish, WishState

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture
def demo(settings):
    settings.CIVICGRID_RATE_LIMITS = {}
    return build(seed=DEFAULT_SEED, scale="small", progress=False, orders=80)


def test_every_state_is_in_the_demo(demo):
    wishes = Counter(Wish.objects.values_list("state", flat=True))
    assert set(wishes) == set(WishState.values)
    assert sum(wishes.values()) == demo["counts"]["orders"]["wishes"]["wishes"] == 14
    assert set(HardProblem.objects.values_list("state", flat=True)) == set(ProblemState.values)
    assert demo["counts"]["orders"]["wishes"]["hard problems"] == 5
    assert VolunteerTeam.objects.count() == 2
    assert demo["timings"]["wishes"] < 3
    # The demo logins see their part.
    resident = User.objects.get(username="resident")
    waiting = [w for w in selectors.my_wishes(resident) if w.state == WishState.FULFILLED]
    assert [w.title for w in waiting] == ["更换楼道灯泡"]
    assert [m.name for m in rules.allowed_wish_moves(resident, waiting[0])] == ["confirm", "dispute"]
    volunteer = User.objects.get(username="volunteer")
    assert volunteer.is_demo and volunteer.check_password("demo") and rules.may_claim_wishes(volunteer)
    near = list(selectors.near(volunteer))
    assert len(near) == 2 and all(rules.allowed_wish_moves(volunteer, w)[0].name == "claim" for w in near)
    assert any(selectors.is_overdue(w) for w in Wish.objects.all())
    community = selectors.jurisdiction_for(User.objects.get(username="community"))
    assert selectors.review_queue(community).count() == 1


def test_the_demo_is_the_same_for_the_same_seed_and_can_be_deleted(demo, settings):
    first = sorted(Wish.objects.values_list("title", "state", "household__room"))
    delete_demo_data()
    assert (Wish.objects.count(), HardProblem.objects.count(), VolunteerTeam.objects.count()) == (0, 0, 0)
    build(seed=DEFAULT_SEED, scale="small", progress=False, orders=80)
    assert sorted(Wish.objects.values_list("title", "state", "household__room")) == first
