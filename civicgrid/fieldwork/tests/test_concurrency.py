"""Two runs of the care-reminder job racing (two Celery workers, or the job and a manual run) send
each overdue spell exactly once: the unique (household, due_on) key decides, the loser counts it as
already reminded and sends nothing. Needs PostgreSQL (SQLite serialises writers)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from civicgrid.fieldwork import services
from civicgrid.fieldwork.models import CareReminder
from civicgrid.notifications.models import OutboxMessage

from .helpers import NOW, care_world

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (runs in make test-postgres)"),
]


@pytest.mark.parametrize("round_", range(3))
def test_two_reminder_runs_racing_send_each_spell_once(round_):
    care_world()
    barrier = threading.Barrier(2)
    reports = [None, None]

    def run(i):
        try:
            barrier.wait(timeout=10)
            reports[i] = services.send_care_reminders(now=NOW)
        except Exception as exc:  # pragma: no cover - shown in the assertion
            reports[i] = repr(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert all(not isinstance(r, str) for r in reports), reports
    assert sum(r.sent for r in reports) == 4 and sum(r.already for r in reports) == 4
    assert CareReminder.objects.count() == 4
    # grid hears of F, D and A; pm of A; grid3 of C: five inbox messages, none twice.
    inbox = list(OutboxMessage.objects.filter(event="care.overdue", channel="inbox")
                 .values_list("recipient__username", "subject"))
    assert len(inbox) == len(set(inbox)) == 5
