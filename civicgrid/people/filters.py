from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from .models import Role, Unit, UnitKind, User


class UnitFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=UnitKind.choices, label=_("kind"))
    area = django_filters.CharFilter(field_name="area__code", label=_("area code"))
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("name contains"))

    class Meta:
        model = Unit
        fields = ["kind", "area", "q"]


class UserFilterSet(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(
        choices=Role.choices, field_name="memberships__role", distinct=True, label=_("role")
    )
    q = django_filters.CharFilter(method="filter_text", label=_("name contains"))

    class Meta:
        model = User
        fields = ["role", "q"]

    def filter_text(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(Q(real_name__icontains=value) | Q(username__icontains=value))
