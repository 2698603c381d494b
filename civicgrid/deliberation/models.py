"""Deliberation topics (议题): 党群议事协商, 红邻里·有事您说话, 四方议事.

A topic moves through five stages 说 → 聚 → 议 → 办 → 评 and is then closed; ``transitions.py``
holds the table of moves and ``services.move_topic`` is the only code that changes ``stage``.
Every row carries its topic's ``area_path`` (denormalised like ``fieldwork.Visit``) so that every
read is one prefix match on the reader's jurisdiction.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civicgrid.geo.models import Area, Household
from civicgrid.people.models import Unit


class Stage(models.TextChoices):
    SAY = "say", _("Raise (说)")
    GATHER = "gather", _("Gather (聚)")
    DELIBERATE = "deliberate", _("Deliberate (议)")
    ACT = "act", _("Act (办)")
    EVALUATE = "evaluate", _("Evaluate (评)")
    CLOSED = "closed", _("Concluded")


# The five stages in order (the progress bar); ``closed`` follows the last one.
STAGE_ORDER = [Stage.SAY, Stage.GATHER, Stage.DELIBERATE, Stage.ACT, Stage.EVALUATE, Stage.CLOSED]


class Topic(models.Model):
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"))
    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="topics")
    area_path = models.CharField(_("area path"), max_length=400, db_index=True, editable=False)
    stage = models.CharField(_("stage"), max_length=12, choices=Stage.choices, default=Stage.SAY, db_index=True)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("raised by"), on_delete=models.PROTECT,
                                  related_name="raised_topics")
    source_order = models.ForeignKey("workorders.WorkOrder", verbose_name=_("from work order"), null=True,
                                     blank=True, on_delete=models.PROTECT, related_name="topics")
    resolution = models.TextField(_("resolution"), blank=True)
    rating_mean = models.DecimalField(_("mean rating"), max_digits=3, decimal_places=2, null=True, blank=True)
    ratings_count = models.PositiveIntegerField(_("ratings"), default=0)
    stage_changed_at = models.DateTimeField(_("stage changed"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("deliberation topic")
        verbose_name_plural = _("deliberation topics")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["area_path", "stage"])]

    def __str__(self) -> str:
        return self.title

    @property
    def stage_index(self) -> int:
        return STAGE_ORDER.index(self.stage)


class TopicMove(models.Model):
    """One stage move: who, when, why (the topic's history; the audit log has it too)."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="moves")
    action = models.CharField(_("action"), max_length=20)
    from_stage = models.CharField(_("from"), max_length=12, choices=Stage.choices)
    to_stage = models.CharField(_("to"), max_length=12, choices=Stage.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("stage move")
        verbose_name_plural = _("stage moves")
        ordering = ["at", "id"]


class Party(models.TextChoices):
    PARTY_ORGANISATION = "party_org", _("Community party organisation")
    RESIDENTS_COMMITTEE = "residents_committee", _("Residents' committee")
    OWNERS_COMMITTEE = "owners_committee", _("Owners' committee")
    PROPERTY_COMPANY = "property_company", _("Property company")
    RESIDENT = "resident", _("Affected resident")
    UNIT = "unit", _("Affected unit")


# The four parties of 四方议事.
FOUR_PARTIES = [Party.PARTY_ORGANISATION, Party.RESIDENTS_COMMITTEE, Party.OWNERS_COMMITTEE, Party.PROPERTY_COMPANY]


class Participant(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="participants")
    area_path = models.CharField(_("area path"), max_length=400, db_index=True, editable=False)
    party = models.CharField(_("party"), max_length=24, choices=Party.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="deliberation_participations")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    name = models.CharField(_("name"), max_length=100, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["topic", "id"]
        constraints = [
            models.UniqueConstraint(fields=["topic", "user"], condition=Q(user__isnull=False),
                                    name="deliberation_participant_once"),
            models.CheckConstraint(condition=Q(user__isnull=False) | Q(unit__isnull=False) | ~Q(name=""),
                                   name="deliberation_participant_who"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.name:
            return self.name
        if self.unit_id:
            return self.unit.name
        return self.user.display_name if self.user_id else ""

    @property
    def shown_name(self) -> str:
        """The name as pages show it: a person's name masked (张*), a body or unit in full."""
        from civicgrid.core.masking import mask_name

        if self.name or self.unit_id:
            return self.display_name
        return mask_name(self.display_name)


class Position(models.TextChoices):
    FOR = "for", _("For")
    AGAINST = "against", _("Against")
    NEUTRAL = "neutral", _("Neutral")


class Post(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="posts")
    area_path = models.CharField(_("area path"), max_length=400, db_index=True, editable=False)
    parent = models.ForeignKey("self", verbose_name=_("reply to"), null=True, blank=True, on_delete=models.CASCADE,
                               related_name="replies")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT,
                               related_name="deliberation_posts")
    body = models.TextField(_("text"))
    position = models.CharField(_("position"), max_length=8, choices=Position.choices, default=Position.NEUTRAL)
    is_hidden = models.BooleanField(_("hidden"), default=False)
    hidden_reason = models.CharField(_("reason for hiding"), max_length=500, blank=True)
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)
    reports_count = models.PositiveIntegerField(_("reports"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.body[:40]


class PostReport(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reports")
    area_path = models.CharField(_("area path"), max_length=400, db_index=True, editable=False)
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("post report")
        verbose_name_plural = _("post reports")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["post", "reporter"], name="deliberation_report_once")]


class Meeting(models.Model):
    """An offline meeting (议事会): agenda, time, place, who attended, minutes and photos."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="meetings")
    area_path = models.CharField(_("area path"), max_length=400, db_index=True, editable=False)
    title = models.CharField(_("title"), max_length=100)
    agenda = models.TextField(_("agenda"))
    starts_at = models.DateTimeField(_("time"))
    place = models.CharField(_("place"), max_length=200)
    minutes = models.TextField(_("minutes"), blank=True)
    attendees = models.ManyToManyField(Participant, verbose_name=_("attended"), blank=True, related_name="meetings")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # A cancelled meeting is kept (residents were told of it; the topic's history shows it), so
    # cancelling marks it: ``cancelled_at`` set means cancelled, with who and why.
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["starts_at", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None


class MeetingPhoto(models.Model):
    """A photo of a meeting, validated and re-encoded like a work order's photos (no EXIF kept)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("file"), upload_to="deliberation/%Y/%m/")
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField(default=0)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("meeting photo")
        verbose_name_plural = _("meeting photos")
        ordering = ["id"]


class PollStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open for votes")
    CLOSED = "closed", _("Concluded")


class PollResult(models.TextChoices):
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Failed")
    NO_QUORUM = "no_quorum", _("No quorum")


class Poll(models.Model):
    """Options put to a vote, one vote per household. ``quorum`` is the least number of households
    that must vote; an option passes when it leads alone with at least ``threshold_percent`` of
    the votes cast."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="polls")
    area_path = models.CharField(_("area path"), max_length=400, db_index=True, editable=False)
    question = models.CharField(_("question"), max_length=200)
    quorum = models.PositiveIntegerField(_("quorum (households)"), default=1,
                                         validators=[MinValueValidator(1)])
    threshold_percent = models.PositiveSmallIntegerField(
        _("pass threshold (percent of votes cast)"), default=50, validators=[MinValueValidator(1), MaxValueValidator(100)])
    status = models.CharField(_("status"), max_length=8, choices=PollStatus.choices, default=PollStatus.DRAFT)
    opens_at = models.DateTimeField(_("opens"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    result = models.CharField(_("result"), max_length=10, choices=PollResult.choices, blank=True)
    winner = models.ForeignKey("PollOption", verbose_name=_("adopted option"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    votes_cast = models.PositiveIntegerField(_("votes cast"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("poll")
        verbose_name_plural = _("polls")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(threshold_percent__gte=1) & Q(threshold_percent__lte=100),
                                   name="deliberation_poll_threshold"),
        ]

    def __str__(self) -> str:
        return self.question


class PollOption(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="options")
    label = models.CharField(_("option"), max_length=100)
    position = models.PositiveSmallIntegerField(default=0)
    votes = models.PositiveIntegerField(_("votes"), default=0)

    class Meta:
        ordering = ["poll", "position", "id"]

    def __str__(self) -> str:
        return self.label


class Vote(models.Model):
    """One vote per household: the database refuses a second row for (poll, household)."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="votes")
    option = models.ForeignKey(PollOption, on_delete=models.CASCADE, related_name="+")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="deliberation_votes")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="deliberation_votes")
    area_path = models.CharField(_("area path"), max_length=400, db_index=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [models.UniqueConstraint(fields=["poll", "household"], name="deliberation_one_vote_per_household")]


class Task(models.Model):
    """A task of the resolution (办): an owner, a deadline and progress; or a work order filed
    through intake, whose progress follows the order's status."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="tasks")
    area_path = models.CharField(_("area path"), max_length=400, db_index=True, editable=False)
    title = models.CharField(_("task"), max_length=200)
    owner_user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="deliberation_tasks")
    owner_unit = models.ForeignKey(Unit, verbose_name=_("owner unit"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress %"), default=0,
                                                validators=[MinValueValidator(0), MaxValueValidator(100)])
    done = models.BooleanField(_("done"), default=False)
    work_order = models.ForeignKey("workorders.WorkOrder", verbose_name=_("work order"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="deliberation_tasks")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.title


class Rating(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="ratings")
    area_path = models.CharField(_("area path"), max_length=400, db_index=True, editable=False)
    resident = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField(_("score"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["topic", "resident"], name="deliberation_rating_once"),
            models.CheckConstraint(condition=Q(score__gte=1) & Q(score__lte=5), name="deliberation_rating_score"),
        ]
