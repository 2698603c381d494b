"""Writes of the sla app: the holiday table, SLA policies, whistles (吹哨报到).

Each function validates, runs in one transaction, saves only what changed, writes an audit row and
queues its notifications in the same transaction. The sweep (pressure on stalled orders) is in
``sweep.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import timezone as dt_timezone

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.core.language import platform_language
from civicgrid.core.models import AuditEvent
from civicgrid.core.services import audit_row, diff_fields, record_event
from civicgrid.people.jurisdiction import jurisdiction_for
from civicgrid.people.models import Role, Unit, UnitKind
from civicgrid.workorders.errors import OrderError, TransitionForbidden

from . import calendar
from .deadlines import add_limit, policy_for, remind_fractions, whistle_limit
from .models import CalendarDay, LimitUnit, SlaPolicy, Whistle, WhistleResponse, WhistleStatus

WHISTLE_UNIT_KINDS = (UnitKind.DEPARTMENT, UnitKind.ENTERPRISE)
WHISTLE_ROLES = {Role.STREET_DISPATCHER, Role.DISTRICT_COMMANDER}
MAX_REPORT_HOURS = 30 * 24
MAX_REASON = 2000


class SlaError(OrderError):
    """A refused write of the sla app (400); TransitionForbidden (403) for a refused actor."""


def _invalid(message: str, field: str | None = None) -> SlaError:
    return SlaError({field: [message]} if field else message, code="invalid")


def _may_configure(actor, codename: str) -> bool:
    return actor is None or bool(getattr(actor, "is_superuser", False)) or actor.has_perm(codename)


# --- the holiday table ----------------------------------------------------------------------------
def save_calendar_day(actor, *, day: date, is_workday: bool, name: str = "",
                      instance: CalendarDay | None = None) -> CalendarDay:
    """Add a holiday or an adjusted working day, or edit one (``instance``). Every process sees
    the change within SLA_CALENDAR_CHECK_SECONDS (this one at once, after commit)."""
    perm = "sla.change_calendarday" if instance else "sla.add_calendarday"
    if not _may_configure(actor, perm):
        raise TransitionForbidden(_("You may not edit the holiday table."))
    name = (name or "").strip()
    if len(name) > 50:
        raise _invalid(_("The name can be at most 50 characters."), "name")
    if not isinstance(day, date) or not (2000 <= day.year <= 2100):
        raise _invalid(_("Enter a date between 2000 and 2100."), "date")
    with transaction.atomic():
        clash = CalendarDay.objects.filter(date=day)
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            raise _invalid(_("%(date)s is already in the table; edit that entry instead.") % {"date": day.isoformat()}, "date")
        before = dict(CalendarDay.objects.values_list("date", "is_workday"))
        if instance is None:
            row = CalendarDay.objects.create(date=day, is_workday=bool(is_workday), name=name)
            changes = {"date": [None, day.isoformat()], "is_workday": [None, bool(is_workday)], "name": [None, name]}
        else:
            row = CalendarDay.objects.select_for_update().get(pk=instance.pk)
            changes = diff_fields(row, {"date": day, "is_workday": bool(is_workday), "name": name})
            if not changes:
                return row
            row.save(update_fields=[*changes, "updated_at"])
        calendar.bump_version()
        record_event(actor=actor, action="sla.calendar_day.save", obj=row, changes=changes)
        _move_deadlines_after_edit(actor, before, day.year)
    return row


def delete_calendar_day(actor, instance: CalendarDay) -> None:
    if not _may_configure(actor, "sla.delete_calendarday"):
        raise TransitionForbidden(_("You may not edit the holiday table."))
    with transaction.atomic():
        row = CalendarDay.objects.select_for_update().filter(pk=instance.pk).first()
        if row is None:
            return
        record_event(actor=actor, action="sla.calendar_day.delete", obj=row, changes={
            "date": [row.date.isoformat(), None], "is_workday": [row.is_workday, None], "name": [row.name, None],
        })
        before = dict(CalendarDay.objects.values_list("date", "is_workday"))
        row.delete()
        calendar.bump_version()
        _move_deadlines_after_edit(actor, before, row.date.year)


def _move_deadlines_after_edit(actor, before: dict, year: int) -> None:
    """One day added, changed or deleted moves the running deadlines as an import does (ADR 006)."""
    after = dict(CalendarDay.objects.values_list("date", "is_workday"))
    now = timezone.now()
    moves = _deadline_moves(_workday_function(before), _workday_function(after), now=now)
    if moves:
        audits: list = []
        _apply_deadline_moves(actor, moves, year=year, now=now, audits=audits)
        AuditEvent.objects.bulk_create(audits)


# --- SLA policies -----------------------------------------------------------------------------------
POLICY_FIELDS = (
    "name", "area", "category", "priority", "utilities_only",
    "dispatch_limit", "dispatch_unit", "response_limit", "response_unit", "handle_limit", "handle_unit",
    "return_limit", "return_unit", "extension_max", "extension_unit", "remind_at",
    "escalate_every", "escalate_unit", "whistle_limit", "whistle_unit", "max_reopens", "is_active",
)
_LIMITS = ("dispatch", "response", "handle", "return", "whistle")


def _clean_policy(data: dict) -> dict:
    name = (data.get("name") or "").strip()
    if not name:
        raise _invalid(_("Give the policy a name."), "name")
    for stage in _LIMITS:
        value = data.get(f"{stage}_limit")
        if not isinstance(value, int) or value < 1:
            raise _invalid(_("Every limit must be a whole number of at least 1."), f"{stage}_limit")
        unit = data.get(f"{stage}_unit")
        if unit not in LimitUnit.values:
            raise _invalid(_("Choose hours or working days."), f"{stage}_unit")
    if not isinstance(data.get("escalate_every"), int) or data["escalate_every"] < 1:
        raise _invalid(_("Escalate again after at least 1 hour or working day."), "escalate_every")
    raw = data.get("remind_at")
    if not isinstance(raw, list) or any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in raw):
        raise _invalid(_("Reminder fractions must be a list of numbers, e.g. [0.5, 0.8]."), "remind_at")
    if any(not (0 < v < 1) for v in raw):
        raise _invalid(_("Each reminder fraction must lie strictly between 0 and 1."), "remind_at")
    data = dict(data, name=name)
    data["remind_at"] = remind_fractions(SlaPolicy(remind_at=raw))
    return data


def save_policy(actor, *, instance: SlaPolicy | None = None, **fields) -> SlaPolicy:
    """Create a policy, or change ``instance``. Orders keep the policy they were given; the new
    limits apply from their next dispatch."""
    perm = "sla.change_slapolicy" if instance else "sla.add_slapolicy"
    if not _may_configure(actor, perm):
        raise TransitionForbidden(_("You may not edit SLA policies."))
    unknown = set(fields) - set(POLICY_FIELDS)
    if unknown:
        raise _invalid(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    with transaction.atomic():
        if instance is None:
            data = _clean_policy({f: getattr(SlaPolicy(), f) for f in POLICY_FIELDS if f not in ("area", "category")}
                                 | {"area": None, "category": None} | fields)
            policy = SlaPolicy.objects.create(**data)
            changes = {f: [None, _plain(v)] for f, v in data.items()}
            action = "sla.policy.create"
        else:
            policy = SlaPolicy.objects.select_for_update().get(pk=instance.pk)
            data = _clean_policy({f: getattr(policy, f) for f in POLICY_FIELDS} | fields)
            changes = diff_fields(policy, data)
            if not changes:
                return policy
            policy.save(update_fields=[*changes, "updated_at"])
            action = "sla.policy.update"
        record_event(actor=actor, action=action, obj=policy, changes=changes)
    return policy


def _plain(value):
    if hasattr(value, "pk"):
        return value.pk
    return value


# --- whistles (吹哨报到) ------------------------------------------------------------------------
def _street_of(order):
    from civicgrid.geo.models import Area, AreaKind

    codes = [c for c in order.area_path.split("/") if c]
    return Area.objects.filter(code__in=codes, kind=AreaKind.STREET).first()


def may_blow_whistle(actor, order) -> bool:
    """Whether ``actor`` may blow the whistle on ``order`` (the order page offers the form only then)."""
    return (actor is not None and order.is_open
            and jurisdiction_for(actor).covers_with_role(order.area_path, WHISTLE_ROLES))


def blow_whistle(actor, order, *, units, reason: str, report_hours: int | None = None) -> Whistle:
    """吹哨: a street (its dispatcher, or the district command center) calls departments to a joint
    task on ``order``; each must report (报到) by the deadline: ``report_hours`` when given, else the
    order's policy (``whistle_limit``, default 2 hours)."""
    from civicgrid.workorders.models import OrderEvent, WorkOrder

    from civicgrid.workorders import notify

    j = jurisdiction_for(actor)
    if actor is None or not j.covers_with_role(order.area_path, WHISTLE_ROLES):
        raise TransitionForbidden(
            _("Only the street's dispatcher or the district command center may blow the whistle on order %(n)s.")
            % {"n": order.number}
        )
    reason = (reason or "").strip()
    if not reason:
        raise _invalid(_("Say what the departments are called for."), "reason")
    if len(reason) > MAX_REASON:
        raise _invalid(_("The reason can be at most %(n)d characters.") % {"n": MAX_REASON}, "reason")
    unit_list = list(units or [])
    if not unit_list:
        raise _invalid(_("Name at least one department to call."), "units")
    if len({u.pk for u in unit_list}) != len(unit_list):
        raise _invalid(_("A department is named twice."), "units")
    for unit in unit_list:
        if not isinstance(unit, Unit) or unit.kind not in WHISTLE_UNIT_KINDS:
            raise _invalid(_("%(unit)s is not a department or an enterprise; only those answer a whistle.")
                           % {"unit": unit}, "units")
        if not unit.is_active:
            raise _invalid(_("The unit %(unit)s is not active.") % {"unit": unit.name}, "units")
    if report_hours is not None and (isinstance(report_hours, bool) or not isinstance(report_hours, int)
                                     or not 1 <= report_hours <= MAX_REPORT_HOURS):
        raise _invalid(_("The report limit must be 1 to %(n)d hours.") % {"n": MAX_REPORT_HOURS}, "report_hours")

    with transaction.atomic():
        locked = (WorkOrder.objects.select_for_update(of=("self",)).select_related("category", "sla_policy")
                  .get(pk=order.pk))
        if not locked.is_open:
            raise _invalid(_("Order %(n)s is no longer open.") % {"n": locked.number})
        if Whistle.objects.filter(order=locked, status=WhistleStatus.OPEN).exists():
            raise _invalid(_("A whistle on this order is still waiting for departments to report."))
        street = _street_of(locked)
        if street is None:
            raise _invalid(_("Order %(n)s lies in no street; only a street blows the whistle.") % {"n": locked.number})
        now = timezone.now()
        if report_hours is not None:
            value, unit = report_hours, LimitUnit.HOURS
        else:
            policy = locked.sla_policy or policy_for(area_path=locked.area_path, category=locked.category,
                                                     priority=locked.priority)
            value, unit = whistle_limit(policy)
        whistle = Whistle.objects.create(
            order=locked, street=street, area_path=locked.area_path, called_by=actor, reason=reason,
            report_due=add_limit(now, value, unit),
        )
        WhistleResponse.objects.bulk_create([WhistleResponse(whistle=whistle, unit=u) for u in unit_list])
        codes = sorted(u.code for u in unit_list)
        # updated_at by hand (update() skips auto_now): a client pulling ?updated_after= sees the whistle.
        WorkOrder.objects.filter(pk=locked.pk).update(updated_at=now)
        OrderEvent.objects.create(
            order=locked, action="whistle", from_status=locked.status, to_status=locked.status, actor=actor,
            actor_repr=actor.get_username(), reason=reason, is_public=False,
            data={"whistle": whistle.pk, "units": codes, "report_due": whistle.report_due.isoformat()},
        )
        record_event(actor=actor, action="sla.whistle.blow", obj=whistle, reason=reason, changes={
            "order": [None, locked.number], "units": [None, codes], "report_due": [None, whistle.report_due.isoformat()],
        })
        notify.on_whistle(whistle, "blown")
    return whistle


def report_whistle(actor, whistle: Whistle, *, note: str) -> WhistleResponse:
    """报到: a handler of a called department reports, once. A report after the deadline is
    recorded and marked overdue; the whistle is done when every department has reported."""
    from civicgrid.workorders import notify
    from civicgrid.workorders.models import OrderEvent

    j = jurisdiction_for(actor)
    note = (note or "").strip()
    with transaction.atomic():
        locked = Whistle.objects.select_for_update(of=("self",)).select_related("order").get(pk=whistle.pk)
        mine = [r for r in locked.responses.select_for_update(of=("self",)).select_related("unit").order_by("unit__code")
                if r.unit_id in j.unit_ids]
        if actor is None or not mine:
            raise TransitionForbidden(_("Only a handler of a called department may report to this whistle."))
        response = next((r for r in mine if r.reported_at is None), None)
        if response is None:
            raise _invalid(_("Your department has already reported to this whistle."))
        if locked.status != WhistleStatus.OPEN:
            raise _invalid(_("This whistle is no longer open."))
        if not note:
            raise _invalid(_("Say what your department did or will do."), "note")
        if len(note) > MAX_REASON:
            raise _invalid(_("The report can be at most %(n)d characters.") % {"n": MAX_REASON}, "note")
        now = timezone.now()
        was_overdue = response.is_overdue
        response.reported_at, response.reported_by, response.note = now, actor, note
        response.is_overdue = was_overdue or now > locked.report_due
        response.save(update_fields=["reported_at", "reported_by", "note", "is_overdue"])
        changes = {"unit": [None, response.unit.code], "reported_at": [None, now.isoformat()]}
        if response.is_overdue != was_overdue:
            changes["is_overdue"] = [was_overdue, True]
        done = not locked.responses.filter(reported_at__isnull=True).exists()
        if done:
            locked.status, locked.closed_at = WhistleStatus.DONE, now
            locked.save(update_fields=["status", "closed_at"])
            changes["status"] = [WhistleStatus.OPEN, WhistleStatus.DONE]
        order = locked.order
        type(order).objects.filter(pk=order.pk).update(updated_at=now)  # seen by ?updated_after= pulls
        OrderEvent.objects.create(
            order=order, action="whistle_report", from_status=order.status, to_status=order.status, actor=actor,
            actor_repr=actor.get_username(), unit=response.unit, reason=note, is_public=False,
            data={"whistle": locked.pk, "unit": response.unit.code, "late": response.is_overdue},
        )
        record_event(actor=actor, action="sla.whistle.report", obj=locked, changes=changes)
        notify.on_whistle(locked, "reported")
        if done:
            notify.on_whistle(locked, "done")
    return response


# --- the State Council's holiday notice -------------------------------------------------------------
DUE_COLUMNS = ("dispatch", "response", "handle", "return")


@dataclass
class NoticePlan:
    """What importing a notice would do: the days to create, change and (with ``replace``) delete,
    and the open orders whose deadlines move because of them."""

    year: int
    days: list = field(default_factory=list)  # notice.NoticeDay
    create: list = field(default_factory=list)
    change: list = field(default_factory=list)  # (CalendarDay, NoticeDay)
    delete: list = field(default_factory=list)  # CalendarDay
    unchanged: int = 0
    moves: list = field(default_factory=list)  # DeadlineMove

    @property
    def holidays_count(self) -> int:
        return sum(1 for d in self.days if not d.is_workday)

    @property
    def workdays_count(self) -> int:
        return sum(1 for d in self.days if d.is_workday)


@dataclass(frozen=True)
class DeadlineMove:
    order_id: int
    number: str
    column: str
    old: datetime
    new: datetime

    @property
    def label(self) -> str:
        return deadline_label(self.column)


def _workday_function(overrides: dict) -> Callable[[date], bool]:
    def workday(day: date) -> bool:
        return overrides[day] if day in overrides else calendar.base_is_workday(day)

    return workday


def _deadline_moves(old_workday, new_workday, *, now: datetime) -> list[DeadlineMove]:
    """Open orders keep the working time left on each deadline counted in working days: a deadline
    computed before the holidays were known moves past the new days off (and back over new
    adjusted working days). Time already spent is not counted again; limits in hours never move."""
    from civicgrid.workorders.models import Status, WorkOrder
    from civicgrid.workorders.services import FALLBACK_LIMITS

    # Only deadlines still running: a resolved order's old handling deadline stays as it was.
    running = {
        "dispatch": {Status.NEW, Status.RETURNED},
        "response": {Status.DISPATCHED},
        "handle": {Status.DISPATCHED, Status.ACCEPTED, Status.IN_PROGRESS, Status.SUSPENDED},
        "return": {Status.DISPATCHED},
    }
    policies = {p.pk: p for p in SlaPolicy.objects.all()}
    moves = []
    due_q = Q()
    for column in DUE_COLUMNS:
        due_q |= Q(**{f"{column}_due__gt": now, "status__in": running[column]})
    rows = (WorkOrder.objects.filter(due_q)
            .values("id", "number", "status", "sla_policy_id", *[f"{c}_due" for c in DUE_COLUMNS]).order_by("id"))
    for row in rows.iterator(chunk_size=2000):
        policy = policies.get(row["sla_policy_id"])
        for column in DUE_COLUMNS:
            due = row[f"{column}_due"]
            if due is None or due <= now or row["status"] not in running[column]:
                continue
            unit = getattr(policy, f"{column}_unit") if policy else FALLBACK_LIMITS[column][1]
            if unit != LimitUnit.WORKDAYS:
                continue
            left = calendar.working_time_between(now, due, workday=old_workday)
            new = calendar.add_working_time(now, left, workday=new_workday).astimezone(dt_timezone.utc)
            if new != due:
                moves.append(DeadlineMove(row["id"], row["number"], column, due, new))
    return moves


def plan_holiday_notice(*, year: int, text: str, replace: bool = False, now: datetime | None = None) -> NoticePlan:
    """Read the notice and compare it with the holiday table; writes nothing. Raises SlaError
    listing every problem of the notice (wrong weekday, wrong day count, no dates …)."""
    from .notice import parse_holiday_notice

    if not isinstance(year, int) or not (2000 <= year <= 2100):
        raise _invalid(_("Enter a year between 2000 and 2100."), "year")
    if len(text or "") > 20000:
        raise _invalid(_("The notice can be at most 20,000 characters: paste only the list of holidays."), "text")
    parsed = parse_holiday_notice(text, year)
    if parsed.problems:
        raise SlaError(parsed.problems)
    plan = NoticePlan(year=year, days=parsed.days)
    existing = {row.date: row for row in CalendarDay.objects.filter(date__in=[d.date for d in parsed.days])}
    for day in parsed.days:
        row = existing.get(day.date)
        if row is None:
            plan.create.append(day)
        elif row.is_workday != day.is_workday or row.name != day.name:
            plan.change.append((row, day))
        else:
            plan.unchanged += 1
    if replace:
        listed = {d.date for d in parsed.days}
        plan.delete = [row for row in CalendarDay.objects.filter(date__year=year).order_by("date") if row.date not in listed]
    # Both calendars from the table itself, not this process's cache (which may be seconds old).
    before = dict(CalendarDay.objects.values_list("date", "is_workday"))
    deleted = {row.date for row in plan.delete}
    after = {d: w for d, w in before.items() if d not in deleted} | {d.date: d.is_workday for d in parsed.days}
    plan.moves = _deadline_moves(_workday_function(before), _workday_function(after), now=now or timezone.now())
    return plan


def import_holiday_notice(actor, *, year: int, text: str, replace: bool = False,
                          move_deadlines: bool = True, now: datetime | None = None) -> NoticePlan:
    """Enter a year's holidays and adjusted working days from the State Council's notice, all or
    nothing: one audit row per day written, one for the import; the open orders' deadlines in
    working days move with the calendar (an internal history entry each) unless ``move_deadlines``
    is off. With ``replace``, the year's rows the notice does not list are deleted."""
    for perm in ("sla.add_calendarday", "sla.change_calendarday", *(["sla.delete_calendarday"] if replace else [])):
        if not _may_configure(actor, perm):
            raise TransitionForbidden(_("You may not edit the holiday table."))
    now = now or timezone.now()
    with transaction.atomic():
        # One import at a time: the plan is made under the lock of the calendar's version row.
        calendar.bump_version()
        plan = plan_holiday_notice(year=year, text=text, replace=replace, now=now)
        if not move_deadlines:
            plan.moves = []
        audits = []
        for day in plan.create:
            row = CalendarDay.objects.create(date=day.date, is_workday=day.is_workday, name=day.name)
            audits.append(audit_row(actor=actor, action="sla.calendar_day.save", obj=row, changes={
                "date": [None, day.date.isoformat()], "is_workday": [None, day.is_workday], "name": [None, day.name]}))
        for row, day in plan.change:
            changes = diff_fields(row, {"is_workday": day.is_workday, "name": day.name})
            row.save(update_fields=[*changes, "updated_at"])
            audits.append(audit_row(actor=actor, action="sla.calendar_day.save", obj=row, changes=changes))
        for row in plan.delete:
            audits.append(audit_row(actor=actor, action="sla.calendar_day.delete", obj=row, changes={
                "date": [row.date.isoformat(), None], "is_workday": [row.is_workday, None], "name": [row.name, None]}))
            row.delete()
        by_order = _apply_deadline_moves(actor, plan.moves, year=year, now=now, audits=audits)
        audits.append(audit_row(actor=actor, action="sla.calendar.import_notice", obj=None, changes={
            "year": year, "created": len(plan.create), "changed": len(plan.change), "deleted": len(plan.delete),
            "unchanged": plan.unchanged, "orders_moved": len(by_order)}))
        AuditEvent.objects.bulk_create(audits)
        plan.moves = [move for columns in by_order.values() for move in columns.values()]
    return plan


def _apply_deadline_moves(actor, moves: list[DeadlineMove], *, year: int, now: datetime, audits: list) -> dict:
    """Write ``moves`` (from _deadline_moves) under the orders' row locks, with an internal history
    entry and an audit row (appended to ``audits``) per order; returns {order id: {column: move}}
    of what was written."""
    from civicgrid.workorders.models import OrderEvent, WorkOrder

    by_order: dict[int, dict] = {}
    for move in moves:
        by_order.setdefault(move.order_id, {})[move.column] = move
    orders = WorkOrder.objects.select_for_update().in_bulk(list(by_order))
    events = []
    for order_id, columns in list(by_order.items()):
        order = orders[order_id]
        # A move made meanwhile (a redispatch, an extension) gave the order a deadline on the
        # new calendar already; only the deadline that was read is moved.
        columns = {c: m for c, m in columns.items() if getattr(order, f"{c}_due") == m.old}
        if not columns:
            del orders[order_id], by_order[order_id]
            continue
        by_order[order_id] = columns
        for column, move in columns.items():
            setattr(order, f"{column}_due", move.new)
        order.updated_at = now
        data = {"year": year, "moves": {c: [m.old.isoformat(), m.new.isoformat()] for c, m in columns.items()}}
        events.append(OrderEvent(
            order=order, action="deadline_shift", from_status=order.status, to_status=order.status,
            actor=actor if getattr(actor, "pk", None) else None,
            actor_repr=getattr(actor, "username", "") or "system", is_public=False, data=data,
            reason=_shift_note(data),
        ))
        audits.append(audit_row(actor=actor, action="workorder.deadline_shift", obj=order, changes={
            f"{c}_due": [m.old.isoformat(), m.new.isoformat()] for c, m in columns.items()}))
    # One UPDATE per batch, not per order: a district has tens of thousands of open orders.
    WorkOrder.objects.bulk_update(list(orders.values()), [f"{c}_due" for c in DUE_COLUMNS] + ["updated_at"],
                                  batch_size=500)
    OrderEvent.objects.bulk_create(events)
    return by_order


def _shift_note(data: dict) -> str:
    from civicgrid.workorders.models import deadline_shift_note

    with platform_language():  # stored; pages say it again in the reader's language (reason_text)
        return deadline_shift_note(data["year"], data["moves"])


def deadline_label(column: str) -> str:
    from civicgrid.workorders.models import DEADLINE_LABELS

    return str(DEADLINE_LABELS[column])
