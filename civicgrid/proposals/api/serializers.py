"""Serializers of the proposals API: shapes only; the rules live in the services."""

from __future__ import annotations

from rest_framework import serializers

from .. import selectors
from ..models import (
    Campaign, Milestone, PanelKind, Project, ProjectUpdate, Proposal, ProposalCategory, SelectionMethod, SelectionRun,
)


class CampaignSerializer(serializers.ModelSerializer):
    area = serializers.CharField(source="area.code", read_only=True)
    area_name = serializers.CharField(source="area.name", read_only=True)
    active_phase = serializers.CharField(read_only=True, allow_null=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    criteria = serializers.SerializerMethodField()

    class Meta:
        model = Campaign
        fields = ["id", "title", "year", "area", "area_name", "budget", "support_limit", "submission_limit",
                  "method", "cost_unit", "support_weight", "state", "state_display", "active_phase",
                  "selection_confirmed_at", "criteria"]

    def get_criteria(self, obj) -> list[dict]:
        return [{"id": c.pk, "name": c.name, "weight": c.weight} for c in obj.criteria.all()]


class CreateCampaignSerializer(serializers.Serializer):
    area = serializers.CharField(max_length=32, help_text="code of a district or street")
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    title = serializers.CharField(max_length=120)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    budget = serializers.IntegerField(min_value=1)
    support_limit = serializers.IntegerField(min_value=1, max_value=50, default=3)
    submission_limit = serializers.IntegerField(min_value=1, max_value=50, default=3)
    method = serializers.ChoiceField(choices=SelectionMethod.choices, default="approval")
    cost_unit = serializers.IntegerField(min_value=1, default=1000)
    support_weight = serializers.IntegerField(min_value=0, max_value=100, default=1)
    criteria = serializers.ListField(child=serializers.DictField(), required=False,
                                     help_text='[{"name": "必要性", "weight": 4}, ...]')


class UpdateCampaignSerializer(serializers.Serializer):
    """PATCH: only the fields sent change; the rules (the same as creating, and what may no
    longer change) are the service's, so no bounds are repeated here."""

    title = serializers.CharField(required=False, allow_blank=True)
    year = serializers.IntegerField(required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    budget = serializers.IntegerField(required=False)
    support_limit = serializers.IntegerField(required=False)
    submission_limit = serializers.IntegerField(required=False)
    method = serializers.CharField(max_length=20, required=False)
    cost_unit = serializers.IntegerField(required=False)
    support_weight = serializers.IntegerField(required=False)
    criteria = serializers.ListField(child=serializers.DictField(), required=False,
                                     help_text='[{"name": "必要性", "weight": 4}, ...] (replaces them all)')
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class PanelMemberSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    kind = serializers.ChoiceField(choices=PanelKind.choices, default="resident_rep")


class ProposalSerializer(serializers.ModelSerializer):
    area = serializers.CharField(source="area.code", read_only=True)
    area_name = serializers.CharField(source="area.name", read_only=True)
    author = serializers.SerializerMethodField()
    merged_into = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    # Plain strings in the schema: "status" enums of other apps would collide by name.
    status = serializers.CharField(read_only=True, help_text="submitted, merged, eligible, ineligible, selected, not_selected")

    class Meta:
        model = Proposal
        fields = ["id", "campaign", "title", "description", "area", "area_name", "estimated_cost", "category",
                  "status", "status_reason", "merged_into", "support_count", "score", "scored_by", "author",
                  "created_at"]

    def get_author(self, obj) -> str:
        return selectors.author_display(obj)


class SubmitSerializer(serializers.Serializer):
    campaign = serializers.IntegerField()
    title = serializers.CharField(max_length=80)
    description = serializers.CharField(max_length=3000)
    area = serializers.CharField(max_length=32)
    estimated_cost = serializers.IntegerField(min_value=1)
    category = serializers.ChoiceField(choices=ProposalCategory.choices)


class SimilarSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="proposal.pk")
    title = serializers.CharField(source="proposal.title")
    support_count = serializers.IntegerField(source="proposal.support_count")
    similarity = serializers.FloatField()


class SupportStateSerializer(serializers.Serializer):
    proposal = serializers.IntegerField()
    support_count = serializers.IntegerField()
    supported = serializers.BooleanField()
    remaining = serializers.IntegerField()


class PhaseSerializer(serializers.Serializer):
    action = serializers.CharField(max_length=30)
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ScreenSerializer(serializers.Serializer):
    eligible = serializers.BooleanField()
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class MergeSerializer(serializers.Serializer):
    into = serializers.IntegerField()
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ScoreSerializer(serializers.Serializer):
    scores = serializers.DictField(child=serializers.IntegerField(min_value=0, max_value=10))


class SelectionRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = SelectionRun
        fields = ["id", "method", "budget", "chosen", "ranking", "total_cost", "total_value", "run_at", "confirmed"]


class ConfirmSerializer(serializers.Serializer):
    run = serializers.IntegerField()
    units = serializers.DictField(child=serializers.CharField(max_length=40),
                                  help_text="proposal id -> responsible unit code")


class MilestoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Milestone
        fields = ["id", "title", "due_date", "weight", "progress", "done_at"]
        read_only_fields = ["id", "done_at"]


class MilestoneProgressSerializer(serializers.Serializer):
    progress = serializers.IntegerField(min_value=0, max_value=100)


class UpdateSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProjectUpdate
        fields = ["id", "text", "photo", "created_at"]
        read_only_fields = ["id", "created_at"]


class ProjectSerializer(serializers.ModelSerializer):
    title = serializers.CharField(source="proposal.title", read_only=True)
    unit = serializers.CharField(source="unit.code", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    mean_rating = serializers.FloatField(read_only=True, allow_null=True)
    milestones = MilestoneSerializer(many=True, read_only=True)
    status = serializers.CharField(read_only=True, help_text="in_progress or finished")

    class Meta:
        model = Project
        fields = ["id", "proposal", "campaign", "title", "unit", "unit_name", "budget", "status", "progress",
                  "finished_at", "rating_count", "mean_rating", "milestones"]


class RateSerializer(serializers.Serializer):
    stars = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
