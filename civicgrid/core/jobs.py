"""Periodic background jobs, one table for both ways of running them.

Production runs them on Celery beat and workers (``civicgrid.celery``); the embedded default runs
them in a daemon thread of ``civicgrid serve`` (``JOBS_BACKEND=inprocess``); scripts use
``civicgrid run-jobs [--once]``. Each job is a plain function, so all three call the same code.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils.module_loading import import_string

logger = logging.getLogger("civicgrid.jobs")


@dataclass(frozen=True)
class Job:
    name: str
    path: str  # dotted path of a function without arguments

    @property
    def every(self) -> float:
        return float(settings.JOBS_SCHEDULE.get(self.name, 60))


JOBS: dict[str, Job] = {j.name: j for j in [
    Job("deliver_outbox", "civicgrid.core.jobs.deliver_outbox"),
    # Written by the sla app; until it exists the job is skipped, not failed.
    Job("sla_sweep", "civicgrid.sla.tasks.sweep_job"),
    Job("proactive_scan", "civicgrid.proactive.tasks.scan_job"),
    Job("care_reminders", "civicgrid.fieldwork.tasks.care_reminders_job"),
    Job("close_polls", "civicgrid.deliberation.tasks.close_polls_job"),
]}


def deliver_outbox():
    from civicgrid.notifications.services import deliver_due

    report = deliver_due()
    if report.claimed:
        logger.info("outbox: %d sent, %d failed, %d dead", report.sent, report.failed, report.dead)
    return report


class JobMissing(Exception):
    pass


def resolve(job: Job):
    try:
        return import_string(job.path)
    except ImportError as exc:
        raise JobMissing(f"{job.path} is not available: {exc}") from None


def run_job(name: str):
    """Run one job now, in this thread's own database connection. Returns what the job returned,
    or None when it is missing or failed (logged): a failing job must not stop the others."""
    job = JOBS[name]
    # Inside a caller's transaction (a test, a script's atomic block) the connection is not ours.
    own_connection = not connection.in_atomic_block
    if own_connection:
        close_old_connections()
    try:
        func = resolve(job)
    except JobMissing as exc:
        logger.info("job %s skipped: %s", name, exc)
        return None
    try:
        return func()
    except Exception:
        logger.exception("job %s failed", name)
        return None
    finally:
        # A thread's connection must not outlive the run: the next run opens a fresh one, which
        # also recovers from a database restart.
        if own_connection:
            connection.close()


def available(name: str) -> bool:
    try:
        resolve(JOBS[name])
    except JobMissing:
        return False
    return True


class InProcessRunner(threading.Thread):
    """Runs every job on its schedule until stopped. ``wake()`` runs the outbox early (a change
    just committed messages)."""

    def __init__(self, jobs: list[str] | None = None, tick: float = 1.0):
        super().__init__(name="civicgrid-jobs", daemon=True)
        self.jobs = jobs or list(JOBS)
        self.tick = tick
        self._stop_event = threading.Event()
        self._wake_event = threading.Event()
        self.runs: dict[str, int] = {name: 0 for name in self.jobs}

    def stop(self) -> None:
        self._stop_event.set()
        self._wake_event.set()

    def wake(self) -> None:
        self._wake_event.set()

    def run(self) -> None:
        next_at = {name: 0.0 for name in self.jobs}
        while not self._stop_event.is_set():
            now = time.monotonic()
            woken = self._wake_event.is_set()
            self._wake_event.clear()
            if woken and "deliver_outbox" in next_at:
                next_at["deliver_outbox"] = 0.0
            for name in self.jobs:
                if self._stop_event.is_set():
                    break
                if now >= next_at[name]:
                    try:
                        run_job(name)
                    except Exception:  # pragma: no cover - run_job already catches; belt and braces
                        logger.exception("job %s crashed", name)
                    self.runs[name] += 1
                    next_at[name] = time.monotonic() + JOBS[name].every
            wait = min(next_at.values()) - time.monotonic()
            self._wake_event.wait(timeout=max(min(wait, self.tick * 60), 0.05))


_runner: InProcessRunner | None = None
_runner_lock = threading.Lock()


def start_inprocess(jobs: list[str] | None = None) -> InProcessRunner:
    """Start the runner once per process (a second call returns the running one)."""
    global _runner
    with _runner_lock:
        if _runner is None or not _runner.is_alive():
            _runner = InProcessRunner(jobs)
            _runner.start()
        return _runner


def stop_inprocess(timeout: float = 10) -> None:
    global _runner
    with _runner_lock:
        runner, _runner = _runner, None
    if runner is not None:
        runner.stop()
        runner.join(timeout)


def wake() -> None:
    runner = _runner
    if runner is not None:
        runner.wake()
