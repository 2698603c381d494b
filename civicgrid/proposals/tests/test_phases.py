"""The phase table: every move in it applied by the service, and moves not in it refused."""

from __future__ import annotations

import pytest
from django.utils import timezone

from civicgrid.core.models import AuditEvent
from civicgrid.proposals import phases, services
from civicgrid.proposals.errors import Conflict, Forbidden
from civicgrid.proposals.models import Campaign, PhaseChange
from civicgrid.proposals.testing import make_campaign, set_state

pytestmark = pytest.mark.django_db


def test_the_table_has_the_expected_moves():
    assert len(phases.TRANSITIONS) == 1 + 2 * 5 + 2 * 6   # open_collect from draft; each next from two; close, reopen
    assert phases.TRANSITIONS[("draft", "open_collect")].target == "collect"
    assert phases.TRANSITIONS[("collect_closed", "open_support")].target == "support"
    assert ("draft", "open_support") not in phases.TRANSITIONS
    assert ("support", "open_collect") not in phases.TRANSITIONS


@pytest.mark.parametrize("move", list(phases.TRANSITIONS.values()), ids=lambda m: f"{m.source}-{m.action}")
def test_each_move_of_the_table(move):
    w, campaign = make_campaign(state=move.source, panel=0)
    if move.target == "implement":
        Campaign.objects.filter(pk=campaign.pk).update(selection_confirmed_at=timezone.now())
        campaign.refresh_from_db()
    services.change_phase(actor=w.users["district"], campaign=campaign, action=move.action, reason="按计划")
    campaign.refresh_from_db()
    assert campaign.state == move.target
    assert campaign.active_phase == (move.target if not move.target.endswith("_closed") else None)
    change = PhaseChange.objects.get(campaign=campaign)
    assert (change.from_state, change.to_state, change.actor, change.reason) == (
        move.source, move.target, w.users["district"], "按计划")
    event = AuditEvent.objects.filter(action="proposals.phase").get()
    assert event.changes == {"state": [move.source, move.target], "move": move.action}


def _nothing_changed(campaign, state):
    campaign.refresh_from_db()
    assert campaign.state == state
    assert PhaseChange.objects.count() == 0
    assert not AuditEvent.objects.filter(action="proposals.phase").exists()


def test_a_move_not_in_the_table_is_refused():
    w, campaign = make_campaign(state="support", panel=0)
    with pytest.raises(Conflict) as exc:
        services.change_phase(actor=w.users["district"], campaign=campaign, action="open_collect")
    assert exc.value.code == "illegal_phase_change"
    assert exc.value.messages[0] == "从“群众支持”阶段不能这样切换。"
    _nothing_changed(campaign, "support")


def test_implementation_needs_a_confirmed_selection():
    w, campaign = make_campaign(state="select", panel=0)
    with pytest.raises(Conflict) as exc:
        services.change_phase(actor=w.users["district"], campaign=campaign, action="open_implement")
    assert exc.value.code == "selection_not_confirmed"
    _nothing_changed(campaign, "select")


@pytest.mark.parametrize("who", ["community", "grid", "resident", "dept", "street2"])
def test_only_district_or_street_staff_of_the_area_switch_phases(who):
    w, campaign = make_campaign(state="collect", panel=0)
    with pytest.raises(Forbidden):
        services.change_phase(actor=w.users[who], campaign=campaign, action="close")
    _nothing_changed(campaign, "collect")


def test_a_street_campaign_is_switched_by_its_street():
    from civicgrid.workorders.testing import make_world

    w = make_world()
    campaign = services.create_campaign(actor=w.users["street"], area=w.tree.street1, year=2026,
                                        title="即墨路街道2026年民生实事", budget=500_000)
    services.change_phase(actor=w.users["street"], campaign=campaign, action="open_collect")
    campaign.refresh_from_db()
    assert campaign.state == "collect"
    with pytest.raises(Forbidden):
        services.change_phase(actor=w.users["street2"], campaign=campaign, action="close")
    campaign.refresh_from_db()
    assert campaign.state == "collect"


def test_closing_without_opening_the_next_leaves_no_phase_open():
    w, campaign = make_campaign(state="collect", panel=0)
    services.change_phase(actor=w.users["district"], campaign=campaign, action="close")
    campaign.refresh_from_db()
    assert campaign.state == "collect_closed" and campaign.active_phase is None
    set_state(campaign, "collect_closed")
