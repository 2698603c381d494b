"""The volunteer's pages over real HTTP (live server, real sign-in): choosing the volunteer team a
claim is credited to goes through the same service as the API's ``team``, and a team the
volunteer does not belong to is refused with the service's message and changes nothing."""

from __future__ import annotations

import html
import re

import pytest

from civicgrid.core.models import AuditEvent
from civicgrid.wishes.models import VolunteerTeam, Wish, WishState
from civicgrid.wishes.testing import make_wish_world, wish_in

from .http import staff, token

pytestmark = pytest.mark.django_db(transaction=True)


def claim_audits(pk):
    return list(AuditEvent.objects.filter(object_type="wishes.wish", object_id=str(pk), action="wishes.claim")
                .values_list("actor__username", "changes"))


def selected_team(page: str, pk: int) -> str:
    """The team preset in the claim form of one row of a list page."""
    row = re.search(rf'<li data-wish="{pk}">(.*?)</li>', page, re.S).group(1)
    return re.search(r'<option value="(\d+)" selected>', row).group(1)


def test_a_volunteer_chooses_the_team_credited_on_the_page(live_server):
    ww = make_wish_world()
    t = ww.w.tree
    vol = ww.users["vol"]
    # vol serves in 上海路第一网格 and is in two teams: 恩县路's (covers the wish) and 上海路's.
    own = VolunteerTeam.objects.create(name="上海路党员先锋队", area=t.community2, area_path=t.community2.path)
    own.members.add(vol)
    far = VolunteerTeam.objects.create(name="上四方志愿服务队", area=t.community3, area_path=t.community3.path)
    wish = wish_in(ww, "open", title="更换灯泡")
    other = wish_in(ww, "open", title="轮椅一台")
    browser = staff(live_server.url, "vol")

    page = browser.get("/wishes/volunteer/?all=1").text
    assert "您所在的志愿服务队： 红邻里志愿服务队、上海路党员先锋队" in html.unescape(page)
    # preset to the team whose area covers the wish, as the service would pick with no choice
    assert selected_team(page, wish.pk) == str(ww.team.pk)

    csrf = token(browser, "/wishes/volunteer/?all=1")
    claimed = browser.post_form(f"/wishes/{wish.pk}/move/", {
        "csrfmiddlewaretoken": csrf, "action": "claim", "team": str(own.pk), "next": "/wishes/volunteer/?all=1"})
    assert (claimed.status, claimed.location) == (302, "/wishes/volunteer/?all=1")
    stored = Wish.objects.get(pk=wish.pk)
    assert (stored.state, stored.claimer_id, stored.claimer_team_id, stored.claimer_branch_id) == (
        WishState.CLAIMED, vol.pk, own.pk, ww.branch3.pk)
    assert claim_audits(wish.pk) == [("vol", {"state": ["open", "claimed"], "claimer": vol.pk, "team": own.pk,
                                              "branch": ww.branch3.pk})]
    mine = browser.get("/wishes/volunteer/").text
    assert "更换灯泡" in mine and "记入上海路党员先锋队" in mine

    # A team the volunteer is not in (another street's): refused, said in Chinese, nothing changed.
    before = (Wish.objects.get(pk=other.pk).version, AuditEvent.objects.count())
    csrf = token(browser, f"/wishes/{other.pk}/")
    refused = browser.post_form(f"/wishes/{other.pk}/move/", {
        "csrfmiddlewaretoken": csrf, "action": "claim", "team": str(far.pk)})
    assert (refused.status, refused.location) == (302, f"/wishes/{other.pk}/")
    shown = browser.get(f"/wishes/{other.pk}/").text
    assert "您不是该志愿服务队的成员。" in shown
    after = Wish.objects.get(pk=other.pk)
    assert (after.state, after.claimer_id, after.claimer_team_id, after.version, AuditEvent.objects.count()) == (
        WishState.OPEN, None, None, before[0], before[1])
    assert claim_audits(other.pk) == []
    # The detail page offers exactly the volunteer's teams, not the one refused.
    options = re.findall(r'<option value="(\d+)"', shown.split('data-move="claim"')[1])
    assert options == [str(ww.team.pk), str(own.pk)]
