"""Serializers of the wishes API: input parsing and output shapes only."""

from __future__ import annotations

from rest_framework import serializers

from civicgrid.dashboard.api.params import MonthField

from .. import rules, selectors
from ..models import HardProblem, ProblemNote, Wish


class WishInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    deadline = serializers.DateField(required=False, allow_null=True, default=None)
    household = serializers.IntegerField(required=False, allow_null=True, default=None,
                                         help_text="a household id: a grid worker posts on its behalf")


class MoveInputSerializer(serializers.Serializer):
    action = serializers.CharField(max_length=20)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="")
    progress = serializers.IntegerField(required=False, allow_null=True, default=None)
    version = serializers.IntegerField(required=False, allow_null=True, default=None)
    team = serializers.IntegerField(required=False, allow_null=True, default=None)
    photos = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class WishSerializer(serializers.ModelSerializer):
    """A wish as a list shows it: the household only as the masked summary."""

    state = serializers.CharField(read_only=True, help_text="pending, rejected, open, claimed, fulfilled, "
                                                            "confirmed or cancelled")
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    summary = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()
    grid = serializers.CharField(source="grid.code", read_only=True)
    claimer_team = serializers.CharField(source="claimer_team.name", default=None, read_only=True, allow_null=True)
    claimer_branch = serializers.CharField(source="claimer_branch.name", default=None, read_only=True, allow_null=True)

    class Meta:
        model = Wish
        fields = ["id", "title", "description", "state", "state_label", "summary", "deadline", "overdue", "grid",
                  "on_behalf", "claimer_team", "claimer_branch", "created_at", "claimed_at", "fulfilled_at",
                  "confirmed_at", "version"]

    def get_summary(self, wish) -> str:
        return selectors.masked_summary(wish, names=self.context.setdefault("area_names", {}))

    def get_overdue(self, wish) -> bool:
        return selectors.is_overdue(wish)


class WishDetailSerializer(WishSerializer):
    """One wish with the household as this reader may see it and the moves they may make."""

    household = serializers.SerializerMethodField()
    moves = serializers.SerializerMethodField()
    proof_note = serializers.SerializerMethodField()
    photos = serializers.SerializerMethodField()
    is_claimer = serializers.SerializerMethodField()

    class Meta(WishSerializer.Meta):
        fields = [*WishSerializer.Meta.fields, "household", "moves", "proof_note", "photos", "last_reason",
                  "is_claimer"]

    def _user(self):
        return self.context["request"].user

    def _contact(self, wish):
        if "contact" not in self.context:
            self.context["contact"] = selectors.contact_for(self._user(), wish, purpose="api wish")
        return self.context["contact"]

    def get_household(self, wish) -> dict:
        c = self._contact(wish)
        return {"full": c.full, "name": c.name, "phone": c.phone, "address": c.address, "summary": c.summary}

    def get_moves(self, wish) -> list[str]:
        return [m.name for m in rules.allowed_wish_moves(self._user(), wish)]

    def _proof(self, wish) -> bool:
        return self._contact(wish).full or rules.is_owner(self._user(), wish)

    def get_proof_note(self, wish) -> str:
        return wish.proof_note if self._proof(wish) else ""

    def get_photos(self, wish) -> list[str]:
        return [f"/wishes/photos/{p.pk}/" for p in wish.photos.all()] if self._proof(wish) else []

    def get_is_claimer(self, wish) -> bool:
        return wish.claimer_id == getattr(self._user(), "pk", None)


class ProblemInputSerializer(serializers.Serializer):
    order = serializers.CharField(required=False, allow_blank=True, default="", help_text="work order number")
    task = serializers.IntegerField(required=False, allow_null=True, default=None, help_text="proactive task id")
    title = serializers.CharField(required=False, allow_blank=True, default="")
    description = serializers.CharField(required=False, allow_blank=True, default="")


class ProblemNoteSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.display_name", read_only=True)

    class Meta:
        model = ProblemNote
        fields = ["action", "text", "progress", "author", "created_at"]


class ProblemSerializer(serializers.ModelSerializer):
    state = serializers.CharField(read_only=True, help_text="open, claimed, in_progress, solved or confirmed")
    source = serializers.CharField(read_only=True, help_text="order or proactive")
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    area = serializers.CharField(source="area.code", read_only=True)
    area_name = serializers.CharField(source="area.name", read_only=True)
    order = serializers.CharField(source="source_order.number", default=None, read_only=True)
    task = serializers.IntegerField(source="source_task_id", read_only=True, allow_null=True)
    secretary = serializers.CharField(source="secretary.display_name", default=None, read_only=True, allow_null=True)
    branch = serializers.CharField(source="branch.name", default=None, read_only=True, allow_null=True)
    moves = serializers.SerializerMethodField()

    class Meta:
        model = HardProblem
        fields = ["id", "title", "description", "area", "area_name", "source", "order", "task", "state",
                  "state_label", "secretary", "branch", "progress", "solution", "claimed_at", "solved_at",
                  "confirmed_at", "created_at", "version", "moves"]

    def get_moves(self, problem) -> list[str]:
        return [m.name for m in rules.allowed_problem_moves(self.context["request"].user, problem)]


class ProblemDetailSerializer(ProblemSerializer):
    notes = ProblemNoteSerializer(many=True, read_only=True)

    class Meta(ProblemSerializer.Meta):
        fields = [*ProblemSerializer.Meta.fields, "notes"]


class WishRateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    claimed = serializers.IntegerField()
    fulfilled = serializers.IntegerField()
    confirmed = serializers.IntegerField()
    confirmation_rate = serializers.FloatField(allow_null=True)
    mean_days_to_confirm = serializers.FloatField(allow_null=True)


class ProblemRateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    claimed = serializers.IntegerField()
    solved = serializers.IntegerField()


class RankingsQuerySerializer(serializers.Serializer):
    month = MonthField(help_text="YYYY-MM: the claims made that month; every claim when left out.")


class RankingsSerializer(serializers.Serializer):
    month = serializers.CharField(allow_null=True, help_text="YYYY-MM, or null for every claim")
    branches = WishRateSerializer(many=True)
    teams = WishRateSerializer(many=True)
    secretaries = ProblemRateSerializer(many=True)
    problem_branches = ProblemRateSerializer(many=True)


class FiguresSerializer(serializers.Serializer):
    wishes_by_state = serializers.DictField(child=serializers.IntegerField())
    wishes_claimed = serializers.IntegerField()
    wishes_confirmed = serializers.IntegerField()
    completion = serializers.FloatField(allow_null=True)
    overdue_claims = serializers.IntegerField()
    problems_open = serializers.IntegerField()
    problems_solved = serializers.IntegerField()
    top_branches = WishRateSerializer(many=True)
