"""Keeping the command-center rollups (``models.OrderTally``, ``DailyTally``, ``MonthlyTally``)
equal to a recount, on every change.

An order *contributes* counters to keys of the three tables (its current state; its creation day;
its closing day and month while it stays closed; its dispatch month). A write that changes an
order applies ``contribution(after) - contribution(before)`` inside the writer's transaction, so a
rolled-back write leaves the rollups untouched and no figure can drift. Callbacks contribute to
the month they were recorded in. ``recount()`` computes the same tables with GROUP BY over the
orders and callbacks: ``rebuild()`` replaces the tables with it (after bulk loads that bypass the
services) and ``differences()`` lists every key where the two disagree.

Hand-written rather than a materialised view: it has to run the same on SQLite and PostgreSQL and
stay exact under row-level concurrency; increments are ``UPDATE … SET n = n + d`` on keys taken
in sorted order so that two transactions never wait on each other in opposite orders.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.db.models import Case, Count, DateField, F, Q, Value, When
from django.db.models.functions import TruncDay, TruncMonth
from django.utils import timezone

from .models import CategoryTally, DailyTally, MonthlyTally, OrderTally

# The order fields the rollups read: any write that changes one of them must go through here.
SNAPSHOT_FIELDS = (
    "area_path", "category_id", "unit_id", "status", "is_overdue", "supervision_level", "created_at",
    "closed_at", "handle_due", "dispatched_at", "accepted_at", "response_due",
)
TABLES = {"order": OrderTally, "daily": DailyTally, "category": CategoryTally, "monthly": MonthlyTally}
KEY_FIELDS = {
    "order": ("area_path", "category_root", "status", "is_overdue", "supervised"),
    "daily": ("day", "area_path"),
    "category": ("day", "area_path", "category_root"),
    "monthly": ("month", "area_path", "unit"),
}
COUNTERS = {
    "order": ("count",),
    "daily": ("created", "closed", "closed_on_time"),
    "category": ("created",),
    "monthly": ("dispatched", "responded", "closed", "closed_on_time", "callbacks", "resolved_verdicts",
                "satisfied", "basically"),
}
CLOSED = "closed"

Deltas = dict[tuple[str, tuple], dict[str, int]]

_roots: dict[int, int] = {}


def _category_root(category_id: int | None) -> int:
    """The id of the top-level category above ``category_id`` (0 for none). Cached: the catalogue
    changes a few times a year; a moved category is picked up at the next process start or rebuild."""
    if not category_id:
        return 0
    if category_id not in _roots:
        from civicgrid.workorders.models import Category

        by_code = {}
        rows = list(Category.objects.values_list("id", "code", "path"))
        for pk, code, _path in rows:
            by_code[code] = pk
        for pk, _code, path in rows:
            first = path.strip("/").split("/")[0]
            _roots[pk] = by_code.get(first, pk)
    return _roots.get(category_id, category_id)


def forget_categories() -> None:
    _roots.clear()


def _day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def _month(moment: datetime) -> date:
    return _day(moment).replace(day=1)


def snapshot(order) -> dict:
    """The counted fields of an order instance (or of a ``values()`` row)."""
    if isinstance(order, dict):
        return {f: order[f] for f in SNAPSHOT_FIELDS}
    return {f: getattr(order, f) for f in SNAPSHOT_FIELDS}


def _add(deltas: Deltas, table: str, key: tuple, sign: int, **counters: int) -> None:
    slot = deltas.setdefault((table, key), defaultdict(int))
    for name, value in counters.items():
        if value:
            slot[name] += sign * value


def contribute(deltas: Deltas, row: dict, sign: int = 1) -> None:
    """Add (sign=1) or take away (sign=-1) one order's contribution."""
    root = _category_root(row["category_id"])
    unit = row["unit_id"] or 0
    path = row["area_path"]
    _add(deltas, "order", (path, root, row["status"], bool(row["is_overdue"]), bool(row["supervision_level"])),
         sign, count=1)
    born = _day(row["created_at"])
    _add(deltas, "daily", (born, path), sign, created=1)
    _add(deltas, "category", (born, path, root), sign, created=1)
    if row["status"] == CLOSED and row["closed_at"] is not None:
        on_time = int(row["handle_due"] is None or row["closed_at"] <= row["handle_due"])
        _add(deltas, "daily", (_day(row["closed_at"]), path), sign, closed=1, closed_on_time=on_time)
        _add(deltas, "monthly", (_month(row["closed_at"]), path, unit), sign, closed=1, closed_on_time=on_time)
    if row["dispatched_at"] is not None:
        responded = int(row["accepted_at"] is not None
                        and (row["response_due"] is None or row["accepted_at"] <= row["response_due"]))
        _add(deltas, "monthly", (_month(row["dispatched_at"]), path, unit), sign, dispatched=1, responded=responded)


def contribute_callback(deltas: Deltas, callback, sign: int = 1) -> None:
    from civicgrid.workorders.models import Resolution, Satisfaction

    if not callback.reached:
        return
    _add(deltas, "monthly", (_month(callback.created_at), callback.area_path, callback.unit_id or 0), sign,
         callbacks=1, resolved_verdicts=int(callback.resolution == Resolution.RESOLVED),
         satisfied=int(callback.satisfaction == Satisfaction.SATISFIED),
         basically=int(callback.satisfaction == Satisfaction.BASICALLY))


def apply(deltas: Deltas) -> int:
    """Write the non-zero deltas; returns how many keys changed. Call inside the writer's transaction."""
    changed = 0
    for (table, key) in sorted(deltas, key=lambda k: (k[0], tuple(str(v) for v in k[1]))):
        counters = {name: n for name, n in deltas[(table, key)].items() if n}
        if not counters:
            continue
        changed += 1
        model = TABLES[table]
        where = dict(zip(KEY_FIELDS[table], key))
        increments = {name: F(name) + n for name, n in counters.items()}
        if model.objects.filter(**where).update(**increments):
            continue
        try:
            with transaction.atomic():
                model.objects.create(**where, **counters)
        except IntegrityError:
            # Another transaction created the key between our update and insert.
            model.objects.filter(**where).update(**increments)
    return changed


# --- the writers' entry points ------------------------------------------------------------------
def order_changed(before: dict, after: dict) -> None:
    if before == after:
        return
    deltas: Deltas = {}
    contribute(deltas, before, -1)
    contribute(deltas, after, 1)
    apply(deltas)


def orders_created(orders: Iterable) -> None:
    deltas: Deltas = {}
    for order in orders:
        contribute(deltas, snapshot(order), 1)
    apply(deltas)


def callback_recorded(callback) -> None:
    deltas: Deltas = {}
    contribute_callback(deltas, callback, 1)
    apply(deltas)


def update_orders(ids: list[int], **values) -> int:
    """``WorkOrder.objects.filter(pk__in=ids).update(**values)`` with the rollups kept: for the
    sweep's bulk changes (overdue flags, supervision levels). Call inside a transaction. The orders'
    ``updated_at`` moves too (update() skips auto_now), so that incremental pulls see the change."""
    from django.utils import timezone

    from civicgrid.workorders.models import WorkOrder

    if not ids:
        return 0
    rows = list(WorkOrder.objects.filter(pk__in=ids).values(*SNAPSHOT_FIELDS))
    updated = WorkOrder.objects.filter(pk__in=ids).update(**{"updated_at": timezone.now(), **values})
    deltas: Deltas = {}
    for row in rows:
        contribute(deltas, row, -1)
        contribute(deltas, {**row, **values}, 1)
    apply(deltas)
    return updated


# --- recount ------------------------------------------------------------------------------------
def recount() -> dict[str, dict[tuple, dict[str, int]]]:
    """Every table computed from scratch with GROUP BY (no Python loop over orders)."""
    from civicgrid.workorders.models import (
        Callback,
        Resolution,
        Satisfaction,
        WorkOrder,
    )

    tz = timezone.get_current_timezone()
    result: dict[str, dict[tuple, dict[str, int]]] = {name: defaultdict(lambda: defaultdict(int)) for name in TABLES}
    supervised = Case(When(supervision_level="", then=Value(False)), default=Value(True))
    for r in (WorkOrder.objects.values("area_path", "category_id", "status", "is_overdue")
              .annotate(sup=supervised, n=Count("id")).order_by()):
        key = (r["area_path"], _category_root(r["category_id"]), r["status"], r["is_overdue"], r["sup"])
        result["order"][key]["count"] += r["n"]
    day = TruncDay("created_at", tzinfo=tz, output_field=DateField())
    for r in WorkOrder.objects.annotate(d=day).values("d", "area_path", "category_id").annotate(n=Count("id")).order_by():
        result["daily"][(r["d"], r["area_path"])]["created"] += r["n"]
        result["category"][(r["d"], r["area_path"], _category_root(r["category_id"]))]["created"] += r["n"]
    on_time = Q(handle_due__isnull=True) | Q(closed_at__lte=F("handle_due"))
    closed = WorkOrder.objects.filter(status=CLOSED, closed_at__isnull=False)
    for r in (closed.annotate(d=TruncDay("closed_at", tzinfo=tz, output_field=DateField()))
              .values("d", "area_path").annotate(n=Count("id"), ok=Count("id", filter=on_time)).order_by()):
        slot = result["daily"][(r["d"], r["area_path"])]
        slot["closed"] += r["n"]
        slot["closed_on_time"] += r["ok"]
    for r in (closed.annotate(m=TruncMonth("closed_at", tzinfo=tz, output_field=DateField()))
              .values("m", "area_path", "unit_id").annotate(n=Count("id"), ok=Count("id", filter=on_time)).order_by()):
        slot = result["monthly"][(r["m"], r["area_path"], r["unit_id"] or 0)]
        slot["closed"] += r["n"]
        slot["closed_on_time"] += r["ok"]
    responded = Q(accepted_at__isnull=False) & (Q(response_due__isnull=True) | Q(accepted_at__lte=F("response_due")))
    for r in (WorkOrder.objects.filter(dispatched_at__isnull=False)
              .annotate(m=TruncMonth("dispatched_at", tzinfo=tz, output_field=DateField()))
              .values("m", "area_path", "unit_id").annotate(n=Count("id"), ok=Count("id", filter=responded)).order_by()):
        slot = result["monthly"][(r["m"], r["area_path"], r["unit_id"] or 0)]
        slot["dispatched"] += r["n"]
        slot["responded"] += r["ok"]
    for r in (Callback.objects.filter(reached=True)
              .annotate(m=TruncMonth("created_at", tzinfo=tz, output_field=DateField()))
              .values("m", "area_path", "unit_id").annotate(
                  n=Count("id"), res=Count("id", filter=Q(resolution=Resolution.RESOLVED)),
                  sat=Count("id", filter=Q(satisfaction=Satisfaction.SATISFIED)),
                  basic=Count("id", filter=Q(satisfaction=Satisfaction.BASICALLY))).order_by()):
        slot = result["monthly"][(r["m"], r["area_path"], r["unit_id"] or 0)]
        slot["callbacks"] += r["n"]
        slot["resolved_verdicts"] += r["res"]
        slot["satisfied"] += r["sat"]
        slot["basically"] += r["basic"]
    return result


def stored() -> dict[str, dict[tuple, dict[str, int]]]:
    """The tables as they are, zero rows left out (a key whose counts went back to zero stays)."""
    result: dict[str, dict[tuple, dict[str, int]]] = {}
    for name, model in TABLES.items():
        rows = {}
        for r in model.objects.values(*KEY_FIELDS[name], *COUNTERS[name]).iterator():
            counts = {c: r[c] for c in COUNTERS[name] if r[c]}
            if counts:
                rows[tuple(r[k] for k in KEY_FIELDS[name])] = counts
        result[name] = rows
    return result


def _nonzero(table: dict) -> dict:
    return {key: {c: n for c, n in counts.items() if n} for key, counts in table.items() if any(counts.values())}


def differences(limit: int = 20) -> list[str]:
    """Keys where the stored rollups and a recount disagree (empty: they agree)."""
    fresh = {name: _nonzero(t) for name, t in recount().items()}
    have = stored()
    problems = []
    for name in TABLES:
        for key in sorted(set(fresh[name]) | set(have[name]), key=lambda k: tuple(str(v) for v in k)):
            if fresh[name].get(key, {}) != have[name].get(key, {}):
                problems.append(f"{name} {key}: stored {have[name].get(key, {})} recount {fresh[name].get(key, {})}")
                if len(problems) >= limit:
                    return problems
    return problems


def rebuild(batch_size: int = 5000) -> dict[str, int]:
    """Replace the tables with a recount, in one transaction. Returns rows written per table."""
    forget_categories()
    fresh = recount()
    written = {}
    with transaction.atomic():
        for name, model in TABLES.items():
            model.objects.all().delete()
            objs = [model(**dict(zip(KEY_FIELDS[name], key)), **counts)
                    for key, counts in _nonzero(fresh[name]).items()]
            model.objects.bulk_create(objs, batch_size=batch_size)
            written[name] = len(objs)
    return written


