from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import GeneratedReport


class ReportRequestSerializer(serializers.Serializer):
    area = serializers.CharField(max_length=20, help_text="area code (district, street or community)")
    month = serializers.CharField(max_length=7, help_text="YYYY-MM, not in the future")
    formats = serializers.ListField(child=serializers.ChoiceField(choices=["pdf", "xlsx"]), required=False,
                                    default=["pdf", "xlsx"], help_text="files to write (default both)")


class ReportFileSerializer(serializers.Serializer):
    format = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    url = serializers.CharField()


class GeneratedReportSerializer(serializers.ModelSerializer):
    area_name = serializers.CharField(source="area.name", read_only=True)
    requested_by = serializers.SerializerMethodField()
    files = serializers.SerializerMethodField()

    class Meta:
        model = GeneratedReport
        fields = ["id", "title", "area_code", "area_name", "month", "created_at", "requested_by", "has_data", "pages",
                  "sheets", "seconds", "files"]

    def get_requested_by(self, obj) -> str | None:
        return obj.requested_by.get_username() if obj.requested_by else None

    @extend_schema_field(ReportFileSerializer(many=True))
    def get_files(self, obj) -> list[dict]:
        out = []
        for fmt in ("pdf", "xlsx"):
            if obj.file_for(fmt):
                out.append({"format": fmt, "size": getattr(obj, f"{fmt}_size"), "sha256": getattr(obj, f"{fmt}_sha256"),
                            "url": reverse("reports-api-download", args=[obj.pk, fmt])})
        return out
