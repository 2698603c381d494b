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


class PatrolLogSerializer(PatrolSerializer):
    worker = serializers.CharField(source="worker.username", read_only=True)
    worker_name = serializers.CharField(source="worker.display_name", read_only=True)
    minutes = serializers.IntegerField(read_only=True)
    route_metres = serializers.IntegerField(read_only=True)
    visits = serializers.IntegerField(source="visit_count", read_only=True)

    class Meta(PatrolSerializer.Meta):
        fields = [*PatrolSerializer.Meta.fields, "worker", "worker_name", "minutes", "route_metres", "visits"]


class VisitInputSerializer(serializers.Serializer):
    """A visit, and with ``finding_text`` the problem found, filed as an appeal in the same request."""

    grid = serializers.CharField(max_length=32)
    kind = serializers.CharField(max_length=16, required=False, default="household")
    household = serializers.IntegerField(required=False, allow_null=True, default=None)
    building = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    summary = serializers.CharField(max_length=2000)
    needs = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    follow_up = serializers.BooleanField(required=False, default=False)
    visited_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    finding_text = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    photos = serializers.ListField(child=serializers.ImageField(), required=False, max_length=9, default=list)
    category_code = serializers.CharField(required=False, allow_blank=True, default="")
    lon = serializers.FloatField(required=False, allow_null=True, default=None)
    lat = serializers.FloatField(required=False, allow_null=True, default=None)


class VisitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    grid = serializers.CharField(source="grid.code")
    kind = serializers.CharField()
    household = serializers.IntegerField(source="household_id", allow_null=True)
    building = serializers.SerializerMethodField()
    worker = serializers.CharField(source="worker.username")
    visited_at = serializers.DateTimeField()
    summary = serializers.CharField()
    needs = serializers.CharField()
    follow_up = serializers.BooleanField()
    patrol = serializers.IntegerField(source="patrol_id", allow_null=True)
    appeal = serializers.SerializerMethodField()

    def get_building(self, obj) -> str | None:
        return obj.building.code if obj.building_id else None

    def get_appeal(self, obj) -> dict | None:
        if not obj.appeal_id:
            return None
        order = obj.appeal.order
        return {"tracking_number": obj.appeal.tracking_number, "order": order.number,
                "category": order.category.code if order.category_id else None,
                "category_name": order.category.name if order.category_id else None,
                "lon": obj.appeal.lon, "lat": obj.appeal.lat}


class CoverageRowSerializer(serializers.Serializer):
    code = serializers.CharField(source="area.code")
    name = serializers.CharField(source="area.name")
    kind = serializers.CharField(source="area.kind")
    households = serializers.IntegerField()
    visited = serializers.IntegerField()
    percent = serializers.FloatField(allow_null=True)


class CoverageSerializer(serializers.Serializer):
    area = serializers.CharField(source="area.code")
    month = serializers.CharField(source="month.code")
    level = serializers.CharField()
    total = CoverageRowSerializer()
    rows = CoverageRowSerializer(many=True)


class CareRowSerializer(serializers.Serializer):
    household = serializers.IntegerField(source="household.pk")
    address = serializers.CharField(source="household.building.address")
    room = serializers.SerializerMethodField()
    head_name = serializers.CharField()
    grid = serializers.CharField(source="household.building.grid.code")
    tags = serializers.ListField(child=serializers.CharField(), source="due.tags")
    last_visit = serializers.DateTimeField(source="due.last_visit", allow_null=True)
    due_on = serializers.DateField(source="due.due_on")
    days_overdue = serializers.IntegerField()
    baolian = serializers.SerializerMethodField()

    def get_room(self, obj) -> str:
        return f"{obj.household.entrance}-{obj.household.room}"

    def get_baolian(self, obj) -> list[str]:
        return [c.display_name for c in obj.carers]


class CarePolicySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    area = serializers.CharField(source="area.code")
    area_name = serializers.CharField(source="area.name")
    tag = serializers.CharField()
    period = serializers.CharField()
    days = serializers.IntegerField(allow_null=True)
    starts_on = serializers.DateField()
    is_active = serializers.BooleanField()
    note = serializers.CharField()


class CarePolicyInputSerializer(serializers.Serializer):
    """A care rule to create (POST) or the fields to change (PATCH; the area stays). Tag, interval
    and days are checked by the service, so web and API refuse with the same words."""

    area = serializers.CharField(max_length=32, help_text="Area code (district, street or community).")
    tag = serializers.CharField(max_length=32)
    period = serializers.CharField(max_length=10, help_text="weekly, monthly or days")
    days = serializers.IntegerField(required=False, allow_null=True, default=None,
                                    help_text="Days between visits when period is days (1-366).")
    starts_on = serializers.DateField(required=False, allow_null=True, default=None)
    is_active = serializers.BooleanField(required=False, default=True)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ChainLinkSerializer(serializers.Serializer):
    level = serializers.CharField()
    level_label = serializers.CharField()
    target = serializers.CharField()
    code = serializers.CharField()
    cadres = serializers.SerializerMethodField()

    def get_cadres(self, obj) -> list[dict]:
        return [{"username": c.username, "name": c.display_name} for c in obj.cadres]


class GapsSerializer(serializers.Serializer):
    area = serializers.CharField(source="area.code")
    streets = serializers.SerializerMethodField()
    communities = serializers.SerializerMethodField()
    buildings = serializers.SerializerMethodField()
    buildings_total = serializers.IntegerField()
    households = serializers.ListField(child=serializers.DictField(), allow_null=True)
    households_total = serializers.IntegerField()

    def get_streets(self, obj) -> list[str]:
        return [a.code for a in obj.streets]

    def get_communities(self, obj) -> list[str]:
        return [a.code for a in obj.communities]

    def get_buildings(self, obj) -> list[str]:
        return [b.code for b in obj.buildings]
