"""``manage.py import_areas FILE --kind grid --code-property CODE --name-property NAME [--parent CODE]``

All or nothing: every problem in the file is printed and nothing is imported unless there is none.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from civicgrid.geo import services
from civicgrid.geo.models import AreaKind

from ._progress import tqdm_progress


class Command(BaseCommand):
    help = "Import area boundaries of one kind from a GeoJSON FeatureCollection, in one transaction."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--kind", required=True, choices=AreaKind.values)
        parser.add_argument("--code-property", required=True, help="feature property holding the area code")
        parser.add_argument("--name-property", default=None, help="feature property holding the name (default: the code)")
        parser.add_argument("--parent", default=None, help="code of the parent area of every feature")
        parser.add_argument("--parent-property", default=None, help="feature property holding each parent's code")
        parser.add_argument("--code-prefix", default="", help="prepended to every code (e.g. 'NYC-')")
        parser.add_argument("--allow-overlap", action="store_true",
                            help="accept siblings that overlap by more than the sliver tolerance (listed in the summary)")
        parser.add_argument("--repair", action="store_true",
                            help="repair self-intersecting polygons with shapely.make_valid (listed in the summary)")
        parser.add_argument("--update-boundaries", action="store_true",
                            help="give areas that exist already (e.g. from import-divisions) the file's boundary "
                                 "instead of refusing them")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        try:
            summary = services.import_areas_geojson(
                None, options["file"], kind=options["kind"], code_property=options["code_property"],
                name_property=options["name_property"], parent_code=options["parent"],
                parent_property=options["parent_property"], code_prefix=options["code_prefix"],
                allow_overlap=options["allow_overlap"], repair=options["repair"],
                update_boundaries=options["update_boundaries"],
                progress=tqdm_progress(self.stderr._out, not options["no_progress"]),
            )
        except ValidationError as exc:
            raise CommandError("\n  ".join(exc.messages)) from exc
        print_summary(self, summary)


def kind_word(kind: str) -> str:
    """The kind as the summary names it: "grid" in English, 网格 in Chinese."""
    return {"district": _("district"), "street": _("street"), "community": _("community"), "grid": _("grid")}.get(kind, kind)


def print_summary(command: BaseCommand, summary: services.ImportSummary) -> None:
    out = command.stdout
    out.write(command.style.SUCCESS(
        _("Imported %(created)d %(kind)s area(s) from %(source)s (%(with_boundary)d with a boundary).")
        % {"created": summary.created, "kind": kind_word(summary.kind), "source": summary.source,
           "with_boundary": summary.with_boundary}))
    for parent, count in sorted(summary.parents.items()):
        out.write("  " + _("under %(parent)s: %(count)d") % {"parent": parent or _("(root)"), "count": count})
    if summary.updated:
        out.write("  " + _("boundaries set on existing areas (%(n)d): %(list)s")
                  % {"n": len(summary.updated), "list": ", ".join(summary.updated)})
    if summary.skipped:
        out.write("  " + _("rows skipped (outside the requested codes): %(n)d") % {"n": summary.skipped})
    if summary.repaired:
        out.write("  " + _("repaired polygons: %(list)s") % {"list": ", ".join(summary.repaired)})
    if summary.overlaps_allowed:
        out.write("  " + _("overlaps accepted (%(n)d):") % {"n": len(summary.overlaps_allowed)})
        for line in summary.overlaps_allowed:
            out.write("    " + line)
