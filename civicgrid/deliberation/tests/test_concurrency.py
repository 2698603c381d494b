"""Parallel votes over real HTTP: two residents of one household and repeats of the same resident,
released together by a barrier against the live server, leave exactly one vote (row lock on the
poll plus the unique (poll, household) constraint).

Real concurrent transactions need a server database: this runs in the PostgreSQL pass
(`make test-postgres`); SQLite serialises writers with its database lock instead.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from civicgrid.core.models import AuditEvent
from civicgrid.deliberation import services
from civicgrid.deliberation.models import Poll, PollOption, Vote
from civicgrid.deliberation.testing import make_delib_world, topic_at
from civicgrid.workorders.tests.http_client import Browser

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (runs in make test-postgres)"),
]


def signed_in(url: str, phone: str) -> Browser:
    """A resident's browser, signed in with the phone number and the texted code."""
    browser = Browser(url)
    signed = browser.sign_in_with_texted_code(phone)
    assert signed.status == 302, (phone, signed.status, signed.text[:300])
    return browser


@pytest.mark.parametrize("round_", range(3))
def test_parallel_votes_of_one_household_leave_exactly_one(live_server, round_):
    world = make_delib_world()
    topic = topic_at(world, "deliberate")
    poll = services.create_poll(actor=world.users["community"], topic=topic, question="是否同意加装电梯",
                                options=["同意", "不同意"], closes_at=timezone.now() + timedelta(days=1))
    services.open_poll(actor=world.users["community"], poll=poll)
    yes, no = PollOption.objects.filter(poll=poll).order_by("position")
    # Same household: resident and resident2 (two browsers each); resident3 lives next door.
    attempts = [("resident", yes), ("resident", no), ("resident", yes), ("resident2", no), ("resident2", yes),
                ("resident2", no), ("resident3", yes), ("resident3", yes)]
    # One browser per resident; the repeats of one resident share its session, as double taps do.
    browsers = {name: signed_in(live_server.url, world.users[name].phone) for name in ("resident", "resident2",
                                                                                     "resident3")}
    barrier = threading.Barrier(len(attempts))
    results: list = [None] * len(attempts)
    plan = [(browsers[name], option.pk, name) for name, option in attempts]

    def worker(i, browser, option_id):
        try:
            barrier.wait(timeout=20)
            response = browser.post_json(f"/api/v1/deliberation/polls/{poll.pk}/votes/", {"option": option_id})
            code = response.json().get("error", {}).get("code") if response.status != 201 else None
            results[i] = (response.status, code)
        except Exception as exc:  # pragma: no cover - shown in the assertion message
            results[i] = repr(exc)

    threads = [threading.Thread(target=worker, args=(i, b, o)) for i, (b, o, _n) in enumerate(plan)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    by_household = {}
    for (status, code), (_b, _o, name) in zip(results, plan):
        key = "A" if name in ("resident", "resident2") else "B"
        by_household.setdefault(key, []).append((status, code))
    assert sorted(by_household["A"]) == [(201, None)] + [(409, "already_voted")] * 5, results
    assert sorted(by_household["B"]) == [(201, None), (409, "already_voted")], results
    assert Vote.objects.filter(poll=poll).count() == 2
    assert Vote.objects.filter(poll=poll, household=world.households[0]).count() == 1
    assert Vote.objects.filter(poll=poll, household=world.households[1]).count() == 1
    fresh = Poll.objects.get(pk=poll.pk)
    assert fresh.votes_cast == 2
    assert sum(PollOption.objects.filter(poll=poll).values_list("votes", flat=True)) == 2
    assert AuditEvent.objects.filter(action="deliberation.vote", object_id=str(poll.pk)).count() == 2
