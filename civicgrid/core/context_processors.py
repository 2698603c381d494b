from django.conf import settings

from civicgrid.people.jurisdiction import jurisdiction_for
from civicgrid.people.models import CENTER_ROLES, FIELD_ROLES

# Who gets which face in the top navigation. The pages check permissions themselves; this only
# decides which links a person sees.


def civicgrid(request):
    return {"CIVICGRID_MODE": settings.MODE, "DEMO_MODE": settings.DEMO_MODE, "nav": _nav(request),
            "MAP_TILE_URL": settings.MAP_TILE_URL, "MAP_TILE_ATTRIBUTION": settings.MAP_TILE_ATTRIBUTION}


def _nav(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"staff": False, "field": False, "center": False}
    j = jurisdiction_for(user)
    return {"staff": j.is_staff, "field": j.has_role(*FIELD_ROLES), "center": j.has_role(*CENTER_ROLES)}
