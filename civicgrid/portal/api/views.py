"""Read-only community notices: ``?area=CODE`` gives that area's notices and those of the areas
above it, as a resident of it sees them. Public, like a notice board."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from django.utils.translation import gettext as _
from rest_framework import generics, permissions
from rest_framework.exceptions import NotFound, ValidationError

from civicgrid.geo.models import Area

from .. import selectors
from ..models import Notice
from .serializers import NoticeSerializer


@extend_schema(parameters=[OpenApiParameter("area", str, required=True,
                                            description="Area code (district, street, community or grid).")])
class NoticeList(generics.ListAPIView):
    serializer_class = NoticeSerializer
    permission_classes = (permissions.AllowAny,)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notice.objects.none()
        code = (self.request.query_params.get("area") or "").strip()
        if not code:
            raise ValidationError({"area": [_("Give an area code: ?area=CODE.")]})
        area = Area.objects.filter(code=code).first()
        if area is None:
            raise NotFound(f"No area with the code {code}.")
        return selectors.notices_for_area(area)
