"""The street sub-center and district command center pages."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def center(request):
    return render(request, "dashboard/center.html", {})
