"""Writes of proactive governance: a finding (or the month's top problem) becomes a task and a work order.

The order is opened through ``workorders.intake.submit_appeal`` on the proactive channel, inside the
same transaction as the task, so it is routed like any other (responsibility list → suggested unit,
SLA deadlines, dispatch, the whole state machine) and a refusal writes neither. A finding key is
turned into a task once (unique key): a second attempt is refused and changes nothing.
"""

from __future__ import annotations

import hashlib

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from civicgrid.core.language import platform_language
from civicgrid.core.services import record_event
from civicgrid.geo.models import Area, Building
from civicgrid.people.jurisdiction import jurisdiction_for
from civicgrid.workorders.errors import OrderError
from civicgrid.workorders.intake import submit_appeal
from civicgrid.workorders.models import Category, Channel, WorkOrder

from . import selectors
from .models import FindingKind, ProactiveTask, ScanTrigger, Snapshot
from .selectors import Finding, TopProblem


class ProactiveError(OrderError):
    """A refusal of a proactive-governance service (400 unless a subclass says otherwise)."""


class ProactiveForbidden(ProactiveError):
    http_status = 403

    def __init__(self, message):
        super().__init__(message, code="forbidden")


class AlreadyTasked(ProactiveError):
    http_status = 409

    def __init__(self, message):
        super().__init__(message, code="duplicate")


def _check_actor(actor, area: Area) -> None:
    j = jurisdiction_for(actor)
    if not selectors.can_see(j) or not j.covers_path(area.path):
        raise ProactiveForbidden(_("Only the command center of %(area)s turns its findings into tasks.")
                                 % {"area": area.name})


def _where(anchor: dict | None, sample_orders) -> dict:
    """Where the order is placed: the finding's anchor appeal, else its first sample order."""
    anchor = anchor or {}
    if anchor.get("building_id"):
        code = Building.objects.filter(pk=anchor["building_id"]).values_list("code", flat=True).first()
        if code:
            return {"building_code": code}
    if anchor.get("lat") is not None and anchor.get("lon") is not None:
        return {"lon": anchor["lon"], "lat": anchor["lat"], "coord_system": "WGS84"}
    order = WorkOrder.objects.filter(number__in=list(sample_orders)[:1]).select_related("building").first()
    if order is not None:
        if order.building is not None:
            return {"building_code": order.building.code}
        if order.lon is not None:
            return {"lon": order.lon, "lat": order.lat, "coord_system": "WGS84"}
    raise ProactiveError(_("The finding has no place to send an order to."), code="no_place")


def _describe(title: str, kind_label: str, count: int, period: str, samples, details: list[str]) -> str:
    lines = [title, _("Found by %(kind)s over %(period)s: %(count)d appeals.")
             % {"kind": kind_label, "period": period, "count": count}, *details]
    if samples:
        lines.append(_("Sample orders: %(numbers)s") % {"numbers": ", ".join(samples)})
    return "\n".join(lines)


def _open(*, actor, key: str, kind: str, title: str, text: str, area: Area, category_code: str,
          where: dict, period_start, period_end, count: int, score, evidence: dict) -> ProactiveTask:
    if ProactiveTask.objects.filter(key=key).exists():
        raise AlreadyTasked(_("This finding is already a proactive task."))
    category = Category.objects.filter(code=category_code, is_active=True).first() if category_code else None
    # The order's idempotency key makes a double submission answer with the first order.
    idem = "proactive:" + hashlib.sha1(key.encode()).hexdigest()[:40]
    try:
        with transaction.atomic():
            result = submit_appeal(channel=Channel.PROACTIVE, actor=actor, title=title[:200], text=text[:5000],
                                   category_code=category.code if category else None, idempotency_key=idem, **where)
            task = ProactiveTask.objects.create(
                key=key, kind=kind, title=title[:200], area=area, area_path=area.path, category=category,
                period_start=period_start, period_end=period_end, count=count, score=score, evidence=evidence,
                order=result.order, created_by=actor if getattr(actor, "is_authenticated", False) else None)
            record_event(actor=actor, action="proactive.task.create", obj=task, changes={
                "key": key, "kind": kind, "area": area.code, "category": category.code if category else None,
                "order": result.order.number, "count": count,
                "suggested_unit": result.order.suggested_unit.code if result.order.suggested_unit else None})
    except IntegrityError:
        raise AlreadyTasked(_("This finding is already a proactive task.")) from None
    except OrderError:
        raise
    except ValidationError as exc:
        raise ProactiveError(_("The work order could not be opened: %(why)s") % {"why": "; ".join(exc.messages)},
                             code="intake") from exc
    return task


def _task_category(finding: Finding) -> str:
    """A spike or cluster is counted on a rolled-up category (城乡建设), which the responsibility
    list gives to whoever answers for the whole branch; when most of its appeals share one leaf
    category (城市公共设施), the order is opened on that one and so routed as those appeals were."""
    main = finding.evidence.get("main_category") or {}
    if main.get("code") and main.get("count", 0) * 2 > finding.count:
        return main["code"]
    return finding.category_code


def create_task_from_finding(*, actor, finding: Finding) -> ProactiveTask:
    """Turn a finding (as a selector computed it, never as a client sent it) into a task and an order."""
    area = Area.objects.filter(code=finding.area_code).first()
    if area is None:
        raise ProactiveError(_("Unknown area %(code)s.") % {"code": finding.area_code}, code="unknown_area")
    _check_actor(actor, area)
    with platform_language():  # the task's order is read by the handling unit
        details = []
        if finding.expected is not None:
            # The p-value stays in the evidence; the order's reader needs the baseline in words.
            details.append(_("Usually %(expected).1f in a period this long.") % {"expected": finding.expected})
        if finding.kind == FindingKind.CLUSTER:
            details.append(_("Radius %(radius).0f m around %(lat).5f, %(lon).5f.") % {
                "radius": finding.evidence.get("radius_m", 0), **finding.evidence.get("centre", {"lat": 0, "lon": 0})})
        period = f"{finding.period_start:%Y-%m-%d} – {finding.period_end:%Y-%m-%d}"
        text = _describe(finding.title, FindingKind(finding.kind).label, finding.count, period, finding.sample_orders,
                         details)
    evidence = {**finding.evidence, "count": finding.count, "p_value": finding.p_value,
                "expected": finding.expected, "sample_orders": list(finding.sample_orders)}
    return _open(actor=actor, key=finding.key, kind=finding.kind, title=finding.title, text=text, area=area,
                 category_code=_task_category(finding), where=_where(finding.evidence.get("anchor"), finding.sample_orders),
                 period_start=finding.period_start, period_end=finding.period_end, count=finding.count,
                 score=finding.score, evidence=evidence)


def confirm_monthly_problem(*, actor, area: Area, month) -> ProactiveTask:
    """每月一题: staff of ``area`` confirm its top problem of ``month``; it becomes a task."""
    _check_actor(actor, area)
    with platform_language():  # the task's order is read by the handling unit
        top: TopProblem | None = selectors.monthly_top_problem(area, month)
    if top is None:
        raise ProactiveError(_("%(area)s received no categorised orders that month.") % {"area": area.name},
                             code="nothing")
    from datetime import timedelta

    from civicgrid.dashboard.api.params import parse_month

    m = parse_month(top.month)
    with platform_language():  # the task's order is read by the handling unit
        title = _("Problem of the month %(month)s: %(title)s") % {"month": top.month, "title": top.title}
        text = _describe(title, FindingKind.MONTHLY.label, top.count, top.month, top.sample_orders, [])
    return _open(actor=actor, key=top.key, kind=FindingKind.MONTHLY, title=title, text=text, area=area,
                 category_code=top.category_code, where=_where(top.evidence.get("anchor"), top.sample_orders),
                 period_start=m.first, period_end=m.next_first - timedelta(days=1), count=top.count,
                 score=top.heat, evidence={**top.evidence, "kind": top.kind, "sub_area": top.area_code,
                                           "sample_orders": list(top.sample_orders)})


# --- scans and their snapshots ------------------------------------------------------------------
def _months_to_scan(area: Area, now) -> list:
    """This month, and last month while its snapshot was taken before the month ended (the first
    scan of a month closes the previous one)."""
    from django.utils import timezone

    from civicgrid.dashboard.api.params import Month

    this = Month(timezone.localtime(now).date().replace(day=1))
    last = this.previous
    closed = Snapshot.objects.filter(area=area, scope=Snapshot.Scope.MONTH, period=last.code,
                                     as_of__gte=last.bounds()[1]).exists()
    return [this] if closed else [last, this]


def _store(*, area: Area, scope: str, period: str, as_of, findings, trigger: str, actor, seconds: float) -> Snapshot:
    snap, _created = Snapshot.objects.update_or_create(
        area=area, scope=scope, period=period,
        defaults={"area_path": area.path, "as_of": as_of, "trigger": trigger, "seconds": round(seconds, 3),
                  "created_by": actor if getattr(actor, "is_authenticated", False) else None,
                  "findings": [f.as_dict() for f in findings]})
    return snap


def scan_and_store(*, area: Area, now=None, trigger: str = ScanTrigger.JOB, actor=None) -> tuple[Snapshot, list[Finding]]:
    """Every detector over ``area`` as of ``now``; the findings are stored as the area's snapshot of
    that day, and the hot topics of this month (and of last month until it is closed) as month
    snapshots. Returns the day snapshot and its findings (tasked ones included)."""
    import time

    from django.utils import timezone

    now = now or timezone.now()
    t = time.perf_counter()
    found = selectors.scan_area(area, now=now, include_tasked=True)
    day_seconds = time.perf_counter() - t
    months = []
    for month in _months_to_scan(area, now):
        start, end = month.bounds()
        end = min(end, now)
        t = time.perf_counter()
        topics = selectors.scan_area(area, kinds=[FindingKind.TOPIC], start=start, end=end, now=end, include_tasked=True)
        months.append((month.code, end, topics, time.perf_counter() - t))
    with transaction.atomic():
        snap = _store(area=area, scope=Snapshot.Scope.DAY, period=timezone.localtime(now).date().isoformat(),
                      as_of=now, findings=found, trigger=trigger, actor=actor, seconds=day_seconds)
        for code, as_of, topics, seconds in months:
            _store(area=area, scope=Snapshot.Scope.MONTH, period=code, as_of=as_of, findings=topics,
                   trigger=trigger, actor=actor, seconds=seconds)
        counts: dict[str, int] = {}
        for f in found:
            counts[f.kind] = counts.get(f.kind, 0) + 1
        record_event(actor=actor, action="proactive.scan", obj=snap, changes={
            "area": area.code, "trigger": trigger, "as_of": now.isoformat(), "findings": counts,
            "months": [m[0] for m in months]})
    return snap, found


def rescan_area(*, actor, area: Area, now=None) -> Snapshot:
    """"重新扫描": staff of ``area`` run its scan now instead of waiting for the daily job."""
    _check_actor(actor, area)
    snap, _found = scan_and_store(area=area, now=now, trigger=ScanTrigger.MANUAL, actor=actor)
    return snap
