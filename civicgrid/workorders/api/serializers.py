"""Serializers of the closed-loop API: inputs are parsed here, outputs shaped here; no rules."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from civicgrid.people.models import Unit

from ..models import Callback, Channel, Resolution, Satisfaction, Status, WorkOrder
from ..transitions import TRANSITIONS


def inline_choice(choices, **kwargs) -> serializers.ChoiceField:
    """A choice field documented by a pattern rather than an enum: several fields share the name
    "channel" with different choice sets, and the schema's named enum components would collide."""
    values = [str(c[0] if isinstance(c, (tuple, list)) else c) for c in choices]
    field_class = extend_schema_field({"type": "string", "pattern": f"^({'|'.join(values)})$",
                                       "description": "one of: " + ", ".join(values)})(
        type("InlineChoiceField", (serializers.ChoiceField,), {})
    )
    return field_class(choices=choices, **kwargs)


# --- references -------------------------------------------------------------------------------
class CategoryRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class AreaRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()


class UnitRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()


# --- orders -----------------------------------------------------------------------------------
class OrderListSerializer(serializers.ModelSerializer):
    category = CategoryRefSerializer(allow_null=True, read_only=True)
    area = AreaRefSerializer(read_only=True)
    unit = UnitRefSerializer(allow_null=True, read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = WorkOrder
        fields = [
            "number", "title", "status", "status_display", "priority", "channel", "category", "area", "unit",
            "level", "is_overdue", "dispatch_due", "response_due", "handle_due", "created_at", "updated_at",
            "closed_at", "appeals_count", "version",
        ]
        read_only_fields = fields


class MoveSerializer(serializers.Serializer):
    action = serializers.CharField(source="name")
    label = serializers.CharField()
    target = serializers.CharField(allow_null=True)
    needs_reason = serializers.BooleanField()
    needs_answer = serializers.BooleanField()
    needs_unit = serializers.BooleanField()
    needs_target_order = serializers.BooleanField()
    needs_days = serializers.BooleanField()
    needs_evidence = serializers.BooleanField()


class EventSerializer(serializers.Serializer):
    action = serializers.CharField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    actor = serializers.CharField(allow_null=True, help_text="who (staff readers only)")
    unit = UnitRefSerializer(allow_null=True)
    reason = serializers.CharField()
    data = serializers.DictField()
    created_at = serializers.DateTimeField()


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    purpose = serializers.CharField()
    url = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    width = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()


class MaskedAppealSerializer(serializers.Serializer):
    tracking_number = serializers.CharField()
    channel = serializers.CharField()
    title = serializers.CharField()
    text = serializers.CharField()
    reporter_name = serializers.CharField(help_text="masked")
    reporter_phone = serializers.CharField(help_text="masked")
    is_anonymous = serializers.BooleanField()
    address = serializers.CharField(help_text="masked below the building")
    received_at = serializers.DateTimeField()
    is_mine = serializers.BooleanField()


class WhistleResponseSerializer(serializers.Serializer):
    unit = UnitRefSerializer()
    reported_at = serializers.DateTimeField(allow_null=True)
    note = serializers.CharField()
    is_overdue = serializers.BooleanField()


class WhistleSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    order = serializers.CharField(source="order.number")
    street = AreaRefSerializer()
    reason = serializers.CharField()
    report_due = serializers.DateTimeField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    responses = WhistleResponseSerializer(many=True, source="responses.all")


# "return" is a Python keyword, so the class is built from a dict.
DeadlinesSerializer = type("DeadlinesSerializer", (serializers.Serializer,), {
    "dispatch": serializers.DateTimeField(allow_null=True),
    "response": serializers.DateTimeField(allow_null=True),
    "handle": serializers.DateTimeField(allow_null=True),
    "return": serializers.DateTimeField(allow_null=True),
    "is_overdue": serializers.BooleanField(),
    "extension_days": serializers.IntegerField(),
    "__module__": __name__,
})


class OrderDetailSerializer(OrderListSerializer):
    """One order with what its reader may do next. Context: ``detail`` from the view."""

    handler = serializers.SerializerMethodField()
    merged_into = serializers.SerializerMethodField()
    deadlines = serializers.SerializerMethodField()
    allowed_moves = serializers.SerializerMethodField()
    timeline = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()
    appeals = serializers.SerializerMethodField()
    whistles = serializers.SerializerMethodField()
    supervision_level = serializers.CharField(read_only=True, help_text="level watching over the order (督办), or empty")
    suggested_unit = serializers.SerializerMethodField()

    class Meta(OrderListSerializer.Meta):
        fields = OrderListSerializer.Meta.fields + [
            "description", "address", "lon", "lat", "suggested_unit", "handler", "supervision_level", "dispatched_at", "accepted_at",
            "resolved_at", "extension_days", "reopen_count", "answer", "public_answer", "published_at",
            "merged_into", "deadlines", "allowed_moves", "timeline", "attachments", "appeals", "whistles",
        ]
        read_only_fields = fields

    def _detail(self) -> dict:
        return self.context["detail"]

    @extend_schema_field(UnitRefSerializer(allow_null=True, help_text=(
        "the unit the responsibility list names for a dispatcher to confirm (staff readers only; "
        "null once dispatched or when the list names none)")))
    def get_suggested_unit(self, order):
        if not self._detail()["is_staff"] or order.unit_id is not None or order.suggested_unit_id is None:
            return None
        return UnitRefSerializer(order.suggested_unit).data

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="username (staff readers only)"))
    def get_handler(self, order) -> str | None:
        if not self._detail()["is_staff"] or order.handler is None:
            return None
        return order.handler.get_username()

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="number of the order it was merged into"))
    def get_merged_into(self, order) -> str | None:
        return order.merged_into.number if order.merged_into_id else None

    @extend_schema_field(DeadlinesSerializer)
    def get_deadlines(self, order) -> dict:
        return DeadlinesSerializer({
            "dispatch": order.dispatch_due, "response": order.response_due, "handle": order.handle_due,
            "return": order.return_due, "is_overdue": order.is_overdue, "extension_days": order.extension_days,
        }).data

    @extend_schema_field(MoveSerializer(many=True))
    def get_allowed_moves(self, order) -> list:
        return MoveSerializer(self._detail()["moves"], many=True).data

    @extend_schema_field(EventSerializer(many=True))
    def get_timeline(self, order) -> list:
        is_staff = self._detail()["is_staff"]
        return [event_dict(e, with_actor=is_staff) for e in self._detail()["timeline"]]

    @extend_schema_field(AttachmentSerializer(many=True))
    def get_attachments(self, order) -> list:
        return [attachment_dict(a) for a in self._detail()["attachments"]]

    @extend_schema_field(MaskedAppealSerializer(many=True))
    def get_appeals(self, order) -> list:
        return MaskedAppealSerializer(self._detail()["appeals"], many=True).data

    @extend_schema_field(WhistleSerializer(many=True))
    def get_whistles(self, order) -> list:
        return WhistleSerializer(self._detail()["whistles"], many=True).data


def unit_ref(unit) -> dict | None:
    return None if unit is None else {"code": unit.code, "name": unit.name, "kind": unit.kind}


def event_dict(event, *, with_actor: bool) -> dict:
    return {
        "action": event.action, "from_status": event.from_status, "to_status": event.to_status,
        "actor": event.actor_repr if with_actor else None, "unit": unit_ref(event.unit),
        "reason": event.reason_text, "data": event.data if with_actor else {}, "created_at": event.created_at,
    }


def attachment_dict(attachment) -> dict:
    return {
        "id": attachment.pk, "purpose": attachment.purpose, "url": attachment.file.url,
        "content_type": attachment.content_type, "size": attachment.size, "width": attachment.width,
        "height": attachment.height, "created_at": attachment.created_at,
    }


# --- inputs -----------------------------------------------------------------------------------
class TransitionInputSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=sorted(TRANSITIONS))
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    answer = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")
    unit = serializers.SlugRelatedField(slug_field="code", queryset=Unit.objects.all(), required=False, allow_null=True)
    target_order = serializers.CharField(required=False, allow_blank=True, max_length=24, default="")
    days = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=365)
    evidence = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, max_length=20,
                                     default=list)
    expected_version = serializers.IntegerField(required=False, allow_null=True, min_value=1)


class AttachmentInputSerializer(serializers.Serializer):
    file = serializers.FileField()
    purpose = serializers.ChoiceField(choices=["report", "evidence"], default="evidence")


class CallbackInputSerializer(serializers.Serializer):
    reached = serializers.BooleanField(default=True)
    resolution = serializers.ChoiceField(choices=Resolution.choices, required=False, allow_blank=True, default="")
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices, required=False, allow_blank=True, default="")
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    channel = inline_choice(["web", "phone"], default="web")


class CallbackSerializer(serializers.ModelSerializer):
    order = serializers.CharField(source="order.number", read_only=True)

    class Meta:
        model = Callback
        fields = ["id", "order", "round", "reached", "resolution", "satisfaction", "comment", "channel", "created_at"]
        read_only_fields = fields

    channel = inline_choice(["web", "phone"], read_only=True)


class WhistleInputSerializer(serializers.Serializer):
    units = serializers.SlugRelatedField(slug_field="code", queryset=Unit.objects.all(), many=True)
    reason = serializers.CharField(max_length=2000)
    report_hours = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=24 * 30)


class WhistleReportInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000)


def no_undecodable_text(value: str) -> None:
    """A form or multipart body in another encoding (GBK from an old hotline system) is decoded as
    UTF-8 with U+FFFD for every bad byte: refuse it rather than store the garbage."""
    if "\ufffd" in value:
        raise serializers.ValidationError(
            _("This text is not UTF-8; send UTF-8, or name the encoding in Content-Type (charset=gbk)."),
            code="encoding")


class TextField(serializers.CharField):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.append(no_undecodable_text)


class AppealInputSerializer(serializers.Serializer):
    title = TextField(max_length=200)
    text = TextField(max_length=5000)
    lon = serializers.FloatField(required=False, allow_null=True)
    lat = serializers.FloatField(required=False, allow_null=True)
    coord_system = serializers.CharField(required=False, max_length=8, default="WGS84")
    address = TextField(required=False, allow_blank=True, max_length=200, default="")
    building_code = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=40)
    category = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=20)
    priority = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=10)
    channel = inline_choice(
        [Channel.WEB, Channel.PATROL, Channel.HOTLINE, Channel.API], required=False,
        help_text="default: api for token clients, web for a browser session",
    )
    reporter_name = TextField(required=False, allow_blank=True, max_length=50, default="")
    reporter_phone = serializers.CharField(required=False, allow_blank=True, max_length=20, default="")
    is_anonymous = serializers.BooleanField(required=False, default=False)
    source = TextField(required=False, allow_blank=True, max_length=40, default="")
    external_id = TextField(required=False, allow_blank=True, max_length=80, default="")
    received_at = serializers.DateTimeField(required=False, allow_null=True)
    echo_opt_out = serializers.BooleanField(required=False, default=False)
    idempotency_key = serializers.CharField(required=False, max_length=80,
                                            help_text="or the Idempotency-Key header")
    photos = serializers.ListField(child=serializers.FileField(), required=False, max_length=9, default=list)


class SuggestionSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    confidence = serializers.FloatField()


class AppealCreatedSerializer(serializers.Serializer):
    tracking_number = serializers.CharField()
    order = OrderListSerializer()
    created = serializers.BooleanField()
    category_suggestion = SuggestionSerializer(allow_null=True)


class RevealInputSerializer(serializers.Serializer):
    purpose = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


class AppealRevealSerializer(serializers.Serializer):
    tracking_number = serializers.CharField()
    reporter_name = serializers.CharField()
    reporter_phone = serializers.CharField()
    address = serializers.CharField()


class TrackEventSerializer(serializers.Serializer):
    action = serializers.CharField()
    status = serializers.CharField()
    status_display = serializers.CharField()
    unit = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()


class TrackSerializer(serializers.Serializer):
    tracking_number = serializers.CharField()
    title = serializers.CharField()
    received_at = serializers.DateTimeField()
    status = serializers.ChoiceField(choices=Status.choices)
    status_display = serializers.CharField()
    category = serializers.CharField(allow_null=True)
    unit = serializers.CharField(allow_null=True)
    handle_due = serializers.DateTimeField(allow_null=True)
    answer = serializers.CharField()
    timeline = TrackEventSerializer(many=True)


# --- catalogue --------------------------------------------------------------------------------
class CategoryNodeSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.IntegerField()
    description = serializers.CharField()
    is_private = serializers.BooleanField()
    default_priority = serializers.CharField()
    children = serializers.ListField(child=serializers.DictField(), help_text="nodes of the same shape")


class ResponsibilitySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    category = CategoryRefSerializer(allow_null=True)
    area = AreaRefSerializer()
    unit = UnitRefSerializer()
    level = serializers.CharField()
    note = serializers.CharField()


class TrackCodeRequestSerializer(serializers.Serializer):
    number = serializers.CharField(help_text="tracking number")
    phone = serializers.CharField(help_text="the phone given with the appeal")
