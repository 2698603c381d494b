"""Parallel votes over real HTTP: two residents of one household and repeats of the same resident,
released together by a barrier against the live server, leave exactly one vote (row lock on the
poll plus the unique (poll, household) constraint). And the ``close_polls`` job against a staff
close of the same expired vote: exactly one of them closes and counts it, with one audit row and
one result notice per person.

Real concurrent transactions need a server database: this runs in the PostgreSQL pass
(`make test-postgres`); SQLite serialises writers with its database lock instead.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from civicgrid.core import jobs
from civicgrid.core.models import AuditEvent
from civicgrid.deliberation import services
from civicgrid.deliberation.models import Poll, PollOption, PollResult, PollStatus, Topic, Vote
from civicgrid.notifications.models import OutboxMessage
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


# --- the close_polls job and a staff close of one expired vote -----------------------------------------
def expired_poll(world) -> Poll:
    """An open vote whose closing time passed a minute ago, 2 households for 同意: due for the count."""
    u = world.users
    topic = topic_at(world, "deliberate")
    start = timezone.now() - timedelta(hours=2)
    poll = services.create_poll(actor=u["community"], topic=topic, question="是否同意加装电梯", options=["同意", "不同意"],
                                quorum=2, closes_at=timezone.now() - timedelta(minutes=1), now=start)
    services.open_poll(actor=u["community"], poll=poll, now=start)
    yes = poll.options.get(label="同意")
    services.cast_vote(actor=u["resident"], poll=poll, option=yes, now=start + timedelta(minutes=5))
    services.cast_vote(actor=u["resident3"], poll=poll, option=yes, now=start + timedelta(minutes=6))
    return Poll.objects.get(pk=poll.pk)


def staff_browser(url: str) -> Browser:
    browser = Browser(url)
    assert browser.sign_in("community", "x").status == 302
    return browser


def close_by_staff(browser: Browser, poll: Poll, results: dict) -> None:
    try:
        response = browser.post_json(f"/api/v1/deliberation/polls/{poll.pk}/close/", {})
        results["staff"] = (response.status, response.json().get("error", {}).get("code"))
    except Exception as exc:  # pragma: no cover - shown in the assertion message
        results["staff"] = repr(exc)


def close_by_job(results: dict) -> None:
    # run_job gives the job its own connection, as the scheduler's thread does.
    report = jobs.run_job("close_polls")
    results["job"] = (report.due, report.closed, report.skipped) if report else None


def assert_closed_once(world, poll: Poll, results: dict) -> str:
    """Exactly one of the two closed it; the vote, the audit and the notices say so once. Returns
    who closed it ("staff" or "job")."""
    staff, job = results["staff"], results["job"]
    if staff == (200, None):
        # The job found it open and then waited for the lock (skipped), or found it closed already.
        assert job in ((1, 0, 1), (0, 0, 0)), results
        winner, actor = "staff", "community"
    else:
        assert (staff, job) == ((409, "not_open"), (1, 1, 0)), results
        winner, actor = "job", "system"
    fresh = Poll.objects.get(pk=poll.pk)
    assert (fresh.status, fresh.result, fresh.votes_cast, fresh.winner.label) == (
        PollStatus.CLOSED, PollResult.PASSED, 2, "同意")
    assert Topic.objects.get(pk=poll.topic_id).resolution == "是否同意加装电梯：同意"
    assert list(AuditEvent.objects.filter(action="deliberation.poll_close", object_id=str(poll.pk))
                .values_list("actor_repr", flat=True)) == [actor]
    # The topic's people (the resident raised it and takes part) hear the result once.
    assert list(OutboxMessage.objects.filter(event="deliberation.vote_closed").values_list(
        "recipient__username", "subject")) == [("resident", "投票结果：是否同意加装电梯")]
    return winner


@pytest.mark.parametrize("round_", range(3))
def test_the_job_and_a_staff_close_at_the_same_moment_close_once(live_server, round_):
    world = make_delib_world()
    poll = expired_poll(world)
    browser = staff_browser(live_server.url)
    barrier = threading.Barrier(2)
    results: dict = {}

    def released(func, *args):
        barrier.wait(timeout=20)
        func(*args)

    threads = [threading.Thread(target=released, args=(close_by_staff, browser, poll, results)),
               threading.Thread(target=released, args=(close_by_job, results))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert_closed_once(world, poll, results)


def waiting_on_a_lock() -> int:
    """Backends of this database blocked on a row lock right now."""
    with connection.cursor() as cursor:
        cursor.execute("select count(*) from pg_stat_activity where datname = current_database() "
                       "and wait_event_type = 'Lock'")
        return cursor.fetchone()[0]


@pytest.mark.parametrize("first", ["staff", "job"])
def test_whoever_comes_second_waits_for_the_lock_and_closes_nothing(live_server, monkeypatch, first):
    """The interleaving the barrier may miss, made certain: the first closer is held inside the
    count (holding the poll's row lock) until the second is seen waiting for that lock."""
    world = make_delib_world()
    poll = expired_poll(world)
    browser = staff_browser(live_server.url)
    counting, release = threading.Event(), threading.Event()
    real_tally = services.tally

    def held_tally(p):
        counting.set()
        assert release.wait(timeout=30)
        return real_tally(p)

    # close_poll looks tally up in its module at call time; the live server runs in this process.
    monkeypatch.setattr(services, "tally", held_tally)
    results: dict = {}
    start = {"staff": lambda: threading.Thread(target=close_by_staff, args=(browser, poll, results)),
             "job": lambda: threading.Thread(target=close_by_job, args=(results,))}
    second = "job" if first == "staff" else "staff"
    one = start[first]()
    one.start()
    assert counting.wait(timeout=20)
    two = start[second]()
    two.start()
    for _ in range(200):
        if waiting_on_a_lock():
            break
        threading.Event().wait(0.05)
    else:  # pragma: no cover
        release.set()
        pytest.fail("the second closer never waited for the poll's row lock")
    release.set()
    one.join(timeout=60)
    two.join(timeout=60)
    assert assert_closed_once(world, poll, results) == first
    if first == "staff":
        assert results["job"] == (1, 0, 1)  # found it due, waited, found it closed: skipped
