"""The admin (through the services, Chinese by default, the calendar banner), the sla-sweep
command, the periodic job and the benchmark."""

from __future__ import annotations

import re
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from civicgrid.core.models import AuditEvent
from civicgrid.sla import calendar
from civicgrid.sla.models import CalendarDay, CalendarState, Pressure, SlaPolicy
from civicgrid.sla.tasks import sweep_job
from civicgrid.workorders.models import Status
from civicgrid.workorders.testing import make_order, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("root", password="x")
    client.force_login(user)
    return client


def test_admin_index_warns_about_a_year_without_holidays(admin_client, monkeypatch):
    monkeypatch.setattr(calendar.timezone, "localdate", lambda: date(2030, 5, 1))
    page = admin_client.get("/admin/").content.decode()
    assert 'id="sla-calendar-warning"' in page
    assert "2030, 2031" in page


def test_no_banner_when_the_years_are_known(admin_client, monkeypatch):
    monkeypatch.setattr(calendar.timezone, "localdate", lambda: date(2025, 5, 1))
    page = admin_client.get("/admin/").content.decode()
    assert 'id="sla-calendar-warning"' not in page


def test_admin_pages_are_chinese_by_default(admin_client):
    page = admin_client.get("/admin/sla/slapolicy/").content.decode()
    assert "默认时限（山东省规定）" in page
    assert "管理" in page  # Django's own Chinese chrome: the page is rendered in zh-hans


def test_admin_adds_a_holiday_through_the_service(admin_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post("/admin/sla/calendarday/add/", {"date": "2027-10-01", "is_workday": "", "name": "国庆节"})
    assert response.status_code == 302
    assert list(CalendarDay.objects.values_list("date", "is_workday", "name")) == [(date(2027, 10, 1), False, "国庆节")]
    assert AuditEvent.objects.filter(action="sla.calendar_day.save").count() == 1
    assert CalendarState.objects.get().version == 1
    assert calendar.is_workday(date(2027, 10, 1)) is False
    # A refusal of the service lands on the form and changes nothing.
    response = admin_client.post("/admin/sla/calendarday/add/", {"date": "2027-10-01", "is_workday": "on", "name": ""})
    assert response.status_code == 200
    assert CalendarDay.objects.count() == 1


def test_admin_edits_a_policy_through_the_service(admin_client):
    policy = SlaPolicy.objects.get(priority="urgent")
    data = {f: getattr(policy, f) for f in (
        "name", "priority", "dispatch_limit", "dispatch_unit", "response_limit", "response_unit", "handle_limit",
        "handle_unit", "return_limit", "return_unit", "extension_max", "extension_unit", "escalate_every",
        "escalate_unit", "whistle_limit", "whistle_unit", "max_reopens")}
    data.update({"is_active": "on", "remind_at": "[0.25, 0.75]", "handle_limit": 12, "area": "", "category": ""})
    response = admin_client.post(f"/admin/sla/slapolicy/{policy.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    policy.refresh_from_db()
    assert (policy.handle_limit, policy.remind_at) == (12, [0.25, 0.75])
    assert AuditEvent.objects.get(action="sla.policy.update").changes == {
        "handle_limit": [24, 12], "remind_at": ["[0.5, 0.8]", "[0.25, 0.75]"]}
    data.update({"remind_at": "[2]"})
    assert admin_client.post(f"/admin/sla/slapolicy/{policy.pk}/change/", data).status_code == 200
    policy.refresh_from_db()
    assert policy.remind_at == [0.25, 0.75]


def test_sla_sweep_command_prints_a_summary_and_catches_up():
    w = make_world()
    now = timezone.now()
    order = make_order(w, status=Status.DISPATCHED, unit=w.units["cg"], level="district", dispatched_at=now,
                       response_due=now + timezone.timedelta(hours=24))
    out = StringIO()
    at = (now + timezone.timedelta(days=3)).isoformat()
    call_command("sla_sweep", "--now", at, "--no-progress", stdout=out, stderr=StringIO())
    text = out.getvalue()
    assert "3 changes" in text and "supervision steps (督办) 1" in text
    assert sorted(Pressure.objects.filter(order=order).values_list("kind", flat=True)) == ["overdue", "supervise"]
    out = StringIO()
    call_command("sla_sweep", "--now", at, "--no-progress", stdout=out, stderr=StringIO())
    assert "0 changes" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("sla_sweep", "--now", "yesterday", stdout=StringIO(), stderr=StringIO())


def test_the_periodic_job_sweeps_now():
    w = make_world()
    make_order(w, status=Status.NEW, dispatch_due=timezone.now() - timezone.timedelta(minutes=5))
    summary = sweep_job()
    assert (summary.overdue, summary.supervised) == (1, 1)
    assert sweep_job().changes == 0


def test_bench_sla_prints_both_sweeps():
    make_world()
    out = StringIO()
    call_command("bench", "sla", "--orders", "300", "--due-share", "0.5", stdout=out, stderr=StringIO())
    text = out.getvalue()
    assert "loaded 300 open orders" in text
    assert "second sweep:" in text and "0 changes" in text.split("second sweep:")[1].split("\n")[0]
    # The bulk load is recounted into the rollups, and the sweeps keep them equal to a recount.
    from civicgrid.dashboard import rollups

    assert rollups.differences() == []


@pytest.mark.parametrize("url", ["/admin/sla/slapolicy/add/", "/admin/workorders/responsetemplate/add/",
                                 "/admin/open311/serviceattribute/add/"])
def test_categories_are_chosen_by_name_not_by_database_id(admin_client, url):
    page = admin_client.get(url)
    if page.status_code == 404:
        pytest.fail(f"{url} is not an admin page")
    html = page.content.decode()
    select = re.search(r'<select name="category"[^>]*>', html).group(0)
    assert 'class="admin-autocomplete' in select
    assert 'data-field-name="category"' in select
    assert 'class="vForeignKeyRawIdAdminField"' not in html
