"""The grid worker's phone pages: patrol and visit log, one-tap report, my grid, my open orders."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def home(request):
    return render(request, "fieldwork/home.html", {})
