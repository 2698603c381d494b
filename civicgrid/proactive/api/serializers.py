"""Serializers of the proactive API: they only shape what the selectors and services return."""

from __future__ import annotations

from rest_framework import serializers

from civicgrid.dashboard.api.params import MonthField


class AreaQuerySerializer(serializers.Serializer):
    area = serializers.CharField(required=False, allow_blank=True,
                                 help_text="area code (default: the top of your jurisdiction)")


class FindingsQuerySerializer(AreaQuerySerializer):
    kind = serializers.ChoiceField(choices=["spike", "cluster", "recurring", "topic"], required=False)


class MonthQuerySerializer(AreaQuerySerializer):
    month = MonthField(help_text="YYYY-MM (default: this month)")


class FindingSerializer(serializers.Serializer):
    kind = serializers.CharField()
    key = serializers.CharField()
    title = serializers.CharField()
    area_code = serializers.CharField()
    area_name = serializers.CharField()
    category_code = serializers.CharField()
    category_name = serializers.CharField()
    count = serializers.IntegerField()
    score = serializers.FloatField()
    p_value = serializers.FloatField(allow_null=True)
    expected = serializers.FloatField(allow_null=True)
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    sample_orders = serializers.ListField(child=serializers.CharField())
    evidence = serializers.DictField()


class FindingListSerializer(serializers.Serializer):
    area = serializers.CharField()
    topics_as_of = serializers.DateTimeField(allow_null=True, help_text=(
        "when the hot topics were computed (the latest stored scan; null: never scanned); spikes, "
        "clusters and recurring addresses are computed at the request"))
    findings = FindingSerializer(many=True)


class RescanSerializer(serializers.Serializer):
    area = serializers.CharField(required=False, allow_blank=True)


class SnapshotSerializer(serializers.Serializer):
    area = serializers.CharField(source="area.code")
    scope = serializers.CharField()
    period = serializers.CharField()
    as_of = serializers.DateTimeField()
    trigger = serializers.CharField()
    seconds = serializers.FloatField()
    findings = serializers.SerializerMethodField()

    def get_findings(self, obj) -> int:
        return len(obj.findings)


class TaskSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    key = serializers.CharField()
    kind = serializers.CharField()
    title = serializers.CharField()
    area_code = serializers.CharField(source="area.code")
    area_name = serializers.CharField(source="area.name")
    category_code = serializers.CharField(source="category.code", allow_null=True, default=None)
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    count = serializers.IntegerField()
    score = serializers.FloatField(allow_null=True)
    evidence = serializers.DictField()
    order_number = serializers.CharField(source="order.number")
    order_status = serializers.CharField(source="order.status")
    suggested_unit = serializers.CharField(source="order.suggested_unit.name", allow_null=True, default=None)
    created_at = serializers.DateTimeField()


class CreateTaskSerializer(serializers.Serializer):
    key = serializers.CharField(max_length=200, help_text="the key of a finding listed by /findings/")
    area = serializers.CharField(required=False, allow_blank=True, help_text="the area the finding was listed for")


class TopProblemSerializer(serializers.Serializer):
    month = serializers.CharField()
    area_code = serializers.CharField()
    area_name = serializers.CharField()
    kind = serializers.CharField()
    title = serializers.CharField()
    category_code = serializers.CharField()
    category_name = serializers.CharField()
    count = serializers.IntegerField()
    heat = serializers.FloatField()
    sample_orders = serializers.ListField(child=serializers.CharField())
    key = serializers.CharField()
    task_order = serializers.CharField(allow_null=True)


class ConfirmMonthlySerializer(serializers.Serializer):
    area = serializers.CharField(required=False, allow_blank=True)
    month = MonthField(help_text="YYYY-MM (default: this month)")
