"""The staff workbench: my queues, the order list with the shared filters, Excel export, bulk
dispatch and response templates."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def workbench(request):
    return render(request, "workorders/workbench.html", {})
