"""The proactive API: findings, tasks and the month's top problem of an area the reader may see.

A person without a command center gets 403; an area outside the jurisdiction answers 404 exactly
like a missing one. Creating a task recomputes the finding from its key (evidence is never taken
from the client) and calls the service.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from civicgrid.core.api.pagination import PagedAPIView
from civicgrid.dashboard.api.params import this_month
from civicgrid.people.jurisdiction import jurisdiction_for

from .. import selectors, services
from . import serializers as s

ERRORS = {
    400: OpenApiResponse(description="invalid input"),
    401: OpenApiResponse(description="not signed in"),
    403: OpenApiResponse(description="no command center for this person"),
    404: OpenApiResponse(description="no such area or task in your jurisdiction"),
}


class ProactiveView(APIView):
    permission_classes = (permissions.IsAuthenticated,)

    def scope(self, request, data, serializer=s.AreaQuerySerializer):
        query = serializer(data=data)
        query.is_valid(raise_exception=True)
        j = jurisdiction_for(request.user)
        if not selectors.can_see(j):
            raise PermissionDenied(_("Hotspots and proactive tasks are for the command centers."))
        area = selectors.area_for(j, query.validated_data.get("area") or None)
        if area is None:
            raise Http404(_("No such area in your jurisdiction."))
        return j, area, query.validated_data


class FindingsView(ProactiveView):
    @extend_schema(operation_id="proactive_findings", parameters=[s.FindingsQuerySerializer],
                   responses={200: s.FindingListSerializer, **ERRORS}, tags=["proactive"])
    def get(self, request):
        """Current findings of the area not yet turned into tasks: spikes, spatial clusters,
        recurring problems at one address and hot topics."""
        j, area, q = self.scope(request, request.query_params, s.FindingsQuerySerializer)
        kinds = [q["kind"]] if q.get("kind") else None
        now = selectors.current(j, area, kinds=kinds)
        return Response({"area": area.code, "topics_as_of": now.topics_as_of,
                         "findings": [f.as_dict() for f in now.findings]})


class RescanView(ProactiveView):
    @extend_schema(operation_id="proactive_rescan", request=s.RescanSerializer,
                   responses={201: s.SnapshotSerializer, **ERRORS}, tags=["proactive"])
    def post(self, request):
        """Scan the area now (every detector, hot topics included; seconds on a busy district) and
        store the result as its snapshot of the day. Audited."""
        j, area, _q = self.scope(request, request.data, s.RescanSerializer)
        snap = services.rescan_area(actor=request.user, area=area)
        return Response(s.SnapshotSerializer(snap).data, status=status.HTTP_201_CREATED)


class TasksView(PagedAPIView, ProactiveView):
    @extend_schema(operation_id="proactive_tasks", parameters=[s.AreaQuerySerializer],
                   responses={200: s.TaskSerializer(many=True), **ERRORS}, tags=["proactive"])
    def get(self, request):
        """Proactive tasks of the area, newest first, with their work order's state."""
        j, area, _q = self.scope(request, request.query_params)
        return self.paged(request, selectors.tasks_for(j, area), lambda page: s.TaskSerializer(page, many=True).data)

    @extend_schema(operation_id="proactive_task_create", request=s.CreateTaskSerializer,
                   responses={201: s.TaskSerializer, 409: OpenApiResponse(description="already a task"), **ERRORS},
                   tags=["proactive"])
    def post(self, request):
        """Turn a current finding into a proactive task; its work order goes through intake on the
        proactive channel (routing, deadlines, dispatch as any order)."""
        body = s.CreateTaskSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        j, area, _q = self.scope(request, {"area": body.validated_data.get("area", "")})
        finding = selectors.find_finding_for_task(j, body.validated_data["key"], area=area)
        if finding is None:
            raise Http404(_("No such finding now; reload the findings."))
        task = services.create_task_from_finding(actor=request.user, finding=finding)
        return Response(s.TaskSerializer(task).data, status=status.HTTP_201_CREATED)


class TaskDetailView(ProactiveView):
    @extend_schema(operation_id="proactive_task", responses={200: s.TaskSerializer, **ERRORS}, tags=["proactive"])
    def get(self, request, pk: int):
        """One proactive task and its order's state."""
        j = jurisdiction_for(request.user)
        if not selectors.can_see(j):
            raise PermissionDenied(_("Hotspots and proactive tasks are for the command centers."))
        task = selectors.get_task(j, pk)
        if task is None:
            raise Http404(_("No such task in your jurisdiction."))
        return Response(s.TaskSerializer(task).data)


class MonthlyView(ProactiveView):
    @extend_schema(operation_id="proactive_monthly", parameters=[s.MonthQuerySerializer],
                   responses={200: s.TopProblemSerializer, 204: OpenApiResponse(description="no orders that month"),
                              **ERRORS}, tags=["proactive"])
    def get(self, request):
        """每月一题: the month's top problem of the area."""
        j, area, q = self.scope(request, request.query_params, s.MonthQuerySerializer)
        month = q.get("month") or this_month()
        top = selectors.monthly_top_problem(area, month)
        if top is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(s.TopProblemSerializer(top).data)

    @extend_schema(operation_id="proactive_monthly_confirm", request=s.ConfirmMonthlySerializer,
                   responses={201: s.TaskSerializer, 409: OpenApiResponse(description="already a task"), **ERRORS},
                   tags=["proactive"])
    def post(self, request):
        """Confirm the month's top problem: it becomes a proactive task."""
        j, area, q = self.scope(request, request.data, s.ConfirmMonthlySerializer)
        month = q.get("month") or this_month()
        task = services.confirm_monthly_problem(actor=request.user, area=area, month=month)
        return Response(s.TaskSerializer(task).data, status=status.HTTP_201_CREATED)
