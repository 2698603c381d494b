"""The classifier API: parse, authorise, call, serialise.

Versions outside the reader's jurisdiction answer 404 like missing ones; a refused action changes
nothing and answers 403 (not a manager of the scope) or 409 (nothing to roll back, already active).
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from civicgrid.people.jurisdiction import jurisdiction_for

from .. import runtime, selectors, services
from ..models import ModelVersion
from . import serializers as s

ERRORS = {401: OpenApiResponse(description="not signed in"),
          403: OpenApiResponse(description="not allowed for this scope"),
          404: OpenApiResponse(description="no such version in your jurisdiction"),
          409: OpenApiResponse(description="already active / nothing to roll back: {error: {code, message}}")}


def _conflict(exc) -> Response:
    return Response({"error": {"code": "conflict", "message": str(exc), "fields": {}, "codes": {}}},
                    status=status.HTTP_409_CONFLICT)


def _visible_version(request, pk) -> ModelVersion:
    jurisdiction = jurisdiction_for(request.user)
    version = selectors.versions_for(jurisdiction).filter(pk=pk).first()
    if version is None:
        raise Http404(_("No such model version."))
    return version


class VersionList(ListAPIView):
    """Model versions of the classifier the reader may see (district command center: its district's
    scopes and the whole platform's; administrators: all), newest first within each scope."""

    serializer_class = s.VersionSerializer
    queryset = ModelVersion.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ModelVersion.objects.none()
        jurisdiction = jurisdiction_for(self.request.user)
        if not selectors.can_view_versions(jurisdiction):
            raise PermissionDenied(_("Only the district command center and administrators see classifier versions."))
        return selectors.versions_for(jurisdiction)


class ActivateVersion(APIView):
    @extend_schema(request=None, responses={200: s.VersionSerializer, **ERRORS})
    def post(self, request, pk: int):
        """Make this version the active one of its scope (the one it replaces stays stored)."""
        version = _visible_version(request, pk)
        try:
            version = services.activate_version(actor=request.user, version=version)
        except services.ClassifyError as exc:
            return _conflict(exc)
        return Response(s.VersionSerializer(version).data)


class RollbackVersion(APIView):
    @extend_schema(request=None, responses={200: s.VersionSerializer, **ERRORS})
    def post(self, request, pk: int):
        """Roll the scope of this version back: the version before the active one becomes active."""
        version = _visible_version(request, pk)
        try:
            version = services.rollback(actor=request.user, scope_path=version.scope_path)
        except services.ClassifyError as exc:
            return _conflict(exc)
        return Response(s.VersionSerializer(version).data)


class Predict(APIView):
    @extend_schema(request=s.PredictRequestSerializer, responses={200: s.PredictResponseSerializer, **ERRORS})
    def post(self, request):
        """The category suggestion intake would make for a text (staff only): the active model of
        the area's scope, else the keyword rules; top 3 as catalogue categories."""
        jurisdiction = jurisdiction_for(request.user)
        if not jurisdiction.is_staff:
            raise PermissionDenied(_("Only staff may ask the classifier."))
        body = s.PredictRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        area = None
        code = body.validated_data.get("area")
        if code:
            area = selectors.visible_area(jurisdiction, code)
            if area is None:
                raise Http404(_("No such area in your jurisdiction."))
        return Response(runtime.explain_dict(body.validated_data["text"], area=area))
