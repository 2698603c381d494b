from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render

from civicgrid.people.jurisdiction import jurisdiction_for
from civicgrid.people.models import CENTER_ROLES, FIELD_ROLES


def home(request):
    """Each person lands on their own face: residents and visitors on the portal, grid workers on
    their phone pages, commanders and street or community staff on the command center, other
    staff (department handlers, hotline operators) on the workbench."""
    if not request.user.is_authenticated:
        return redirect("portal:home")
    j = jurisdiction_for(request.user)
    if j.is_global or j.has_role(*CENTER_ROLES):
        return redirect("dashboard:center")
    if j.has_role(*FIELD_ROLES):
        return redirect("fieldwork:home")
    if j.is_staff:
        return redirect("workorders:workbench")
    return redirect("portal:home")


def about(request):
    jurisdiction = jurisdiction_for(request.user) if request.user.is_authenticated else None
    return render(request, "core/home.html", {"jurisdiction": jurisdiction})


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "database": connection.vendor})
