"""The ``close_polls`` job: votes past their closing time are closed and counted by the system
through the same service staff use; reads are honest before it runs."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from civicgrid.core import jobs
from civicgrid.core.models import AuditEvent
from civicgrid.deliberation import services, tasks
from civicgrid.deliberation.models import Poll, PollOption, PollResult, PollStatus, Topic, Vote
from civicgrid.deliberation.testing import make_delib_world, topic_at
from civicgrid.notifications.models import OutboxMessage

pytestmark = pytest.mark.django_db
API = "/api/v1/deliberation"


@pytest.fixture
def world():
    return make_delib_world()


def open_poll_with_votes(world, title: str, *, closes_in: timedelta, now, quorum: int = 2) -> Poll:
    """A topic at 议 with an open vote, 2 of 3 households voting 同意 (resident) and 同意 (resident3)."""
    u = world.users
    topic = topic_at(world, "deliberate", title=title)
    poll = services.create_poll(actor=u["community"], topic=topic, question="是否加装电梯", options=["同意", "不同意"],
                                quorum=quorum, threshold_percent=60, closes_at=now + closes_in, now=now)
    services.open_poll(actor=u["community"], poll=poll, now=now)
    yes = poll.options.get(label="同意")
    services.cast_vote(actor=u["resident"], poll=poll, option=yes, now=now + timedelta(minutes=1))
    services.cast_vote(actor=u["resident3"], poll=poll, option=yes, now=now + timedelta(minutes=2))
    return Poll.objects.get(pk=poll.pk)


def snapshot(poll: Poll):
    poll = Poll.objects.get(pk=poll.pk)
    return (poll.status, poll.result, poll.votes_cast, poll.winner.label if poll.winner else None, poll.closed_at,
            list(PollOption.objects.filter(poll=poll).order_by("position").values_list("label", "votes")),
            Topic.objects.get(pk=poll.topic_id).resolution)


def test_the_job_closes_an_expired_vote_exactly_as_staff_would(world, django_capture_on_commit_callbacks):
    now = timezone.now()
    by_job = open_poll_with_votes(world, "12号楼加装电梯", closes_in=timedelta(hours=1), now=now)
    by_staff = open_poll_with_votes(world, "13号楼加装电梯", closes_in=timedelta(hours=1), now=now)
    later = now + timedelta(hours=1, minutes=3)
    with django_capture_on_commit_callbacks(execute=True):
        services.close_poll(actor=world.users["community"], poll=by_staff, now=later)
    outbox_before_id = OutboxMessage.objects.order_by("-id").values_list("id", flat=True).first() or 0
    with django_capture_on_commit_callbacks(execute=True):
        report = tasks.close_polls_job(now=later)
    assert (report.due, report.closed, report.skipped, report.results) == (1, 1, 0, {"passed": 1})
    assert snapshot(by_job) == ("closed", PollResult.PASSED, 2, "同意", later, [("同意", 2), ("不同意", 0)],
                                "是否加装电梯：同意")
    # Same recount, result, resolution text as the staff close; only the topic differs.
    assert snapshot(by_job) == snapshot(by_staff)
    job_row = AuditEvent.objects.get(action="deliberation.poll_close", object_id=str(by_job.pk))
    staff_row = AuditEvent.objects.get(action="deliberation.poll_close", object_id=str(by_staff.pk))
    assert (job_row.actor_id, job_row.actor_repr) == (None, "system")
    assert (staff_row.actor_id, staff_row.actor_repr) == (world.users["community"].pk, "community")
    winner = Poll.objects.get(pk=by_job.pk).winner_id
    assert job_row.changes == {"result": "passed", "winner": winner, "votes_cast": 2, "quorum": 2,
                               "threshold_percent": 60}
    assert {**staff_row.changes, "winner": winner} == job_row.changes
    # The people of the topic hear of the result the same way (resident raised it and takes part).
    sent = list(OutboxMessage.objects.filter(pk__gt=outbox_before_id).order_by("id").values_list(
        "recipient__username", "event", "subject", "body", "link"))
    assert sent == [("resident", "deliberation.vote_closed", "投票结果：是否加装电梯", "通过：“同意”，2 户投票。",
                     f"/deliberation/{by_job.topic_id}/")]
    staff_sent = list(OutboxMessage.objects.filter(event="deliberation.vote_closed",
                                                   link=f"/deliberation/{by_staff.topic_id}/")
                      .values_list("recipient__username", "subject", "body"))
    assert staff_sent == [("resident", "投票结果：是否加装电梯", "通过：“同意”，2 户投票。")]


def test_a_vote_not_yet_expired_is_left_alone_and_a_second_run_changes_nothing(world):
    now = timezone.now()
    expired = open_poll_with_votes(world, "12号楼加装电梯", closes_in=timedelta(hours=1), now=now, quorum=3)
    running = open_poll_with_votes(world, "13号楼加装电梯", closes_in=timedelta(days=2), now=now)
    at = now + timedelta(hours=1)  # exactly the closing time of the first: it is due
    first = tasks.close_polls_job(now=at)
    assert (first.due, first.closed, first.results) == (1, 1, {"no_quorum": 1})
    assert snapshot(expired) == ("closed", PollResult.NO_QUORUM, 2, None, at, [("同意", 2), ("不同意", 0)], "")
    untouched = Poll.objects.get(pk=running.pk)
    assert (untouched.status, untouched.result, untouched.closed_at, untouched.winner_id) == (
        PollStatus.OPEN, "", None, None)
    audit = AuditEvent.objects.count()
    state = (snapshot(expired), snapshot(running))
    second = tasks.close_polls_job(now=at + timedelta(minutes=5))
    assert (second.due, second.closed, second.skipped) == (0, 0, 0)
    assert (snapshot(expired), snapshot(running)) == state
    assert AuditEvent.objects.count() == audit


def test_the_system_does_not_close_a_vote_before_its_time(world):
    now = timezone.now()
    poll = open_poll_with_votes(world, "12号楼加装电梯", closes_in=timedelta(hours=1), now=now)
    audit = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.close_poll(actor=None, poll=poll, now=now + timedelta(minutes=59))
    assert exc.value.code == "forbidden"
    assert Poll.objects.get(pk=poll.pk).status == PollStatus.OPEN and AuditEvent.objects.count() == audit


def test_no_vote_is_taken_from_the_closing_time_on(world):
    now = timezone.now()
    poll = open_poll_with_votes(world, "12号楼加装电梯", closes_in=timedelta(hours=1), now=now)
    counters = (Poll.objects.get(pk=poll.pk).votes_cast, Vote.objects.count())
    # resident2 shares resident's household, so use a fresh household: none is left in 恩县路12号 but
    # the third, which has no account; the refusal must come from the clock before any household check.
    for at in (poll.closes_at, poll.closes_at + timedelta(seconds=1)):
        with pytest.raises(ValidationError) as exc:
            services.cast_vote(actor=world.users["resident2"], poll=poll, option=poll.options.first(), now=at)
        assert exc.value.code == "poll_not_open"
    assert (Poll.objects.get(pk=poll.pk).votes_cast, Vote.objects.count()) == counters == (2, 2)


def test_reads_say_closed_awaiting_the_count_before_the_job_runs(world, client):
    now = timezone.now()
    poll = open_poll_with_votes(world, "12号楼加装电梯", closes_in=timedelta(hours=1), now=now)
    Poll.objects.filter(pk=poll.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    api = APIClient()
    api.force_authenticate(world.users["resident3"])
    data = api.get(f"{API}/topics/{poll.topic_id}/polls/").json()
    assert [(p["status"], p["awaiting_count"], p["status_label"], [o["votes"] for o in p["options"]])
            for p in data] == [("open", True, "已截止，待计票", [None, None])]
    refused = api.post(f"{API}/polls/{poll.pk}/votes/", {"option": poll.options.first().pk}, format="json")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "poll_not_open"
    client.force_login(world.users["resident3"])
    page = client.get(f"/deliberation/{poll.topic_id}/").content.decode()
    assert '<span class="badge poll-status plain">已截止，待计票</span>' in page
    assert 'class="vote-form"' not in page and "投票中" not in page
    # Reading did not close it: that is the job's (or staff's) act.
    assert Poll.objects.get(pk=poll.pk).status == PollStatus.OPEN
    tasks.close_polls_job()
    data = api.get(f"{API}/topics/{poll.topic_id}/polls/").json()
    assert [(p["status"], p["awaiting_count"], p["status_label"], [o["votes"] for o in p["options"]])
            for p in data] == [("closed", False, "通过", [2, 0])]


def test_the_job_is_scheduled_and_has_a_command(world):
    now = timezone.now()
    poll = open_poll_with_votes(world, "12号楼加装电梯", closes_in=timedelta(hours=1), now=now)
    assert (jobs.JOBS["close_polls"].path, jobs.JOBS["close_polls"].every) == (
        "civicgrid.deliberation.tasks.close_polls_job", 300.0)
    assert jobs.run_job("close_polls").closed == 0  # not yet due
    out = io.StringIO()
    at = timezone.localtime(now + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S%z")
    call_command("close_polls", "--now", at, stdout=out)
    assert out.getvalue() == "close polls: 1 due, 1 closed, 0 already closed; results: passed 1\n"
    assert Poll.objects.get(pk=poll.pk).status == PollStatus.CLOSED
    out = io.StringIO()
    call_command("close_polls", "--now", at, stdout=out)
    assert out.getvalue() == "close polls: 0 due, 0 closed, 0 already closed; results: -\n"
