"""Common answers (常用答复) for an order: the active templates whose category and area scopes
contain the order's; and the audited writes the admin makes."""

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


# --- writes (the admin) ----------------------------------------------------------------------------
TEMPLATE_FIELDS = ("title", "body", "category", "area", "is_active", "position")


def _values(template: ResponseTemplate) -> dict:
    return {"title": template.title, "body": template.body,
            "category": template.category.code if template.category_id else None,
            "area": template.area.code if template.area_id else None,
            "is_active": template.is_active, "position": template.position}


def save_template(actor, template: ResponseTemplate) -> ResponseTemplate:
    """Create or change a common answer (the admin's form and its list of editable columns). The
    text staff send to residents: one audit row with the old and new values, none when nothing
    changed."""
    from django.core.exceptions import ValidationError
    from django.db import transaction
    from django.utils.translation import gettext as _

    from civicgrid.core.services import record_event

    template.title = (template.title or "").strip()
    template.body = (template.body or "").strip()
    if not template.title:
        raise ValidationError({"title": _("Give the answer a title.")})
    if not template.body:
        raise ValidationError({"body": _("The answer has no text.")})
    created = template.pk is None
    with transaction.atomic():
        stored = None if created else ResponseTemplate.objects.select_for_update(of=("self",)).select_related(
            "category", "area").get(pk=template.pk)
        template.save()
        new = _values(template)
        if created:
            changes = {f: [None, v] for f, v in new.items()}
        else:
            old = _values(stored)
            changes = {f: [old[f], new[f]] for f in TEMPLATE_FIELDS if old[f] != new[f]}
        if changes:
            record_event(actor=actor, action="response_template.create" if created else "response_template.update",
                         obj=template, changes=changes)
    return template


def delete_template(actor, template: ResponseTemplate) -> None:
    from django.db import transaction

    from civicgrid.core.services import record_event

    with transaction.atomic():
        stored = ResponseTemplate.objects.select_for_update(of=("self",)).select_related("category", "area").filter(
            pk=template.pk).first()
        if stored is None:
            return
        changes = {f: [v, None] for f, v in _values(stored).items()}
        pk = stored.pk
        stored.delete()
        stored.pk = pk
        record_event(actor=actor, action="response_template.delete", obj=stored, changes=changes)
