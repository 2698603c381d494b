"""The closed loop (接诉即办): the category catalogue, responsibility rules, appeals, work orders,
their history, extensions, callbacks and the echo wall."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from civicgrid.geo.models import Area, Building
from civicgrid.people.models import Unit
from civicgrid.sla.models import Priority, SlaPolicy


class Category(models.Model):
    """One node of the three-level appeal catalogue (事项分类)."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=60)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    level = models.PositiveSmallIntegerField(_("level"), default=1)
    # Codes from the root, "/"-separated: subtree queries and "is a kind of" tests by prefix.
    path = models.CharField(_("path"), max_length=100, unique=True, editable=False)
    description = models.CharField(_("description"), max_length=300, blank=True)
    # Words that make the rule-based suggester propose this category (one per line).
    keywords = models.TextField(_("keywords"), blank=True)
    is_private = models.BooleanField(
        _("private"), default=False, help_text=_("Orders in private categories never appear on the echo wall.")
    )
    is_utility = models.BooleanField(_("utility (water, power, gas, heating)"), default=False)
    default_priority = models.CharField(
        _("default priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    @property
    def ancestor_codes(self) -> list[str]:
        return [c for c in self.path.split("/") if c]

    @property
    def full_name(self) -> str:
        names = dict(Category.objects.filter(code__in=self.ancestor_codes).values_list("code", "name"))
        return " / ".join(names.get(c, c) for c in self.ancestor_codes)


class HandlingLevel(models.TextChoices):
    """Who handles an order, from the bottom of the chain up (网格 → 社区 → 街道 → 区)."""

    GRID = "grid", _("Grid")
    COMMUNITY = "community", _("Community")
    STREET = "street", _("Street")
    DISTRICT = "district", _("District")


LEVEL_ORDER = [HandlingLevel.GRID, HandlingLevel.COMMUNITY, HandlingLevel.STREET, HandlingLevel.DISTRICT]
LEVEL_OF_AREA_KIND = {"grid": HandlingLevel.GRID, "community": HandlingLevel.COMMUNITY,
                      "street": HandlingLevel.STREET, "district": HandlingLevel.DISTRICT}


class Responsibility(models.Model):
    """职责清单: (category, area) → responsible unit. The most specific rule wins: deeper category
    first, then deeper area. A rule with no category is the default for its area."""

    category = models.ForeignKey(
        Category, verbose_name=_("category"), null=True, blank=True, on_delete=models.CASCADE, related_name="responsibilities"
    )
    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.CASCADE, related_name="responsibilities")
    area_path = models.CharField(_("area path"), max_length=400, db_index=True, editable=False)
    unit = models.ForeignKey(Unit, verbose_name=_("responsible unit"), on_delete=models.PROTECT, related_name="responsibilities")
    level = models.CharField(_("handling level"), max_length=10, choices=HandlingLevel.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("responsibility rule")
        verbose_name_plural = _("responsibility list (职责清单)")
        ordering = ["area_path", "category__path"]
        constraints = [
            models.UniqueConstraint(fields=["category", "area"], name="responsibility_one_rule_per_pair"),
        ]

    def __str__(self) -> str:
        return f"{self.category or '*'} @ {self.area.name} → {self.unit}"


class Channel(models.TextChoices):
    WEB = "web", _("Resident portal")
    PATROL = "patrol", _("Grid worker patrol (随手拍)")
    HOTLINE = "hotline", _("12345 hotline")
    API = "api", _("API")
    OPEN311 = "open311", _("Open311")
    IMPORT = "import", _("Batch import")
    PROACTIVE = "proactive", _("Proactive governance (未诉先办)")


class Status(models.TextChoices):
    NEW = "new", _("New, to dispatch")
    DISPATCHED = "dispatched", _("Dispatched, to accept")
    ACCEPTED = "accepted", _("Accepted (签收)")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved, to verify (办结)")
    VERIFIED = "verified", _("Verified, to close (核查)")
    CLOSED = "closed", _("Closed (结案)")
    RETURNED = "returned", _("Returned, to redispatch (退单)")
    SUSPENDED = "suspended", _("Suspended, long-term (挂账)")
    MERGED = "merged", _("Merged into another order")
    REJECTED = "rejected", _("Not accepted (不予受理)")
    WITHDRAWN = "withdrawn", _("Withdrawn by the resident")


OPEN_STATUSES = (
    Status.NEW, Status.DISPATCHED, Status.ACCEPTED, Status.IN_PROGRESS, Status.RESOLVED, Status.VERIFIED,
    Status.RETURNED, Status.SUSPENDED,
)
FINAL_STATUSES = (Status.CLOSED, Status.MERGED, Status.REJECTED, Status.WITHDRAWN)


class WorkOrder(models.Model):
    """The unit of work (工单). Several appeals can merge into one order.

    Deadlines are columns, so the sweep finds stalled orders with one indexed query and nothing is
    lost if a worker dies. Moves between statuses go through ``services.transition`` only.
    """

    number = models.CharField(_("order number"), max_length=24, unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    category = models.ForeignKey(Category, verbose_name=_("category"), null=True, blank=True, on_delete=models.PROTECT, related_name="orders")
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.NEW, db_index=True)
    channel = models.CharField(_("first channel"), max_length=10, choices=Channel.choices)
    # Where: the deepest area located (normally a grid), its path for scoping, the building if known.
    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="orders")
    area_path = models.CharField(_("area path"), max_length=400, db_index=True)
    building = models.ForeignKey(Building, verbose_name=_("building"), null=True, blank=True, on_delete=models.SET_NULL, related_name="orders")
    address = models.CharField(_("address"), max_length=200, blank=True)
    lon = models.FloatField(_("longitude (WGS-84)"), null=True, blank=True)
    lat = models.FloatField(_("latitude (WGS-84)"), null=True, blank=True)
    # Who handles it now: the level in the chain and the unit the order was dispatched to.
    level = models.CharField(_("handling level"), max_length=10, choices=HandlingLevel.choices, default=HandlingLevel.GRID)
    unit = models.ForeignKey(Unit, verbose_name=_("handling unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="orders")
    # What the responsibility list proposes at intake: the dispatcher confirms it with one click.
    suggested_unit = models.ForeignKey(
        Unit, verbose_name=_("suggested unit"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("handler"), null=True, blank=True, on_delete=models.SET_NULL, related_name="handled_orders"
    )
    # Escalation for supervision (督办) by the sweep: how many levels above the handler watch it.
    supervision_level = models.CharField(_("supervised by"), max_length=10, choices=HandlingLevel.choices, blank=True)
    sla_policy = models.ForeignKey(SlaPolicy, verbose_name=_("SLA policy"), null=True, blank=True, on_delete=models.SET_NULL)
    dispatch_due = models.DateTimeField(_("dispatch by"), null=True, blank=True, db_index=True)
    response_due = models.DateTimeField(_("accept by"), null=True, blank=True, db_index=True)
    handle_due = models.DateTimeField(_("resolve by"), null=True, blank=True, db_index=True)
    return_due = models.DateTimeField(_("return allowed until"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("dispatched"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True, db_index=True)
    extension_days = models.PositiveSmallIntegerField(_("extension granted (days)"), default=0)
    reopen_count = models.PositiveSmallIntegerField(_("reopened"), default=0)
    # The answer to the resident, written when resolving; the masked version for the echo wall.
    answer = models.TextField(_("answer"), blank=True)
    public_answer = models.TextField(_("public answer"), blank=True)
    published_at = models.DateTimeField(_("published on the echo wall"), null=True, blank=True, db_index=True)
    echo_opt_out = models.BooleanField(_("resident declined publication"), default=False)
    merged_into = models.ForeignKey(
        "self", verbose_name=_("merged into"), null=True, blank=True, on_delete=models.PROTECT, related_name="merged_orders"
    )
    appeals_count = models.PositiveIntegerField(_("appeals (me too)"), default=1)
    is_overdue = models.BooleanField(_("overdue"), default=False, db_index=True)
    # Optimistic concurrency for clients that send the version they saw (the service also locks).
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "handle_due"]),
            models.Index(fields=["status", "response_due"]),
            models.Index(fields=["unit", "status"]),
            models.Index(fields=["area_path", "status"]),
            # The command center's escalated list: the few supervised orders, by deadline.
            models.Index(fields=["handle_due"], condition=~models.Q(supervision_level=""), name="order_supervised_due"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class Appeal(models.Model):
    """What one person said, on one channel, at one time (诉求)."""

    tracking_number = models.CharField(_("tracking number"), max_length=24, unique=True)
    order = models.ForeignKey(WorkOrder, verbose_name=_("work order"), on_delete=models.PROTECT, related_name="appeals")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("what happened"))
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reporter account"), null=True, blank=True, on_delete=models.SET_NULL, related_name="appeals"
    )
    # Who took it in: the operator on the phone, the grid worker on patrol.
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("taken in by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reporter_name = models.CharField(_("reporter name"), max_length=50, blank=True)
    reporter_phone = models.CharField(_("reporter phone"), max_length=20, blank=True, db_index=True)
    is_anonymous = models.BooleanField(_("anonymous"), default=False)
    lon = models.FloatField(_("longitude (WGS-84)"), null=True, blank=True)
    lat = models.FloatField(_("latitude (WGS-84)"), null=True, blank=True)
    coord_system = models.CharField(_("coordinates sent in"), max_length=8, blank=True)
    address = models.CharField(_("address as given"), max_length=200, blank=True)
    building = models.ForeignKey(Building, verbose_name=_("building"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    area_path = models.CharField(_("area path"), max_length=400, db_index=True)
    category = models.ForeignKey(Category, verbose_name=_("category"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    suggested_category = models.ForeignKey(
        Category, verbose_name=_("suggested category"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    suggestion_confidence = models.FloatField(_("suggestion confidence"), null=True, blank=True)
    # Integration clients send an idempotency key; import rows carry their source's id.
    idempotency_key = models.CharField(_("idempotency key"), max_length=80, null=True, blank=True, unique=True)
    # SHA-256 of the request that first sent the key (core.api.idempotency.fingerprint): a retry must
    # match it; the same key with another request is refused. Empty for rows from before it was kept.
    idempotency_hash = models.CharField(max_length=64, blank=True, default="", editable=False)
    source = models.CharField(_("source"), max_length=40, blank=True)
    external_id = models.CharField(_("external id"), max_length=80, blank=True)
    received_at = models.DateTimeField(_("received"), db_index=True)
    echo_opt_out = models.BooleanField(_("do not publish on the echo wall"), default=False)
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    PERSONAL_FIELDS = ("reporter_name", "reporter_phone")

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="appeal_unique_external_id",
                condition=~models.Q(external_id=""),
            )
        ]

    def __str__(self) -> str:
        return f"{self.tracking_number} {self.title}"


def attachment_path(instance, filename: str) -> str:
    return f"attachments/{instance.order_id}/{filename}"


class Attachment(models.Model):
    """A photo (随手拍, evidence of work done). EXIF, GPS included, is stripped before storing."""

    class Purpose(models.TextChoices):
        REPORT = "report", _("Reported with the appeal")
        EVIDENCE = "evidence", _("Evidence of handling")

    order = models.ForeignKey(WorkOrder, verbose_name=_("work order"), on_delete=models.CASCADE, related_name="attachments")
    appeal = models.ForeignKey(Appeal, verbose_name=_("appeal"), null=True, blank=True, on_delete=models.CASCADE, related_name="attachments")
    purpose = models.CharField(_("purpose"), max_length=10, choices=Purpose.choices, default=Purpose.REPORT)
    file = models.FileField(_("file"), upload_to=attachment_path)
    content_type = models.CharField(_("content type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.file.name


class OrderEvent(models.Model):
    """The order's history: every transition, with who, when and why (shown as the timeline)."""

    order = models.ForeignKey(WorkOrder, verbose_name=_("work order"), on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=24)
    from_status = models.CharField(_("from"), max_length=12, blank=True)
    to_status = models.CharField(_("to"), max_length=12, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_repr = models.CharField(_("by (name)"), max_length=150, blank=True)
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.TextField(_("reason or answer"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    # Public events are shown to the resident on the tracking page.
    is_public = models.BooleanField(_("shown to the resident"), default=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("order event")
        verbose_name_plural = _("order history")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.order.number} {self.action} {self.from_status}→{self.to_status}"

    @property
    def reason_text(self) -> str:
        """The reason in the reader's language. A note the platform wrote (the sweep's supervision
        step) is said again from the row's details, so that it is not frozen in the language the
        sweep ran in; what a person typed is shown as typed."""
        if self.action == "supervise" and self.actor_id is None and self.actor_repr == "system":
            data = self.data or {}
            try:
                return supervision_note(datetime.fromisoformat(data["due"]), data["level"])
            except (KeyError, TypeError, ValueError):
                pass
        if self.action == "deadline_shift":
            try:
                return deadline_shift_note(self.data["year"], self.data["moves"])
            except (KeyError, TypeError, ValueError):
                pass
        return self.reason


DEADLINE_LABELS = {"dispatch": _("dispatch by"), "response": _("accept by"), "handle": _("resolve by"),
                   "return": _("return allowed until")}


def deadline_shift_note(year: int, moves: dict) -> str:
    """Why a deadline moved: the holiday table of ``year`` changed (sla.services: a notice imported, a day edited)."""
    def when(value: str) -> str:
        return timezone.localtime(datetime.fromisoformat(value)).strftime("%Y-%m-%d %H:%M")

    parts = [gettext("%(deadline)s %(old)s → %(new)s") % {"deadline": DEADLINE_LABELS[c], "old": when(o), "new": when(n)}
             for c, (o, n) in moves.items()]
    return gettext("The holiday calendar of %(year)s changed: %(moves)s.") % {"year": year, "moves": gettext("; ").join(parts)}


def supervision_note(due: datetime, level: str) -> str:
    """The sweep's note on a supervision step (督办), in the active language."""
    return gettext("Overdue since %(due)s: supervised by the %(level)s level (督办).") % {
        "due": timezone.localtime(due).strftime("%Y-%m-%d %H:%M"), "level": HandlingLevel(level).label,
    }


class ExtensionRequest(models.Model):
    """延期: the handling unit asks for more days; a dispatcher approves or denies."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        DENIED = "denied", _("Denied")

    order = models.ForeignKey(WorkOrder, verbose_name=_("work order"), on_delete=models.CASCADE, related_name="extensions")
    days = models.PositiveSmallIntegerField(_("working days asked"))
    reason = models.TextField(_("reason"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests (延期)")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["order"], condition=models.Q(state="pending"), name="extension_one_pending_per_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.order.number} +{self.days}"


class Resolution(models.TextChoices):
    RESOLVED = "resolved", _("Resolved (解决)")
    UNRESOLVED = "unresolved", _("Not resolved (未解决)")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied (满意)")
    BASICALLY = "basically", _("Basically satisfied (基本满意)")
    UNSATISFIED = "unsatisfied", _("Unsatisfied (不满意)")


class Callback(models.Model):
    """回访: the resident's own verdict after closing, given online or to the hotline on the phone."""

    order = models.ForeignKey(WorkOrder, verbose_name=_("work order"), on_delete=models.CASCADE, related_name="callbacks")
    appeal = models.ForeignKey(Appeal, verbose_name=_("appeal"), null=True, blank=True, on_delete=models.SET_NULL, related_name="callbacks")
    # Which closing of the order this judges (an order reopened twice has up to three callbacks).
    round = models.PositiveSmallIntegerField(_("round"), default=0)
    reached = models.BooleanField(_("resident reached"), default=True)
    responded = models.BooleanField(_("was contacted in time"), null=True, blank=True)
    resolution = models.CharField(_("resolved?"), max_length=12, choices=Resolution.choices, blank=True)
    satisfaction = models.CharField(_("satisfied?"), max_length=12, choices=Satisfaction.choices, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    channel = models.CharField(_("how"), max_length=10, choices=[("web", _("Online")), ("phone", _("Phone callback"))])
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Copied from the order when recorded: the metrics group by them without joins.
    unit = models.ForeignKey(Unit, verbose_name=_("unit judged"), null=True, blank=True, on_delete=models.SET_NULL, related_name="callbacks")
    area_path = models.CharField(_("area path"), max_length=400, db_index=True)
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("callback")
        verbose_name_plural = _("callbacks (回访)")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "round"], condition=models.Q(reached=True), name="callback_one_valid_per_round"
            )
        ]

    def __str__(self) -> str:
        return f"{self.order.number} {self.resolution} {self.satisfaction}"


class NumberSequence(models.Model):
    """A per-day counter behind order and tracking numbers (GD/SQ + date + sequence): the row is
    locked while a number is taken, so two intakes never draw the same one on either database."""

    key = models.CharField(_("key"), max_length=40, unique=True)
    value = models.PositiveBigIntegerField(_("last value"), default=0)

    class Meta:
        verbose_name = _("number sequence")
        verbose_name_plural = _("number sequences")

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


class MetricScheme(models.Model):
    """三率 weights for a jurisdiction (empty area: the default). Public scheme: 10/50/40 with
    基本满意 counted as 0.9."""

    area = models.OneToOneField(Area, verbose_name=_("jurisdiction"), null=True, blank=True, on_delete=models.CASCADE)
    response_weight = models.DecimalField(_("response rate weight"), max_digits=5, decimal_places=2, default=10)
    resolution_weight = models.DecimalField(_("resolution rate weight"), max_digits=5, decimal_places=2, default=50)
    satisfaction_weight = models.DecimalField(_("satisfaction rate weight"), max_digits=5, decimal_places=2, default=40)
    basically_satisfied_value = models.DecimalField(_("value of 基本满意"), max_digits=4, decimal_places=2, default=0.9)

    class Meta:
        verbose_name = _("三率 scheme")
        verbose_name_plural = _("三率 schemes")

    def __str__(self) -> str:
        return f"{self.area or _('default')}: {self.response_weight}/{self.resolution_weight}/{self.satisfaction_weight}"


class ResponseTemplate(models.Model):
    """A common answer (常用答复) staff pick when they resolve or decide an order, so answers stay
    consistent and quick. A template with a category applies to that category's subtree, one with
    an area to that area's subtree; empty means everywhere."""

    title = models.CharField(_("title"), max_length=80)
    body = models.TextField(_("text"))
    category = models.ForeignKey(
        Category, verbose_name=_("category"), null=True, blank=True, on_delete=models.CASCADE, related_name="+",
        help_text=_("Applies to this category and its subcategories; empty: every category."),
    )
    area = models.ForeignKey(
        Area, verbose_name=_("area"), null=True, blank=True, on_delete=models.CASCADE, related_name="+",
        help_text=_("Applies inside this area; empty: everywhere."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("response template")
        verbose_name_plural = _("response templates (常用答复)")
        ordering = ["position", "title", "id"]

    def __str__(self) -> str:
        return self.title
