from __future__ import annotations

from rest_framework import serializers

from civicgrid.notifications.models import InboxMessage


class InboxMessageSerializer(serializers.ModelSerializer):
    class Meta:
        model = InboxMessage
        fields = ["id", "event", "title", "body", "link", "read_at", "created_at"]
        read_only_fields = fields


class MarkReadSerializer(serializers.Serializer):
    # The largest id a database column holds: a bigger number would overflow the query, not miss.
    ids = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), required=False,
                                max_length=500,
                                help_text="messages to mark read; all unread when left out")


class EchoEntrySerializer(serializers.Serializer):
    """One published answer. Masked: no names, phones, ID numbers or addresses below the building."""

    number = serializers.CharField()
    title = serializers.CharField()
    text = serializers.CharField()
    answer = serializers.CharField()
    category = serializers.CharField()
    area = serializers.CharField()
    received_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField()
    published_at = serializers.DateTimeField()


class MetricsSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    rank = serializers.IntegerField(allow_null=True)
    response_rate = serializers.FloatField(allow_null=True)
    resolution_rate = serializers.FloatField(allow_null=True)
    satisfaction_rate = serializers.FloatField(allow_null=True)
    score = serializers.FloatField(allow_null=True)
    on_time_rate = serializers.FloatField(allow_null=True)
    overdue = serializers.IntegerField()
    reopen_rate = serializers.FloatField(allow_null=True)
    avg_handling_hours = serializers.FloatField(allow_null=True)
    dispatched = serializers.IntegerField()
    callbacks = serializers.IntegerField()
    closed = serializers.IntegerField()
