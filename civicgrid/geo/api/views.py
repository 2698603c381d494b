from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.generics import get_object_or_404  # a malformed id is 404, not a ValueError
from rest_framework.response import Response

from civicgrid.core.services import record_personal_data_read
from civicgrid.people.jurisdiction import jurisdiction_for

from .. import coords, locate, selectors
from ..filters import AreaFilterSet, BuildingFilterSet, HouseholdFilterSet
from .serializers import (
    AreaFeatureSerializer,
    BuildingSerializer,
    HouseholdRevealSerializer,
    HouseholdSerializer,
    area_feature,
)


class AreaViewSet(viewsets.ReadOnlyModelViewSet):
    """The area tree as GeoJSON. Public: boundaries are what residents pick on the map.

    ``?kind=grid&parent=CODE`` filters; ``?geometry=0`` leaves boundaries out.
    """

    permission_classes = [permissions.AllowAny]
    serializer_class = AreaFeatureSerializer
    filterset_class = AreaFilterSet
    lookup_field = "code"
    # Not paged: one GeoJSON FeatureCollection that map clients read whole; bounded by the area
    # tree (a district's streets, communities and grids), narrowed by the filters and ?geometry=0.
    pagination_class = None

    def get_queryset(self):
        return selectors.areas_public()

    def get_serializer_context(self):
        ctx = super().get_serializer_context()
        ctx["with_geometry"] = self.request.query_params.get("geometry", "1") not in ("0", "false", "no")
        return ctx

    @extend_schema(
        parameters=[OpenApiParameter("geometry", bool, description="include boundaries (default yes)")],
        # A basic type, so that the list is not documented as an array of collections.
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="GeoJSON FeatureCollection")},
    )
    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        serializer = self.get_serializer(queryset, many=True)
        return Response({"type": "FeatureCollection", "features": serializer.data})

    @extend_schema(
        parameters=[OpenApiParameter("geometry", bool, description="include the boundary (default yes)")],
        responses={200: {"type": "object", "description": "GeoJSON Feature"}},
    )
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        parameters=[
            OpenApiParameter("lon", float, required=True, description="longitude"),
            OpenApiParameter("lat", float, required=True, description="latitude"),
            OpenApiParameter("coord_system", str, description="WGS84 (default), GCJ02 or BD09"),
        ],
        responses={200: {"type": "object", "description": "lon/lat in WGS-84, the deepest area, its chain"}},
    )
    @action(detail=False, methods=["get"])
    def locate(self, request):
        """The area (normally a grid) a point falls in, with its chain from the district down."""
        params = request.query_params
        missing = [name for name in ("lon", "lat") if params.get(name) in (None, "")]
        if missing:
            raise ValidationError({name: [_("This parameter is required.")] for name in missing}, code="required")
        try:
            lon, lat = float(params["lon"]), float(params["lat"])
        except ValueError:
            raise ValidationError({"non_field_errors": [
                _("lon and lat must be numbers, got %(lon)r and %(lat)r.") % {"lon": params["lon"], "lat": params["lat"]}
            ]}) from None
        try:
            found = locate.locate(lon, lat, params.get("coord_system") or coords.WGS84)
        except coords.UnknownCoordinateSystem as exc:
            raise ValidationError({"coord_system": [str(exc)]}) from exc
        except coords.CoordinateError as exc:
            raise ValidationError({getattr(exc, "field", "") or "non_field_errors": [str(exc)]}) from exc
        if found is None:
            return Response(
                {"error": {"code": "not_found", "fields": {}, "codes": {},
                           "message": _("The point %(lon).6f, %(lat).6f is outside every area.")
                           % {"lon": lon, "lat": lat}}},
                status=404,
            )
        return Response({
            "lon": found.lon,
            "lat": found.lat,
            "area": area_feature(found.area, with_geometry=False)["properties"],
            "chain": [{"code": a.code, "name": a.name, "kind": a.kind} for a in found.chain],
        })


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
