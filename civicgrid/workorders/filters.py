"""The order list filters, shared by the web lists and the API so the two never drift.

The FilterSet narrows a queryset the selectors already scoped to the reader's jurisdiction; it
never widens it (a filter on an area outside the jurisdiction simply finds nothing).
"""

from __future__ import annotations

import re
from datetime import datetime, time

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField, RangeField
from django_filters.widgets import DateRangeWidget

from civicgrid.geo.models import Area
from civicgrid.people.jurisdiction import jurisdiction_for
from civicgrid.sla.models import Priority

from . import selectors
from .models import OPEN_STATUSES, Appeal, Category, Channel, Status, WorkOrder

QUEUE_CHOICES = [
    ("to_dispatch", _("To dispatch")),
    ("to_accept", _("To accept")),
    ("in_hand", _("In hand")),
    ("overdue", _("Overdue")),
    ("due_soon", _("Due within 24 hours")),
    ("pressed", _("Escalated, supervised or whistled to me")),
]


# django-filter builds the sort labels from the parameter names in English and has no zh-hans
# catalogue: the labels come from ours.
ORDERING_LABELS = {
    "handle_due": _("Resolve by"), "response_due": _("Accept by"), "updated_at": _("Updated"),
    "-created": _("Created (newest first)"), "-handle_due": _("Resolve by (latest first)"),
    "-response_due": _("Accept by (latest first)"), "-closed": _("Closed (latest first)"),
    "-number": _("Order number (descending)"), "-priority": _("Priority (descending)"),
    "-status": _("Status (descending)"), "-updated": _("Updated (latest first)"),
}


# "+08:00" in a query string that was not percent-encoded arrives as " 08:00".
_OFFSET_AS_SPACE = re.compile(r" (\d{2}(?::?\d{2})?)$")


_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class _MomentField(IsoDateTimeField):
    """A moment for incremental pulls: ISO 8601 with or without an offset (without one, Beijing
    time), or a date alone, which means the whole day (from its start for ``_after``, to its end
    for ``_before``, as the web list's date inputs mean it); a refusal names the parameter."""

    def __init__(self, param: str, **kwargs):
        self.param = param
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = _OFFSET_AS_SPACE.sub(r"+\1", value.strip())
        try:
            if isinstance(value, str) and _DATE_ONLY.match(value):
                day = datetime.strptime(value, "%Y-%m-%d").date()
                end = time.max if self.param.endswith("_before") else time.min
                return timezone.make_aware(datetime.combine(day, end))
            return super().to_python(value)
        except (ValidationError, ValueError):
            raise ValidationError(
                gettext("%(name)s must be a date and time in ISO 8601, e.g. 2026-12-01T08:00:00+08:00, or a date "
                        "like 2026-12-01."), code="invalid", params={"name": self.param}) from None


class _MomentRangeField(RangeField):
    widget = DateRangeWidget

    def __init__(self, *args, name: str = "updated", **kwargs):
        super().__init__((_MomentField(f"{name}_after"), _MomentField(f"{name}_before")), *args, **kwargs)


class MomentRangeFilter(django_filters.IsoDateTimeFromToRangeFilter):
    """``<name>_after`` / ``<name>_before``, both inclusive, to the microsecond."""

    field_class = _MomentRangeField


class OrderFilterSet(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Status.choices, label=_("status"))
    state = django_filters.ChoiceFilter(
        choices=[("open", _("Open")), ("final", _("Finished"))], method="filter_state", label=_("open or finished")
    )
    category = django_filters.CharFilter(method="filter_category", label=_("category code (with its subcategories)"))
    area = django_filters.CharFilter(method="filter_area", label=_("area code (with the areas inside it)"))
    unit = django_filters.CharFilter(field_name="unit__code", label=_("handling unit code"))
    channel = django_filters.MultipleChoiceFilter(choices=Channel.choices, label=_("first channel"))
    priority = django_filters.ChoiceFilter(choices=Priority.choices, label=_("priority"))
    overdue = django_filters.BooleanFilter(field_name="is_overdue", label=_("overdue"))
    created = django_filters.DateFromToRangeFilter(field_name="created_at", label=_("created between"))
    closed = django_filters.DateFromToRangeFilter(field_name="closed_at", label=_("closed between"))
    # Incremental pulls (a hotline fetching what changed since its last pull): every change to an
    # order moves updated_at; both ends inclusive, so pulling from the last updated_at seen never
    # misses a row written in the same microsecond (the client drops what it already has).
    updated = MomentRangeFilter(field_name="updated_at", label=_("updated between"))
    q = django_filters.CharFilter(method="filter_text", label=_("number, tracking number, title or text contains"))
    # The sending system's own record (a 12345 hotline's 工单号): the order holding the appeal it
    # created, also after a merge moved that appeal to the order it was merged into.
    source = django_filters.CharFilter(method="filter_source", label=_("source system of an appeal"))
    external_id = django_filters.CharFilter(method="filter_external_id", label=_("the source system's record id"))
    queue = django_filters.ChoiceFilter(choices=QUEUE_CHOICES, method="filter_queue", label=_("queue"))
    ordering = django_filters.OrderingFilter(
        fields=(
            ("created_at", "created"),
            ("handle_due", "handle_due"),
            ("response_due", "response_due"),
            ("closed_at", "closed"),
            ("number", "number"),
            ("priority", "priority"),
            ("status", "status"),
            ("updated_at", "updated"),
        ),
        field_labels=ORDERING_LABELS,
        label=_("ordering"),
    )

    class Meta:
        model = WorkOrder
        fields = ["status", "state", "category", "area", "unit", "channel", "priority", "overdue",
                  "created", "closed", "updated", "q", "queue", "source", "external_id"]

    def filter_state(self, queryset, name, value):
        if value == "open":
            return queryset.filter(status__in=OPEN_STATUSES)
        return queryset.exclude(status__in=OPEN_STATUSES)

    def filter_category(self, queryset, name, value):
        category = Category.objects.filter(code=value).only("path").first()
        if category is None:
            return queryset.none()
        return queryset.filter(category__path__startswith=category.path)

    def filter_area(self, queryset, name, value):
        area = Area.objects.filter(code=value).only("path").first()
        if area is None:
            return queryset.none()
        return queryset.filter(area_path__startswith=area.path)

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        by_tracking = Appeal.objects.filter(tracking_number=value).values("order_id")
        return queryset.filter(
            Q(number=value) | Q(pk__in=by_tracking) | Q(title__icontains=value) | Q(description__icontains=value)
        )

    def filter_source(self, queryset, name, value):
        if self.form.cleaned_data.get("external_id"):
            return queryset  # filter_external_id matches both on the same appeal
        return queryset.filter(Exists(Appeal.objects.filter(order=OuterRef("pk"), source=value.strip())))

    def filter_external_id(self, queryset, name, value):
        appeals = Appeal.objects.filter(order=OuterRef("pk"), external_id=value.strip())
        source = self.form.cleaned_data.get("source")
        if source:
            appeals = appeals.filter(source=source.strip())
        return queryset.filter(Exists(appeals))

    def filter_queue(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        queue = selectors.QUEUES[value](jurisdiction_for(user))
        # The queue's own order (most pressing first) stays unless the client asks for another.
        return queue.filter(pk__in=queryset.values("pk"))
