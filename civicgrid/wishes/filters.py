"""The list filters, shared by the web lists and the API (NetBox's rule: one FilterSet per list, so
the page and the API never drift). ``WishFilterSet`` serves the staff list, the wish wall and the
volunteers' browse page; ``ProblemFilterSet`` the hard-problem list. A FilterSet only narrows a
queryset a selector already scoped."""

from __future__ import annotations

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civicgrid.geo.models import Area
from civicgrid.people.models import User
from civicgrid.workorders.models import Category

from . import selectors
from .models import HardProblem, ProblemSource, ProblemState, Wish, WishState


class WishFilterSet(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=WishState.choices, label=_("wish state"))
    area = django_filters.CharFilter(method="filter_area", label=_("area code (with the areas inside it)"))
    q = django_filters.CharFilter(method="filter_text", label=_("wish contains"))
    # Any/yes/no: the default widget's "any" reads 未知 ("unknown") in Chinese.
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("overdue claims"), widget=forms.Select(
        choices=[("", _("All")), ("true", _("Yes")), ("false", _("No"))]))
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


def _area_path(code: str) -> str | None:
    return Area.objects.filter(code=code.strip()).values_list("path", flat=True).first()


def _category_path(code: str) -> str | None:
    return Category.objects.filter(code=code.strip()).values_list("path", flat=True).first()


def validate_area_code(value: str) -> None:
    # An unknown code is a mistake to be told, not a filter that silently matches nothing.
    if value and _area_path(value) is None:
        raise ValidationError(_("No area has the code “%(code)s”."), code="does_not_exist", params={"code": value})


def validate_category_code(value: str) -> None:
    if value and _category_path(value) is None:
        raise ValidationError(_("No category has the code “%(code)s”."), code="does_not_exist", params={"code": value})


class SecretaryField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.display_name


class SecretaryFilter(django_filters.ModelChoiceFilter):
    field_class = SecretaryField


class ProblemFilterSet(django_filters.FilterSet):
    """Hard problems: ``state`` (one or more), ``source``, ``area`` (street, community or grid code,
    with what lies inside it), ``secretary`` (the user id of the secretary who claimed it; only the
    secretaries of the problems the reader sees), ``category`` (code of the source order's
    category, with its subcategories) and ``q`` (title contains)."""

    state = django_filters.MultipleChoiceFilter(choices=ProblemState.choices, label=_("hard problem state"))
    source = django_filters.ChoiceFilter(choices=ProblemSource.choices, label=_("source"), empty_label=_("All"))
    area = django_filters.CharFilter(method="filter_area", validators=[validate_area_code],
                                     label=_("area code (with the areas inside it)"))
    secretary = SecretaryFilter(queryset=User.objects.none(), label=_("claimed by"), empty_label=_("All"))
    category = django_filters.CharFilter(method="filter_category", validators=[validate_category_code],
                                         label=_("category code (with its subcategories)"))
    q = django_filters.CharFilter(method="filter_text", label=_("title contains"))

    class Meta:
        model = HardProblem
        fields: list[str] = []

    def __init__(self, data=None, queryset=None, **kwargs):
        super().__init__(data, queryset=queryset, **kwargs)
        # The secretaries one may filter by are those of the problems the reader already sees.
        self.filters["secretary"].queryset = User.objects.filter(
            pk__in=self.queryset.exclude(secretary=None).values("secretary")).order_by("pk")

    def filter_area(self, queryset, name, value):
        return queryset.filter(area_path__startswith=_area_path(value))

    def filter_category(self, queryset, name, value):
        path = _category_path(value)
        # A proactive task's own category, else the category of the order it opened.
        return queryset.filter(
            Q(source_order__category__path__startswith=path)
            | Q(source_task__category__path__startswith=path)
            | Q(source_task__category__isnull=True, source_task__order__category__path__startswith=path))

    def filter_text(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(title__icontains=value) if value else queryset
