"""Benchmarks of the sla app, run by ``civicgrid bench sla``.

Loads open orders (1,000,000 by default) into the areas already in the database, then times one
sweep and a second one (which must change nothing). Run it in a scratch database: the orders stay.

Deadlines: ``--due-share`` of the orders (default 10%) crossed something since the previous
sweep would have run (40% of them half their limit, 30% four fifths, 30% the deadline itself,
overdue by up to three days); the others are in the first half of their limit, as most open orders
are at any moment. Orders are spread over the stages (new 5%, dispatched 15%, accepted 30%, in
progress 50%), handling levels, grids and the default policies (3% urgent).
"""

from __future__ import annotations

import contextlib
import random
import time
from datetime import timedelta

from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone
from tqdm import tqdm

from civicgrid.core.bulkload import load_rows

from .deadlines import add_limit
from .sweep import BATCH_SIZE, run_sweep

STATUS_MIX = [("new", 0.05), ("dispatched", 0.15), ("accepted", 0.30), ("in_progress", 0.50)]
STAGE_OF = {"new": "dispatch", "dispatched": "response", "accepted": "handle", "in_progress": "handle"}
DUE_FIELD = {"dispatch": "dispatch_due", "response": "response_due", "handle": "handle_due"}
LEVEL_MIX = [("grid", 0.4), ("community", 0.2), ("street", 0.1), ("district", 0.3)]


def _pick(mix, rng):
    x = rng.random()
    for value, share in mix:
        x -= share
        if x < 0:
            return value
    return mix[-1][0]


class _Windows:
    """For each (policy, stage): the bounds of "nothing due", "half", "four fifths" and "overdue",
    computed once with the calendar, so that loading needs no per-order calendar arithmetic."""

    def __init__(self, now, policies, limit):
        self.now = now
        self.bounds = {}
        for policy in policies:
            for stage in ("dispatch", "response", "handle"):
                value, unit = limit(policy, stage)
                full = add_limit(now, value, unit)
                c50 = add_limit(now, 0.5 * value, unit)
                c80 = add_limit(now, 0.2 * value, unit)
                self.bounds[(policy.pk if policy else None, stage)] = {
                    "none": (c50 + timedelta(seconds=1), full),
                    "half": (c80 + timedelta(seconds=1), c50),
                    "fifths": (now + timedelta(seconds=1), c80),
                    "overdue": (now - timedelta(days=3), now),
                }

    def due(self, policy_id, stage, kind, rng):
        lo, hi = self.bounds[(policy_id, stage)][kind]
        span = max((hi - lo).total_seconds(), 0)
        return lo + timedelta(seconds=int(rng.random() * span))


class SlaBenchmark:
    name = "sla"
    help = "One sweep over N open orders (default 1,000,000; target under 30 s on PostgreSQL), then a second."

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, default=1_000_000, help="open orders to load first")
        parser.add_argument("--due-share", type=float, default=0.10,
                            help="share of orders with a reminder or deadline due (default 0.10)")
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--no-load", action="store_true", help="sweep the orders already there")
        parser.add_argument("--without-notifications", action="store_true",
                            help="replace the notify hooks by no-ops: the sweep's own cost, without the outbox")

    def run(self, command, options):
        from civicgrid.geo.models import Area
        from civicgrid.sla.models import SlaPolicy
        from civicgrid.sla.sweep import _policy_limits
        from civicgrid.workorders.models import OPEN_STATUSES, WorkOrder

        out = command.stdout
        err = command.stderr._out
        if options["orders"] < 0 or not 0 <= options["due_share"] <= 1:
            raise CommandError("--orders must be ≥ 0 and --due-share between 0 and 1.")
        now = timezone.now()
        if not options["no_load"] and options["orders"]:
            grids = list(Area.objects.filter(kind="grid").values_list("id", "path"))
            if not grids:
                raise CommandError("No grids in the database: run `civicgrid demo --scale small` first.")
            policies, limit = _policy_limits()
            active = [p for p in policies.values() if p is not None and p.is_active and not p.utilities_only]
            normal = next((p for p in active if not p.priority and p.area_id is None and p.category_id is None), None)
            urgent = next((p for p in active if p.priority == "urgent" and p.area_id is None), None) or normal
            windows = _Windows(now, [p for p in {normal, urgent}], limit)
            t0 = time.perf_counter()
            loaded = self._load(options, now, grids, normal, urgent, windows, err)
            out.write(f"loaded {loaded:,} open orders in {time.perf_counter() - t0:.1f} s "
                      f"({connection.vendor}, {'COPY' if connection.vendor == 'postgresql' else 'bulk_create'})")
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(f"ANALYZE {WorkOrder._meta.db_table}")
            # The load bypassed the services: recount the command-center rollups (untimed) so the
            # sweep's own rollup updates start from true figures.
            from civicgrid.dashboard import rollups

            t0 = time.perf_counter()
            rollups.rebuild()
            out.write(f"rollups rebuilt in {time.perf_counter() - t0:.1f} s (not part of the sweep's time)")
        open_orders = WorkOrder.objects.filter(status__in=OPEN_STATUSES).count()
        out.write(f"open orders in the database: {open_orders:,}; policies: {SlaPolicy.objects.count()}")

        with contextlib.ExitStack() as stack:
            self._sweeps(command, options, now, stack)

    def _sweeps(self, command, options, now, stack):
        out, err = command.stdout, command.stderr._out
        if options["without_notifications"]:
            from unittest import mock

            from civicgrid.workorders import notify

            patches = [mock.patch.object(notify, "on_pressure", lambda p: None),
                       mock.patch.object(notify, "on_whistle", lambda w, e: None)]
            if hasattr(notify, "on_pressures"):
                patches.append(mock.patch.object(notify, "on_pressures", lambda ps: None))
            for patch in patches:
                stack.enter_context(patch)
            out.write("notifications: off (notify hooks replaced by no-ops)")
        else:
            out.write("notifications: on (notify.on_pressure per pressure, or on_pressures per batch)")
        for label in ("first sweep", "second sweep"):
            bar = tqdm(desc=label, unit="order", file=err, leave=False)

            def progress(step, rows, bar=bar):
                bar.set_postfix_str(step, refresh=False)
                bar.update(rows)

            summary = run_sweep(now, batch_size=options["batch_size"], progress=progress)
            bar.close()
            out.write(f"{label}: {summary.seconds:.2f} s, {summary.changes:,} changes "
                      f"(reminders {summary.reminders:,}, overdue {summary.overdue:,}, newly overdue "
                      f"{summary.orders_marked_overdue:,}, supervision {summary.supervised:,}, "
                      f"whistles {summary.whistle_overdue:,})")
        out.write("target: first sweep under 30 s for 1,000,000 open orders on PostgreSQL; second sweep 0 changes")

    # --- loading --------------------------------------------------------------------------------
    def _rows(self, options, now, grids, normal, urgent, windows, tag, units_by_kind):
        rng = random.Random(options["seed"])
        due_share = options["due_share"]
        for i in range(options["orders"]):
            status = _pick(STATUS_MIX, rng)
            stage = STAGE_OF[status]
            policy = urgent if rng.random() < 0.03 else normal
            policy_id = policy.pk if policy else None
            area_id, path = grids[rng.randrange(len(grids))]
            level = _pick(LEVEL_MIX, rng)
            candidates = units_by_kind.get(level) or []
            unit_id = candidates[rng.randrange(len(candidates))] if candidates and status != "new" else None
            if rng.random() < due_share:
                kind = _pick([("half", 0.4), ("fifths", 0.3), ("overdue", 0.3)], rng)
            else:
                kind = "none"
            due = windows.due(policy_id, stage, kind, rng)
            row = {
                "number": f"{tag}{i:08d}", "title": "压力测试工单", "description": "bench", "priority":
                policy.priority if policy and policy.priority else "normal", "status": status, "channel": "import",
                "area_id": area_id, "area_path": path, "level": level, "unit_id": unit_id, "sla_policy_id": policy_id,
                "created_at": now - timedelta(days=1), "updated_at": now,
                "dispatched_at": None if status == "new" else now - timedelta(hours=12),
                DUE_FIELD[stage]: due,
            }
            yield row

    def _load(self, options, now, grids, normal, urgent, windows, err) -> int:
        from civicgrid.people.models import Unit, UnitKind
        from civicgrid.workorders.models import WorkOrder

        tag = f"B{int(time.time()) % 100000:05d}-"
        # Read before COPY starts: the connection can run nothing else while it copies.
        units_by_kind = {
            "community": list(Unit.objects.filter(kind=UnitKind.COMMUNITY_OFFICE).values_list("id", flat=True)),
            "street": list(Unit.objects.filter(kind=UnitKind.STREET_OFFICE).values_list("id", flat=True)),
            "district": list(Unit.objects.filter(kind=UnitKind.DEPARTMENT).values_list("id", flat=True)),
        }
        rows = self._rows(options, now, grids, normal, urgent, windows, tag, units_by_kind)
        return load_rows(WorkOrder, rows, total=options["orders"], desc="loading orders", err=err)


BENCHMARKS = [SlaBenchmark()]
