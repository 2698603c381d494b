"""Shapes of the command-center API. Inputs (query parameters) are parsed here; outputs are
what the dashboard selectors return, documented for the OpenAPI schema."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from .params import DEFAULT_DAYS, MAX_DAYS, MAX_LIMIT, RANKING_KINDS, MonthField


# --- inputs -----------------------------------------------------------------------------------
class AreaQuerySerializer(serializers.Serializer):
    area = serializers.CharField(required=False, allow_blank=True, max_length=40,
                                 help_text="Area code; the reader's own top area when left out.")


class DaysQuerySerializer(AreaQuerySerializer):
    days = serializers.IntegerField(required=False, default=DEFAULT_DAYS, min_value=1, max_value=MAX_DAYS)


class LimitQuerySerializer(AreaQuerySerializer):
    limit = serializers.IntegerField(required=False, default=20, min_value=1, max_value=MAX_LIMIT)


class RankingQuerySerializer(AreaQuerySerializer):
    kind = serializers.ChoiceField(choices=RANKING_KINDS, required=False, allow_blank=True)
    month = MonthField(help_text="YYYY-MM; this month when left out.")


# --- outputs ----------------------------------------------------------------------------------
class CenterAreaSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()


class CenterSummarySerializer(serializers.Serializer):
    area = CenterAreaSerializer()
    in_today = serializers.IntegerField(help_text="orders received today (今日受理)")
    open = serializers.IntegerField(help_text="orders open now (在办)")
    overdue = serializers.IntegerField(help_text="open orders past their handling deadline (超期)")
    closed_today = serializers.IntegerField(help_text="orders closed today (今日办结)")
    escalated = serializers.IntegerField(help_text="open orders escalated, supervised or whistled (上报/督办)")
    whistles_waiting = serializers.IntegerField(help_text="departments called by a whistle that have not reported (待报到)")
    urgent_today = serializers.IntegerField(help_text="urgent orders received today (今日紧急)")
    on_time_rate = serializers.FloatField(allow_null=True, help_text="0..1 over the last 30 days; null without closings")
    as_of = serializers.DateTimeField()


class CenterTrendDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    created = serializers.IntegerField()
    closed = serializers.IntegerField()
    closed_on_time = serializers.IntegerField()


class CenterTrendSerializer(serializers.Serializer):
    area = CenterAreaSerializer()
    days = CenterTrendDaySerializer(many=True, help_text="one per day, oldest first")


class CenterCategorySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    open = serializers.IntegerField()
    created = serializers.IntegerField()


class CenterCategoriesSerializer(serializers.Serializer):
    area = CenterAreaSerializer()
    categories = CenterCategorySerializer(many=True, help_text="top-level categories, most received first")


class CenterMapPropertiesSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    open = serializers.IntegerField()
    overdue = serializers.IntegerField()
    created_30d = serializers.IntegerField()
    drill = serializers.BooleanField(help_text="the area has children to drill down to")


class CenterMapFeatureSerializer(serializers.Serializer):
    type = serializers.CharField()
    geometry = serializers.JSONField(allow_null=True, help_text="GeoJSON geometry, WGS-84")
    properties = CenterMapPropertiesSerializer()


class CenterMapSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="FeatureCollection")
    features = CenterMapFeatureSerializer(many=True)


class CenterRankRowSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    rank = serializers.IntegerField(allow_null=True)
    response_rate = serializers.FloatField(allow_null=True)
    resolution_rate = serializers.FloatField(allow_null=True)
    satisfaction_rate = serializers.FloatField(allow_null=True)
    score = serializers.FloatField(allow_null=True)
    dispatched = serializers.IntegerField()
    callbacks = serializers.IntegerField()
    list = serializers.CharField(allow_null=True, help_text="red (红榜), black (黑榜) or null")


class CenterRankingsSerializer(serializers.Serializer):
    area = CenterAreaSerializer()
    kind = serializers.CharField()
    month = serializers.CharField()
    rows = CenterRankRowSerializer(many=True)
    red = CenterRankRowSerializer(many=True)
    black = CenterRankRowSerializer(many=True)


class CenterOrderSerializer(serializers.Serializer):
    number = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    area = serializers.CharField(source="area.name")
    unit = serializers.SerializerMethodField()
    handle_due = serializers.DateTimeField(allow_null=True)
    is_overdue = serializers.BooleanField()
    supervision_level = serializers.CharField()
    url = serializers.SerializerMethodField()

    def get_unit(self, order) -> str | None:
        return order.unit.name if order.unit_id else None

    def get_url(self, order) -> str:
        return reverse("workorders:detail", args=[order.number])


class CenterOrdersSerializer(serializers.Serializer):
    area = CenterAreaSerializer()
    orders = CenterOrderSerializer(many=True)


class CenterWhistleSerializer(serializers.Serializer):
    order_number = serializers.CharField()
    order_title = serializers.CharField()
    street = serializers.CharField(allow_null=True)
    unit = serializers.CharField()
    deadline = serializers.DateTimeField(allow_null=True)
    overdue = serializers.BooleanField()


class CenterWhistlesSerializer(serializers.Serializer):
    area = CenterAreaSerializer()
    whistles = CenterWhistleSerializer(many=True)
