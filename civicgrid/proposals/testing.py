"""Test data for the proposals: a district campaign on the shared test world, with a panel."""

from __future__ import annotations

from civicgrid.people.models import Membership, Role, User
from civicgrid.workorders.testing import World, make_world

from . import services
from .models import Campaign, PanelKind, Proposal


def make_residents(n: int, start: int = 10) -> list[User]:
    out = []
    for i in range(start, start + n):
        u = User.objects.create_user(f"r{i}", password="x", phone=f"139{i:08d}", real_name=f"居民{i}")
        Membership.objects.create(user=u, role=Role.RESIDENT)
        out.append(u)
    return out


def make_representative(username: str, home, **extra) -> User:
    """A person living in ``home`` (their resident membership names it), who may sit on a panel."""
    u = User.objects.create_user(username, password="x", **extra)
    Membership.objects.create(user=u, role=Role.RESIDENT, area=home)
    return u


def make_campaign(w: World | None = None, *, state: str = "collect", budget: int = 1_000_000, method: str = "approval",
                  support_limit: int = 3, panel: int = 2) -> tuple[World, Campaign]:
    w = w or make_world()
    campaign = services.create_campaign(
        actor=w.users["district"], area=w.tree.district, year=2026, title="2026年民生实事项目", budget=budget,
        support_limit=support_limit, method=method)
    if state != "draft":
        Campaign.objects.filter(pk=campaign.pk).update(state=state)
        campaign.refresh_from_db()
    reps = []
    for i in range(panel):
        rep = make_representative(f"rep{i}", w.tree.community1, real_name=f"代表{i}")
        services.add_panel_member(actor=w.users["district"], campaign=campaign, user=rep,
                                  kind=PanelKind.DEPUTY if i == 0 else PanelKind.RESIDENT_REP)
        reps.append(rep)
    w.users.update({f"rep{i}": r for i, r in enumerate(reps)})
    return w, campaign


def add_proposal(w: World, campaign: Campaign, *, title: str = "恩县路口袋公园", cost: int = 300_000,
                 author=None, area=None, status: str | None = None,
                 description: str = "把恩县路拐角的空地改造成口袋公园，加座椅和绿化。", category: str = "greening") -> Proposal:
    """A proposal as if submitted in the collect phase (the phase is set back afterwards)."""
    state = campaign.state
    Campaign.objects.filter(pk=campaign.pk).update(state="collect")
    campaign.refresh_from_db()
    p = services.submit_proposal(actor=author or w.users["resident"], campaign=campaign, title=title,
                                 description=description, area=area or w.tree.grid1, estimated_cost=cost,
                                 category=category)
    Campaign.objects.filter(pk=campaign.pk).update(state=state)
    campaign.refresh_from_db()
    if status:
        Proposal.objects.filter(pk=p.pk).update(status=status)
        p.refresh_from_db()
    return p


def set_state(campaign: Campaign, state: str) -> Campaign:
    Campaign.objects.filter(pk=campaign.pk).update(state=state)
    campaign.refresh_from_db()
    return campaign
