from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import render

from civicgrid.people import selectors as people_selectors
from civicgrid.people.jurisdiction import jurisdiction_for

from . import selectors
from .models import AreaKind


@login_required
def area_index(request):
    """Entry to the area tree: the areas the user acts in (all districts for administrators)."""
    jurisdiction = jurisdiction_for(request.user)
    return render(request, "geo/area_index.html", {"areas": selectors.root_areas_for(jurisdiction)})


@login_required
def area_detail(request, code: str):
    """An area with its children, address book figures and 包联 cadres, within the jurisdiction."""
    jurisdiction = jurisdiction_for(request.user)
    area = selectors.area_by_code(code)
    if area is None or not jurisdiction.covers_path(area.path):
        raise Http404()
    return render(request, "geo/area_detail.html", selectors.area_overview(jurisdiction, area))


@login_required
def grid_profile(request, code: str):
    """A grid's 五人小组, four lists, party branch and building leaders (公示牌)."""
    grid = selectors.area_by_code(code)
    profile = None
    if grid is not None:
        profile = people_selectors.grid_profile(jurisdiction_for(request.user), grid)
    if profile is None:
        # The same answer whether the grid does not exist or is outside the jurisdiction.
        raise Http404()
    return render(request, "geo/grid_profile.html", profile)


def area_outlines(request, code: str):
    """GeoJSON outlines of the areas inside ``code`` (``?kind=grid`` for every grid under it),
    for the maps of the portal, field and command-center pages. Public, like the 公示牌."""
    area = None if code == "all" else selectors.area_by_code(code)
    if area is None and code != "all":
        raise Http404()
    kind = request.GET.get("kind") or None
    if kind is not None and kind not in AreaKind.values:
        return JsonResponse({"detail": "kind"}, status=400)
    return JsonResponse(selectors.outlines(area, kind))
