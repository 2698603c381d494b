from __future__ import annotations

from datetime import datetime, time, timedelta

from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from civicgrid.geo.models import Area
from civicgrid.notifications import selectors, services
from civicgrid.people.jurisdiction import jurisdiction_for
from civicgrid.workorders import echowall, metrics

from .serializers import (
    EchoEntrySerializer,
    InboxMessageSerializer,
    MarkReadSerializer,
    MetricsSerializer,
)


class InboxViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The signed-in user's own messages, newest first; ``?unread=true`` for the unread ones."""

    serializer_class = InboxMessageSerializer

    def get_queryset(self):
        raw = self.request.query_params.get("unread")
        unread = {"true": True, "1": True, "false": False, "0": False}.get((raw or "").lower())
        return selectors.inbox_for(self.request.user, unread=unread)

    @extend_schema(request=None, responses={200: InboxMessageSerializer})
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        message = self.get_object()
        services.mark_read(request.user, ids=[message.pk])
        message.refresh_from_db()
        return Response(InboxMessageSerializer(message).data)

    @extend_schema(request=MarkReadSerializer, responses={200: {"type": "object", "properties": {"marked": {"type": "integer"}}}})
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        data = MarkReadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        marked = services.mark_read(request.user, ids=data.validated_data.get("ids"))
        return Response({"marked": marked})


class EchoWallView(mixins.ListModelMixin, viewsets.GenericViewSet):
    """回音壁: public answers, personal data masked. Filters: ``area`` and ``category`` codes (their
    subtrees), ``month`` (YYYY-MM, month of closing)."""

    permission_classes = [permissions.AllowAny]
    authentication_classes = []
    serializer_class = EchoEntrySerializer

    def get_queryset(self):
        params = {k: self.request.query_params.get(k, "").strip() for k in ("area", "category", "month")}
        return echowall.echo_wall(**params)

    @extend_schema(parameters=[
        OpenApiParameter("area", str, description="area code: the area and everything inside it"),
        OpenApiParameter("category", str, description="category code, with its sub-categories"),
        OpenApiParameter("month", str, description="YYYY-MM, month of closing"),
    ])
    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(EchoEntrySerializer(echowall.entries(page), many=True).data)


def _period(params) -> tuple[datetime, datetime]:
    if params.get("month"):
        return echowall.month_range(params["month"])
    start, end = parse_date(params.get("start") or ""), parse_date(params.get("end") or "")
    if start is None or end is None or end < start:
        raise ValidationError({"start": [_("Give month=YYYY-MM, or start and end as YYYY-MM-DD (end included).")]})
    tz = timezone.get_current_timezone()
    return (timezone.make_aware(datetime.combine(start, time.min), tz),
            timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min), tz))


PERIOD_PARAMS = [
    OpenApiParameter("month", str, description="YYYY-MM"),
    OpenApiParameter("start", str, description="YYYY-MM-DD (with end)"),
    OpenApiParameter("end", str, description="YYYY-MM-DD, included"),
]


class MetricsViewSet(viewsets.ViewSet):
    """三率 and the other assessment figures, ranked, within the reader's jurisdiction (staff)."""

    def _jurisdiction(self, request):
        j = jurisdiction_for(request.user)
        if not j.is_staff:
            raise PermissionDenied(_("Only staff see the assessment figures."))
        return j

    @extend_schema(parameters=PERIOD_PARAMS, responses={200: MetricsSerializer(many=True)})
    @action(detail=False, methods=["get"])
    def units(self, request):
        j = self._jurisdiction(request)
        start, end = _period(request.query_params)
        rows = metrics.rank_units(j, start, end)
        # Not paged: a ranking, one row per unit of the jurisdiction (bounded by the unit list).
        return Response(MetricsSerializer([r.as_dict() for r in rows], many=True).data)

    @extend_schema(parameters=[*PERIOD_PARAMS, OpenApiParameter("kind", str, description="street, community or grid"),
                               OpenApiParameter("within", str, description="area code to rank inside")],
                   responses={200: MetricsSerializer(many=True)})
    @action(detail=False, methods=["get"])
    def areas(self, request):
        j = self._jurisdiction(request)
        start, end = _period(request.query_params)
        kind = request.query_params.get("kind", "street")
        if kind not in ("district", "street", "community", "grid"):
            raise ValidationError({"kind": [_("kind must be district, street, community or grid.")]})
        within = None
        if request.query_params.get("within"):
            within = Area.objects.filter(code=request.query_params["within"]).first()
            if within is None or not j.covers_path(within.path):
                raise Http404()
        rows = metrics.rank_areas(j, kind, start, end, within=within)
        # Not paged: a ranking, one row per area of one kind (bounded by the area tree).
        return Response(MetricsSerializer([r.as_dict() for r in rows], many=True).data)
