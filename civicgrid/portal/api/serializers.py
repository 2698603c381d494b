from rest_framework import serializers

from ..models import Notice


class NoticeSerializer(serializers.ModelSerializer):
    area = serializers.CharField(source="area.code", read_only=True)
    area_name = serializers.CharField(source="area.name", read_only=True)

    class Meta:
        model = Notice
        fields = ["id", "area", "area_name", "title", "body", "published_at"]
        read_only_fields = fields
