"""The reports API: request a monthly report of an area and download its files.

Only command-center roles (district commanders, street dispatchers, community staff) and
administrators may use it (403 otherwise); an area outside the reader's jurisdiction answers like
a missing one. A refused request writes nothing.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from civicgrid.people.jurisdiction import jurisdiction_for

from .. import selectors, services
from ..downloads import file_response
from . import serializers as s

ERRORS = {
    401: OpenApiResponse(description="not signed in"),
    403: OpenApiResponse(description="not a command-center role"),
}


class ReportsBase(GenericAPIView):
    permission_classes = (permissions.IsAuthenticated,)
    serializer_class = s.GeneratedReportSerializer

    def reader(self):
        j = jurisdiction_for(self.request.user)
        if not selectors.can_report(j):
            raise PermissionDenied(_("Reports are for the command center, street dispatchers and community staff."))
        return j

    def get_queryset(self):
        return selectors.reports_for(jurisdiction_for(self.request.user))


class ReportListView(ReportsBase):
    @extend_schema(operation_id="reports_list", responses={200: s.GeneratedReportSerializer(many=True), **ERRORS},
                   tags=["reports"])
    def get(self, request):
        """Reports generated for areas in your jurisdiction, newest first."""
        self.reader()
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(operation_id="reports_create", request=s.ReportRequestSerializer,
                   responses={201: s.GeneratedReportSerializer,
                              400: OpenApiResponse(description="unknown area, bad or future month, bad format"),
                              503: OpenApiResponse(description="no CJK font on the server (the message says what to install)"),
                              **ERRORS}, tags=["reports"])
    def post(self, request):
        """Generate the monthly report of an area (synchronously; a few seconds for a district)."""
        self.reader()
        body = s.ReportRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        report = services.generate_report(actor=request.user, area_code=body.validated_data["area"],
                                          month_code=body.validated_data["month"],
                                          formats=body.validated_data["formats"])
        return Response(self.get_serializer(report).data, status=status.HTTP_201_CREATED)


class ReportDetailView(ReportsBase):
    @extend_schema(operation_id="reports_retrieve", responses={200: s.GeneratedReportSerializer,
                                                               404: OpenApiResponse(description="no such report"), **ERRORS},
                   tags=["reports"])
    def get(self, request, pk: int):
        """One generated report with its files and checksums."""
        report = selectors.report_for(self.reader(), pk)
        if report is None:
            raise Http404
        return Response(self.get_serializer(report).data)


class ReportDownloadView(ReportsBase):
    @extend_schema(operation_id="reports_download", parameters=[
        OpenApiParameter("fmt", str, OpenApiParameter.PATH, enum=["pdf", "xlsx"], description="which file")], responses={
        (200, "application/pdf"): OpenApiTypes.BINARY,
        (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiTypes.BINARY,
        404: OpenApiResponse(description="no such report or file"), **ERRORS}, tags=["reports"])
    def get(self, request, pk: int, fmt: str):
        """The PDF (``pdf``) or the workbook (``xlsx``) of a generated report."""
        return file_response(selectors.report_for(self.reader(), pk), fmt)
