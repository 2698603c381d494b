"""Celery for production: workers and beat on Redis run the jobs of ``civicgrid.core.jobs``.

    celery -A civicgrid.celery worker -l info
    celery -A civicgrid.celery beat -l info

Broker and result backend come from CELERY_BROKER_URL / CELERY_RESULT_BACKEND, else REDIS_URL.
All state lives in the database (outbox rows, deadline columns), so a lost task only delays work.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings")

app = Celery("civicgrid")
app.config_from_object("django.conf:settings", namespace="CELERY")


@app.task(name="civicgrid.jobs.run", ignore_result=True)
def run_job(name: str) -> None:
    from civicgrid.core import jobs

    jobs.run_job(name)


@app.task(name="civicgrid.jobs.deliver_outbox")
def deliver_outbox() -> dict:
    from civicgrid.core import jobs

    report = jobs.run_job("deliver_outbox")
    if report is None:
        return {}
    return {"claimed": report.claimed, "sent": report.sent, "failed": report.failed, "dead": report.dead}


def beat_schedule() -> dict:
    from django.conf import settings

    return {
        f"civicgrid-{name}": {"task": "civicgrid.jobs.run", "schedule": every, "args": (name,),
                              # A run that waited longer than its interval is superseded by the next.
                              "options": {"expires": every}}
        for name, every in settings.JOBS_SCHEDULE.items()
    }


@app.on_after_configure.connect
def _install_schedule(sender, **kwargs):
    sender.conf.beat_schedule = beat_schedule()
