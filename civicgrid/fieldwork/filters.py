"""One filter set for the patrol log, shared by the web page and the API."""

from __future__ import annotations

import django_filters
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import Patrol
from .periods import parse_month


def validate_month(value: str) -> None:
    if value and parse_month(value) is None:
        raise ValidationError(_("Give the month as YYYY-MM, e.g. 2026-03."), code="invalid")


class PatrolFilterSet(django_filters.FilterSet):
    grid = django_filters.CharFilter(field_name="grid__code", label=_("grid code"))
    worker = django_filters.CharFilter(field_name="worker__username", label=_("grid worker (user name)"))
    month = django_filters.CharFilter(method="filter_month", label=_("month (YYYY-MM)"), validators=[validate_month])
    open = django_filters.BooleanFilter(field_name="ended_at", lookup_expr="isnull", label=_("under way"))

    class Meta:
        model = Patrol
        fields = ["grid", "worker", "month", "open"]

    def filter_month(self, queryset, name, value):
        start, end = parse_month(value).bounds()
        return queryset.filter(started_at__gte=start, started_at__lt=end)
