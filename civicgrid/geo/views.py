from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from civicgrid.people import selectors as people_selectors
from civicgrid.people.jurisdiction import jurisdiction_for

from . import selectors


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
