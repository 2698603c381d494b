from __future__ import annotations

from rest_framework import generics, permissions, viewsets

from ..filters import UnitFilterSet, UserFilterSet
from ..jurisdiction import jurisdiction_for
from .. import selectors
from .serializers import MeSerializer, UnitSerializer, UserSerializer


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
