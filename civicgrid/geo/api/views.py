from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from civicgrid.core.services import record_personal_data_read
from civicgrid.people.jurisdiction import jurisdiction_for

from .. import selectors
from ..filters import AreaFilterSet, BuildingFilterSet, HouseholdFilterSet
from .serializers import AreaFeatureSerializer, BuildingSerializer, HouseholdRevealSerializer, HouseholdSerializer


class AreaViewSet(viewsets.ReadOnlyModelViewSet):
    """The area tree as GeoJSON. Public: boundaries are what residents pick on the map.

    ``?kind=grid&parent=CODE`` filters; ``?geometry=0`` leaves boundaries out.
    """

    permission_classes = [permissions.AllowAny]
    serializer_class = AreaFeatureSerializer
    filterset_class = AreaFilterSet
    lookup_field = "code"
    pagination_class = None

    def get_queryset(self):
        return selectors.areas_public()

    def get_serializer_context(self):
        ctx = super().get_serializer_context()
        ctx["with_geometry"] = self.request.query_params.get("geometry", "1") not in ("0", "false", "no")
        return ctx

    @extend_schema(
        parameters=[OpenApiParameter("geometry", bool, description="include boundaries (default yes)")],
        responses={200: {"type": "object", "description": "GeoJSON FeatureCollection"}},
    )
    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        serializer = self.get_serializer(queryset, many=True)
        return Response({"type": "FeatureCollection", "features": serializer.data})


class BuildingViewSet(viewsets.ReadOnlyModelViewSet):
    """The address book of the reader's jurisdiction."""

    serializer_class = BuildingSerializer
    filterset_class = BuildingFilterSet
    lookup_field = "code"

    def get_queryset(self):
        return selectors.buildings_for(jurisdiction_for(self.request.user))


class HouseholdViewSet(viewsets.ReadOnlyModelViewSet):
    """Households of the reader's jurisdiction, personal data masked."""

    serializer_class = HouseholdSerializer
    filterset_class = HouseholdFilterSet

    def get_queryset(self):
        return selectors.households_for(jurisdiction_for(self.request.user))

    @extend_schema(request=None, responses=HouseholdRevealSerializer)
    @action(detail=True, methods=["post"])
    def reveal(self, request, pk=None):
        """Full personal data, for staff of the household's jurisdiction; every call is audited."""
        jurisdiction = jurisdiction_for(request.user)
        household = get_object_or_404(self.get_queryset(), pk=pk)
        if not selectors.can_see_household_details(jurisdiction, household):
            raise PermissionDenied()
        purpose = str(request.data.get("purpose", ""))[:200] if hasattr(request, "data") else ""
        record_personal_data_read(
            actor=request.user, obj=household, fields=list(household.PERSONAL_FIELDS), purpose=purpose
        )
        return Response(HouseholdRevealSerializer(household).data)
