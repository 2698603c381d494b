"""``civicgrid demo``: build the demo jurisdiction (a thin wrapper over civicgrid.demo.builder)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from civicgrid.demo import builder


class Command(BaseCommand):
    help = (
        "Build the seeded demo jurisdiction (市北区 即墨路街道/四方街道, 即墨区 通济街道) with grids, buildings, "
        "households, units, staff and the demo users (password 'demo'). Demo, dev and test mode only."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=builder.DEFAULT_SEED,
                            help=f"random seed (default {builder.DEFAULT_SEED}); the same seed builds the same district")
        parser.add_argument("--scale", choices=builder.SCALES, default="full",
                            help="small: three communities with two grids each (for tests); full: everything")
        parser.add_argument("--reset", action="store_true", help="delete the demo data first")
        parser.add_argument("--no-progress", action="store_true", help="no progress bars")
        parser.add_argument("--orders", type=int, default=None,
                            help="work orders over the last 60 days (default 1500 for full, 0 for small)")
        parser.add_argument("--digest", action="store_true", help="print a digest of the built data (determinism check)")

    def handle(self, *args, **options):
        progress = not options["no_progress"] and options["verbosity"] > 0
        try:
            result = builder.build(
                seed=options["seed"], scale=options["scale"], reset=options["reset"], progress=progress,
                out=self.stderr._out, orders=options["orders"],
            )
        except builder.DemoRefused as exc:
            raise CommandError(str(exc)) from exc
        if options["verbosity"] > 0:
            self.print_summary(result, options)
        if options["digest"]:
            self.stdout.write(builder.demo_digest())

    def print_summary(self, result, options):
        c = result["counts"]
        w = self.stdout.write
        if result["deleted"]:
            w("Deleted first: " + ", ".join(f"{k} {v}" for k, v in result["deleted"].items()))
        w(self.style.SUCCESS(
            f"Demo built in {result['seconds']:.1f} s (seed {options['seed']}, scale {options['scale']})"
        ))
        w(f"  districts {c['districts']}, streets {c['streets']}, communities {c['communities']}, grids {c['grids']}")
        w(f"  buildings {c['buildings']}, households {c['households']}")
        w("  units " + ", ".join(f"{k} {v}" for k, v in c["units"].items()))
        w(f"  users {c['users']}: " + ", ".join(f"{k} {v}" for k, v in c["users_by_role"].items()))
        w(f"  五人小组 members {c['grid_team_members']}, four-list items {c['grid_list_items']}, "
          f"party branches {c['party_branches']}, building leaders {c['building_leaders']}")
        w("  包联 " + ", ".join(f"{k} {v}" for k, v in c["baolian"].items()))
        o = c.get("orders") or {}
        if o.get("orders"):
            w(f"  work orders {o['orders']} over 60 days: {o['open']} open, {o['closed']} closed, "
              f"{o['callbacks']} callbacks, {o.get('me_too', 0)} me-too appeals, {o.get('answers_held', 0)} answers held for review")
        if o.get("classifier"):
            w(f"  category classifier version {o['classifier']} trained on the closed orders and active")
        if o.get("findings"):
            w(f"  hotspot scan: {o['findings']} findings for the command center")
        from civicgrid.demo.builder import app_demo_modules

        for label, _module in app_demo_modules():
            if isinstance(o.get(label), dict):
                w(f"  {label}: " + ", ".join(f"{k} {v}" for k, v in o[label].items()))
        if options["verbosity"] > 1:
            w("  seconds per stage: " + ", ".join(f"{k} {v}" for k, v in result["timings"].items()))
        w("Demo sign-in (password 'demo', demo mode only):")
        for username, role, where in result["logins"]:
            w(f"  {username:<10} {role:<20} {where}")
