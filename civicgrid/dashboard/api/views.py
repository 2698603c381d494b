"""The command-center API: read-only figures of an area, through the dashboard selectors.

Every endpoint takes ``?area=CODE`` (the reader's own top area when left out). A person without a
command center gets 403; an area outside the jurisdiction answers 404 exactly like a missing one.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from civicgrid.people.jurisdiction import jurisdiction_for

from .. import selectors
from . import serializers as s
from .params import default_ranking_kind, ranking_kinds_for, this_month

ERRORS = {
    400: OpenApiResponse(description="invalid query parameter"),
    401: OpenApiResponse(description="not signed in"),
    403: OpenApiResponse(description="no command center for this person"),
    404: OpenApiResponse(description="no such area in your jurisdiction"),
}


def _area_ref(area) -> dict:
    return {"code": area.code, "name": area.name, "kind": area.kind}


class CenterView(APIView):
    permission_classes = (permissions.IsAuthenticated,)
    query_serializer = s.AreaQuerySerializer

    def scope(self, request):
        """(jurisdiction, area, parsed query) or the refusal."""
        query = self.query_serializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        j = jurisdiction_for(request.user)
        if not selectors.can_see_center(j):
            raise PermissionDenied(_("The command center is for commanders, dispatchers and community staff."))
        area = selectors.center_area(j, query.validated_data.get("area") or None)
        if area is None:
            raise Http404(_("No such area in your jurisdiction."))
        return j, area, query.validated_data


class SummaryView(CenterView):
    @extend_schema(operation_id="dashboard_summary", parameters=[s.AreaQuerySerializer],
                   responses={200: s.CenterSummarySerializer, **ERRORS}, tags=["dashboard"])
    def get(self, request):
        """Live counts of the area: received today, open, overdue, closed today, escalated,
        whistles awaiting report and the 30-day on-time rate."""
        j, area, _q = self.scope(request)
        return Response(s.CenterSummarySerializer({"area": _area_ref(area), **selectors.summary(j, area)}).data)


class TrendView(CenterView):
    query_serializer = s.DaysQuerySerializer

    @extend_schema(operation_id="dashboard_trend", parameters=[s.DaysQuerySerializer],
                   responses={200: s.CenterTrendSerializer, **ERRORS}, tags=["dashboard"])
    def get(self, request):
        """Orders received, closed and closed on time per day, oldest first."""
        j, area, q = self.scope(request)
        days = selectors.trend(j, area, days=q["days"])
        return Response(s.CenterTrendSerializer({"area": _area_ref(area), "days": days}).data)


class CategoriesView(CenterView):
    query_serializer = s.DaysQuerySerializer

    @extend_schema(operation_id="dashboard_categories", parameters=[s.DaysQuerySerializer],
                   responses={200: s.CenterCategoriesSerializer, **ERRORS}, tags=["dashboard"])
    def get(self, request):
        """Orders received and open per top-level category over the last ``days`` days."""
        j, area, q = self.scope(request)
        rows = selectors.categories(j, area, days=q["days"])
        return Response(s.CenterCategoriesSerializer({"area": _area_ref(area), "categories": rows}).data)


class MapView(CenterView):
    @extend_schema(operation_id="dashboard_map", parameters=[s.AreaQuerySerializer],
                   responses={200: s.CenterMapSerializer, **ERRORS}, tags=["dashboard"])
    def get(self, request):
        """The area's children (a grid: itself) as GeoJSON with their load: open, overdue and
        received in 30 days; ``drill`` says whether a child has children of its own."""
        j, area, _q = self.scope(request)
        return Response(s.CenterMapSerializer(selectors.load_map(j, area)).data)


class RankingsView(CenterView):
    query_serializer = s.RankingQuerySerializer

    @extend_schema(operation_id="dashboard_rankings", parameters=[s.RankingQuerySerializer],
                   responses={200: s.CenterRankingsSerializer, **ERRORS}, tags=["dashboard"])
    def get(self, request):
        """三率 ranking (response, resolution, satisfaction rates and score) of the streets,
        communities or departments for a month, with the red (红榜) and black (黑榜) lists."""
        j, area, q = self.scope(request)
        kind = q.get("kind") or default_ranking_kind(area)
        if kind not in ranking_kinds_for(area):
            raise Http404(_("Nothing of that kind to rank under this area."))
        month = q.get("month") or this_month()
        start, end = month.bounds()
        ranking = selectors.rankings(j, area, kind, start, end)
        return Response(s.CenterRankingsSerializer({"area": _area_ref(area), "kind": kind, "month": month.code,
                                                     **ranking}).data)


class OverdueView(CenterView):
    query_serializer = s.LimitQuerySerializer

    @extend_schema(operation_id="dashboard_overdue", parameters=[s.LimitQuerySerializer],
                   responses={200: s.CenterOrdersSerializer, **ERRORS}, tags=["dashboard"])
    def get(self, request):
        """Open orders past their handling deadline, most overdue first."""
        j, area, q = self.scope(request)
        orders = selectors.overdue_orders(j, area, limit=q["limit"])
        return Response(s.CenterOrdersSerializer({"area": _area_ref(area), "orders": orders}).data)


class EscalatedView(CenterView):
    query_serializer = s.LimitQuerySerializer

    @extend_schema(operation_id="dashboard_escalated", parameters=[s.LimitQuerySerializer],
                   responses={200: s.CenterOrdersSerializer, **ERRORS}, tags=["dashboard"])
    def get(self, request):
        """Open orders escalated (上报), supervised (督办) or whistled (吹哨)."""
        j, area, q = self.scope(request)
        orders = selectors.escalated_orders(j, area, limit=q["limit"])
        return Response(s.CenterOrdersSerializer({"area": _area_ref(area), "orders": orders}).data)


class WhistlesView(CenterView):
    query_serializer = s.LimitQuerySerializer

    @extend_schema(operation_id="dashboard_whistles", parameters=[s.LimitQuerySerializer],
                   responses={200: s.CenterWhistlesSerializer, **ERRORS}, tags=["dashboard"])
    def get(self, request):
        """Departments called by a whistle (吹哨) that have not reported yet (待报到)."""
        j, area, q = self.scope(request)
        rows = selectors.whistles_waiting(j, area, limit=q["limit"])
        return Response(s.CenterWhistlesSerializer({"area": _area_ref(area), "whistles": rows}).data)


class ParticipationView(CenterView):
    @extend_schema(operation_id="dashboard_participation", parameters=[s.AreaQuerySerializer],
                   responses={200: OpenApiResponse(description="{area, panels: {app: figures}}"), **ERRORS},
                   tags=["dashboard"])
    def get(self, request):
        """Participation figures of the area, one object per app: deliberation topics by stage,
        micro-wishes and their completion, livelihood proposals and project progress, field visits
        and household coverage this month."""
        from ..participation import panels

        j, area, _q = self.scope(request)
        data = {p["app"]: p["figures"] for p in panels(j, area)}
        return Response({"area": _area_ref(area), "panels": data})
