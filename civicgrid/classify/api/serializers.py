"""Serializers of the classifier API."""

from __future__ import annotations

from rest_framework import serializers

from civicgrid.core.text import MAX_ANALYSED_CHARS

from ..models import ModelVersion


class VersionSerializer(serializers.ModelSerializer):
    scope_area = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    scope = serializers.CharField(source="scope_label", read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = ModelVersion
        fields = ["id", "number", "scope", "scope_area", "level", "source", "created_at", "created_by", "rows",
                  "labels", "metrics", "skipped", "format_version", "sklearn_version", "size_bytes",
                  "training_seconds", "is_active", "activated_at"]
        read_only_fields = fields


class PredictRequestSerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True, trim_whitespace=False,
                                 help_text=f"the appeal's text; analysed up to {MAX_ANALYSED_CHARS} characters")
    area = serializers.CharField(required=False, allow_blank=True,
                                 help_text="area code whose active model is used (default: the whole platform's)")


class ScoredCategorySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    score = serializers.FloatField()


class PredictResponseSerializer(serializers.Serializer):
    code = serializers.CharField(allow_null=True)
    name = serializers.CharField(allow_null=True)
    confidence = serializers.FloatField()
    top3 = ScoredCategorySerializer(many=True)
    source = serializers.ChoiceField(choices=["model", "keywords"])
    version = serializers.IntegerField(allow_null=True)
    capped_at = serializers.IntegerField(allow_null=True)
