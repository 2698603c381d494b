"""The reports page (/reports/): a form to generate the monthly report of an area in the reader's
jurisdiction, the list of reports generated there, and downloads.

Generation is synchronous (a few seconds for a district month; the button shows it is working):
no job queue to watch, and the row exists only once both files are written (ADR 012).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from civicgrid.people.jurisdiction import jurisdiction_for

from . import render as report_render
from . import selectors, services
from .downloads import file_response
from .errors import ReportForbidden, ReportInputError, ReportUnavailable

LIST_LIMIT = 50


def _reader(request):
    j = jurisdiction_for(request.user)
    if not selectors.can_report(j):
        raise PermissionDenied
    return j


@login_required
@require_http_methods(["GET", "POST"])
def index(request):
    j = _reader(request)
    areas = list(selectors.reportable_areas(j))
    months = selectors.recent_months()
    chosen = {"area": request.GET.get("area") or (areas[0].code if areas else ""), "month": months[min(1, len(months) - 1)].code,
              "formats": list(report_render.FORMATS)}
    errors = []
    if request.method == "POST":
        chosen = {"area": request.POST.get("area", ""), "month": request.POST.get("month", ""),
                  "formats": request.POST.getlist("format")}
        try:
            report = services.generate_report(actor=request.user, area_code=chosen["area"], month_code=chosen["month"],
                                              formats=chosen["formats"])
        except (ReportInputError, ReportForbidden, ReportUnavailable) as exc:
            errors = exc.messages
        else:
            messages.success(request, _("Report generated: %(title)s.") % {"title": report.title})
            return redirect("reports:index")
    reports = list(selectors.reports_for(j)[:LIST_LIMIT])
    status = 400 if errors else 200
    return render(request, "reports/index.html", {
        "areas": areas, "months": [{"code": m.code, "label": selectors.month_label(m)} for m in months],
        "chosen": chosen, "errors": errors, "reports": reports, "formats": report_render.FORMATS,
    }, status=status)


@login_required
def download(request, pk: int, fmt: str):
    j = _reader(request)
    return file_response(selectors.report_for(j, pk), fmt)
