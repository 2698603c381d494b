"""people.selectors.baolian_chain / baolian_gaps: every level up the chain, gaps, jurisdiction."""

from __future__ import annotations

import pytest

from civicgrid.people import selectors
from civicgrid.people.jurisdiction import jurisdiction_for
from civicgrid.people.models import BaolianAssignment

from .helpers import care_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    world = care_world()
    t = world.tree
    BaolianAssignment.objects.create(cadre=world.users["district"], level="street", area=t.street1, area_path=t.street1.path)
    BaolianAssignment.objects.create(cadre=world.users["street"], level="community", area=t.community1,
                                     area_path=t.community1.path)
    BaolianAssignment.objects.create(cadre=world.users["street2"], level="community", area=t.community1,
                                     area_path=t.community1.path)
    return world


def levels(chain):
    return [(c.level, c.target, [u.username for u in c.cadres]) for c in chain]


def test_chain_of_each_kind_of_place(w):
    t = w.tree
    admin = jurisdiction_for(w.users["admin"])
    assert levels(selectors.baolian_chain(admin, household=w.B)) == [
        ("household", "上海路3号 1-101 张*", []), ("building", "上海路3号", []), ("community", "上海路社区", []),
        ("street", "即墨路街道", ["district"])]
    assert levels(selectors.baolian_chain(admin, building=w.A.building)) == [
        ("building", "恩县路12号", []), ("community", "恩县路社区", ["street", "street2"]),
        ("street", "即墨路街道", ["district"])]
    assert levels(selectors.baolian_chain(admin, area=t.grid1)) == [
        ("community", "恩县路社区", ["street", "street2"]), ("street", "即墨路街道", ["district"])]
    assert levels(selectors.baolian_chain(admin, area=t.street2)) == [("street", "四方街道", [])]
    assert selectors.baolian_chain(admin, area=t.district) == []


def test_chain_and_gaps_follow_the_jurisdiction(w):
    t = w.tree
    community = jurisdiction_for(w.users["community"])
    assert selectors.baolian_chain(community, household=w.B) is None
    assert selectors.baolian_chain(community, area=t.community2) is None
    assert selectors.baolian_gaps(community, t.street1) is None
    gaps = selectors.baolian_gaps(jurisdiction_for(w.users["district"]), t.district)
    assert ([a.code for a in gaps.streets], [a.code for a in gaps.communities]) == (
        [t.street2.code], [t.community2.code, t.community3.code])
    assert ([b.code for b in gaps.buildings], gaps.buildings_total, gaps.households_total) == (["B-G1", "B-G3"], 2, 5)
    # A is the only key-group household with a 包户 member; E is only "rented" (not a key group).
    assert sorted(h["id"] for h in gaps.households) == sorted([w.B.pk, w.C.pk, w.D.pk, w.F.pk, w.G.pk])
    hotline = selectors.baolian_gaps(jurisdiction_for(w.users["hotline"]), t.district)
    assert (hotline.buildings_total, hotline.households) == (2, None)
