"""Reads of the Open311 endpoints. Everything here is public, so personal data never leaves:
no names, phones, e-mails or accounts; descriptions masked; addresses cut at the building;
points rounded to about ten metres; private categories and appeals whose resident declined
publication are left out entirely."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet

from civicgrid.workorders.models import OPEN_STATUSES, Appeal, Category
from civicgrid.workorders.selectors import leaf_categories

from .models import ServiceAttribute, Submission


def services() -> QuerySet[Category]:
    """The services: leaf categories of the active catalogue, private ones left out (a report
    filed under them could never be shown back)."""
    return leaf_categories().exclude(is_private=True)


def service(code: str) -> Category | None:
    return services().filter(code=code).first()


def attributes_of(category: Category) -> list[ServiceAttribute]:
    """The questions for one service: those of every service, then the service's own."""
    return list(
        ServiceAttribute.objects.filter(Q(category__isnull=True) | Q(category=category), is_active=True)
        .order_by("position", "code")
    )


def services_with_attributes() -> set[int]:
    """Category ids whose definition has attributes (``metadata`` true)."""
    if ServiceAttribute.objects.filter(category__isnull=True, is_active=True).exists():
        return set(services().values_list("pk", flat=True))
    return set(ServiceAttribute.objects.filter(is_active=True).values_list("category_id", flat=True))


def public_requests() -> QuerySet[Appeal]:
    return (
        Appeal.objects.select_related("order", "order__category", "order__unit", "building")
        .exclude(order__category__is_private=True)
        .exclude(echo_opt_out=True)
        .exclude(order__echo_opt_out=True)
    )


def requests(*, ids: list[str] | None = None, service_codes: list[str] | None = None,
             start: datetime | None = None, end: datetime | None = None,
             statuses: list[str] | None = None) -> QuerySet[Appeal]:
    """Public requests, newest first. ``ids`` overrides every other filter (as the spec says)."""
    qs = public_requests()
    if ids:
        return qs.filter(tracking_number__in=ids).order_by("-received_at", "-id")
    if service_codes:
        qs = qs.filter(order__category__code__in=service_codes)
    if start is not None:
        qs = qs.filter(received_at__gte=start)
    if end is not None:
        qs = qs.filter(received_at__lte=end)
    if statuses and set(statuses) != {"open", "closed"}:
        if "open" in statuses:
            qs = qs.filter(order__status__in=OPEN_STATUSES)
        else:
            qs = qs.exclude(order__status__in=OPEN_STATUSES)
    return qs.order_by("-received_at", "-id")


def request(tracking_number: str) -> Appeal | None:
    return public_requests().filter(tracking_number=tracking_number).first()


def submission(token: str) -> Submission | None:
    return Submission.objects.select_related("appeal").filter(token=token).first()
