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
