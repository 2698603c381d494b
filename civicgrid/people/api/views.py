from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from civicgrid.geo.selectors import area_by_code

from ..filters import UnitFilterSet, UserFilterSet
from ..jurisdiction import jurisdiction_for
from .. import selectors
from .serializers import BaolianSerializer, GridProfileSerializer, MeSerializer, UnitSerializer, UserSerializer


class UnitViewSet(viewsets.ReadOnlyModelViewSet):
    """The public directory of units."""

    permission_classes = [permissions.AllowAny]
    serializer_class = UnitSerializer
    filterset_class = UnitFilterSet
    lookup_field = "code"

    def get_queryset(self):
        return selectors.units_directory()


class UserViewSet(viewsets.ReadOnlyModelViewSet):
    """People holding roles in the reader's jurisdiction (phones masked)."""

    serializer_class = UserSerializer
    filterset_class = UserFilterSet

    def get_queryset(self):
        return selectors.users_for(jurisdiction_for(self.request.user)).prefetch_related(
            "memberships__area", "memberships__unit"
        ).order_by("username")


class MeView(generics.RetrieveAPIView):
    serializer_class = MeSerializer

    def get_object(self):
        return self.request.user

    def get_serializer_context(self):
        ctx = super().get_serializer_context()
        ctx["jurisdiction"] = jurisdiction_for(self.request.user)
        return ctx


class GridProfileView(APIView):
    """A grid's 五人小组, four lists, party branch and building leaders, within the jurisdiction."""

    @extend_schema(responses=GridProfileSerializer)
    def get(self, request, code: str):
        grid = area_by_code(code)
        profile = selectors.grid_profile(jurisdiction_for(request.user), grid) if grid else None
        if profile is None:
            raise Http404()
        return Response(GridProfileSerializer(profile).data)


class BaolianViewSet(viewsets.ReadOnlyModelViewSet):
    """包联 chains inside the reader's jurisdiction (and the reader's own assignments)."""

    serializer_class = BaolianSerializer

    def get_queryset(self):
        return selectors.baolian_for(jurisdiction_for(self.request.user)).order_by("area_path", "level", "id")
