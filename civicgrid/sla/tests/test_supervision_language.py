"""The sweep's supervision note on the order's history is said in the reader's language: the
sweep runs in Chinese, and an English page or API client used to read its Chinese sentence."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone, translation
from rest_framework.test import APIClient

from civicgrid.sla.models import Pressure, SlaPolicy
from civicgrid.sla.sweep import run_sweep
from civicgrid.workorders.models import OrderEvent, Status
from civicgrid.workorders.testing import make_order, make_world

pytestmark = pytest.mark.django_db

T0 = timezone.make_aware(datetime(2026, 11, 23, 9, 0))  # a Monday, Beijing time
H = timedelta(hours=1)
ENGLISH = "Overdue since 2026-11-23 19:00: supervised by the Community level (督办)."
CHINESE = "自 2026-11-23 19:00 起超期，由社区级督办。"


@pytest.fixture
def supervised():
    w = make_world()
    policy = SlaPolicy.objects.create(
        name="test hours", dispatch_limit=2, dispatch_unit="hours", response_limit=4, response_unit="hours",
        handle_limit=10, handle_unit="hours", remind_at=[0.5], escalate_every=2, escalate_unit="hours")
    order = make_order(w, status=Status.IN_PROGRESS, unit=w.units["c1"], level="grid", sla_policy=policy,
                       dispatched_at=T0, handle_due=T0 + 10 * H, response_due=T0 + 4 * H)
    with translation.override("zh-hans"):
        assert run_sweep(T0 + 10 * H).supervised == 1
    # What the sweep stored is its own (Chinese) sentence, as the audit of the step.
    assert OrderEvent.objects.get(order=order, action="supervise").reason == CHINESE
    return w, order


def _history(client, order) -> list[str]:
    page = client.get(f"/orders/{order.number}/").content.decode()
    return [line for line in page.split("<li>") if "督办" in line and "<time>" in line]


def test_order_page_says_the_supervision_note_in_english_and_in_chinese(client, supervised):
    w, order = supervised
    client.force_login(w.users["street"])
    client.cookies["django_language"] = "en"
    english = _history(client, order)
    assert len(english) == 1 and f": {ENGLISH}</li>" in english[0], english
    client.cookies["django_language"] = "zh-hans"
    chinese = _history(client, order)
    assert len(chinese) == 1 and f": {CHINESE}</li>" in chinese[0], chinese


def test_api_timeline_says_the_supervision_note_in_the_clients_language(supervised):
    w, order = supervised
    for language, expected in (("en", ENGLISH), ("zh-hans", CHINESE)):
        client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
        client.force_authenticate(w.users["street"])
        body = client.get(f"/api/v1/orders/{order.number}/").json()
        assert [e["reason"] for e in body["timeline"] if e["action"] == "supervise"] == [expected]


def test_sweep_writes_its_notes_in_chinese_even_when_english_is_active():
    w = make_world()
    policy = SlaPolicy.objects.create(
        name="test hours", dispatch_limit=2, dispatch_unit="hours", response_limit=4, response_unit="hours",
        handle_limit=10, handle_unit="hours", remind_at=[0.5], escalate_every=2, escalate_unit="hours")
    order = make_order(w, status=Status.IN_PROGRESS, unit=w.units["c1"], level="grid", sla_policy=policy,
                       dispatched_at=T0, handle_due=T0 + 10 * H, response_due=T0 + 4 * H)
    with translation.override("en"):
        assert run_sweep(T0 + 5 * H).reminders == 1
        assert run_sweep(T0 + 10 * H).supervised == 1
        assert translation.get_language() == "en"
    assert OrderEvent.objects.get(order=order, action="supervise").reason == CHINESE
    assert list(Pressure.objects.filter(order=order).order_by("pk").values_list("kind", "note")) == [
        ("remind", "催办：办理时限已用去 50%。"),
        ("overdue", "办理时限已到。"),
        ("supervise", CHINESE),
    ]
