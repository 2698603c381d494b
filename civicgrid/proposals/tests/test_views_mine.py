"""A resident's own proposals across campaigns (/proposals/mine/)."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from civicgrid.proposals import selectors, services
from civicgrid.proposals.models import Proposal
from civicgrid.proposals.testing import add_proposal, make_campaign

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def world():
    w, first = make_campaign()
    second = services.create_campaign(actor=w.users["district"], area=w.tree.district, year=2027,
                                      title="2027年民生实事项目", budget=500_000)
    older = add_proposal(w, first, title="恩县路口袋公园", status="eligible")
    newer = add_proposal(w, second, title="海晶花园加装电梯")
    theirs = add_proposal(w, first, title="别人的提案", author=w.users["resident2"])
    for p, day in ((older, 1), (newer, 2), (theirs, 3)):
        Proposal.objects.filter(pk=p.pk).update(created_at=datetime(2026, 3, day, 9, tzinfo=SHANGHAI))
    Proposal.objects.filter(pk=older.pk).update(support_count=4, score=87, scored_by=2, status_reason="符合条件")
    return w, first, second, older, newer, theirs


def test_my_proposals_selector_is_mine_across_campaigns_newest_first(world):
    w, first, second, older, newer, theirs = world
    assert list(selectors.my_proposals(w.users["resident"])) == [newer, older]
    assert list(selectors.my_proposals(w.users["resident2"])) == [theirs]


def test_my_proposals_page_lists_mine_with_campaign_status_and_supports(client, world):
    w, first, second, older, newer, theirs = world
    client.force_login(w.users["resident"])
    response = client.get("/proposals/mine/")
    assert response.status_code == 200
    page = response.content.decode()
    rows = re.findall(r'<li class="proposal" data-id="(\d+)">.*?<strong>([^<]+)</strong></a>\s*'
                      r'<span class="badge plain">([^<]+)</span>\s*<span class="muted"><a href="([^"]+)">([^<]+)</a>'
                      r'\s*· <span class="support-count">([^<]+)</span>\s*· <time[^>]*>([^<]+)</time>', page, re.S)
    assert rows == [
        (str(newer.pk), "海晶花园加装电梯", "已提交", f"/proposals/c/{second.pk}/", "2027年民生实事项目", "0 支持",
         "2026-03-02"),
        (str(older.pk), "恩县路口袋公园", "入围", f"/proposals/c/{first.pk}/", "2026年民生实事项目", "4 支持",
         "2026-03-01"),
    ]
    assert "别人的提案" not in page and f'data-id="{theirs.pk}"' not in page
    # Not the staff's screening table: no screening or merge forms, panel scores or screening notes.
    for staff_only in ("/screen/", "/merge/", "87.00", "符合条件", "代表评分"):
        assert staff_only not in page


def test_my_proposals_needs_a_phone_sign_in(client, world):
    response = client.get("/proposals/mine/")
    assert (response.status_code, response["Location"]) == (302, "/accounts/resident/?next=/proposals/mine/")


def test_portal_home_links_my_proposals(client, world):
    w, *_ = world
    page = client.get("/portal/").content.decode()
    assert 'href="/accounts/resident/?next=/proposals/mine/"' in page
    client.force_login(w.users["resident"])
    page = client.get("/portal/").content.decode()
    assert '<a class="portal-action" href="/proposals/mine/"><span class="title">我的提案</span>' \
           '<span class="sub">已提案 2 件</span></a>' in page
