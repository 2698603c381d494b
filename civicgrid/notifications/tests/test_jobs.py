"""Background jobs: the in-process runner, `civicgrid run-jobs`, the Celery app and beat schedule,
concurrent claims on PostgreSQL, and ONE real Celery worker on the real Redis delivering an outbox
row (PostgreSQL pass only: the worker process must see the test's committed rows)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from civicgrid.core import jobs
from civicgrid.notifications import services
from civicgrid.notifications.models import InboxMessage, OutboxMessage
from civicgrid.people.models import User

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.django_db
def test_run_jobs_once_delivers_and_reports(settings):
    user = User.objects.create_user("u", password="x")
    services.notify_user(user, event="e", title="你好")
    OutboxMessage.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    out = io.StringIO()
    call_command("run_jobs", "--once", "--job", "deliver_outbox", stdout=out, stderr=io.StringIO())
    assert out.getvalue() == "deliver_outbox: 1 due, 1 sent, 0 failed, 0 dead\n"
    assert InboxMessage.objects.get().title == "你好"


@pytest.mark.django_db
def test_a_missing_job_is_skipped_not_failed(monkeypatch):
    monkeypatch.setitem(jobs.JOBS, "ghost", jobs.Job("ghost", "civicgrid.nowhere.job"))
    assert jobs.available("ghost") is False
    assert jobs.run_job("ghost") is None


def boom():
    raise RuntimeError("job bug")


@pytest.mark.django_db
def test_the_runner_survives_a_failing_job(monkeypatch, settings):
    monkeypatch.setitem(jobs.JOBS, "boom", jobs.Job("boom", "civicgrid.notifications.tests.test_jobs.boom"))
    monkeypatch.setitem(jobs.JOBS, "count", jobs.Job("count", "civicgrid.notifications.tests.test_jobs.count"))
    settings.JOBS_SCHEDULE = {"boom": 0.01, "count": 0.01}
    _calls.clear()
    runner = jobs.InProcessRunner(["boom", "count"])
    runner.start()
    deadline = time.monotonic() + 5
    while len(_calls) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    runner.stop()
    runner.join(5)
    assert not runner.is_alive()
    assert len(_calls) >= 3 and runner.runs["boom"] >= 3


_calls: list[int] = []


def count():
    _calls.append(1)


def test_serve_starts_the_in_process_jobs_only_for_the_embedded_backend(settings, monkeypatch):
    from civicgrid.core.management.commands.serve import Command

    started = []
    monkeypatch.setattr(jobs, "start_inprocess", lambda *a, **k: started.append(1))
    settings.JOBS_BACKEND = "inprocess"
    assert Command.start_jobs(False) == "jobs: in-process"
    assert Command.start_jobs(True) == "jobs: off"
    settings.JOBS_BACKEND = "celery"
    assert Command.start_jobs(False) == "jobs: celery workers"
    assert started == [1]


def test_beat_schedule_runs_the_outbox_every_10_seconds_and_the_sweep_every_5_minutes(settings):
    from civicgrid.celery import app, beat_schedule

    assert beat_schedule() == {
        "civicgrid-deliver_outbox": {"task": "civicgrid.jobs.run", "schedule": 10.0, "args": ("deliver_outbox",),
                                     "options": {"expires": 10.0}},
        "civicgrid-sla_sweep": {"task": "civicgrid.jobs.run", "schedule": 300.0, "args": ("sla_sweep",),
                                "options": {"expires": 300.0}},
        "civicgrid-proactive_scan": {"task": "civicgrid.jobs.run", "schedule": 86400.0, "args": ("proactive_scan",),
                                     "options": {"expires": 86400.0}},
        "civicgrid-care_reminders": {"task": "civicgrid.jobs.run", "schedule": 86400.0, "args": ("care_reminders",),
                                     "options": {"expires": 86400.0}},
        "civicgrid-close_polls": {"task": "civicgrid.jobs.run", "schedule": 300.0, "args": ("close_polls",),
                                  "options": {"expires": 300.0}},
    }
    assert jobs.JOBS["sla_sweep"].path == "civicgrid.sla.tasks.sweep_job"
    assert "civicgrid.jobs.run" in app.tasks


def test_jobs_backend_defaults_to_celery_with_redis():
    env = {**os.environ, "CIVICGRID_MODE": "test", "DJANGO_SETTINGS_MODULE": "civicgrid.settings"}
    code = "from django.conf import settings; print(settings.JOBS_BACKEND, settings.CELERY_BROKER_URL)"
    run = lambda **extra: subprocess.run(  # noqa: E731
        [sys.executable, "-c", "import django; django.setup(); " + code], env={**env, **extra},
        capture_output=True, text=True, cwd=ROOT, check=True).stdout.strip()
    env.pop("REDIS_URL", None)
    env.pop("JOBS_BACKEND", None)
    assert run() == "inprocess memory://"
    assert run(REDIS_URL="redis://127.0.0.1:6379/3") == "celery redis://127.0.0.1:6379/3"
    assert run(REDIS_URL="redis://127.0.0.1:6379/3", JOBS_BACKEND="inprocess") == "inprocess redis://127.0.0.1:6379/3"


# --- PostgreSQL: real concurrency and a real worker ------------------------------------------
# serialized_rollback: the flush after a transactional test would otherwise take the migrations'
# data (content types, default catalogue and policies) away from the tests that run after it.
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (runs in make test-postgres)")
@pytest.mark.parametrize("round_", range(3))
def test_concurrent_workers_deliver_each_row_exactly_once(round_):
    """Four workers claim at once with SKIP LOCKED: every row is delivered once, none twice."""
    user = User.objects.create_user(f"u{round_}", password="x")
    for i in range(40):
        services.notify_user(user, event="e", title=f"m{i}")
    now = timezone.now() + timedelta(seconds=5)
    barrier = threading.Barrier(4)
    reports = []

    def worker():
        try:
            barrier.wait(timeout=10)
            while True:
                report = services.deliver_due(now=now, limit=3)
                reports.append(report.sent)
                if not report.claimed:
                    break
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sum(reports) == 40
    assert InboxMessage.objects.filter(user=user).count() == 40
    assert set(OutboxMessage.objects.values_list("status", "attempts")) == {("sent", 1)}


def _redis_reachable(url: str) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except Exception:
        return False


REDIS = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the worker process needs a shared database: runs in make test-postgres")
def test_a_real_celery_worker_on_redis_delivers_an_outbox_row(tmp_path):
    if not _redis_reachable(REDIS):
        pytest.skip(f"Redis is not reachable at {REDIS}")
    user = User.objects.create_user("celery-user", password="x")
    row, = services.notify_user(user, event="order.dispatch", title="来自 Celery", body="worker")
    OutboxMessage.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))

    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    queue = f"civicgrid-test-{uuid.uuid4().hex[:8]}"  # no other worker on this Redis takes our task
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "civicgrid.settings", "CIVICGRID_MODE": "test",
           "DATABASE_URL": f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
           "REDIS_URL": REDIS, "CELERY_BROKER_URL": REDIS, "CELERY_RESULT_BACKEND": REDIS,
           "CIVICGRID_DATA_DIR": str(tmp_path)}
    log = open(tmp_path / "worker.log", "w+")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "civicgrid.celery", "worker", "--pool=solo", "--concurrency=1",
         "-Q", queue, "--without-heartbeat", "--without-gossip", "--without-mingle", "-l", "info",
         "-n", f"{queue}@%h"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        from civicgrid.celery import app

        app.conf.broker_url = REDIS
        result = app.send_task("civicgrid.jobs.deliver_outbox", queue=queue)
        deadline = time.monotonic() + 90
        status = None
        while time.monotonic() < deadline and worker.poll() is None:
            status = OutboxMessage.objects.get(pk=row.pk).status
            if status == "sent":
                break
            time.sleep(0.5)
        log.seek(0)
        assert status == "sent", f"worker did not deliver (status {status}); log:\n{log.read()[-3000:]}"
        assert InboxMessage.objects.get(user=user).title == "来自 Celery"
        assert result.id
    finally:
        worker.terminate()
        try:
            worker.wait(20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(10)
        log.close()
