"""Serializers of the deliberation API: input shapes are parsed here, rules live in the services."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.utils import html

from civicgrid.core.masking import mask_name

from .. import selectors, services
from ..models import Meeting, MeetingPhoto, Participant, Party, Poll, PollOption, Position, Post, PostReport, Rating, Task, Topic
from ..transitions import ACTIONS


class DelibTopicSerializer(serializers.ModelSerializer):
    area = serializers.CharField(source="area.code", read_only=True)
    area_name = serializers.CharField(source="area.name", read_only=True)
    stage_label = serializers.CharField(source="get_stage_display", read_only=True)
    source_order = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()

    class Meta:
        model = Topic
        fields = ["id", "title", "description", "area", "area_name", "stage", "stage_label", "source_order",
                  "resolution", "progress", "rating_mean", "ratings_count", "stage_changed_at", "closed_at",
                  "created_at"]

    def get_source_order(self, obj) -> str | None:
        return obj.source_order.number if obj.source_order_id else None

    def get_progress(self, obj) -> int | None:
        return services.topic_progress(obj)


class DelibRaiseTopicSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=2000)
    area = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    order = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")


class DelibMoveSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=ACTIONS)
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class DelibParticipantSerializer(serializers.ModelSerializer):
    party_label = serializers.CharField(source="get_party_display", read_only=True)
    display_name = serializers.SerializerMethodField()
    unit = serializers.SerializerMethodField()

    class Meta:
        model = Participant
        fields = ["id", "party", "party_label", "display_name", "user", "unit", "created_at"]

    def get_display_name(self, obj) -> str:
        # Residents' names are personal data: masked; units and named bodies are public.
        return obj.shown_name

    def get_unit(self, obj) -> str | None:
        return obj.unit.code if obj.unit_id else None


class DelibAddParticipantSerializer(serializers.Serializer):
    party = serializers.ChoiceField(choices=Party.choices)
    user = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    unit = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class DelibPostSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()
    body = serializers.SerializerMethodField()

    class Meta:
        model = Post
        fields = ["id", "parent", "author", "position", "body", "is_hidden", "reports_count", "created_at"]

    def get_author(self, obj) -> str:
        return mask_name(obj.author.display_name)

    def get_body(self, obj) -> str | None:
        return getattr(obj, "shown_body", obj.body)


class DelibNewPostSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=2000)
    position = serializers.ChoiceField(choices=Position.choices, default=Position.NEUTRAL)
    parent = serializers.IntegerField(required=False, allow_null=True, default=None)


class DelibReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class DelibReportSerializer(serializers.ModelSerializer):
    topic = serializers.IntegerField(source="post.topic_id", read_only=True)
    post_hidden = serializers.BooleanField(source="post.is_hidden", read_only=True)

    class Meta:
        model = PostReport
        fields = ["id", "post", "topic", "reason", "post_hidden", "created_at"]


class DelibMeetingSerializer(serializers.ModelSerializer):
    attendees = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    photos = serializers.SerializerMethodField()
    cancelled = serializers.BooleanField(source="is_cancelled", read_only=True)

    class Meta:
        model = Meeting
        fields = ["id", "title", "agenda", "starts_at", "place", "minutes", "attendees", "photos", "cancelled",
                  "cancelled_at", "cancel_reason", "created_at"]

    def get_photos(self, obj) -> list[str]:
        return [p.file.url for p in obj.photos.all()]


class DelibMeetingPhotoSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = MeetingPhoto
        fields = ["id", "url", "width", "height"]

    def get_url(self, obj) -> str:
        return obj.file.url


class DelibMeetingDetailSerializer(DelibMeetingSerializer):
    """One meeting, with its topic and its photos' ids (to remove a wrong one)."""

    photo_list = DelibMeetingPhotoSerializer(source="photos", many=True, read_only=True)

    class Meta(DelibMeetingSerializer.Meta):
        fields = [*DelibMeetingSerializer.Meta.fields[:1], "topic", *DelibMeetingSerializer.Meta.fields[1:],
                  "photo_list"]


class DelibNewMeetingSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=100)
    agenda = serializers.CharField(max_length=2000)
    starts_at = serializers.DateTimeField()
    place = serializers.CharField(max_length=200)
    minutes = serializers.CharField(max_length=10000, required=False, allow_blank=True, default="")
    attendees = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    photos = serializers.ListField(child=serializers.ImageField(), required=False, default=list, max_length=9)


class AttendeeIdsField(serializers.ListField):
    """A list of participant ids that multipart can also send empty. A form body cannot carry an
    empty list (no ``attendees`` key at all means "not sent, leave it"), so there one empty value
    (``attendees=``) stands for "nobody attended"; JSON sends ``[]``."""

    def get_value(self, dictionary):
        if html.is_html_input(dictionary) and dictionary.getlist(self.field_name) == [""]:
            return []
        return super().get_value(dictionary)


class DelibRecordMeetingSerializer(serializers.Serializer):
    """Only the fields sent change. Before the meeting: its arrangements (``title``, ``agenda``,
    ``starts_at``, ``place``). After it: its record — ``attendees`` replaces the list (send [] in
    JSON to clear it); ``photos`` are added; ``remove_photos`` are ids of this meeting's photos.
    One body changes one or the other, never both (a meeting is either still to come or held)."""

    ARRANGEMENT = ("title", "agenda", "starts_at", "place")
    RECORD = ("minutes", "attendees", "photos", "remove_photos")

    title = serializers.CharField(max_length=100, required=False)
    agenda = serializers.CharField(max_length=2000, required=False)
    starts_at = serializers.DateTimeField(required=False)
    place = serializers.CharField(max_length=200, required=False)
    minutes = serializers.CharField(max_length=10000, required=False, allow_blank=True)
    attendees = AttendeeIdsField(
        child=serializers.IntegerField(), required=False,
        help_text="Replaces the attendance (ids of the topic's participants). Leave it out to keep it as it is. "
                  "To record that nobody attended, send [] in JSON, or in multipart one empty value (attendees=).")
    photos = serializers.ListField(child=serializers.ImageField(), required=False, max_length=9)
    remove_photos = serializers.ListField(child=serializers.IntegerField(), required=False)

    def validate(self, attrs):
        if any(k in attrs for k in self.ARRANGEMENT) and any(k in attrs for k in self.RECORD):
            raise serializers.ValidationError(_(
                "Change the meeting's title, agenda, time or place before it, and its minutes, attendance "
                "or photos after it — not both in one request."), code="mixed")
        return attrs


class DelibCancelMeetingSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class DelibOptionSerializer(serializers.ModelSerializer):
    class Meta:
        model = PollOption
        fields = ["id", "label", "votes"]
        # Null while a secret poll is open (see DelibPollSerializer).
        extra_kwargs = {"votes": {"allow_null": True}}


class DelibPollSerializer(serializers.ModelSerializer):
    options = DelibOptionSerializer(many=True, read_only=True)
    status = serializers.CharField(read_only=True)
    result = serializers.CharField(read_only=True)
    result_label = serializers.CharField(source="get_result_display", read_only=True)
    awaiting_count = serializers.SerializerMethodField(
        help_text="Past its closing time, no more votes, not yet counted (status stays open until then).")
    status_label = serializers.SerializerMethodField()

    class Meta:
        model = Poll
        fields = ["id", "topic", "question", "options", "quorum", "threshold_percent", "status", "status_label",
                  "awaiting_count", "opens_at", "closes_at", "closed_at", "votes_cast", "result", "result_label",
                  "winner"]

    def get_awaiting_count(self, obj) -> bool:
        return selectors.poll_status(obj)[0]

    def get_status_label(self, obj) -> str:
        return selectors.poll_status(obj)[1]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if instance.status != "closed":  # no running tally while the vote is open
            for option in data["options"]:
                option["votes"] = None
        return data


class DelibNewPollSerializer(serializers.Serializer):
    question = serializers.CharField(max_length=200)
    options = serializers.ListField(child=serializers.CharField(max_length=100), min_length=2, max_length=10)
    quorum = serializers.IntegerField(min_value=1, default=1)
    threshold_percent = serializers.IntegerField(min_value=1, max_value=100, default=50)
    opens_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    closes_at = serializers.DateTimeField()


class DelibVoteSerializer(serializers.Serializer):
    option = serializers.IntegerField()


class DelibTaskSerializer(serializers.ModelSerializer):
    owner_unit = serializers.SerializerMethodField()
    work_order = serializers.SerializerMethodField()
    effective_progress = serializers.SerializerMethodField()

    class Meta:
        model = Task
        fields = ["id", "title", "owner_user", "owner_unit", "deadline", "progress", "done", "work_order",
                  "effective_progress", "created_at"]

    def get_owner_unit(self, obj) -> str | None:
        return obj.owner_unit.code if obj.owner_unit_id else None

    def get_work_order(self, obj) -> dict | None:
        if not obj.work_order_id:
            return None
        return {"number": obj.work_order.number, "status": obj.work_order.status,
                "status_label": obj.work_order.get_status_display()}

    def get_effective_progress(self, obj) -> int:
        return services.task_progress(obj)


class DelibNewTaskSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    owner_user = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    owner_unit = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    deadline = serializers.DateField(required=False, allow_null=True, default=None)
    # A task filed as a work order through intake:
    as_order = serializers.BooleanField(required=False, default=False)
    text = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    building_code = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    category_code = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")


class DelibTaskProgressSerializer(serializers.Serializer):
    progress = serializers.IntegerField(min_value=0, max_value=100)
    done = serializers.BooleanField(required=False, default=False)


class DelibRatingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Rating
        fields = ["id", "score", "comment", "created_at"]


class DelibNewRatingSerializer(serializers.Serializer):
    score = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
