from __future__ import annotations

from rest_framework import serializers

from civicgrid.core.masking import mask_phone

from ..models import Membership, Unit, User


class UnitSerializer(serializers.ModelSerializer):
    area = serializers.CharField(source="area.code", read_only=True)
    area_name = serializers.CharField(source="area.name", read_only=True)

    class Meta:
        model = Unit
        fields = ["code", "name", "short_name", "kind", "area", "area_name", "duty_phone", "description"]


class MembershipSerializer(serializers.ModelSerializer):
    area = serializers.CharField(source="area.code", default=None, read_only=True)
    area_name = serializers.CharField(source="area.name", default=None, read_only=True)
    unit = serializers.CharField(source="unit.code", default=None, read_only=True)
    unit_name = serializers.CharField(source="unit.name", default=None, read_only=True)

    class Meta:
        model = Membership
        fields = ["role", "area", "area_name", "unit", "unit_name", "title"]


class UserSerializer(serializers.ModelSerializer):
    phone = serializers.SerializerMethodField()
    memberships = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "real_name", "phone", "memberships"]

    def get_phone(self, obj) -> str:
        return mask_phone(obj.phone or "")

    def get_memberships(self, obj) -> list[dict]:
        return MembershipSerializer(
            [m for m in obj.memberships.all() if m.is_active], many=True
        ).data


class MeSerializer(UserSerializer):
    jurisdiction = serializers.SerializerMethodField()

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "jurisdiction"]

    def get_jurisdiction(self, obj) -> dict:
        j = self.context["jurisdiction"]
        return {
            "is_global": j.is_global,
            "roles": sorted(j.roles),
            "area_paths": list(j.area_paths),
            "unit_ids": list(j.unit_ids),
        }
