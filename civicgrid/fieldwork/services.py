"""Writes of field work: patrols, route points, visits and the one-tap report (随手拍).

Every function checks that the actor is a grid worker or grid leader *of the grid concerned*,
validates, writes in one transaction with an audit row, and writes nothing when it refuses.
Findings go into the closed loop through ``intake.submit_appeal`` on the patrol channel, inside
the same transaction as the visit that found them, so a refused appeal leaves no visit behind.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.core.ratelimit import enforce
from civicgrid.core.services import record_event
from civicgrid.geo import coords
from civicgrid.geo.locate import get_index
from civicgrid.geo.models import Area, AreaKind, Building, Household
from civicgrid.people.jurisdiction import jurisdiction_for
from civicgrid.workorders.errors import OrderError
from civicgrid.workorders.intake import GRID_ROLES, IntakeResult, submit_appeal
from civicgrid.workorders.models import Channel

from .models import Patrol, Visit, VisitKind

MAX_ROUTE_POINTS = 5000
MAX_SUMMARY = 2000
FUTURE_SLACK = timedelta(minutes=10)
VISIT_LIMIT = (200, 3600)
# Intake's field names, as the visit form calls them.
_FINDING_FIELDS = {"text": "finding_text", "title": "finding_text", "photos": "photos", "location": "finding_text",
                   "address": "finding_text", "lon": "finding_text", "lat": "finding_text",
                   "category_code": "category_code"}


class FieldworkError(OrderError):
    """A refusal of a field-work service (400 unless a subclass says otherwise)."""


class FieldworkForbidden(FieldworkError):
    http_status = 403

    def __init__(self, message):
        super().__init__(message, code="forbidden")


# --- checks -------------------------------------------------------------------------------------
def may_work_in(actor, grid: Area) -> bool:
    """True when the actor is a grid worker or grid leader of ``grid`` (administrators too)."""
    return grid.kind == AreaKind.GRID and jurisdiction_for(actor).covers_with_role(grid.path, GRID_ROLES)


def _require_grid(actor, grid: Area) -> None:
    if not may_work_in(actor, grid):
        raise FieldworkForbidden(_("You are not a grid worker of %(grid)s.") % {"grid": grid.name})


def _point(lon, lat, coord_system: str = coords.WGS84) -> tuple[float, float]:
    """A phone's point as WGS-84, or a field error naming what is wrong with it."""
    try:
        lon_f, lat_f = float(lon), float(lat)
    except (TypeError, ValueError):
        raise ValidationError({"location": [_("The position is missing: allow the location or pick the place "
                                              "on the map.")]}, code="required") from None
    if not (math.isfinite(lon_f) and math.isfinite(lat_f)):
        raise ValidationError({"location": [_("The position must be finite numbers.")]})
    try:
        return coords.to_wgs84(lon_f, lat_f, coords.normalise_system(coord_system))
    except coords.CoordinateError as exc:
        raise ValidationError({"location": [str(exc)]}) from exc


def _when(value: datetime | None, now: datetime, field: str) -> datetime:
    if value is None:
        return now
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > now + FUTURE_SLACK:
        raise ValidationError({field: [_("The time lies in the future.")]})
    return value


def _locked_patrol(patrol: Patrol | int) -> Patrol:
    pk = patrol.pk if isinstance(patrol, Patrol) else patrol
    return Patrol.objects.select_for_update().select_related("grid").get(pk=pk)


def _own_open_patrol(actor, patrol: Patrol | int) -> Patrol:
    locked = _locked_patrol(patrol)
    if locked.worker_id != actor.pk:
        raise FieldworkForbidden(_("This patrol is not yours."))
    if not locked.is_open:
        raise FieldworkError(_("This patrol has already ended."), code="ended")
    return locked


def open_patrol_of(actor) -> Patrol | None:
    """The actor's patrol under way, if any (a read the services need; views use the selector)."""
    return Patrol.objects.select_related("grid").filter(worker_id=actor.pk, ended_at__isnull=True).first()


# --- patrols ------------------------------------------------------------------------------------
def start_patrol(*, actor, grid: Area, now: datetime | None = None) -> Patrol:
    """Start a patrol of ``grid``. One patrol under way per worker: end it before starting another."""
    _require_grid(actor, grid)
    now = now or timezone.now()

    def refuse(running: Patrol):
        return FieldworkError(
            _("You already have a patrol under way in %(grid)s since %(time)s; end it first.")
            % {"grid": running.grid.name, "time": timezone.localtime(running.started_at).strftime("%H:%M")},
            code="patrol_open")

    running = open_patrol_of(actor)
    if running is not None:
        raise refuse(running)
    try:
        with transaction.atomic():
            patrol = Patrol.objects.create(worker=actor, grid=grid, area_path=grid.path, started_at=now)
            record_event(actor=actor, action="patrol.start", obj=patrol,
                         changes={"grid": grid.code, "started_at": now.isoformat()})
    except IntegrityError:
        # Another request started one between the check and the insert (a double tap).
        running = open_patrol_of(actor)
        if running is None:
            raise
        raise refuse(running) from None
    return patrol


def add_route_point(*, actor, patrol: Patrol | int, lon, lat, at: datetime | None = None,
                    coord_system: str = coords.WGS84) -> Patrol:
    """Append one point of the worker's track to their patrol under way."""
    now = timezone.now()
    w_lon, w_lat = _point(lon, lat, coord_system)
    at = _when(at, now, "at")
    with transaction.atomic():
        locked = _own_open_patrol(actor, patrol)
        if len(locked.route) >= MAX_ROUTE_POINTS:
            raise FieldworkError(_("This patrol already has %(n)d route points, the most one patrol keeps.")
                                 % {"n": MAX_ROUTE_POINTS}, code="too_many")
        point = [round(w_lon, 6), round(w_lat, 6), at.isoformat()]
        locked.route = [*locked.route, point]
        locked.save(update_fields=["route"])
        record_event(actor=actor, action="patrol.route_point", obj=locked,
                     changes={"point": point, "points": len(locked.route)})
    return locked


def end_patrol(*, actor, patrol: Patrol | int, note: str = "", now: datetime | None = None) -> Patrol:
    now = now or timezone.now()
    note = (note or "").strip()
    if len(note) > MAX_SUMMARY:
        raise ValidationError({"note": [_("The note is too long: at most %(max)d characters.") % {"max": MAX_SUMMARY}]})
    with transaction.atomic():
        locked = _own_open_patrol(actor, patrol)
        locked.ended_at = max(now, locked.started_at)
        locked.note = note
        locked.save(update_fields=["ended_at", "note"])
        record_event(actor=actor, action="patrol.end", obj=locked,
                     changes={"ended_at": locked.ended_at.isoformat(), "minutes": round(
                         (locked.ended_at - locked.started_at).total_seconds() / 60),
                         "findings": locked.findings, "route_points": len(locked.route)})
    return locked


def _count_finding(actor) -> Patrol | None:
    """A finding made while a patrol is under way counts for that patrol."""
    running = Patrol.objects.select_for_update().filter(worker_id=actor.pk, ended_at__isnull=True).first()
    if running is not None:
        running.findings += 1
        running.save(update_fields=["findings"])
    return running


def _file_finding(*, actor, **kwargs) -> IntakeResult:
    """submit_appeal on the patrol channel, its refusals renamed to the visit form's fields."""
    try:
        return submit_appeal(channel=Channel.PATROL, actor=actor, **kwargs)
    except ValidationError as exc:
        if not hasattr(exc, "error_dict") or getattr(exc, "http_status", None):
            raise
        renamed: dict[str, list] = {}
        for name, errors in exc.error_dict.items():
            renamed.setdefault(_FINDING_FIELDS.get(name, name), []).extend(errors)
        raise ValidationError(renamed) from exc


# --- visits -------------------------------------------------------------------------------------
def log_visit(*, actor, grid: Area, kind: str = VisitKind.HOUSEHOLD, summary: str, needs: str = "",
              follow_up: bool = False, household: Household | None = None, building: Building | None = None,
              visited_at: datetime | None = None, finding_text: str = "", photos=(), category_code=None,
              lon=None, lat=None) -> Visit:
    """Record a visit in ``grid``. With ``finding_text`` the finding is filed as a patrol appeal
    (intake's rule: a patrol report needs at least one photo), located at the visited building or
    at ``lon``/``lat``, and linked to the visit; a refusal of the appeal writes no visit either.
    Limited per worker (``visit.log``, 200 an hour unless configured): a flood is a broken app."""
    _require_grid(actor, grid)
    enforce(actor, "visit.log", default=VISIT_LIMIT)
    now = timezone.now()
    errors: dict[str, list[str]] = {}
    summary = (summary or "").strip()
    needs = (needs or "").strip()
    finding_text = (finding_text or "").strip()
    if kind not in VisitKind.values:
        errors.setdefault("kind", []).append(_("Unknown kind of visit %(value)r.") % {"value": kind})
    if not summary:
        errors.setdefault("summary", []).append(_("Write what you found out on the visit."))
    for name, value in (("summary", summary), ("needs", needs), ("finding_text", finding_text)):
        if len(value) > MAX_SUMMARY:
            errors.setdefault(name, []).append(_("At most %(max)d characters.") % {"max": MAX_SUMMARY})
    if household is not None:
        if building is not None and household.building_id != building.pk:
            errors.setdefault("household", []).append(_("The household is not in the chosen building."))
        building = household.building
    if building is not None and building.grid_id != grid.pk:
        errors.setdefault("household", []).append(
            _("%(place)s is not in %(grid)s.") % {"place": building.address, "grid": grid.name})
    if kind == VisitKind.HOUSEHOLD and household is None:
        errors.setdefault("household", []).append(_("Choose the household you visited."))
    try:
        visited_at = _when(visited_at, now, "visited_at")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if finding_text and building is None and (lon in (None, "") or lat in (None, "")):
        errors.setdefault("finding_text", []).append(
            _("Say where the problem is: visit a building, or give the position."))
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        appeal = None
        if finding_text:
            where = {"building_code": building.code} if building is not None else {"lon": lon, "lat": lat}
            result = _file_finding(actor=actor, title="", text=finding_text, photos=photos,
                                   category_code=category_code or None, received_at=visited_at, **where)
            if result.order.area_id != grid.pk:
                raise ValidationError({"finding_text": [
                    _("The problem lies in %(other)s, not in %(grid)s, the grid of this visit.")
                    % {"other": result.order.area.name, "grid": grid.name}]})
            appeal = result.appeal
        patrol = _count_finding(actor) if appeal is not None else open_patrol_of(actor)
        if patrol is not None and patrol.grid_id != grid.pk:
            patrol = None  # a visit in another of the worker's grids is not part of this walk
        visit = Visit.objects.create(
            worker=actor, grid=grid, area_path=grid.path, kind=kind, household=household, building=building,
            visited_at=visited_at, summary=summary, needs=needs, follow_up=bool(follow_up), appeal=appeal,
            patrol=patrol,
        )
        record_event(actor=actor, action="visit.log", obj=visit, changes={
            "grid": grid.code, "kind": kind, "household": household.pk if household else None,
            "building": building.code if building else None, "follow_up": bool(follow_up),
            "appeal": appeal.tracking_number if appeal else None, "patrol": patrol.pk if patrol else None,
        })
    return visit


# --- the one-tap report ---------------------------------------------------------------------------
def locate_grid(lon, lat, coord_system: str = coords.WGS84) -> Area:
    """The grid holding a phone's point, or a zh-hans/English field error when it is in none."""
    w_lon, w_lat = _point(lon, lat, coord_system)
    found = get_index().locate(w_lon, w_lat)
    if found is None or found.area.kind != AreaKind.GRID:
        raise ValidationError({"location": [
            _("Your position (%(lon).5f, %(lat).5f) is not inside any grid; move to the place or pick it on the map.")
            % {"lon": w_lon, "lat": w_lat}]}, code="outside")
    return Area.objects.get(pk=found.area.pk)


def snap_report(*, actor, photos, lon, lat, text: str, category_code=None, coord_system: str = coords.WGS84,
                accuracy=None) -> IntakeResult:
    """随手拍: a photo, the phone's position and a line of text become a patrol appeal in the grid
    holding the point, which must be one of the actor's grids. Counted on the patrol under way."""
    grid = locate_grid(lon, lat, coord_system)
    if not may_work_in(actor, grid):
        raise ValidationError({"location": [
            _("The place lies in %(grid)s, which is not your grid.") % {"grid": grid.name}]}, code="outside_jurisdiction")
    with transaction.atomic():
        result = submit_appeal(channel=Channel.PATROL, actor=actor, title="", text=text, lon=lon, lat=lat,
                               coord_system=coord_system, photos=photos, category_code=category_code or None)
        patrol = _count_finding(actor)
        record_event(actor=actor, action="patrol.snap", obj=result.appeal, changes={
            "grid": grid.code, "order": result.order.number, "patrol": patrol.pk if patrol else None,
            "accuracy_m": _accuracy(accuracy),
        })
    return result


def _accuracy(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return round(number, 1) if math.isfinite(number) and number >= 0 else None


# --- key-group care reminders ---------------------------------------------------------------------
@dataclass
class CareReminderReport:
    overdue: int = 0
    sent: int = 0
    already: int = 0
    people_told: int = 0
    reminders: list = field(default_factory=list)


def _care_recipients(dues) -> tuple[dict[str, list], dict[int, list]]:
    """Grid workers by grid path, and 包联 party members by household."""
    from civicgrid.people.models import BaolianAssignment, BaolianLevel, Membership, Role

    paths = {d.area_path for d in dues}
    workers: dict[str, list] = {}
    for m in (Membership.objects.filter(role=Role.GRID_WORKER, is_active=True, area__path__in=paths,
                                        user__is_active=True).select_related("user", "area").order_by("user__username")):
        workers.setdefault(m.area.path, []).append(m.user)
    carers: dict[int, list] = {}
    for a in (BaolianAssignment.objects.filter(level=BaolianLevel.HOUSEHOLD, household_id__in=[d.household_id for d in dues],
                                               cadre__is_active=True).select_related("cadre").order_by("cadre__username")):
        carers.setdefault(a.household_id, []).append(a.cadre)
    return workers, carers


def send_care_reminders(*, now: datetime | None = None, paths: list[str] | None = None) -> CareReminderReport:
    """Tell the grid's workers and the household's 包联 party member about every key-group
    household overdue for a visit, once per overdue spell: a ``CareReminder`` row per (household,
    missed due date) is written with its audit row in one transaction and the messages go out after
    the commit. A second run in the same spell finds the row and sends nothing; a visit moves the
    due date, so the household's next overdue spell is reminded again."""
    from civicgrid.core.masking import mask_name
    from civicgrid.geo.models import HouseholdTag
    from civicgrid.notifications.services import notify_users

    from . import selectors
    from .models import CareReminder

    now = now or timezone.now()
    today = timezone.localdate(now)
    if paths is None:
        paths = list(Area.objects.filter(parent__isnull=True).values_list("path", flat=True))
    dues = [d for d in selectors.care_dues(paths) if d.is_overdue(today)]
    report = CareReminderReport(overdue=len(dues))
    if not dues:
        return report
    done = set(CareReminder.objects.filter(household_id__in=[d.household_id for d in dues])
               .values_list("household_id", "due_on"))
    fresh = [d for d in dues if (d.household_id, d.due_on) not in done]
    report.already = len(dues) - len(fresh)
    if not fresh:
        return report
    workers, carers = _care_recipients(fresh)
    households = Household.objects.select_related("building").in_bulk([d.household_id for d in fresh])
    labels = dict(HouseholdTag.choices)
    for due in fresh:
        household = households[due.household_id]
        where = f"{household.building.address} {household.entrance}-{household.room}"
        title = _("Care visit overdue: %(where)s") % {"where": where}
        body = _("%(name)s (%(tags)s) was due for a visit on %(due)s, %(n)d days ago. Last visit: %(last)s.") % {
            "name": mask_name(household.head_name), "tags": "、".join(str(labels.get(t, t)) for t in due.tags),
            "due": due.due_on.isoformat(), "n": due.days_overdue(today),
            "last": timezone.localtime(due.last_visit).strftime("%Y-%m-%d") if due.last_visit else _("never")}
        grid_workers = workers.get(due.area_path, [])
        members = [u for u in carers.get(due.household_id, []) if u.pk not in {w.pk for w in grid_workers}]
        try:
            with transaction.atomic():
                reminder = CareReminder.objects.create(
                    household=household, area_path=due.area_path, due_on=due.due_on, tags=list(due.tags),
                    last_visit_at=due.last_visit, recipients=len(grid_workers) + len(members), sent_at=now)
                record_event(actor=None, action="care.remind", obj=reminder, changes={
                    "household": household.pk, "due_on": due.due_on.isoformat(), "tags": list(due.tags),
                    "workers": [u.username for u in grid_workers], "baolian": [u.username for u in members]})
                transaction.on_commit(lambda ws=grid_workers, t=title, b=body: notify_users(
                    ws, event="care.overdue", title=t, body=b, link="/field/care/"))
                transaction.on_commit(lambda ms=members, t=title, b=body: notify_users(
                    ms, event="care.overdue", title=t, body=b))
        except IntegrityError:
            # A concurrent run reminded this spell between our read and our insert.
            report.already += 1
            continue
        report.sent += 1
        report.people_told += reminder.recipients
        report.reminders.append(reminder)
    return report


# --- care rules (configuration of a district: its rules page, the API, the admin) ------------------
CARE_POLICY_FIELDS = ("area", "tag", "period", "days", "starts_on", "is_active", "note")


def may_set_care_rule(actor, area: Area | None) -> bool:
    """Administrators, and district commanders for an area inside their district."""
    from civicgrid.people.models import Role

    if area is None:
        return False
    jurisdiction = jurisdiction_for(actor)
    return jurisdiction.is_global or jurisdiction.covers_with_role(area.path, {Role.DISTRICT_COMMANDER})


def save_care_policy(actor, *, instance=None, area, tag: str, period: str, days=None, starts_on,
                     is_active: bool = True, note: str = ""):
    """Create or change one care rule (``instance`` to change). Only administrators and district
    commanders of the area set rules; the refusal names the field. Audited (``care_policy.save``)."""
    from civicgrid.geo.models import HouseholdTag

    from .models import CarePeriod, CarePolicy

    if not may_set_care_rule(actor, area) or (instance is not None and not may_set_care_rule(actor, instance.area)):
        raise FieldworkForbidden(_("Only administrators and the district command center set care rules."))
    errors: dict[str, list] = {}
    if tag not in HouseholdTag.values:
        errors.setdefault("tag", []).append(_("Unknown care tag %(value)r.") % {"value": tag})
    if period not in CarePeriod.values:
        errors.setdefault("period", []).append(_("Unknown interval %(value)r.") % {"value": period})
    if period == CarePeriod.DAYS and not (isinstance(days, int) and 1 <= days <= 366):
        errors.setdefault("days", []).append(_("Give the number of days between visits, from 1 to 366."))
    if period != CarePeriod.DAYS:
        days = None
    if starts_on is None:
        errors.setdefault("starts_on", []).append(_("Give the date the rule applies from."))
    clash = CarePolicy.objects.filter(area=area, tag=tag).exclude(pk=instance.pk if instance else None)
    if tag in HouseholdTag.values and clash.exists():
        errors.setdefault("tag", []).append(_("%(area)s already has a rule for this tag: change that one.") % {"area": area.name})
    if errors:
        raise ValidationError(errors)
    values = {"area": area, "area_path": area.path, "tag": tag, "period": period, "days": days, "starts_on": starts_on,
              "is_active": bool(is_active), "note": (note or "").strip()[:200]}
    with transaction.atomic():
        if instance is None:
            policy = CarePolicy.objects.create(**values)
            changed = {k: str(v) for k, v in values.items() if k != "area"}
        else:
            policy = CarePolicy.objects.select_for_update().get(pk=instance.pk)
            changed = {k: [str(getattr(policy, k)), str(v)] for k, v in values.items()
                       if k != "area" and getattr(policy, k) != v}
            for k, v in values.items():
                setattr(policy, k, v)
            if changed:
                policy.save()
        record_event(actor=actor, action="care_policy.save", obj=policy,
                     changes={"area": area.code, "created": instance is None, **changed})
    return policy
