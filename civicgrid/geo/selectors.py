"""Reads of areas, buildings and households, always through the reader's jurisdiction.

Areas (names, codes, boundaries) are public: residents pick them on maps and Open311 publishes
them. Buildings are the address book of a jurisdiction; households are personal data.
"""

from __future__ import annotations

from django.db.models import QuerySet

from civicgrid.people.jurisdiction import Jurisdiction

from .models import Area, Building, Household


def areas_public() -> QuerySet[Area]:
    return Area.objects.select_related("parent")


def area_by_code(code: str) -> Area | None:
    return Area.objects.filter(code=code).select_related("parent").first()


def buildings_for(jurisdiction: Jurisdiction) -> QuerySet[Building]:
    qs = Building.objects.select_related("grid")
    if jurisdiction.is_global:
        return qs
    if jurisdiction.user_id is None:
        return qs.none()
    if jurisdiction.area_paths:
        return qs.filter(jurisdiction.area_q("area_path"))
    # Residents see the buildings they live in; department handlers none (yet: work orders add them).
    return qs.filter(households__residents__id=jurisdiction.user_id).distinct()


def households_for(jurisdiction: Jurisdiction) -> QuerySet[Household]:
    qs = Household.objects.select_related("building", "building__grid")
    if jurisdiction.is_global:
        return qs
    if jurisdiction.user_id is None:
        return qs.none()
    if jurisdiction.household_paths:
        return qs.filter(jurisdiction.household_q("area_path"))
    return qs.filter(residents__id=jurisdiction.user_id)


def can_see_household_details(jurisdiction: Jurisdiction, household: Household) -> bool:
    """Unmasked personal data: staff of the household's jurisdiction, and its own residents."""
    if jurisdiction.user_id is None:
        return False
    if jurisdiction.covers_household_path(household.area_path):
        return True
    return household.residents.filter(pk=jurisdiction.user_id).exists()


def root_areas_for(jurisdiction: Jurisdiction) -> list[Area]:
    """The top areas of the jurisdiction: every district for administrators."""
    if jurisdiction.is_global:
        return list(Area.objects.filter(parent__isnull=True))
    paths = jurisdiction.area_paths
    return list(Area.objects.filter(path__in=paths)) if paths else []


def area_overview(jurisdiction: Jurisdiction, area: Area) -> dict:
    """Children with their building and household figures, and the 包联 cadres of the area.

    Counts are computed only inside the reader's jurisdiction (the caller has checked ``area``).
    """
    from django.db.models import Count, Sum

    from civicgrid.people.models import BaolianAssignment

    children = list(area.children.order_by("code"))
    figures = {}
    for child in children:
        agg = Building.objects.filter(area_path__startswith=child.path).aggregate(
            buildings=Count("id"), households=Sum("households_count")
        )
        grids = Area.objects.filter(path__startswith=child.path, kind="grid").count()
        figures[child.pk] = {"buildings": agg["buildings"], "households": agg["households"] or 0, "grids": grids}
    rows = [(child, figures[child.pk]) for child in children]
    baolian = BaolianAssignment.objects.filter(area=area).select_related("cadre")
    totals = Building.objects.filter(area_path__startswith=area.path).aggregate(
        buildings=Count("id"), households=Sum("households_count")
    )
    # JSON containment is PostgreSQL-only; the quoted tag as a substring works on both databases.
    totals["elderly"] = Household.objects.filter(
        area_path__startswith=area.path, tags__icontains='"elderly_alone"'
    ).count()
    return {
        "area": area,
        "ancestors": area.ancestors(),
        "rows": rows,
        "baolian": list(baolian),
        "totals": {**totals, "households": totals["households"] or 0},
        "show_households": jurisdiction.covers_household_path(area.path),
    }


def outlines(area: Area | None, kind: str | None = None) -> dict:
    """Boundaries as a GeoJSON FeatureCollection: the areas of ``kind`` inside ``area`` (its
    children when no kind is given; the districts when no area is given). Boundaries are public
    (they are printed on every 公示牌); nothing personal is in them."""
    qs = Area.objects.filter(boundary__isnull=False)
    if area is None:
        qs = qs.filter(parent__isnull=True) if kind is None else qs.filter(kind=kind)
    elif kind is None:
        qs = qs.filter(parent=area)
    else:
        qs = qs.filter(kind=kind, path__startswith=area.path)
    features = [
        {"type": "Feature", "geometry": a.boundary,
         "properties": {"code": a.code, "name": a.name, "kind": a.kind, "path": a.path}}
        for a in qs.order_by("path").only("code", "name", "kind", "path", "boundary")
    ]
    return {"type": "FeatureCollection", "features": features}
