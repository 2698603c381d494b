"""The demo shows the proposals in every state, deterministically, and a rebuild replaces them."""

from __future__ import annotations

import pytest

from civicgrid.demo.builder import DEFAULT_SEED, build
from civicgrid.people.models import User
from civicgrid.proposals import selectors
from civicgrid.proposals.models import Campaign, Project, Proposal, Rating

pytestmark = pytest.mark.django_db(transaction=True)


def picture():
    return {
        "campaigns": list(Campaign.objects.order_by("year", "area__code").values_list("title", "state")),
        "statuses": sorted(Proposal.objects.values_list("campaign__year", "title", "status", "support_count")),
        "projects": sorted(Project.objects.values_list("proposal__title", "status", "progress", "rating_count")),
    }


def test_the_demo_has_a_finished_campaign_one_in_support_and_one_collecting():
    result = build(seed=DEFAULT_SEED, scale="small", progress=False)
    assert result["counts"]["orders"]["proposals"] == {"campaigns": 3, "proposals": 18, "projects": 4, "ratings": 33}
    assert [(t, s) for t, s in picture()["campaigns"]] == [
        ("市北区2025年民生实事项目", "evaluate_closed"), ("市北区2026年民生实事项目", "support"),
        ("即墨路街道2026年微实事", "collect")]
    past = Campaign.objects.get(year=2025)
    assert set(Project.objects.filter(campaign=past).values_list("status", flat=True)) == {"finished"}
    assert Rating.objects.filter(project__campaign=past).count() == 33
    assert Proposal.objects.filter(campaign=past, status="merged").count() == 1
    assert Proposal.objects.filter(campaign=past, status="ineligible").count() == 1
    current = Campaign.objects.get(year=2026, area__code="370203000000")
    resident = User.objects.get(username="resident")
    assert selectors.remaining_supports(resident, current) == 2
    first = picture()
    build(seed=DEFAULT_SEED, scale="small", progress=False, reset=True)
    assert picture() == first
