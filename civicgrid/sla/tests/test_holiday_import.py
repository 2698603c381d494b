"""Entering a year's holidays from the State Council's notice (service, command, admin): all or
nothing, audited, and the open orders' deadlines in working days move with the new days off."""

from __future__ import annotations

from datetime import date, datetime
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from civicgrid.core.models import AuditEvent
from civicgrid.sla import calendar, services
from civicgrid.sla.models import CalendarDay, LimitUnit, SlaPolicy
from civicgrid.workorders.errors import TransitionForbidden
from civicgrid.workorders.models import OrderEvent, Status, WorkOrder
from civicgrid.workorders.testing import make_order, make_world

pytestmark = pytest.mark.django_db

BJ = ZoneInfo("Asia/Shanghai")
NOTICE = (Path(__file__).parent / "notices" / "example-2027.txt").read_text(encoding="utf-8")
NOW = datetime(2026, 12, 28, 12, 0, tzinfo=BJ)  # a Monday; 2027 has no holiday data yet


def at(*args) -> datetime:
    return datetime(*args, tzinfo=BJ)


@pytest.fixture(autouse=True)
def _chinese():
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def world():
    w = make_world()
    policy = SlaPolicy.objects.create(name="测试时限", handle_limit=5, handle_unit=LimitUnit.WORKDAYS,
                                      response_limit=24, response_unit=LimitUnit.HOURS,
                                      return_limit=2, return_unit=LimitUnit.WORKDAYS, remind_at=[0.5])
    # Dispatched on Monday 28 December 2026 at 10:00, counted on Monday–Friday for 2027.
    w.accepted = make_order(w, status=Status.ACCEPTED, sla_policy=policy, handle_due=at(2027, 1, 4, 10, 0),
                            response_due=at(2026, 12, 29, 10, 0), return_due=at(2026, 12, 30, 10, 0))
    w.closed = make_order(w, status=Status.CLOSED, sla_policy=policy, handle_due=at(2027, 1, 4, 10, 0))
    w.resolved = make_order(w, status=Status.RESOLVED, sla_policy=policy, handle_due=at(2027, 1, 4, 10, 0))
    w.hours = make_order(w, status=Status.DISPATCHED, sla_policy=SlaPolicy.objects.create(
        name="按小时", handle_limit=100, handle_unit=LimitUnit.HOURS), handle_due=at(2027, 1, 1, 14, 0))
    return w


def test_import_enters_the_year_and_moves_open_deadlines_past_the_new_days_off(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        plan = services.import_holiday_notice(world.users["admin"], year=2027, text=NOTICE, now=NOW)
    assert (len(plan.create), len(plan.change), plan.unchanged, len(plan.delete)) == (34, 0, 0, 0)
    assert CalendarDay.objects.filter(date__year=2027, is_workday=False).count() == 29
    assert list(CalendarDay.objects.filter(is_workday=True).values_list("date", "name")[:2]) == [
        (date(2027, 2, 14), "春节调休"), (date(2027, 4, 25), "劳动节调休")]
    assert calendar.is_workday(date(2027, 1, 1)) is False
    assert calendar.years_without_data(2027, 2027) == []

    # 4.9 working days were left at noon on 28 Dec; New Year's Day is now off: Tuesday 5 Jan 10:00.
    accepted = WorkOrder.objects.get(pk=world.accepted.pk)
    assert accepted.handle_due == at(2027, 1, 5, 10, 0)
    assert accepted.response_due == at(2026, 12, 29, 10, 0)  # in hours: never moves
    assert accepted.return_due == at(2026, 12, 30, 10, 0)  # before any new day off
    assert WorkOrder.objects.get(pk=world.closed.pk).handle_due == at(2027, 1, 4, 10, 0)
    assert WorkOrder.objects.get(pk=world.resolved.pk).handle_due == at(2027, 1, 4, 10, 0)  # no longer running
    assert WorkOrder.objects.get(pk=world.hours.pk).handle_due == at(2027, 1, 1, 14, 0)
    assert [(m.number, m.column) for m in plan.moves] == [(world.accepted.number, "handle")]

    event = OrderEvent.objects.get(order=world.accepted, action="deadline_shift")
    assert (event.is_public, event.actor, event.from_status) == (False, world.users["admin"], Status.ACCEPTED)
    assert event.reason_text == "2027 年节假日安排调整：办结截止时间 2027-01-04 10:00 → 2027-01-05 10:00。"
    with translation.override("en"):
        assert event.reason_text == "The holiday calendar of 2027 changed: resolve by 2027-01-04 10:00 → 2027-01-05 10:00."

    assert AuditEvent.objects.filter(action="sla.calendar_day.save").count() == 34
    assert AuditEvent.objects.get(action="workorder.deadline_shift").changes == {
        "handle_due": ["2027-01-04T02:00:00+00:00", "2027-01-05T02:00:00+00:00"]}
    assert AuditEvent.objects.get(action="sla.calendar.import_notice").changes == {
        "year": 2027, "created": 34, "changed": 0, "deleted": 0, "unchanged": 0, "orders_moved": 1}


def test_importing_the_same_notice_again_changes_nothing(world):
    services.import_holiday_notice(None, year=2027, text=NOTICE, now=NOW)
    audits = AuditEvent.objects.count()
    plan = services.import_holiday_notice(None, year=2027, text=NOTICE, now=NOW)
    assert (len(plan.create), len(plan.change), plan.unchanged, plan.moves) == (0, 0, 34, [])
    assert WorkOrder.objects.get(pk=world.accepted.pk).handle_due == at(2027, 1, 5, 10, 0)
    assert AuditEvent.objects.count() == audits + 1  # the import itself only


def test_replace_deletes_the_years_rows_the_notice_does_not_list_and_changes_named_ones(world):
    services.save_calendar_day(None, day=date(2027, 3, 8), is_workday=False, name="猜测的假日")
    services.save_calendar_day(None, day=date(2027, 1, 1), is_workday=False, name="新年")
    plan = services.import_holiday_notice(None, year=2027, text=NOTICE, replace=True, now=NOW)
    assert [r.date for r in plan.delete] == [date(2027, 3, 8)]
    assert [(row.date, day.name) for row, day in plan.change] == [(date(2027, 1, 1), "元旦")]
    assert not CalendarDay.objects.filter(date=date(2027, 3, 8)).exists()
    assert CalendarDay.objects.get(date=date(2027, 1, 1)).name == "元旦"


def test_keep_deadlines_enters_the_days_only(world):
    plan = services.import_holiday_notice(None, year=2027, text=NOTICE, move_deadlines=False, now=NOW)
    assert plan.moves == []
    assert WorkOrder.objects.get(pk=world.accepted.pk).handle_due == at(2027, 1, 4, 10, 0)
    assert not OrderEvent.objects.filter(action="deadline_shift").exists()


def test_a_notice_with_a_problem_writes_nothing(world):
    bad = NOTICE.replace("共9天", "共8天")
    with pytest.raises(services.SlaError) as refused:
        services.import_holiday_notice(None, year=2027, text=bad, now=NOW)
    assert refused.value.messages == ["春节：2027-02-05 至 2027-02-13 是 9 天，通知写的是共8天。"]
    assert CalendarDay.objects.count() == 0
    assert WorkOrder.objects.get(pk=world.accepted.pk).handle_due == at(2027, 1, 4, 10, 0)
    assert not AuditEvent.objects.filter(action__startswith="sla.calendar").exists()


def test_only_who_may_edit_the_holiday_table_imports(world):
    with pytest.raises(TransitionForbidden):
        services.import_holiday_notice(world.users["district"], year=2027, text=NOTICE, now=NOW)
    assert CalendarDay.objects.count() == 0
    assert WorkOrder.objects.get(pk=world.accepted.pk).handle_due == at(2027, 1, 4, 10, 0)


def test_the_plan_writes_nothing(world):
    plan = services.plan_holiday_notice(year=2027, text=NOTICE, now=NOW)
    assert (len(plan.create), plan.holidays_count, plan.workdays_count, len(plan.moves)) == (34, 29, 5, 1)
    assert plan.moves[0].label == "办结截止时间"
    assert CalendarDay.objects.count() == 0
    assert WorkOrder.objects.get(pk=world.accepted.pk).handle_due == at(2027, 1, 4, 10, 0)


# --- the command ---------------------------------------------------------------------------------
def test_command_dry_run_then_import(world, tmp_path, monkeypatch):
    notice_file = tmp_path / "2027.txt"
    notice_file.write_text(NOTICE, encoding="utf-8")
    out = StringIO()
    call_command("holidays", "import", str(notice_file), "--year", "2027", "--dry-run", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "2027-01-01 周五  休息日  元旦"
    assert lines[-1] == ("试运行，未写入任何数据。 2027 年：通知含放假 29 天、调休上班 5 天；将新增 34 条，修改 0 条，未变 0 条，"
                         "删除 0 条；1 个未结工单的期限将随之调整。")
    assert CalendarDay.objects.count() == 0

    out = StringIO()
    call_command("holidays", "import", str(notice_file), "--year", "2027", stdout=out)
    assert out.getvalue().splitlines()[-1].endswith("新增 34 条，修改 0 条，未变 0 条，删除 0 条；1 个未结工单的期限已顺延调整。")
    assert CalendarDay.objects.count() == 34

    out = StringIO()
    call_command("holidays", "show", "--year", "2027", stdout=out)
    shown = out.getvalue().splitlines()
    assert shown[0] == "2027-01-01 周五  休息日  元旦"
    assert shown[-1] == "2027 年：工作日放假 18 天，周末上班 5 天（管理员已录入）。"


def test_command_refuses_a_bad_notice_and_names_each_problem(world, tmp_path):
    notice_file = tmp_path / "2027.txt"
    notice_file.write_text(NOTICE, encoding="utf-8")
    with pytest.raises(CommandError) as refused:
        call_command("holidays", "import", str(notice_file), "--year", "2028", stdout=StringIO())
    assert str(refused.value).splitlines()[:2] == ["通知未导入，未做任何更改：",
                                                   "  元旦：通知写 2028-01-01 是周五，实际是周六。请核对年份和日期。"]
    assert CalendarDay.objects.count() == 0
    with pytest.raises(CommandError) as refused:
        call_command("holidays", "import", str(tmp_path / "none.txt"), "--year", "2027", stdout=StringIO())
    assert str(refused.value) == f"{tmp_path / 'none.txt'} 不存在。"
    out = StringIO()
    call_command("holidays", "show", "--year", "2026", stdout=out)
    assert out.getvalue().splitlines()[-3:] == ["2026-10-07 周三  休息日  国庆节", "2026-10-10 周六  工作日  国庆节",
                                                "2026 年：工作日放假 19 天，周末上班 6 天（chinesecalendar 已收录）。"]


def test_command_status_names_the_years_without_data(world, monkeypatch):
    monkeypatch.setattr("civicgrid.sla.management.commands.holidays.timezone.localdate", lambda: date(2026, 12, 3))
    out = StringIO()
    call_command("holidays", "status", stdout=out)
    assert out.getvalue().splitlines() == [
        "2025  chinesecalendar 已收录  (0 条)",
        "2026  chinesecalendar 已收录  (0 条)",
        "2027  无数据：工作日按周一至周五计算  (0 条)",
        "请根据国务院通知录入 2027 年的节假日：civicgrid holidays import 通知.txt --year 2027",
    ]


# --- the admin -----------------------------------------------------------------------------------
def test_admin_previews_then_imports(world, client, django_capture_on_commit_callbacks, monkeypatch):
    monkeypatch.setattr(services.timezone, "now", lambda: NOW)
    client.force_login(world.users["admin"])
    changelist = client.get("/admin/sla/calendarday/").content.decode()
    assert 'href="/admin/sla/calendarday/import-notice/"' in changelist
    assert "导入国务院通知" in changelist

    page = client.post("/admin/sla/calendarday/import-notice/", {"year": "2027", "text": NOTICE, "preview": "1"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "2027 年：放假 29 天，调休上班 5 天" in html
    assert "新增 34 条，修改 0 条，未变 0 条，删除 0 条；1 个未结工单的期限将随之调整。" in html
    assert "2027-01-04 10:00</td><td>2027-01-05 10:00" in html
    assert CalendarDay.objects.count() == 0

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post("/admin/sla/calendarday/import-notice/", {"year": "2027", "text": NOTICE, "confirm": "1"})
    assert done.status_code == 302
    assert done["Location"] == "/admin/sla/calendarday/?date__year=2027"
    assert CalendarDay.objects.count() == 34
    assert WorkOrder.objects.get(pk=world.accepted.pk).handle_due == at(2027, 1, 5, 10, 0)
    assert "2027 年已导入：新增 34 天，修改 0 天，删除 0 天；1 个未结工单的期限已随之调整。" in client.get(done["Location"]).content.decode()


def test_admin_shows_the_notices_problems_and_imports_nothing(world, client):
    client.force_login(world.users["admin"])
    page = client.post("/admin/sla/calendarday/import-notice/", {"year": "2028", "text": NOTICE, "confirm": "1"})
    assert page.status_code == 400
    assert "元旦：通知写 2028-01-01 是周五，实际是周六。请核对年份和日期。" in page.content.decode()
    assert CalendarDay.objects.count() == 0


def test_admin_import_needs_the_calendar_permissions(world, client):
    staff = world.users["district"]
    staff.is_staff = True
    staff.save()
    client.force_login(staff)
    assert client.get("/admin/sla/calendarday/import-notice/").status_code == 403
    assert client.post("/admin/sla/calendarday/import-notice/", {"year": "2027", "text": NOTICE, "confirm": "1"}).status_code == 403
    assert CalendarDay.objects.count() == 0


# --- the staff pages' notice ---------------------------------------------------------------------
def test_center_and_workbench_say_when_next_year_has_no_holidays(world, client, monkeypatch):
    monkeypatch.setattr(calendar.timezone, "localdate", lambda: date(2026, 12, 3))
    client.force_login(world.users["district"])
    for url in ("/center/", "/orders/"):
        html = client.get(url).content.decode()
        assert ('<p class="calendar-notice" id="calendar-notice" role="status">2027 年尚无节假日数据：在录入国务院节假日安排之前，'
                "期限按周一至周五计算。 请管理员导入国务院通知。</p>") in html, url
    client.force_login(world.users["admin"])
    assert 'href="/admin/sla/calendarday/import-notice/">导入国务院通知</a>' in client.get("/center/").content.decode()

    services.import_holiday_notice(None, year=2027, text=NOTICE, now=NOW)
    calendar.forget_overrides()
    client.force_login(world.users["district"])
    assert 'id="calendar-notice"' not in client.get("/center/").content.decode()


def test_a_deadline_changed_after_it_was_read_is_not_overwritten(world, monkeypatch):
    """A redispatch between the plan and the lock gave the order a new deadline: it stays."""
    real = services.plan_holiday_notice

    def plan_then_redispatch(**kwargs):
        plan = real(**kwargs)
        WorkOrder.objects.filter(pk=world.accepted.pk).update(handle_due=at(2027, 1, 8, 9, 0))
        return plan

    monkeypatch.setattr(services, "plan_holiday_notice", plan_then_redispatch)
    plan = services.import_holiday_notice(None, year=2027, text=NOTICE, now=NOW)
    assert plan.moves == []
    assert WorkOrder.objects.get(pk=world.accepted.pk).handle_due == at(2027, 1, 8, 9, 0)
    assert not OrderEvent.objects.filter(action="deadline_shift").exists()
    assert CalendarDay.objects.count() == 34


def test_the_order_page_shows_staff_why_the_deadline_moved(world, client):
    services.import_holiday_notice(world.users["admin"], year=2027, text=NOTICE, now=NOW)
    client.force_login(world.users["district"])
    html = client.get(f"/orders/{world.accepted.number}/").content.decode()
    assert "节假日调整，期限顺延" in html
    assert "2027 年节假日安排调整：办结截止时间 2027-01-04 10:00 → 2027-01-05 10:00。" in html


def test_one_day_added_or_deleted_in_the_admin_moves_deadlines_too(world, monkeypatch):
    """The admin's single-day edits follow the same rule as the import."""
    monkeypatch.setattr(services.timezone, "now", lambda: NOW)
    row = services.save_calendar_day(world.users["admin"], day=date(2027, 1, 1), is_workday=False, name="元旦")
    assert WorkOrder.objects.get(pk=world.accepted.pk).handle_due == at(2027, 1, 5, 10, 0)
    assert OrderEvent.objects.get(action="deadline_shift").reason_text == (
        "2027 年节假日安排调整：办结截止时间 2027-01-04 10:00 → 2027-01-05 10:00。")
    services.delete_calendar_day(world.users["admin"], row)
    assert WorkOrder.objects.get(pk=world.accepted.pk).handle_due == at(2027, 1, 4, 10, 0)
    assert OrderEvent.objects.filter(action="deadline_shift").count() == 2
    assert AuditEvent.objects.filter(action="workorder.deadline_shift").count() == 2
