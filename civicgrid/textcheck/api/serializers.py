from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from civicgrid.core.text import MAX_ANALYSED_CHARS

MAX_INPUT = 4 * MAX_ANALYSED_CHARS  # longer input is refused; up to it, the checks read the first MAX_ANALYSED_CHARS


class UrgencyInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=MAX_INPUT, allow_blank=True, trim_whitespace=True)
    title = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")


class MatchSerializer(serializers.Serializer):
    phrase = serializers.CharField()
    group = serializers.CharField()
    weight = serializers.FloatField()
    score = serializers.FloatField()
    effects = serializers.ListField(child=serializers.CharField())


class UrgencyResultSerializer(serializers.Serializer):
    urgent = serializers.BooleanField()
    score = serializers.FloatField()
    threshold = serializers.FloatField()
    reasons = serializers.ListField(child=serializers.CharField(), help_text=_("matched hazard phrases that count"))
    groups = serializers.ListField(child=serializers.CharField())
    matches = MatchSerializer(many=True)
    truncated = serializers.BooleanField(help_text=_("the text was longer than the analysed length"))


class ReplyInputSerializer(serializers.Serializer):
    reply = serializers.CharField(max_length=MAX_INPUT, allow_blank=True, trim_whitespace=True)
    subject = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")
    appeal = serializers.CharField(max_length=MAX_INPUT, allow_blank=True, required=False, default="")


class ReplyResultSerializer(serializers.Serializer):
    score = serializers.FloatField()
    flagged = serializers.BooleanField()
    threshold = serializers.FloatField()
    reasons = serializers.ListField(child=serializers.CharField())
    features = serializers.DictField()


class UrgencyFlagSerializer(serializers.Serializer):
    score = serializers.FloatField()
    reasons = serializers.ListField(child=serializers.CharField())
    applied = serializers.BooleanField(help_text=_("false when an operator chose the priority"))
    created_at = serializers.DateTimeField()


class ReplyCheckSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    order = serializers.CharField(source="order.number")
    order_title = serializers.CharField(source="order.title")
    order_status = serializers.CharField(source="order.status")
    answer = serializers.CharField()
    score = serializers.FloatField()
    flagged = serializers.BooleanField()
    state = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField())
    reviewed_by = serializers.CharField(source="reviewed_by.username", default=None, allow_null=True)
    reviewed_at = serializers.DateTimeField(allow_null=True)
    review_note = serializers.CharField()
    created_at = serializers.DateTimeField()


class OrderChecksSerializer(serializers.Serializer):
    order = serializers.CharField()
    priority = serializers.CharField()
    urgent = serializers.BooleanField()
    urgency = UrgencyFlagSerializer(allow_null=True)
    reply = ReplyCheckSerializer(allow_null=True)


class ApproveInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=300, allow_blank=True, required=False, default="")


class RewriteInputSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=5000, trim_whitespace=True)
