"""The resident portal (mobile first): report, track, my appeals, echo wall, community notices."""

from django.shortcuts import render


def home(request):
    return render(request, "portal/home.html", {})
