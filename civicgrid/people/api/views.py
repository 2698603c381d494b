from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, permissions, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from civicgrid.geo.selectors import area_by_code

from ..filters import UnitFilterSet, UserFilterSet
from ..jurisdiction import jurisdiction_for
from .. import selectors, services
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


class ApiTokenSerializer(serializers.Serializer):
    key = serializers.CharField(required=False, help_text="only in the answer to POST: the new key, shown once")
    created = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()


class MyTokenView(APIView):
    """The API token the request is signed with. GET: when it was made and when it expires. POST:
    rotate it — a new key is made and returned (once), and the key that signed this request stops
    working at once; do it before ``expires_at``. Only for requests signed with a token. Audited."""

    def _token(self, request):
        from civicgrid.core.api.idempotency import is_integration_client

        if not is_integration_client(request):
            raise PermissionDenied(_("Only a request signed with an API token can read or rotate its token."))
        return request.auth

    @extend_schema(responses={200: ApiTokenSerializer, 403: OpenApiResponse(description="not signed with a token")})
    def get(self, request):
        token = self._token(request)
        return Response(ApiTokenSerializer({"created": token.created,
                                            "expires_at": services.api_token_expires_at(token)}).data)

    @extend_schema(request=None,
                   responses={201: ApiTokenSerializer, 403: OpenApiResponse(description="not signed with a token")})
    def post(self, request):
        self._token(request)
        token = services.issue_api_token(request.user, request.user, reason="rotated by its holder")
        return Response(ApiTokenSerializer({"key": token.key, "created": token.created,
                                            "expires_at": services.api_token_expires_at(token)}).data,
                        status=status.HTTP_201_CREATED)
