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


class GridTeamMemberSerializer(serializers.Serializer):
    position = serializers.CharField()
    position_display = serializers.CharField(source="get_position_display")
    name = serializers.CharField(source="user.display_name")
    work_phone = serializers.CharField()


class GridListItemSerializer(serializers.Serializer):
    list_kind = serializers.CharField()
    title = serializers.CharField()
    detail = serializers.CharField()
    contact = serializers.CharField()


class GridProfileSerializer(serializers.Serializer):
    """The grid's public board (公示牌): team, four lists, party branch, building leaders."""

    def to_representation(self, profile):
        grid = profile["grid"]
        branch = profile["party_branch"]
        return {
            "grid": {"code": grid.code, "name": grid.name},
            "team": GridTeamMemberSerializer(profile["team"], many=True).data,
            "lists": {
                kind: GridListItemSerializer(items, many=True).data for kind, items in profile["lists"].items()
            },
            "party_branch": None
            if branch is None
            else {
                "name": branch.name,
                "secretary": branch.secretary.display_name if branch.secretary else None,
                "members_count": branch.members_count,
            },
            "building_leaders": [
                {"building": bl.building.code, "address": bl.building.address, "name": bl.user.display_name,
                 "is_pioneer": bl.is_pioneer}
                for bl in profile["building_leaders"]
            ],
        }


class BaolianSerializer(serializers.Serializer):
    level = serializers.CharField()
    cadre = serializers.CharField(source="cadre.display_name")
    target = serializers.SerializerMethodField()
    target_name = serializers.SerializerMethodField()
    note = serializers.CharField()

    def get_target(self, obj) -> str:
        if obj.area_id:
            return obj.area.code
        if obj.building_id:
            return obj.building.code
        return str(obj.household_id)

    def get_target_name(self, obj) -> str:
        if obj.area_id:
            return obj.area.name
        if obj.building_id:
            return obj.building.address
        from civicgrid.core.masking import mask_address

        return mask_address(str(obj.household))
