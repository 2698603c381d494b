"""Key-group care: due dates with exact dates, the overdue lists, and the reminder job that tells
each overdue spell once."""

from __future__ import annotations

from datetime import date

import pytest

from civicgrid.core.models import AuditEvent
from civicgrid.fieldwork import care, selectors, services, tasks
from civicgrid.fieldwork.models import CarePeriod, CarePolicy, CareReminder
from civicgrid.notifications.models import OutboxMessage
from civicgrid.people.jurisdiction import jurisdiction_for

from .helpers import NOW, START, care_world, local

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return care_world()




def test_due_dates_exact(w):
    dues = {d.household_id: d for d in selectors.care_dues([w.tree.district.path])}
    assert {pk: dues[pk].due_on for pk in dues} == {
        w.A.pk: date(2026, 3, 13),   # 10 March + 3 days (the community's rule beats the district's week)
        w.D.pk: date(2026, 2, 10),   # 31 January + 10 days, earlier than + 1 month (28 February)
        w.F.pk: date(2026, 1, 4),    # an enterprise visit is not a household visit: from the policy start
        w.G.pk: date(2026, 3, 14),   # 14 February + 1 month
        w.B.pk: date(2026, 3, 17),   # 10 March (local) + 7 days
        w.C.pk: date(2026, 2, 1),    # never visited: 1 January + 1 month
    }
    assert (dues[w.D.pk].policy.tag, dues[w.D.pk].tags) == ("disabled", ("low_income", "disabled"))
    today = date(2026, 3, 14)
    assert {pk: d.days_overdue(today) for pk, d in dues.items() if d.is_overdue(today)} == {
        w.A.pk: 1, w.D.pk: 32, w.F.pk: 69, w.C.pk: 41}


def test_monthly_interval_keeps_the_day_or_takes_the_months_last():
    p = CarePolicy(period=CarePeriod.MONTHLY)
    assert [care.add_interval(d, p) for d in (date(2026, 1, 31), date(2028, 1, 31), date(2026, 12, 15))] == [
        date(2026, 2, 28), date(2028, 2, 29), date(2027, 1, 15)]
    assert care.add_interval(date(2026, 3, 1), CarePolicy(period=CarePeriod.WEEKLY)) == date(2026, 3, 8)


def test_overdue_lists_per_worker_and_grid_most_overdue_first(w):
    t = w.tree
    mine = selectors.my_overdue_care(jurisdiction_for(w.users["grid"]), now=NOW)
    assert [d.household_id for d in mine] == [w.F.pk, w.D.pk, w.A.pk]
    other = selectors.my_overdue_care(jurisdiction_for(w.users["grid3"]), now=NOW)
    assert [d.household_id for d in other] == [w.C.pk]
    community = jurisdiction_for(w.users["community"])
    assert [d.household_id for d in selectors.overdue_care(community, grid=t.grid1, now=NOW)] == [w.F.pk, w.D.pk, w.A.pk]
    assert selectors.overdue_care(community, grid=t.grid3, now=NOW) == []   # not their community
    assert [d.household_id for d in selectors.overdue_care(jurisdiction_for(w.users["district"]), now=NOW)] == [
        w.F.pk, w.C.pk, w.D.pk, w.A.pk]
    # A department handler reads no households at all.
    assert selectors.overdue_care(jurisdiction_for(w.users["dept"]), now=NOW) == []
    # Next week B is overdue too (due 17 March, overdue from the 18th).
    assert [d.household_id for d in selectors.my_overdue_care(jurisdiction_for(w.users["grid3"]),
                                                               now=local(2026, 3, 17, 23, 59))] == [w.C.pk]
    assert [d.household_id for d in selectors.my_overdue_care(jurisdiction_for(w.users["grid3"]),
                                                               now=local(2026, 3, 18, 0, 1))] == [w.C.pk, w.B.pk]


def test_a_visit_takes_the_household_off_the_list(w):
    grid = jurisdiction_for(w.users["grid"])
    assert [d.household_id for d in selectors.my_overdue_care(grid, now=NOW)] == [w.F.pk, w.D.pk, w.A.pk]
    services.log_visit(actor=w.users["grid"], grid=w.tree.grid1, household=w.F, summary="身体好",
                       visited_at=local(2026, 3, 14, 8))
    assert [d.household_id for d in selectors.my_overdue_care(grid, now=NOW)] == [w.D.pk, w.A.pk]
    # F is next due three days later (the community's rule) and overdue after that day.
    assert [d.household_id for d in selectors.my_overdue_care(grid, now=local(2026, 3, 18, 8))][-1] == w.F.pk


def test_reminders_once_per_overdue_spell(w, django_capture_on_commit_callbacks):
    t = w.tree
    with django_capture_on_commit_callbacks(execute=True):
        first = tasks.care_reminders_job(now=NOW)
    assert (first.overdue, first.sent, first.already) == (4, 4, 0)
    reminders = {r.household_id: r for r in CareReminder.objects.all()}
    assert {pk: r.due_on for pk, r in reminders.items()} == {
        w.A.pk: date(2026, 3, 13), w.D.pk: date(2026, 2, 10), w.F.pk: date(2026, 1, 4), w.C.pk: date(2026, 2, 1)}
    inbox = list(OutboxMessage.objects.filter(channel="inbox", event="care.overdue").order_by("id")
                 .values_list("recipient__username", "subject", "link"))
    # grid1's worker hears of F, D and A; A's 包联 party member of A; grid3's worker of C.
    assert sorted((u, s) for u, s, _ in inbox) == sorted([
        ("grid", "关爱走访已逾期：恩县路12号 1-101"), ("pm", "关爱走访已逾期：恩县路12号 1-101"),
        ("grid", "关爱走访已逾期：恩县路12号 1-102"), ("grid", "关爱走访已逾期：恩县路12号 1-104"),
        ("grid3", "关爱走访已逾期：上海路3号 1-102")])
    assert {u: link for u, _, link in inbox} == {"grid": "/field/care/", "grid3": "/field/care/", "pm": ""}
    body = OutboxMessage.objects.get(recipient__username="pm").body
    assert body == "张*（独居老人）应于 2026-03-13 接受走访，已逾期 1 天。上次走访：2026-03-10。"
    assert reminders[w.A.pk].recipients == 2
    assert AuditEvent.objects.filter(action="care.remind").count() == 4

    # The same day again: the same spells, nothing more is sent.
    before = (OutboxMessage.objects.count(), CareReminder.objects.count(), AuditEvent.objects.count())
    with django_capture_on_commit_callbacks(execute=True):
        again = tasks.care_reminders_job(now=NOW)
    assert (again.sent, again.already) == (0, 4)
    assert (OutboxMessage.objects.count(), CareReminder.objects.count(), AuditEvent.objects.count()) == before
    # The next day only G (due 14 March) is new; the four others are still in their first spell.
    with django_capture_on_commit_callbacks(execute=True):
        later = tasks.care_reminders_job(now=local(2026, 3, 15, 9))
    assert (later.sent, later.already, [r.household_id for r in later.reminders]) == (1, 4, [w.G.pk])
    assert (OutboxMessage.objects.count(), CareReminder.objects.count()) == (before[0] + 1, before[1] + 1)

    # A visit ends A's spell; when A is overdue again (after 14 + 3 = 17 March) it is a new spell.
    services.log_visit(actor=w.users["grid"], grid=t.grid1, household=w.A, summary="关爱走访",
                       visited_at=local(2026, 3, 14, 10))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.care_reminders_job(now=local(2026, 3, 17, 20)).sent == 0
        spell2 = tasks.care_reminders_job(now=local(2026, 3, 18, 8))
    # B (weekly, due 17 March) falls overdue the same morning: its first spell.
    assert (spell2.overdue, spell2.sent, sorted(r.household_id for r in spell2.reminders)) == (6, 2, sorted([w.A.pk, w.B.pk]))
    assert list(CareReminder.objects.filter(household=w.A).order_by("due_on").values_list("due_on", flat=True)) == [
        date(2026, 3, 13), date(2026, 3, 17)]


def test_a_concurrent_reminder_of_the_same_spell_is_counted_not_sent(w, django_capture_on_commit_callbacks):
    # Another run wrote A's reminder first (between our read and insert the unique key decides).
    CareReminder.objects.create(household=w.A, area_path=w.A.area_path, due_on=date(2026, 3, 13), sent_at=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        report = services.send_care_reminders(now=NOW)
    assert (report.sent, report.already) == (3, 1)
    assert not OutboxMessage.objects.filter(recipient=w.pm).exists()


def test_policy_constraints_refuse_days_on_weekly_and_missing_days(w):
    from django.db import IntegrityError, transaction

    before = CarePolicy.objects.count()
    for bad in ({"period": CarePeriod.WEEKLY, "days": 5}, {"period": CarePeriod.DAYS, "days": None},
                {"period": CarePeriod.DAYS, "days": 0}):
        with pytest.raises(IntegrityError), transaction.atomic():
            CarePolicy.objects.create(area=w.tree.street2, area_path=w.tree.street2.path, tag="disabled",
                                      starts_on=START, **bad)
    assert CarePolicy.objects.count() == before


def test_the_daily_job_is_registered_and_runs_through_the_job_table(w, django_capture_on_commit_callbacks):
    from civicgrid.core import jobs

    assert (jobs.JOBS["care_reminders"].path, jobs.JOBS["care_reminders"].every) == (
        "civicgrid.fieldwork.tasks.care_reminders_job", 86400.0)
    with django_capture_on_commit_callbacks(execute=True):
        report = jobs.run_job("care_reminders")
    # Today (long after March 2026) every key-group household with a rule is overdue: A, B, C, D, F, G.
    assert (report.overdue, report.sent) == (6, 6)
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.run_job("care_reminders").sent == 0
