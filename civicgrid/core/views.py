from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

from civicgrid.people.jurisdiction import jurisdiction_for


def home(request):
    jurisdiction = jurisdiction_for(request.user) if request.user.is_authenticated else None
    return render(request, "core/home.html", {"jurisdiction": jurisdiction})


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "database": connection.vendor})
