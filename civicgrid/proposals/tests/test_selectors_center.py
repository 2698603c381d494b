"""Which campaigns the command center shows (``current_campaigns``) and their figures by area."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.test import Client

from civicgrid.people.jurisdiction import jurisdiction_for
from civicgrid.proposals import selectors, services
from civicgrid.proposals.models import Campaign
from civicgrid.proposals.testing import set_state
from civicgrid.workorders.testing import make_world

pytestmark = pytest.mark.django_db


def campaign(w, who: str, area, year: int, title: str, budget: int, state: str) -> Campaign:
    c = services.create_campaign(actor=w.users[who], area=area, year=year, title=title, budget=budget)
    return set_state(c, state)


@pytest.fixture
def scene():
    """The demo's case and around it: the district's campaign in the support phase, a street's in
    the collecting phase (created later, so "newest" would pick it), another street's, and some
    that are not under way (finished, not started)."""
    w = make_world()
    t = w.tree
    c = {
        "district": campaign(w, "district", t.district, 2026, "市北区2026年民生实事", 2_000_000, "support"),
        "street1": campaign(w, "street", t.street1, 2026, "即墨路街道微实事", 300_000, "collect"),
        "street2": campaign(w, "street2", t.street2, 2026, "四方街道微实事", 200_000, "collect_closed"),
        "finished": campaign(w, "district", t.district, 2025, "市北区2025年民生实事", 1_500_000, "evaluate_closed"),
        "draft": campaign(w, "street", t.street1, 2027, "即墨路街道2027微实事", 900_000, "draft"),
    }
    return w, c


def titles(campaigns) -> list[str]:
    return [c.title for c in campaigns]


def test_the_nearest_campaign_at_or_above_the_area_comes_first_then_the_largest_inside(scene):
    w, c = scene
    t = w.tree
    district = jurisdiction_for(w.users["district"])
    # The district's command center: its own campaign, not the street's newer one.
    assert titles(selectors.current_campaigns(district)) == ["市北区2026年民生实事", "即墨路街道微实事", "四方街道微实事"]
    assert selectors.current_campaign(district) == c["district"]
    assert titles(selectors.current_campaigns(district, area=t.district)) == [
        "市北区2026年民生实事", "即墨路街道微实事", "四方街道微实事"]
    # Looking at a street: the street's own campaign, then the district's above it.
    assert titles(selectors.current_campaigns(district, area=t.street1)) == ["即墨路街道微实事", "市北区2026年民生实事"]
    assert titles(selectors.current_campaigns(district, area=t.community3)) == ["四方街道微实事", "市北区2026年民生实事"]
    assert titles(selectors.current_campaigns(jurisdiction_for(w.users["street"]))) == [
        "即墨路街道微实事", "市北区2026年民生实事"]
    assert titles(selectors.current_campaigns(jurisdiction_for(w.users["community"]))) == [
        "即墨路街道微实事", "市北区2026年民生实事"]
    # An area outside the reader's jurisdiction shows nothing; nor does a resident's.
    assert selectors.current_campaigns(jurisdiction_for(w.users["street"]), area=t.street2) == []
    assert selectors.current_campaigns(jurisdiction_for(w.users["resident"])) == []
    # An administrator sees the whole tree: nothing above, the largest inside first (the district's).
    assert titles(selectors.current_campaigns(jurisdiction_for(w.users["admin"]))) == [
        "市北区2026年民生实事", "即墨路街道微实事", "四方街道微实事"]
    assert titles(selectors.current_campaigns(district, limit=1)) == ["市北区2026年民生实事"]


def test_without_a_campaign_at_or_above_the_largest_inside_is_shown(scene):
    w, c = scene
    set_state(c["district"], "draft")
    district = jurisdiction_for(w.users["district"])
    # Both streets' campaigns are inside: the bigger budget first.
    assert titles(selectors.current_campaigns(district)) == ["即墨路街道微实事", "四方街道微实事"]
    Campaign.objects.filter(pk=c["street2"].pk).update(budget=300_000)
    # Same level and budget: the newest (the later created, as years are equal) first.
    assert titles(selectors.current_campaigns(district)) == ["四方街道微实事", "即墨路街道微实事"]
    # Two campaigns of one area under way (last year's still being rated): the newest year first.
    set_state(c["district"], "support")
    set_state(c["finished"], "evaluate")
    assert titles(selectors.current_campaigns(district)) == ["市北区2026年民生实事", "市北区2025年民生实事",
                                                              "四方街道微实事"]


def test_the_figures_name_the_other_campaigns_and_the_panel_shows_them(scene):
    w, c = scene
    figures = selectors.center_figures(jurisdiction_for(w.users["district"]))
    assert (figures["campaign"], figures["area_name"], figures["phase"]) == (
        {"pk": c["district"].pk, "title": "市北区2026年民生实事"}, "市北区", "support")
    assert figures["others"] == [
        {"pk": c["street1"].pk, "title": "即墨路街道微实事", "area_name": "即墨路街道", "phase": "collect",
         "phase_display": "征集提案", "proposals": 0, "supports": 0},
        {"pk": c["street2"].pk, "title": "四方街道微实事", "area_name": "四方街道", "phase": "collect_closed",
         "phase_display": "征集已结束", "proposals": 0, "supports": 0}]
    html = render_to_string("proposals/_center_figures.html", {"figures": figures})
    assert "市北区2026年民生实事" in html and "群众支持" in html
    assert f'<a href="/proposals/c/{c["street1"].pk}/">即墨路街道微实事</a> · 征集提案 · 0 项提案' in html
    # The command center's participation API sends the same choice for the area asked.
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(w.users["district"])
    panel = client.get("/api/v1/dashboard/participation/").json()["panels"]["proposals"]
    assert panel["campaign"]["title"] == "市北区2026年民生实事"
    assert [o["title"] for o in panel["others"]] == ["即墨路街道微实事", "四方街道微实事"]
    street = client.get("/api/v1/dashboard/participation/", {"area": w.tree.street1.code}).json()["panels"]
    assert street["proposals"]["campaign"]["title"] == "即墨路街道微实事"
    assert [o["title"] for o in street["proposals"]["others"]] == ["市北区2026年民生实事"]


def test_the_figures_cover_only_what_lies_inside_the_area(scene):
    from civicgrid.proposals.models import Project, Proposal
    from civicgrid.proposals.testing import add_proposal

    w, c = scene
    t = w.tree
    d = c["district"]
    # The district campaign's proposals: two in 即墨路街道 (grid1, grid3), one in 四方街道 (grid4),
    # one merged away in grid1 (not counted), and the street1 campaign's own one in grid2.
    a = add_proposal(w, d, title="恩县路口袋公园", cost=300_000, area=t.grid1)
    b = add_proposal(w, d, title="上海路加装电梯", cost=600_000, area=t.grid3, author=w.users["resident2"])
    e = add_proposal(w, d, title="上四方社区食堂", cost=200_000, area=t.grid4, author=w.users["resident2"])
    m = add_proposal(w, d, title="恩县路街角公园", cost=250_000, area=t.grid1, status="merged")
    add_proposal(w, c["street1"], title="恩县路充电桩", cost=50_000, area=t.grid2)
    for p, supports in ((a, 5), (b, 3), (e, 2), (m, 4)):
        Proposal.objects.filter(pk=p.pk).update(support_count=supports)
    for p, progress, status in ((a, 40, "in_progress"), (b, 100, "finished"), (e, 70, "in_progress")):
        Proposal.objects.filter(pk=p.pk).update(status="selected")
        Project.objects.create(proposal=p, campaign=d, area_path=p.area_path, unit=w.units["cg"],
                               budget=p.estimated_cost, progress=progress, status=status,
                               rating_count=2 if status == "finished" else 0, rating_sum=9 if status == "finished" else 0)
    set_state(d, "implement")
    district = jurisdiction_for(w.users["district"])
    keys = ("proposals", "supports", "projects", "finished", "mean_progress", "budget", "budget_used",
            "budget_used_pct", "mean_rating")

    def figures(j, area=None):
        f = selectors.center_figures(j, area=area)
        return f["campaign"]["title"], {k: f[k] for k in keys}, [(o["title"], o["proposals"], o["supports"])
                                                                   for o in f["others"]]

    whole = ("市北区2026年民生实事",
             {"proposals": 3, "supports": 10, "projects": 3, "finished": 1, "mean_progress": 70.0,
              "budget": 2_000_000, "budget_used": 1_100_000, "budget_used_pct": 55.0, "mean_rating": 4.5},
             [("即墨路街道微实事", 1, 0), ("四方街道微实事", 0, 0)])
    assert figures(district) == whole
    assert figures(district, t.district) == whole
    # The district's command center looking at 即墨路街道: the street's campaign first (nearest),
    # the district's campaign on a line with only its proposals placed in the street.
    assert figures(district, t.street1) == (
        "即墨路街道微实事",
        {"proposals": 1, "supports": 0, "projects": 0, "finished": 0, "mean_progress": None,
         "budget": 300_000, "budget_used": 0, "budget_used_pct": 0, "mean_rating": None},
        [("市北区2026年民生实事", 2, 8)])
    # 四方街道's campaign has not started collecting proposals there; the district's figures for it:
    assert figures(district, t.street2) == (
        "四方街道微实事",
        {"proposals": 0, "supports": 0, "projects": 0, "finished": 0, "mean_progress": None,
         "budget": 200_000, "budget_used": 0, "budget_used_pct": 0, "mean_rating": None},
        [("市北区2026年民生实事", 1, 2)])
    # A community inside 即墨路街道: its proposals only (grid3 lies in 上海路社区).
    set_state(c["street1"], "draft")
    assert figures(district, t.community2) == (
        "市北区2026年民生实事",
        {"proposals": 1, "supports": 3, "projects": 1, "finished": 1, "mean_progress": 100.0,
         "budget": 2_000_000, "budget_used": 600_000, "budget_used_pct": 30.0, "mean_rating": 4.5},
        [])
    assert figures(district, t.street1) == (
        "市北区2026年民生实事",
        {"proposals": 2, "supports": 8, "projects": 2, "finished": 1, "mean_progress": 70.0,
         "budget": 2_000_000, "budget_used": 900_000, "budget_used_pct": 45.0, "mean_rating": 4.5},
        [])
    # The street's dispatcher, with no area given, sees the same as the district looking at it.
    assert figures(jurisdiction_for(w.users["street"])) == figures(district, t.street1)
    # Over the participation API (?area=CODE) the same numbers.
    client = Client()
    client.force_login(w.users["district"])
    sent = client.get("/api/v1/dashboard/participation/", {"area": t.community2.code}).json()["panels"]["proposals"]
    assert (sent["proposals"], sent["supports"], sent["projects"], sent["budget_used"]) == (1, 3, 1, 600_000)
