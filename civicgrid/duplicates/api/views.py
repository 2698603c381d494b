"""Duplicate detection API: suggestions (staff), "me too" (residents), merge from a suggestion
(staff, authorised like the merge move). Parse, authorise, call, serialise."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from civicgrid.people.jurisdiction import jurisdiction_for
from civicgrid.workorders import selectors as order_selectors
from civicgrid.workorders.models import Category

from .. import selectors, services
from . import serializers as s

ERRORS = {
    400: OpenApiResponse(description="invalid input: {error: {code, message, fields}}"),
    401: OpenApiResponse(description="not signed in"),
    403: OpenApiResponse(description="not allowed"),
    404: OpenApiResponse(description="no such order (or not visible to you)"),
    409: OpenApiResponse(description="illegal move or version conflict"),
}


class SuggestionsView(APIView):
    """Open orders of your jurisdiction that are the same problem as the appeal described."""

    @extend_schema(request=s.DuplicateQuerySerializer, responses={200: s.DuplicateSuggestionSerializer(many=True), **ERRORS})
    def post(self, request):
        jurisdiction = jurisdiction_for(request.user)
        if not jurisdiction.is_staff:
            raise PermissionDenied(_("Duplicate suggestions are for staff."))
        query = s.DuplicateQuerySerializer(data=request.data)
        query.is_valid(raise_exception=True)
        v = query.validated_data
        category = None
        if v["category_code"]:
            category = Category.objects.filter(code=v["category_code"].strip(), is_active=True).first()
            if category is None:
                raise ValidationError({"category_code": [_("Unknown category %(code)s.") % {"code": v["category_code"]}]})
        found = selectors.find(selectors.staff_orders(jurisdiction), text=v["text"], lon=v["lon"], lat=v["lat"],
                               category=category, limit=v["limit"])
        services.record_shown(request.user, found, surface="api")
        # Not paged: at most ``limit`` suggestions, best first.
        return Response(s.DuplicateSuggestionSerializer(found, many=True).data)


class MeTooView(APIView):
    """A signed-in resident adds their appeal to an open order ("me too")."""

    @extend_schema(request=s.MeTooInputSerializer, responses={201: s.MeTooResultSerializer, **ERRORS})
    def post(self, request, number: str):
        order = selectors.public_orders().filter(number=number).first()
        if order is None:
            raise Http404(_("No such work order."))
        data = s.MeTooInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        appeal = services.join_me_too(request.user, order, text=data.validated_data["text"], surface="api")
        appeal.order.refresh_from_db(fields=["appeals_count"])
        return Response(s.MeTooResultSerializer(appeal).data, status=status.HTTP_201_CREATED)


class MergeView(APIView):
    """Merge this order into a suggested one (the merge move: same roles and checks)."""

    @extend_schema(request=s.MergeFromSuggestionInputSerializer, responses={200: s.MergeFromSuggestionSerializer, **ERRORS})
    def post(self, request, number: str):
        jurisdiction = jurisdiction_for(request.user)
        order = order_selectors.get_order(jurisdiction, number)
        if order is None:
            raise Http404(_("No such work order."))
        data = s.MergeFromSuggestionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        target = order_selectors.get_order(jurisdiction, data.validated_data["target"].strip())
        if target is None:
            raise ValidationError({"target": [_("No such work order: %(n)s.") % {"n": data.validated_data["target"]}]})
        merged = services.merge_from_suggestion(request.user, order, target, surface="api",
                                                expected_version=data.validated_data.get("expected_version"))
        merged.merged_into.refresh_from_db(fields=["appeals_count"])
        return Response(s.MergeFromSuggestionSerializer(merged).data)
