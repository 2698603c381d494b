"""The field-work API under /api/v1/field/: parse, authorise, call the service, serialise."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from civicgrid.people.jurisdiction import Jurisdiction, jurisdiction_for
from civicgrid.workorders.intake import GRID_ROLES

from .. import selectors, services
from . import serializers as s


class FieldAPIView(APIView):
    pass


def _field(request) -> Jurisdiction:
    jurisdiction = jurisdiction_for(request.user)
    if not jurisdiction.has_role(*GRID_ROLES):
        raise PermissionDenied()
    return jurisdiction


def _patrol(jurisdiction: Jurisdiction, patrol_id: int):
    patrol = selectors.patrol_of(jurisdiction, patrol_id)
    if patrol is None:
        raise Http404()
    return patrol


class PatrolListCreate(FieldAPIView):
    """GET: the reader's patrols, newest first. POST {grid}: start a patrol of one of their grids."""

    @extend_schema(responses={200: s.PatrolSerializer(many=True)})
    def get(self, request):
        jurisdiction = _field(request)
        patrols = selectors.patrols_for(jurisdiction).filter(worker_id=request.user.pk)[:50]
        return Response(s.PatrolSerializer(patrols, many=True).data)

    @extend_schema(request=s.StartPatrolSerializer, responses={201: s.PatrolSerializer})
    def post(self, request):
        jurisdiction = _field(request)
        data = s.StartPatrolSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        grid = selectors.my_grid(jurisdiction, data.validated_data["grid"])
        if grid is None:
            raise Http404()
        patrol = services.start_patrol(actor=request.user, grid=grid)
        return Response(s.PatrolSerializer(patrol).data, status=status.HTTP_201_CREATED)


class RoutePoint(FieldAPIView):
    """POST {lon, lat[, at, coord_system]}: one point of the track of the reader's patrol under way."""

    @extend_schema(request=s.RoutePointSerializer, responses={200: s.PatrolSerializer})
    def post(self, request, patrol_id: int):
        patrol = _patrol(_field(request), patrol_id)
        data = s.RoutePointSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        patrol = services.add_route_point(actor=request.user, patrol=patrol, **data.validated_data)
        return Response(s.PatrolSerializer(patrol).data)


class EndPatrol(FieldAPIView):
    @extend_schema(request=s.EndPatrolSerializer, responses={200: s.PatrolSerializer})
    def post(self, request, patrol_id: int):
        patrol = _patrol(_field(request), patrol_id)
        data = s.EndPatrolSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        patrol = services.end_patrol(actor=request.user, patrol=patrol, note=data.validated_data["note"])
        return Response(s.PatrolSerializer(patrol).data)


class Snap(FieldAPIView):
    """随手拍 as multipart: photos, text, lon, lat (WGS-84 unless coord_system says otherwise)."""

    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(request=s.SnapSerializer, responses={201: s.SnapResultSerializer})
    def post(self, request):
        _field(request)
        data = s.SnapSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.snap_report(actor=request.user, **data.validated_data)
        return Response(s.SnapResultSerializer(result).data, status=status.HTTP_201_CREATED)
