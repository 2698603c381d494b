"""Reads of the sla app, always through the reader's jurisdiction.

A whistle is visible to the staff of the area its order lies in and to the departments it calls;
anything else answers like a missing row (None), and lists never count what they do not show.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from civicgrid.people.jurisdiction import Jurisdiction

from .models import Pressure, Whistle, WhistleResponse, WhistleStatus


def _whistle_q(jurisdiction: Jurisdiction) -> Q:
    if jurisdiction.is_global:
        return Q()
    q = jurisdiction.area_q("area_path") if jurisdiction.area_paths else Q(pk__in=[])
    if jurisdiction.unit_ids:
        q |= Q(Exists(WhistleResponse.objects.filter(whistle=OuterRef("pk"), unit_id__in=jurisdiction.unit_ids)))
    return q


def whistles_for(jurisdiction: Jurisdiction) -> QuerySet[Whistle]:
    if not jurisdiction.is_staff:
        return Whistle.objects.none()
    return (Whistle.objects.filter(_whistle_q(jurisdiction))
            .select_related("order", "street", "called_by").prefetch_related("responses__unit"))


def get_whistle(jurisdiction: Jurisdiction, pk: int) -> Whistle | None:
    return whistles_for(jurisdiction).filter(pk=pk).first()


def whistles_awaiting(jurisdiction: Jurisdiction) -> QuerySet[Whistle]:
    """Open whistles in the jurisdiction (or calling its departments) with a department yet to
    report, the most urgent first."""
    waiting = WhistleResponse.objects.filter(whistle=OuterRef("pk"), reported_at__isnull=True)
    return whistles_for(jurisdiction).filter(Exists(waiting), status=WhistleStatus.OPEN).order_by("report_due", "pk")


def responses_awaiting(jurisdiction: Jurisdiction) -> QuerySet[WhistleResponse]:
    """A department's to-do list: the whistles its handlers must still report to."""
    if not jurisdiction.is_global and not jurisdiction.unit_ids:
        return WhistleResponse.objects.none()
    qs = WhistleResponse.objects.filter(reported_at__isnull=True, whistle__status=WhistleStatus.OPEN)
    if not jurisdiction.is_global:
        qs = qs.filter(unit_id__in=jurisdiction.unit_ids)
    return qs.select_related("whistle", "whistle__order", "unit").order_by("whistle__report_due", "pk")


def pressures_for(jurisdiction: Jurisdiction) -> QuerySet[Pressure]:
    """Reminders, overdue notices and supervision on the orders the reader may see."""
    if not jurisdiction.is_staff:
        return Pressure.objects.none()
    qs = Pressure.objects.select_related("order", "target_area", "target_unit")
    if jurisdiction.is_global:
        return qs
    q = jurisdiction.area_q("order__area_path") if jurisdiction.area_paths else Q(pk__in=[])
    if jurisdiction.unit_ids:
        q |= Q(order__unit_id__in=jurisdiction.unit_ids)
    return qs.filter(q)
