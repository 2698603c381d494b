"""The sweep: pressure on stalled orders, run periodically (``civicgrid sla-sweep``, ``tasks.sweep_job``).

What it does, for each running limit of an open order (the ``dispatch_due`` of a new or returned
order, the ``response_due`` of a dispatched one, the ``handle_due`` of an accepted one or one in
progress; suspended, resolved and verified orders are not pressed):

1. **Overdue.** A limit that has passed gets one overdue notice (Pressure ``overdue``) and the order
   is marked ``is_overdue``.
2. **Supervision (督办).** An overdue order is supervised one level above its handling level
   (grid → community → street → district: 村呼镇应, 镇呼市应; a district department's order by the
   district command center), and one more level each time the policy's ``escalate_every`` passes
   again while it stays overdue, up to the district. Each step is a Pressure ``supervise`` (key:
   the level), ``WorkOrder.supervision_level``, and an internal OrderEvent ``supervise``. The
   status never changes: supervision watches, it does not take the order away.
3. **Reminders (催办).** At each fraction of the policy's ``remind_at`` (e.g. 0.5 and 0.8) of a
   running limit, one reminder. A limit that has already passed gets no reminders, only (1).
4. **Whistles (吹哨报到).** A department that has not reported by the whistle's ``report_due`` is
   marked overdue and pressed once.

Idempotency: every pressure has a key, ``(order, kind, stage, key)`` is unique, and each step selects
only orders that lack its pressure, so a second run changes nothing. A reminder's key carries the
deadline it counts towards, so a new deadline (redispatch, extension, reopening) gets its own.

Catching up after downtime: a run at a later ``now`` sends what fell due meanwhile, each with
``scheduled_at`` = when it fell due and ``created_at`` = ``now``. **Only the latest reminder per
limit:** when several fractions passed unseen (0.5 and 0.8 of the same deadline), only the highest
one is sent, and a lower fraction is never sent after a higher one. Supervision steps missed are
all recorded (each level had its turn), with their own ``scheduled_at``.

Efficiency: every step is a range query on an indexed deadline column (one per policy group and
fraction, with the calendar arithmetic done once per group, not per order), excluding orders that
already have the pressure, in keyset-paginated batches; each batch is one transaction that locks
its orders (skipping any that a user is moving right now: they are picked up by the next run).
Only orders that are due are ever loaded into Python.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from datetime import timezone as dt_timezone

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicgrid.core.language import platform_language
from civicgrid.core.models import AuditEvent
from civicgrid.core.services import audit_row, record_event
from civicgrid.dashboard import rollups

from .deadlines import add_limit, escalate_every, remind_fractions
from .models import (
    Pressure,
    PressureKind,
    SlaPolicy,
    Whistle,
    WhistleResponse,
    WhistleStatus,
)

logger = logging.getLogger("civicgrid.sla")

BATCH_SIZE = 5000
# Pressures written before the sweep refreshes PostgreSQL's statistics of their table.
ANALYZE_AFTER = 20_000


STAGE_LABELS = {
    "dispatch": gettext_lazy("dispatch"),
    "response": gettext_lazy("response (签收/联系)"),
    "handle": gettext_lazy("handling"),
    "whistle": gettext_lazy("whistle report (报到)"),
}


@dataclass(frozen=True)
class Stage:
    name: str
    due_field: str
    statuses: tuple[str, ...]


def stages() -> list[Stage]:
    from civicgrid.workorders.models import Status

    return [
        Stage("dispatch", "dispatch_due", (Status.NEW, Status.RETURNED)),
        Stage("response", "response_due", (Status.DISPATCHED,)),
        Stage("handle", "handle_due", (Status.ACCEPTED, Status.IN_PROGRESS)),
    ]


@dataclass
class SweepSummary:
    now: datetime
    reminders: int = 0
    overdue: int = 0
    orders_marked_overdue: int = 0
    supervised: int = 0
    whistle_overdue: int = 0
    seconds: float = 0.0
    by_stage: dict[str, int] = field(default_factory=dict)

    @property
    def changes(self) -> int:
        """Rows this run created or changed: zero for a run right after another."""
        return self.reminders + self.overdue + self.orders_marked_overdue + self.supervised + self.whistle_overdue

    def as_dict(self) -> dict:
        return {
            "now": self.now.isoformat(), "reminders": self.reminders, "overdue": self.overdue,
            "orders_marked_overdue": self.orders_marked_overdue, "supervised": self.supervised,
            "whistle_overdue": self.whistle_overdue, "changes": self.changes, "seconds": round(self.seconds, 3),
        }


def stamp(moment: datetime) -> str:
    """A deadline as part of an idempotency key (UTC, to the microsecond)."""
    return moment.astimezone(dt_timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")


# --- helpers ------------------------------------------------------------------------------------
def _policy_limits() -> tuple[dict[int | None, SlaPolicy | None], Callable]:
    """Every policy by id (inactive ones too: orders keep the policy they were given) plus None
    for orders without one, and a function giving (value, unit) of a stage's limit."""
    from civicgrid.workorders.services import FALLBACK_LIMITS

    policies: dict[int | None, SlaPolicy | None] = {p.pk: p for p in SlaPolicy.objects.all()}
    policies[None] = None

    def limit(policy: SlaPolicy | None, stage: str) -> tuple[int, str]:
        if policy is None:
            return FALLBACK_LIMITS[stage]
        return getattr(policy, f"{stage}_limit"), getattr(policy, f"{stage}_unit")

    return policies, limit


def _policy_q(policy_ids: list[int | None]) -> Q:
    q = Q(sla_policy_id__in=[p for p in policy_ids if p is not None])
    if None in policy_ids:
        q |= Q(sla_policy__isnull=True)
    return q


def _batches(qs, due_field: str, fields: tuple[str, ...], batch_size: int, lock: bool = True):
    """Keyset pagination over (deadline, id), each batch locked in its own transaction.

    Yields the rows of one batch inside an open transaction; the caller writes before asking for
    the next batch. Rows locked by someone else are skipped (PostgreSQL; SQLite has one writer).
    """
    from civicgrid.workorders.models import WorkOrder  # noqa: F401  (qs is a WorkOrder queryset)

    last: tuple | None = None
    while True:
        with transaction.atomic():
            page = qs
            if last is not None:
                # The plain lower bound keeps the deadline index usable; the OR alone would not.
                page = page.filter(**{f"{due_field}__gte": last[0]}).filter(
                    Q(**{f"{due_field}__gt": last[0]}) | Q(pk__gt=last[1]))
            page = page.order_by(due_field, "pk")
            if lock:
                page = page.select_for_update(skip_locked=True, of=("self",))
            rows = list(page.values(*fields)[:batch_size])
            if not rows:
                return
            # Advance the key by the last row seen, not the last row locked.
            last = (rows[-1][due_field], rows[-1]["id"])
            yield rows
            if len(rows) < batch_size:
                return


class _Targets:
    """The area and office a supervision level addresses, looked up once per sweep."""

    def __init__(self):
        self.areas: dict[str, tuple[int, str]] = {}
        self.offices: dict[int, int] = {}

    def prime(self, paths: list[str]) -> None:
        from civicgrid.geo.models import Area
        from civicgrid.people.models import Unit, UnitKind

        codes = {c for p in paths for c in p.split("/") if c} - set(self.areas)
        if not codes:
            return
        new = {code: (pk, kind) for code, pk, kind in Area.objects.filter(code__in=codes).values_list("code", "id", "kind")}
        self.areas.update(new)
        for code in codes - set(new):
            self.areas[code] = (0, "")
        area_ids = [pk for pk, kind in new.values() if kind in ("community", "street")]
        for area_id, unit_id in Unit.objects.filter(
            area_id__in=area_ids, kind__in=[UnitKind.COMMUNITY_OFFICE, UnitKind.STREET_OFFICE], is_active=True
        ).order_by("-pk").values_list("area_id", "id"):
            self.offices[area_id] = unit_id

    def for_level(self, path: str, level: str) -> tuple[int | None, int | None]:
        for code in path.split("/"):
            pk, kind = self.areas.get(code, (0, ""))
            if pk and kind == level:
                return pk, self.offices.get(pk)
        return None, None


def next_supervision_level(level: str, supervision_level: str) -> str | None:
    """One level above whoever handles or already supervises the order; None at the top."""
    from civicgrid.workorders.models import LEVEL_ORDER, HandlingLevel

    top = len(LEVEL_ORDER) - 1
    if supervision_level == HandlingLevel.DISTRICT:
        return None
    index = min(LEVEL_ORDER.index(level) + 1 if level in LEVEL_ORDER else 1, top)
    if supervision_level in LEVEL_ORDER:
        index = max(index, LEVEL_ORDER.index(supervision_level) + 1)
    return LEVEL_ORDER[min(index, top)]


def _order_ref(row: dict):
    """An unsaved order carrying what the audit row names it by (pk, number, title)."""
    from civicgrid.workorders.models import WorkOrder

    return WorkOrder(pk=row["id"], number=row["number"], title=row["title"])


def _notify(pressures: list[Pressure]) -> None:
    """Tell people, inside the batch's transaction (the outbox commits with the pressures).

    The orders, units and areas the hooks read are loaded once per batch and attached. When
    ``notify.on_pressures(pressures)`` exists it gets the whole batch (one set of queries);
    otherwise ``notify.on_pressure`` is called for each pressure.
    """
    from civicgrid.geo.models import Area
    from civicgrid.people.models import Unit
    from civicgrid.workorders import notify
    from civicgrid.workorders.models import WorkOrder

    if not pressures:
        return
    orders = WorkOrder.objects.select_related("unit", "unit__area", "category").in_bulk({p.order_id for p in pressures})
    units = Unit.objects.select_related("area").in_bulk({p.target_unit_id for p in pressures if p.target_unit_id})
    areas = Area.objects.in_bulk({p.target_area_id for p in pressures if p.target_area_id})
    for pressure in pressures:
        pressure.order = orders[pressure.order_id]
        if pressure.target_unit_id:
            pressure.target_unit = units[pressure.target_unit_id]
        if pressure.target_area_id:
            pressure.target_area = areas[pressure.target_area_id]
    batch_hook = getattr(notify, "on_pressures", None)
    if batch_hook is not None:
        batch_hook(pressures)
        return
    for pressure in pressures:
        notify.on_pressure(pressure)


# --- the steps ----------------------------------------------------------------------------------
def _overdue_step(stage: Stage, now: datetime, summary: SweepSummary, batch_size: int, tick) -> None:
    from civicgrid.workorders.models import WorkOrder

    due = stage.due_field
    already = Pressure.objects.filter(order=OuterRef("pk"), kind=PressureKind.OVERDUE, stage=stage.name, due_at=OuterRef(due))
    qs = WorkOrder.objects.filter(status__in=stage.statuses, **{f"{due}__lte": now}).filter(~Exists(already))
    for rows in _batches(qs, due, ("id", due, "unit_id", "is_overdue", "number", "title"), batch_size):
        pressures = Pressure.objects.bulk_create([
            Pressure(order_id=r["id"], kind=PressureKind.OVERDUE, stage=stage.name, key=stamp(r[due]),
                     due_at=r[due], scheduled_at=r[due], created_at=now, target_unit_id=r["unit_id"],
                     note=_("The %(limit)s limit has passed.") % {"limit": STAGE_LABELS[stage.name]})
            for r in rows
        ])
        newly = [r for r in rows if not r["is_overdue"]]
        if newly:
            rollups.update_orders([r["id"] for r in newly], is_overdue=True)
            AuditEvent.objects.bulk_create([
                audit_row(actor=None, action="order.overdue", obj=_order_ref(r),
                          changes={"is_overdue": [False, True], "stage": [None, stage.name]})
                for r in newly
            ])
        _notify(pressures)
        summary.overdue += len(pressures)
        summary.orders_marked_overdue += len(newly)
        tick(len(rows))


def _supervise_step(stage: Stage, now: datetime, summary: SweepSummary, batch_size: int, tick,
                    policies, targets: _Targets) -> None:
    from civicgrid.workorders.models import HandlingLevel, OrderEvent, WorkOrder, supervision_note

    due = stage.due_field
    qs = WorkOrder.objects.filter(status__in=stage.statuses, **{f"{due}__lte": now}).exclude(
        supervision_level=HandlingLevel.DISTRICT
    )
    fields = ("id", due, "level", "supervision_level", "area_path", "sla_policy_id", "status", "unit_id",
              "number", "title")
    for rows in _batches(qs, due, fields, batch_size):
        done: dict[tuple[int, datetime], int] = defaultdict(int)
        for order_id, due_at in Pressure.objects.filter(
            order_id__in=[r["id"] for r in rows], kind=PressureKind.SUPERVISE, stage=stage.name
        ).values_list("order_id", "due_at"):
            done[(order_id, due_at)] += 1
        targets.prime([r["area_path"] for r in rows])
        pressures, events, audits, new_levels = [], [], [], {}
        for r in rows:
            steps = done[(r["id"], r[due])]
            every, unit = escalate_every(policies.get(r["sla_policy_id"]))
            level = r["supervision_level"]
            while True:
                target = next_supervision_level(r["level"], level)
                if target is None:
                    break
                scheduled = r[due] if steps == 0 else add_limit(r[due], steps * every, unit)
                if scheduled > now:
                    break
                area_id, unit_id = targets.for_level(r["area_path"], target)
                note = supervision_note(r[due], target)
                pressures.append(Pressure(
                    order_id=r["id"], kind=PressureKind.SUPERVISE, stage=stage.name, key=str(target), level=target,
                    target_area_id=area_id, target_unit_id=unit_id, due_at=r[due], scheduled_at=scheduled,
                    created_at=now, note=note,
                ))
                events.append(OrderEvent(
                    order_id=r["id"], action="supervise", from_status=r["status"], to_status=r["status"],
                    actor=None, actor_repr="system", unit_id=r["unit_id"], reason=note, is_public=False,
                    data={"stage": stage.name, "level": str(target), "from_level": level or "",
                          "due": r[due].isoformat(), "scheduled_at": scheduled.isoformat()},
                ))
                level, steps = target, steps + 1
            if level != r["supervision_level"]:
                audits.append(audit_row(actor=None, action="order.supervise", obj=_order_ref(r), changes={
                    "supervision_level": [r["supervision_level"], level], "stage": [None, stage.name],
                }))
                new_levels.setdefault(level, []).append(r["id"])
        if pressures:
            pressures = Pressure.objects.bulk_create(pressures)
            OrderEvent.objects.bulk_create(events)
            for level, ids in new_levels.items():
                rollups.update_orders(ids, supervision_level=level)
            AuditEvent.objects.bulk_create(audits)
            _notify(pressures)
        summary.supervised += len(pressures)
        tick(len(rows))


def _remind_step(stage: Stage, now: datetime, summary: SweepSummary, batch_size: int, tick,
                 policies, limit, between_groups=lambda: None) -> None:
    from civicgrid.workorders.models import WorkOrder

    from .deadlines import sub_limit

    due = stage.due_field
    # Policies sharing a limit and a fraction share a cutoff: one range query for all of them.
    groups: dict[tuple[float, float, str], list[int | None]] = defaultdict(list)
    for pk, policy in policies.items():
        value, unit = limit(policy, stage.name)
        for fraction in remind_fractions(policy):
            groups[(fraction, value, unit)].append(pk)
    # Highest fraction first: an order past 0.8 gets the 0.8 reminder, and then the 0.5 step sees
    # a reminder at or above 0.5 and leaves it alone.
    for (fraction, value, unit), policy_ids in sorted(groups.items(), key=lambda g: (-g[0][0], g[0][1], g[0][2])):
        left = (1 - fraction) * value
        cutoff = add_limit(now, left, unit)
        higher = Pressure.objects.filter(
            order=OuterRef("pk"), kind=PressureKind.REMIND, stage=stage.name, due_at=OuterRef(due),
            fraction__gte=fraction,
        )
        qs = WorkOrder.objects.filter(_policy_q(policy_ids), status__in=stage.statuses, **{
            f"{due}__gt": now, f"{due}__lte": cutoff,
        }).filter(~Exists(higher))
        between_groups()
        scheduled_for: dict[datetime, datetime] = {}
        # Reminders change no order: no row locks (they cost a write per row on PostgreSQL); the
        # unique key still stops a concurrent sweep from sending one twice.
        for rows in _batches(qs, due, ("id", due, "unit_id"), batch_size, lock=False):
            objs = []
            for r in rows:
                when = scheduled_for.get(r[due])
                if when is None:
                    when = scheduled_for[r[due]] = min(sub_limit(r[due], left, unit), now)
                objs.append(Pressure(
                    order_id=r["id"], kind=PressureKind.REMIND, stage=stage.name,
                    key=f"{fraction:g}@{stamp(r[due])}", fraction=fraction, due_at=r[due], scheduled_at=when,
                    created_at=now, target_unit_id=r["unit_id"],
                    note=_("%(percent)d%% of the %(limit)s limit has passed (催办).")
                    % {"percent": round(fraction * 100), "limit": STAGE_LABELS[stage.name]},
                ))
            pressures = Pressure.objects.bulk_create(objs)
            record_event(actor=None, action="sla.remind", changes={
                "stage": stage.name, "fraction": fraction, "orders": [r["id"] for r in rows],
            })
            _notify(pressures)
            summary.reminders += len(pressures)
            tick(len(rows))


def _whistle_step(now: datetime, summary: SweepSummary, batch_size: int, tick) -> None:
    from civicgrid.workorders import notify

    while True:
        with transaction.atomic():
            late = list(
                WhistleResponse.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(reported_at__isnull=True, is_overdue=False, whistle__status=WhistleStatus.OPEN,
                        whistle__report_due__lte=now)
                .order_by("pk")
                .values("id", "unit_id", "whistle_id", "whistle__order_id", "whistle__report_due")[:batch_size]
            )
            if not late:
                return
            WhistleResponse.objects.filter(pk__in=[r["id"] for r in late]).update(is_overdue=True)
            pressures = Pressure.objects.bulk_create([
                Pressure(order_id=r["whistle__order_id"], kind=PressureKind.OVERDUE, stage="whistle",
                         key=f"whistle-{r['whistle_id']}-unit-{r['unit_id']}", target_unit_id=r["unit_id"],
                         due_at=r["whistle__report_due"], scheduled_at=r["whistle__report_due"], created_at=now,
                         note=_("The department has not reported (报到) to the whistle in time."))
                for r in late
            ])
            record_event(actor=None, action="sla.whistle_overdue", changes={"responses": [r["id"] for r in late]})
            _notify(pressures)
            for whistle in Whistle.objects.filter(pk__in={r["whistle_id"] for r in late}).select_related("order"):
                notify.on_whistle(whistle, "overdue")
            summary.whistle_overdue += len(late)
            tick(len(late))


def run_sweep(now: datetime | None = None, *, batch_size: int = BATCH_SIZE,
              progress: Callable[[str, int], None] | None = None) -> SweepSummary:
    """Run every step once for ``now`` (default: the current time). See the module docstring.

    ``progress(step, rows)`` is called after each batch (the command draws a progress bar with it).
    The notes it stores (and the notices made from them) are in the platform's language, whatever
    language the caller has active, as every other job's messages are.
    """
    with platform_language():
        return _run_sweep(now, batch_size=batch_size, progress=progress)


def _run_sweep(now: datetime | None, *, batch_size: int,
               progress: Callable[[str, int], None] | None) -> SweepSummary:
    now = now or timezone.now()
    if timezone.is_naive(now):
        now = timezone.make_aware(now)
    started = time.perf_counter()
    summary = SweepSummary(now=now)
    policies, limit = _policy_limits()
    targets = _Targets()

    def ticker(step: str):
        return (lambda n: progress(step, n)) if progress else (lambda n: None)

    analysed = 0

    def refresh_statistics():
        # A catch-up sweep can add many pressures within seconds; with the statistics taken when the
        # table was small, PostgreSQL plans "NOT EXISTS (a pressure)" as a scan of the whole table
        # per order (measured: 18 s instead of 0.1 s per batch). Re-analyse after big inserts.
        nonlocal analysed
        written = summary.changes
        if connection.vendor == "postgresql" and written - analysed >= ANALYZE_AFTER:
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {Pressure._meta.db_table}")
            analysed = written

    for stage in stages():
        _overdue_step(stage, now, summary, batch_size, ticker(f"overdue {stage.name}"))
        refresh_statistics()
        _supervise_step(stage, now, summary, batch_size, ticker(f"supervise {stage.name}"), policies, targets)
        refresh_statistics()
        _remind_step(stage, now, summary, batch_size, ticker(f"remind {stage.name}"), policies, limit,
                     refresh_statistics)
        refresh_statistics()
    _whistle_step(now, summary, batch_size, ticker("whistles"))
    summary.seconds = time.perf_counter() - started
    if summary.changes:
        logger.info("SLA sweep at %s: %s", now.isoformat(), summary.as_dict())
    return summary
