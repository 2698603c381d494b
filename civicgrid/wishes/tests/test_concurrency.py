"""Two volunteers claiming the same wish in parallel HTTP requests: exactly one wins.

Real concurrent transactions need a server database: this runs in the PostgreSQL pass
(`DATABASE_URL=postgres://...`). Each volunteer signs in with their password in their own browser;
the two claim requests leave together from two threads (a barrier) to the live server, which
serves each in its own thread and database connection. The row lock in ``move_wish`` decides.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from civicgrid.core.models import AuditEvent
from civicgrid.wishes.models import Wish, WishState
from civicgrid.wishes.testing import make_wish_world, wish_in

from .http import staff

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (runs in make test-postgres)"),
]


def race(browsers, path, payload):
    barrier = threading.Barrier(len(browsers))
    results = [None] * len(browsers)

    def worker(i, browser):
        barrier.wait(timeout=10)
        response = browser.post_json(path, payload)
        results[i] = (response.status, response.json())

    threads = [threading.Thread(target=worker, args=(i, b)) for i, b in enumerate(browsers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


@pytest.mark.parametrize("round_", range(3))
def test_two_volunteers_claiming_one_wish_leave_exactly_one_claimer(live_server, round_):
    ww = make_wish_world()
    wish = wish_in(ww, "open")
    volunteers = {"vol": staff(live_server.url, "vol"), "party": staff(live_server.url, "party")}
    results = race(list(volunteers.values()), f"/api/v1/wishes/{wish.pk}/moves/", {"action": "claim"})
    statuses = sorted(status for status, _body in results)
    assert statuses == [200, 409], results
    loser = next(body for status, body in results if status == 409)
    assert loser["error"]["code"] == "illegal_transition"
    winner = list(volunteers)[next(i for i, (status, _b) in enumerate(results) if status == 200)]
    wish = Wish.objects.get(pk=wish.pk)
    assert (wish.state, wish.claimer.username, wish.version) == (WishState.CLAIMED, winner, 3)
    assert list(AuditEvent.objects.filter(action="wishes.claim", object_id=str(wish.pk))
                .values_list("actor_repr", flat=True)) == [winner]


def test_one_volunteer_racing_for_two_wishes_keeps_the_claim_limit(live_server, settings):
    """K = 1: the same volunteer claims two open wishes at once from two tabs; one claim wins."""
    settings.WISHES_MAX_OPEN_CLAIMS = 1
    ww = make_wish_world()
    first, second = wish_in(ww, "open", title="更换灯泡"), wish_in(ww, "open", title="轮椅一台")
    tabs = [staff(live_server.url, "vol"), staff(live_server.url, "vol")]
    barrier = threading.Barrier(2)
    results = [None, None]

    def worker(i, wish):
        barrier.wait(timeout=10)
        results[i] = tabs[i].post_json(f"/api/v1/wishes/{wish.pk}/moves/", {"action": "claim"}).status

    threads = [threading.Thread(target=worker, args=(i, w)) for i, w in enumerate((first, second))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results) == [200, 400]
    assert Wish.objects.filter(claimer=ww.users["vol"], state=WishState.CLAIMED).count() == 1
