"""The wish list filters, shared by the web lists (staff list, wish wall, volunteers' browse page)
and the API. A FilterSet only narrows a queryset a selector already scoped."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civicgrid.geo.models import Area

from . import selectors
from .models import Wish, WishState


class WishFilterSet(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=WishState.choices, label=_("wish state"))
    area = django_filters.CharFilter(method="filter_area", label=_("area code (with the areas inside it)"))
    q = django_filters.CharFilter(method="filter_text", label=_("wish contains"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("overdue claims"))
    on_behalf = django_filters.BooleanFilter(field_name="on_behalf", label=_("posted on behalf"))
    team = django_filters.NumberFilter(field_name="claimer_team_id", label=_("volunteer team"))
    branch = django_filters.NumberFilter(field_name="claimer_branch_id", label=_("party branch"))

    class Meta:
        model = Wish
        fields: list[str] = []

    def filter_area(self, queryset, name, value):
        path = Area.objects.filter(code=value.strip()).values_list("path", flat=True).first()
        return queryset.filter(area_path__startswith=path) if path else queryset.none()

    def filter_text(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(title__icontains=value) | Q(description__icontains=value)) if value else queryset

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        q = selectors.overdue_q()
        return queryset.filter(q) if value else queryset.exclude(q)
