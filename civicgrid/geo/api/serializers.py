from __future__ import annotations

from rest_framework import serializers

from civicgrid.core.masking import mask_id_number, mask_name, mask_phone

from ..models import Area, Building, Household


def area_feature(area: Area, with_geometry: bool = True) -> dict:
    return {
        "type": "Feature",
        "id": area.code,
        "geometry": area.boundary if with_geometry else None,
        "properties": {
            "code": area.code,
            "name": area.name,
            "kind": area.kind,
            "parent": area.parent.code if area.parent_id else None,
            "parent_name": area.parent.name if area.parent_id else None,
            "depth": area.depth,
            "centroid": [area.centroid_lon, area.centroid_lat] if area.centroid_lon is not None else None,
        },
    }


class AreaFeatureSerializer(serializers.BaseSerializer):
    """A GeoJSON Feature; the list view wraps these in a FeatureCollection."""

    def to_representation(self, instance):
        return area_feature(instance, with_geometry=self.context.get("with_geometry", True))


class BuildingSerializer(serializers.ModelSerializer):
    grid = serializers.CharField(source="grid.code", read_only=True)
    grid_name = serializers.CharField(source="grid.name", read_only=True)

    class Meta:
        model = Building
        fields = [
            "code", "name", "address", "lon", "lat", "grid", "grid_name",
            "floors", "entrances", "households_count", "built_year",
        ]


class HouseholdSerializer(serializers.ModelSerializer):
    """Personal data masked; the ``reveal`` action returns it in full, audited."""

    id = serializers.IntegerField(read_only=True)
    building = serializers.CharField(source="building.code", read_only=True)
    address = serializers.CharField(source="building.address", read_only=True)
    head_name = serializers.SerializerMethodField()
    head_phone = serializers.SerializerMethodField()
    head_id_number = serializers.SerializerMethodField()

    class Meta:
        model = Household
        fields = [
            "id", "building", "address", "entrance", "room", "size",
            "head_name", "head_phone", "head_id_number", "tags",
        ]

    def get_head_name(self, obj) -> str:
        return mask_name(obj.head_name)

    def get_head_phone(self, obj) -> str:
        return mask_phone(obj.head_phone)

    def get_head_id_number(self, obj) -> str:
        return mask_id_number(obj.head_id_number)


class HouseholdRevealSerializer(serializers.ModelSerializer):
    class Meta:
        model = Household
        fields = ["id", "head_name", "head_phone", "head_id_number"]
