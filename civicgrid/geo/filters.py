"""One FilterSet per model, shared by the web lists and the API so the two never drift."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from .models import Area, AreaKind, Building, Household


class AreaFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=AreaKind.choices, label=_("kind"))
    parent = django_filters.CharFilter(field_name="parent__code", label=_("parent code"))
    within = django_filters.CharFilter(method="filter_within", label=_("within area code"))
    q = django_filters.CharFilter(method="filter_text", label=_("name or code contains"))

    class Meta:
        model = Area
        fields = ["kind", "parent", "within", "q"]

    def filter_within(self, queryset, name, value):
        area = Area.objects.filter(code=value).only("path").first()
        if area is None:
            return queryset.none()
        return queryset.filter(path__startswith=area.path)

    def filter_text(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(Q(name__icontains=value) | Q(code__startswith=value))


class BuildingFilterSet(django_filters.FilterSet):
    grid = django_filters.CharFilter(field_name="grid__code", label=_("grid code"))
    within = django_filters.CharFilter(method="filter_within", label=_("within area code"))
    q = django_filters.CharFilter(field_name="address", lookup_expr="icontains", label=_("address contains"))

    class Meta:
        model = Building
        fields = ["grid", "within", "q"]

    def filter_within(self, queryset, name, value):
        area = Area.objects.filter(code=value).only("path").first()
        if area is None:
            return queryset.none()
        return queryset.filter(area_path__startswith=area.path)


class HouseholdFilterSet(django_filters.FilterSet):
    building = django_filters.CharFilter(field_name="building__code", label=_("building code"))
    within = django_filters.CharFilter(method="filter_within", label=_("within area code"))
    tag = django_filters.CharFilter(method="filter_tag", label=_("care tag"))

    class Meta:
        model = Household
        fields = ["building", "within", "tag"]

    def filter_within(self, queryset, name, value):
        area = Area.objects.filter(code=value).only("path").first()
        if area is None:
            return queryset.none()
        return queryset.filter(area_path__startswith=area.path)

    def filter_tag(self, queryset, name, value):
        # JSON containment is PostgreSQL-only; a quoted substring match works on both databases.
        return queryset.filter(tags__icontains=f'"{value}"')
