"""Serializers of the field-work API: input shapes are parsed here, rules live in the services."""

from __future__ import annotations

from rest_framework import serializers

from ..models import Patrol


class PatrolSerializer(serializers.ModelSerializer):
    grid = serializers.CharField(source="grid.code", read_only=True)
    grid_name = serializers.CharField(source="grid.name", read_only=True)
    route_points = serializers.SerializerMethodField()

    class Meta:
        model = Patrol
        fields = ["id", "grid", "grid_name", "started_at", "ended_at", "note", "findings", "route_points"]

    def get_route_points(self, obj: Patrol) -> int:
        return len(obj.route or [])


class StartPatrolSerializer(serializers.Serializer):
    grid = serializers.CharField(max_length=32)


class RoutePointSerializer(serializers.Serializer):
    lon = serializers.FloatField()
    lat = serializers.FloatField()
    at = serializers.DateTimeField(required=False)
    coord_system = serializers.CharField(required=False, default="WGS84")


class EndPatrolSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class SnapSerializer(serializers.Serializer):
    photos = serializers.ListField(child=serializers.ImageField(), min_length=1, max_length=9)
    text = serializers.CharField(max_length=500)
    lon = serializers.FloatField()
    lat = serializers.FloatField()
    coord_system = serializers.CharField(required=False, default="WGS84")
    accuracy = serializers.FloatField(required=False, allow_null=True)
    category_code = serializers.CharField(required=False, allow_blank=True, default="")


class SnapResultSerializer(serializers.Serializer):
    tracking_number = serializers.CharField(source="appeal.tracking_number")
    order = serializers.CharField(source="order.number")
    grid = serializers.CharField(source="order.area.code")
