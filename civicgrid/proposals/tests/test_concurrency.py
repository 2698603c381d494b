"""Parallel supports over real HTTP on PostgreSQL: never a double support, never more than L.

Each resident's browser fires its supports at once from several threads (released together by a
barrier) against the live server; the per-(campaign, resident) quota row lock and the unique
constraint on (proposal, user) must leave exactly the allowed rows.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token

from civicgrid.proposals.models import Proposal, Support, SupportQuota
from civicgrid.proposals.testing import add_proposal, make_campaign, make_residents, set_state
from civicgrid.workorders.tests.http_client import Browser

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (runs in make test-postgres)"),
]


def fire(url: str, requests: list[tuple[str, str]]) -> list[int]:
    """POST each (token, path) in its own thread, all released together; the HTTP statuses."""
    barrier = threading.Barrier(len(requests))
    statuses = [0] * len(requests)

    def worker(i, token, path):
        browser = Browser(url)
        barrier.wait(timeout=10)
        statuses[i] = browser.request("POST", path, data=b"{}", csrf=False, headers={
            "Authorization": f"Token {token}", "Content-Type": "application/json"}).status

    threads = [threading.Thread(target=worker, args=(i, *r)) for i, r in enumerate(requests)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return statuses


# The live server's listen queue holds 5 connections (socketserver's default): bursts stay at 5.
BURST = 5


@pytest.mark.parametrize("round_", range(3))
def test_parallel_supports_never_exceed_the_limit_nor_double(live_server, round_):
    w, campaign = make_campaign(support_limit=3, panel=0)
    residents = make_residents(3)
    proposals = [add_proposal(w, campaign, title=f"提案{i}号口袋公园", author=residents[i % 3]) for i in range(6)]
    set_state(campaign, "support")
    for r in residents:
        token = Token.objects.create(user=r).key
        # Four different proposals at once (limit 3) and the first one twice (once only).
        burst = [proposals[0], *proposals[1 + round_:4 + round_]][:BURST - 1] + [proposals[0]]
        statuses = fire(live_server.url, [(token, f"/api/v1/proposals/items/{p.pk}/support/") for p in burst])
        assert sorted(statuses) == [201, 201, 201, 409, 409], statuses
        mine = list(Support.objects.filter(user=r).values_list("proposal_id", flat=True))
        assert len(mine) == 3 and len(set(mine)) == 3 and set(mine) <= {p.pk for p in burst}
        assert SupportQuota.objects.get(campaign=campaign, user=r).used == 3
        # A second burst once the limit is used up: nothing more.
        statuses = fire(live_server.url, [(token, f"/api/v1/proposals/items/{p.pk}/support/") for p in proposals[1:6]])
        assert statuses == [409] * 5
        assert Support.objects.filter(user=r).count() == 3
    for p in Proposal.objects.all():
        assert p.support_count == Support.objects.filter(proposal=p).count()


def test_parallel_supports_of_many_residents_on_one_proposal_all_count(live_server):
    w, campaign = make_campaign(support_limit=2, panel=0)
    residents = make_residents(5)
    target = add_proposal(w, campaign, title="社区食堂", cost=200_000, author=residents[0])
    set_state(campaign, "support")
    tokens = [Token.objects.create(user=r).key for r in residents]
    statuses = fire(live_server.url, [(t, f"/api/v1/proposals/items/{target.pk}/support/") for t in tokens])
    assert statuses == [201] * 5
    statuses = fire(live_server.url, [(t, f"/api/v1/proposals/items/{target.pk}/support/") for t in tokens])
    assert statuses == [409] * 5
    target.refresh_from_db()
    assert target.support_count == 5 == Support.objects.filter(proposal=target).count()


def fire_mixed(url: str, requests: list[tuple[str, str, str, bytes]]) -> list[int]:
    """(method, token, path, body) each in its own thread, all released together."""
    barrier = threading.Barrier(len(requests))
    statuses = [0] * len(requests)

    def worker(i, method, token, path, body):
        browser = Browser(url)
        barrier.wait(timeout=10)
        statuses[i] = browser.request(method, path, data=body, csrf=False, headers={
            "Authorization": f"Token {token}", "Content-Type": "application/json"}).status

    threads = [threading.Thread(target=worker, args=(i, *r)) for i, r in enumerate(requests)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return statuses


@pytest.mark.parametrize("round_", range(3))
def test_a_lowered_support_limit_racing_supports_leaves_nobody_over_it(live_server, round_):
    """Staff lower the limit from 3 to 1 while four residents, who have used 1 each, support a
    second proposal: either the edit wins (all four refused) or a support does (the edit refused);
    nobody ends above the campaign's limit."""
    w, campaign = make_campaign(support_limit=3, panel=0)
    residents = make_residents(4)
    first, second = (add_proposal(w, campaign, title=f"提案{i}号口袋公园", author=residents[0]) for i in range(2))
    set_state(campaign, "support")
    from civicgrid.proposals import services

    for r in residents:
        services.support(actor=r, proposal=first)
    tokens = [Token.objects.create(user=r).key for r in residents]
    staff = Token.objects.create(user=w.users["district"]).key
    requests = [("POST", t, f"/api/v1/proposals/items/{second.pk}/support/", b"{}") for t in tokens]
    requests.insert(round_, ("PATCH", staff, f"/api/v1/proposals/campaigns/{campaign.pk}/", b'{"support_limit": 1}'))
    statuses = fire_mixed(live_server.url, requests)
    campaign.refresh_from_db()
    used = sorted(SupportQuota.objects.filter(campaign=campaign).values_list("used", flat=True))
    edit, supports = statuses[round_], statuses[:round_] + statuses[round_ + 1:]
    assert max(used) <= campaign.support_limit, (statuses, used, campaign.support_limit)
    if edit == 200:
        assert campaign.support_limit == 1 and used == [1, 1, 1, 1]
    else:
        assert edit == 409 and campaign.support_limit == 3 and 201 in supports, statuses
    assert supports.count(201) == used.count(2), (statuses, used)
