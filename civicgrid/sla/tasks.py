"""Periodic jobs of the sla app. ``civicgrid.core.jobs`` schedules them: Celery beat in
production, a thread of ``civicgrid serve`` in the embedded default."""

from __future__ import annotations

from .sweep import SweepSummary, run_sweep


def sweep_job() -> SweepSummary:
    """One sweep at the current time. Safe to run from several workers at once: each batch locks
    its orders and every pressure has an idempotency key."""
    return run_sweep()
