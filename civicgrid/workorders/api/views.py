"""The closed-loop API: parse, authorise, call the service, serialise. Nothing else.

Every order is looked up through the selectors with the reader's jurisdiction, so an order outside
it answers 404 exactly like a missing one. Refusals of the services come back in the project's
error shape with their own status (409 illegal move or version conflict, 403 forbidden move).
"""

from __future__ import annotations

from contextlib import contextmanager

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from civicgrid.core.api.idempotency import fingerprint, idempotency_key, is_integration_client
from civicgrid.core.services import record_personal_data_read
from civicgrid.people.jurisdiction import jurisdiction_for
from civicgrid.sla.models import Whistle

from .. import intake, order_photos, selectors, services
from ..callbacks import record_callback
from ..filters import OrderFilterSet
from ..models import Appeal, Attachment, Category, Channel, Status
from . import serializers as s

ERROR_RESPONSES = {
    400: OpenApiResponse(description="invalid input: {error: {code, message, fields}}"),
    401: OpenApiResponse(description="not signed in"),
    403: OpenApiResponse(description="forbidden move"),
    404: OpenApiResponse(description="no such order in your jurisdiction"),
    409: OpenApiResponse(description="illegal move or version conflict"),
}
INTAKE_ERROR_RESPONSES = {
    **ERROR_RESPONSES,
    403: OpenApiResponse(description="this user may not use this channel"),
    409: OpenApiResponse(description="the idempotency key (or source + external_id) belongs to another client's "
                                     "appeal: code idempotency_key_in_use / external_id_in_use"),
    422: OpenApiResponse(description="the idempotency key was already used with a different request body: "
                                     "code idempotency_key_reused"),
}


def _not_found():
    return Http404(_("No such work order."))


# Intake's own names for the fields that the API calls otherwise.
INTAKE_FIELDS = {"category_code": "category"}


@contextmanager
def api_field_names(names: dict[str, str]):
    """Refusals of a service, with its field names turned into the ones the client sent."""
    try:
        yield
    except DjangoValidationError as exc:
        if not hasattr(exc, "error_dict") or not set(exc.error_dict) & set(names):
            raise
        renamed = type(exc)({names.get(name, name): errors for name, errors in exc.error_dict.items()})
        if hasattr(exc, "http_status"):
            renamed.http_status = exc.http_status
        raise renamed from exc


class OrderViewSet(viewsets.ReadOnlyModelViewSet):
    """Work orders of the reader's jurisdiction; ``?queue=to_dispatch|to_accept|in_hand|overdue|
    due_soon|pressed`` lists a work queue, most pressing first."""

    filterset_class = OrderFilterSet
    # A misspelt filter would otherwise return every order (an incremental pull with
    # ``updated_afer=`` would fetch everything): the list refuses parameters it does not read.
    # Only here: the web list shares the FilterSet but not this check.
    strict_query_params = True
    lookup_field = "number"
    lookup_value_regex = "[A-Za-z0-9-]+"

    def get_queryset(self):
        return selectors.orders_for(jurisdiction_for(self.request.user))

    def get_serializer_class(self):
        return s.OrderListSerializer if self.action == "list" else s.OrderDetailSerializer

    def _order(self, number):
        order = selectors.get_order(jurisdiction_for(self.request.user), number)
        if order is None:
            raise _not_found()
        return order

    def _detail_response(self, order, status_code=status.HTTP_200_OK):
        jurisdiction = jurisdiction_for(self.request.user)
        order = selectors.get_order(jurisdiction, order.number) or order
        detail = {
            "is_staff": jurisdiction.is_staff,
            "moves": services.allowed_moves(self.request.user, order),
            "timeline": list(selectors.timeline(jurisdiction, order)),
            "attachments": list(selectors.attachments_of(jurisdiction, order)),
            "appeals": selectors.appeals_of(jurisdiction, order),
            "whistles": list(selectors.whistles_of(jurisdiction, order)) if jurisdiction.is_staff else [],
        }
        data = s.OrderDetailSerializer(order, context={"request": self.request, "detail": detail}).data
        return Response(data, status=status_code)

    @extend_schema(responses={200: s.OrderDetailSerializer, **ERROR_RESPONSES})
    def retrieve(self, request, *args, **kwargs):
        return self._detail_response(self._order(kwargs["number"]))

    @extend_schema(request=s.TransitionInputSerializer, responses={200: s.OrderDetailSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def transitions(self, request, number=None):
        """Make a move of the process (派遣, 签收, 退单, 办结 …) on the order."""
        jurisdiction = jurisdiction_for(request.user)
        order = self._order(number)
        data = s.TransitionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        target = None
        if v["target_order"]:
            target = selectors.get_order(jurisdiction, v["target_order"])
            if target is None:
                raise ValidationError({"target_order": [_("No such work order: %(n)s.") % {"n": v["target_order"]}]},
                                      code="does_not_exist")
        evidence = list(Attachment.objects.filter(order=order, pk__in=v["evidence"]))
        missing = sorted(set(v["evidence"]) - {a.pk for a in evidence})
        if missing:
            raise ValidationError({"evidence": [
                _("These attachments are not photos of this order: %(ids)s.") % {"ids": ", ".join(map(str, missing))}
            ]}, code="does_not_exist")
        moved = services.transition(
            order, v["action"], request.user, reason=v["reason"], answer=v["answer"], unit=v.get("unit"),
            target_order=target, days=v.get("days"), evidence=evidence, expected_version=v.get("expected_version"),
        )
        return self._detail_response(moved)

    @extend_schema(request={"multipart/form-data": s.AttachmentInputSerializer},
                   responses={201: s.AttachmentSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def attachments(self, request, number=None):
        """Add a photo to the order (evidence of handling, or a report photo); EXIF is stripped."""
        order = self._order(number)
        data = s.AttachmentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        attachment = order_photos.add_order_photo(
            request.user, order, data.validated_data["file"], purpose=data.validated_data["purpose"]
        )
        return Response(s.attachment_dict(attachment), status=status.HTTP_201_CREATED)

    @extend_schema(request=s.CallbackInputSerializer, responses={201: s.CallbackSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def callbacks(self, request, number=None):
        """Record the resident's verdict (回访): resolved? satisfied? or not reached."""
        order = self._order(number)
        data = s.CallbackInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        callback = record_callback(request.user, order, **data.validated_data)
        return Response(s.CallbackSerializer(callback).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.WhistleInputSerializer, responses={201: s.WhistleSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def whistles(self, request, number=None):
        """A street blows the whistle (吹哨): named departments must report (报到) within the limit."""
        from civicgrid.sla import services as sla_services  # lands with the sla engineer's work

        order = self._order(number)
        data = s.WhistleInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        whistle = sla_services.blow_whistle(
            request.user, order, units=list(v["units"]), reason=v["reason"], report_hours=v.get("report_hours")
        )
        return Response(s.WhistleSerializer(whistle).data, status=status.HTTP_201_CREATED)


class WhistleViewSet(viewsets.GenericViewSet):
    """Whistles (吹哨) calling the reader's department."""

    serializer_class = s.WhistleSerializer
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):  # for the schema; reads go through the selector
        return Whistle.objects.none()

    @extend_schema(request=s.WhistleReportInputSerializer, responses={200: s.WhistleSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def report(self, request, pk=None):
        """The department reports (报到) on the whistle."""
        from civicgrid.sla import services as sla_services  # lands with the sla engineer's work

        whistle = selectors.whistle_for_report(jurisdiction_for(request.user), int(pk))
        if whistle is None:
            raise Http404(_("No such whistle."))
        data = s.WhistleReportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        sla_services.report_whistle(request.user, whistle, note=data.validated_data["note"])
        whistle = selectors.whistle_for_report(jurisdiction_for(request.user), whistle.pk)
        return Response(s.WhistleSerializer(whistle).data)


class AppealViewSet(viewsets.GenericViewSet):
    """Appeals (诉求): intake, public tracking, and the audited reveal of a reporter's data."""

    serializer_class = s.AppealInputSerializer
    lookup_field = "tracking_number"
    lookup_value_regex = "[A-Za-z0-9-]+"
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):  # for the schema; reads go through the selectors
        return Appeal.objects.none()

    def _channel(self, request, asked):
        token_client = is_integration_client(request)
        channel = asked or (Channel.API if token_client else Channel.WEB)
        if channel == Channel.API and not token_client:
            raise ValidationError({"channel": [_("Only clients signed with an API token use the api channel.")]})
        return channel

    @extend_schema(
        request={"application/json": s.AppealInputSerializer, "multipart/form-data": s.AppealInputSerializer},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER,
                                     description="required for token clients: a retry with the same key and "
                                                 "the same body returns the first result (200) and creates "
                                                 "nothing; the same key with another body is 422")],
        responses={201: s.AppealCreatedSerializer, 200: s.AppealCreatedSerializer, **INTAKE_ERROR_RESPONSES},
    )
    def create(self, request):
        """Submit an appeal; it becomes (or joins) a work order and gets a tracking number."""
        key = idempotency_key(request, required=is_integration_client(request))
        data = s.AppealInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        channel = self._channel(request, v.get("channel"))
        with api_field_names(INTAKE_FIELDS):
            result = intake.submit_appeal(
                channel=channel, actor=request.user, title=v["title"], text=v["text"], lon=v.get("lon"),
                lat=v.get("lat"), coord_system=v["coord_system"], address=v["address"],
                building_code=v.get("building_code") or None, category_code=v.get("category") or None,
                priority=v.get("priority") or None, reporter_name=v["reporter_name"],
                reporter_phone=v["reporter_phone"], is_anonymous=v["is_anonymous"], idempotency_key=key,
                source=v["source"], external_id=v["external_id"], received_at=v.get("received_at"),
                photos=tuple(v["photos"]), echo_opt_out=v["echo_opt_out"],
                request_hash=fingerprint(request.data) if key else None,
            )
        body = {
            "tracking_number": result.appeal.tracking_number,
            "order": s.OrderListSerializer(result.order).data,
            "created": bool(result.created),
            "category_suggestion": suggestion_ref(result.category_suggestion),
        }
        return Response(body, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)

    @extend_schema(
        methods=["POST"], request=s.TrackCodeRequestSerializer,
        responses={202: OpenApiResponse(description="a code was texted to the reporter's phone if number and phone match")},
    )
    @extend_schema(
        methods=["GET"],
        parameters=[OpenApiParameter("number", str, required=True, description="tracking number"),
                    OpenApiParameter("code", str, required=True, description="the code texted to the reporter's phone")],
        responses={200: s.TrackSerializer, 404: OpenApiResponse(description="wrong number or code")},
    )
    @action(detail=False, methods=["get", "post"], permission_classes=[permissions.AllowAny],
            authentication_classes=[])
    def track(self, request):
        """Public tracking in two steps, as on the web page: POST the tracking number and the
        reporter's phone, and a one-time code is texted to the phone on record (a wrong number or
        phone answers alike and sends nothing); then GET with the number and the code for the
        status and public history."""
        from civicgrid.portal import services as portal_services

        if request.method == "POST":
            number = str(request.data.get("number", "")).strip()
            phone = str(request.data.get("phone", "")).strip()
            missing = {name: [_("This field is required.")] for name, value in (("number", number), ("phone", phone))
                       if not value}
            if missing:
                raise ValidationError(missing, code="required")
            try:
                portal_services.request_track_code(number, phone)
            except DjangoValidationError as exc:
                raise ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"phone": exc.messages}) from exc
            return Response({"detail": _("If the tracking number and phone match, a code was texted to that phone.")},
                            status=status.HTTP_202_ACCEPTED)
        number = request.query_params.get("number", "").strip()
        code = request.query_params.get("code", "").strip()
        missing = {name: [_("This parameter is required.")] for name, value in (("number", number), ("code", code))
                   if not value}
        if missing:
            raise ValidationError(missing, code="required")
        appeal, _failure = portal_services.verify_track_code(number, code)
        if appeal is None:
            raise Http404(_("No appeal with this tracking number and code."))
        order = appeal.order
        answered = order.status in (Status.RESOLVED, Status.VERIFIED, Status.CLOSED)
        return Response(s.TrackSerializer({
            "tracking_number": appeal.tracking_number, "title": appeal.title, "received_at": appeal.received_at,
            "status": order.status, "status_display": order.get_status_display(),
            "category": order.category.name if order.category_id else None,
            "unit": order.unit.name if order.unit_id else None, "handle_due": order.handle_due,
            "answer": order.answer if answered else "",
            "timeline": [
                {"action": e.action, "status": e.to_status, "status_display": Status(e.to_status).label
                 if e.to_status in Status.values else e.to_status,
                 "unit": e.unit.name if e.unit_id else None, "created_at": e.created_at}
                for e in selectors.public_timeline(order)
            ],
        }).data)

    @extend_schema(request=s.RevealInputSerializer, responses={200: s.AppealRevealSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def reveal(self, request, tracking_number=None):
        """The reporter's name, phone and address in full, for staff of the order's jurisdiction;
        every call is audited."""
        appeal = selectors.appeal_for_reveal(jurisdiction_for(request.user), tracking_number)
        if appeal is None:
            raise Http404(_("No such appeal."))
        data = s.RevealInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        record_personal_data_read(actor=request.user, obj=appeal, fields=["reporter_name", "reporter_phone", "address"],
                                  purpose=data.validated_data["purpose"])
        return Response(s.AppealRevealSerializer(appeal).data)


def suggestion_ref(suggestion) -> dict | None:
    """The intake's category suggestion as {code, name}: it may be a category, a (category,
    confidence) pair, or an object with a ``category`` attribute."""
    if suggestion is None:
        return None
    if isinstance(suggestion, (tuple, list)):
        suggestion = suggestion[0] if suggestion else None
    category = getattr(suggestion, "category", suggestion)
    if category is None or not hasattr(category, "code"):
        return None
    return {"code": category.code, "name": category.name,
            "confidence": round(float(getattr(suggestion, "confidence", 0.0) or 0.0), 3)}


class CategoryViewSet(viewsets.GenericViewSet):
    """The appeal catalogue (事项分类) as a tree. Public."""

    permission_classes = [permissions.AllowAny]
    # Not paged: a tree cannot be cut into pages, and the catalogue is bounded (three levels, a few
    # hundred categories, edited by administrators).
    pagination_class = None
    serializer_class = s.CategoryNodeSerializer

    def get_queryset(self):  # for the schema; reads go through the selectors
        return Category.objects.none()

    @extend_schema(responses=s.CategoryNodeSerializer(many=True))
    def list(self, request):
        return Response(selectors.category_tree())


class ResponsibilityViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The responsibility list (职责清单) that routes orders of the reader's areas or to their units."""

    serializer_class = s.ResponsibilitySerializer
    filterset_class = None

    def get_queryset(self):
        return selectors.responsibilities_for(jurisdiction_for(self.request.user)).order_by(
            "area_path", "category__path", "id"
        )
