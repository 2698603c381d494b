"""回音壁: the public wall of answered appeals.

Public data, so no jurisdiction: every reader sees the same entries. An entry is a closed order that
was published (``published_at``, set by ``services.transition`` on closing) and that nobody took
back: never a private category, never an order whose resident declined publication. Titles and
texts are masked on the way out (names, phone and ID numbers, addresses below building level).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.core.services import record_event
from civicgrid.geo.models import Area

from .errors import OrderError, TransitionForbidden
from .models import Appeal, Category, Status, WorkOrder
from .services import mask_text

MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class EchoEntry:
    number: str
    title: str
    text: str
    answer: str
    category: str
    area: str
    received_at: datetime
    closed_at: datetime
    published_at: datetime
    appeals_count: int = 1


def published_orders() -> QuerySet[WorkOrder]:
    declined = Appeal.objects.filter(order=OuterRef("pk"), echo_opt_out=True)
    return (
        WorkOrder.objects.filter(status=Status.CLOSED, published_at__isnull=False, echo_opt_out=False)
        .exclude(category__is_private=True)
        .exclude(Exists(declined))
        .exclude(public_answer="")
        .select_related("category", "area")
        .order_by("-published_at", "-id")
    )


def month_range(month: str) -> tuple[datetime, datetime]:
    """"2025-03" → the month's first instant and the next month's, in local time."""
    match = MONTH.match(month or "")
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise OrderError({"month": [_("Give the month as YYYY-MM, e.g. 2025-03.")]}, code="invalid")
    year, mon = int(match.group(1)), int(match.group(2))
    start = date(year, mon, 1)
    end = date(year + (mon == 12), mon % 12 + 1, 1)
    tz = timezone.get_current_timezone()
    return (timezone.make_aware(datetime.combine(start, time.min), tz),
            timezone.make_aware(datetime.combine(end, time.min), tz))


def echo_wall(*, area: str = "", category: str = "", month: str = "") -> QuerySet[WorkOrder]:
    """Published orders filtered by area code (its subtree), category code (its subtree) and the
    month of closing. An unknown area or category gives an empty wall, like a filter that matches
    nothing; a malformed month is refused."""
    qs = published_orders()
    if area:
        found = Area.objects.filter(code=area).only("path").first()
        qs = qs.filter(area_path__startswith=found.path) if found else qs.none()
    if category:
        found = Category.objects.filter(code=category).only("path").first()
        qs = qs.filter(category__path__startswith=found.path) if found else qs.none()
    if month:
        start, end = month_range(month)
        qs = qs.filter(closed_at__gte=start, closed_at__lt=end)
    return qs


def entry(order: WorkOrder) -> EchoEntry:
    """What the public sees of one order: masked, with the area's name but no address."""
    return EchoEntry(
        number=order.number,
        title=mask_text(order.title, order),
        text=mask_text(order.description, order),
        answer=order.public_answer,
        category=order.category.name if order.category_id else "",
        area=order.area.name,
        received_at=order.created_at,
        closed_at=order.closed_at,
        published_at=order.published_at,
        appeals_count=order.appeals_count,
    )


def entries(orders) -> list[EchoEntry]:
    orders = list(orders)
    # mask_text reads each order's appeals (the reporters' names and phones to hide).
    from django.db.models import prefetch_related_objects

    prefetch_related_objects(orders, "appeals")
    return [entry(o) for o in orders]


# --- the resident's choice ---------------------------------------------------------------------
def opt_out(actor, order: WorkOrder | int) -> WorkOrder:
    """The resident declines publication of their appeal, before or after it is published. Takes
    the order off the wall at once; closing it later will not publish it either."""
    order_id = order.pk if isinstance(order, WorkOrder) else order
    with transaction.atomic():
        locked = WorkOrder.objects.select_for_update(of=("self",)).get(pk=order_id)
        mine = list(locked.appeals.filter(reporter=actor)) if getattr(actor, "is_authenticated", False) else []
        if not mine:
            raise TransitionForbidden(_("Only the resident who reported order %(n)s can decide this.") % {"n": locked.number})
        appeals_changed = [a.pk for a in mine if not a.echo_opt_out]
        was_published = locked.published_at is not None
        if not appeals_changed and locked.echo_opt_out and not was_published:
            return locked
        Appeal.objects.filter(pk__in=appeals_changed).update(echo_opt_out=True)
        changes = {"appeals": appeals_changed}
        if was_published:
            changes["published_at"] = [locked.published_at.isoformat(), None]
        if not locked.echo_opt_out:
            changes["echo_opt_out"] = [False, True]
        locked.echo_opt_out = True
        locked.published_at = None
        locked.public_answer = ""
        locked.save(update_fields=["echo_opt_out", "published_at", "public_answer", "updated_at"])
        record_event(actor=actor, action="order.echo_opt_out", obj=locked, changes=changes)
    return locked
