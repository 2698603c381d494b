"""The topic list filters, shared by the web list and the API (they narrow what the selectors
already scoped to the reader; an area outside it finds nothing)."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civicgrid.geo.models import Area

from .models import Stage, Topic


class TopicFilterSet(django_filters.FilterSet):
    stage = django_filters.MultipleChoiceFilter(choices=Stage.choices, label=_("stage"))
    area = django_filters.CharFilter(method="filter_area", label=_("area code (with the areas inside it)"))
    q = django_filters.CharFilter(method="filter_text", label=_("title or text contains"))
    created = django_filters.DateFromToRangeFilter(field_name="created_at", label=_("created between"))

    class Meta:
        model = Topic
        fields = ["stage", "area", "q", "created"]

    def filter_area(self, queryset, name, value):
        area = Area.objects.filter(code=value.strip()).first()
        if area is None:
            return queryset.none()
        return queryset.filter(area_path__startswith=area.path)

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(title__icontains=value) | Q(description__icontains=value))
