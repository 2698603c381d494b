from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class DuplicateQuerySerializer(serializers.Serializer):
    text = serializers.CharField(max_length=5000, allow_blank=True, default="")
    lon = serializers.FloatField(min_value=-180, max_value=180)
    lat = serializers.FloatField(min_value=-90, max_value=90)
    category_code = serializers.CharField(max_length=20, allow_blank=True, default="",
                                          help_text=_("Leaf or parent category; empty: any category, text decides."))
    limit = serializers.IntegerField(min_value=1, max_value=20, default=5)


class DuplicateSuggestionSerializer(serializers.Serializer):
    number = serializers.CharField(source="order.number")
    title = serializers.CharField(source="order.title")
    status = serializers.CharField(source="order.status")
    category = serializers.CharField(source="order.category.code", allow_null=True, default=None)
    appeals_count = serializers.IntegerField(source="order.appeals_count", help_text=_("Appeals on the order (me too)."))
    score = serializers.FloatField()
    similarity = serializers.FloatField()
    metres = serializers.IntegerField()
    age_days = serializers.FloatField()


class MeTooInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=2000, allow_blank=True, default="")


class MeTooResultSerializer(serializers.Serializer):
    tracking_number = serializers.CharField()
    order = serializers.CharField(source="order.number")
    appeals_count = serializers.IntegerField(source="order.appeals_count")


class MergeFromSuggestionInputSerializer(serializers.Serializer):
    target = serializers.CharField(max_length=24, help_text=_("Number of the suggested order to merge into."))
    expected_version = serializers.IntegerField(required=False, min_value=1)


class MergeFromSuggestionSerializer(serializers.Serializer):
    number = serializers.CharField()
    status = serializers.CharField()
    merged_into = serializers.CharField(source="merged_into.number")
    appeals_count = serializers.IntegerField(source="merged_into.appeals_count")
