"""The proposal and project list filters, shared by the web lists and the API."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import ProjectStatus, ProposalCategory, ProposalStatus


class ProposalFilterSet(django_filters.FilterSet):
    campaign = django_filters.NumberFilter(field_name="campaign_id", label=_("campaign"))
    status = django_filters.MultipleChoiceFilter(choices=ProposalStatus.choices, label=_("status"))
    category = django_filters.ChoiceFilter(choices=ProposalCategory.choices, label=_("category"),
                                           empty_label=_("All"))
    area = django_filters.CharFilter(method="filter_area", label=_("area code (with the areas inside it)"))
    q = django_filters.CharFilter(method="filter_text", label=_("title or description contains"))
    ordering = django_filters.OrderingFilter(
        fields=(("support_count", "supports"), ("score", "score"), ("estimated_cost", "cost"), ("created_at", "created")),
        field_labels={"support_count": _("Supports"), "score": _("Panel score"), "estimated_cost": _("Cost"),
                      "created_at": _("Submitted"), "-supports": _("Supports (most first)"),
                      "-score": _("Panel score (highest first)"), "-cost": _("Cost (highest first)"),
                      "-created": _("Submitted (newest first)")},
        label=_("order by"),
        empty_label=None,  # the lists have a default order (most supported first); no "---------"
    )

    class Meta:
        from .models import Proposal

        model = Proposal
        fields: list = []

    def filter_area(self, queryset, name, value):
        from civicgrid.geo.models import Area

        area = Area.objects.filter(code=value.strip()).only("path").first()
        return queryset.filter(area_path__startswith=area.path) if area else queryset.none()

    def filter_text(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(title__icontains=value) | Q(description__icontains=value)) if value else queryset


class ProjectFilterSet(django_filters.FilterSet):
    campaign = django_filters.NumberFilter(field_name="campaign_id", label=_("campaign"))
    status = django_filters.ChoiceFilter(choices=ProjectStatus.choices, label=_("status"))
    unit = django_filters.CharFilter(field_name="unit__code", label=_("responsible unit code"))

    class Meta:
        from .models import Project

        model = Project
        fields: list = []
