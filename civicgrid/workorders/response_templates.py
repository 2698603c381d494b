"""Common answers (常用答复) for an order: the active templates whose category and area scopes
contain the order's. Reads only; templates are edited in the admin."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from civicgrid.geo.paths import ancestor_paths
from .models import ResponseTemplate, WorkOrder


def templates_for(order: WorkOrder) -> QuerySet[ResponseTemplate]:
    """Active templates that apply to ``order``: no category or a category the order's lies in,
    and no area or an area the order lies in. The order is already in the reader's jurisdiction."""
    qs = ResponseTemplate.objects.filter(is_active=True).select_related("category", "area")
    category_q = Q(category__isnull=True)
    if order.category_id is not None:
        category_q |= Q(category__path__in=ancestor_paths(order.category.path))
    area_q = Q(area__isnull=True) | Q(area__path__in=ancestor_paths(order.area_path))
    return qs.filter(category_q, area_q).order_by("position", "title", "id")
