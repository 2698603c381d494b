"""Reads of work orders and appeals, always through the reader's jurisdiction.

Who sees which order:
- administrators: every order;
- area roles (grid worker … district command center, hotline operators on their district): the
  orders located in their subtrees;
- department handlers: orders dispatched to their unit now or before (the history remembers the
  unit) and orders whose whistle (吹哨) calls their unit;
- everyone signed in: the orders of their own appeals (a resident sees nothing else);
- anonymous visitors: nothing (the public reads the echo wall and tracks by number and phone).

An order outside the jurisdiction is answered exactly like a missing one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Case, Q, QuerySet, When
from django.utils import timezone

from civicgrid.core.masking import mask_address, mask_name, mask_phone
from civicgrid.geo.paths import ancestor_paths
from civicgrid.people.jurisdiction import Jurisdiction
from civicgrid.people.models import Role, Unit, UnitKind
from civicgrid.sla.models import Pressure, PressureKind, Whistle, WhistleResponse, WhistleStatus

from .models import (
    OPEN_STATUSES,
    Appeal,
    Attachment,
    Category,
    Channel,
    OrderEvent,
    Responsibility,
    Status,
    WorkOrder,
)

DISPATCH_ROLES = {Role.STREET_DISPATCHER, Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY,
                  Role.DISTRICT_COMMANDER, Role.GRID_LEADER, Role.HOTLINE_OPERATOR}
# Which office a holder of an area role acts for (mirrors services._acts_for_unit).
_OFFICE_ROLES = {
    UnitKind.STREET_OFFICE: {Role.STREET_DISPATCHER},
    UnitKind.COMMUNITY_OFFICE: {Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY},
}
_FIELD_ROLES = {Role.GRID_WORKER, Role.GRID_LEADER}
# The staff intake pages: their receipts are for staff who may see the order (a resident's web
# receipt is for whoever filed it, see reporter_receipt_appeal).
STAFF_RECEIPT_CHANNELS = (Channel.HOTLINE, Channel.PATROL)


def _paths_with(jurisdiction: Jurisdiction, roles) -> list[str]:
    wanted = {str(r) for r in roles}
    return [path for role, path in jurisdiction.role_paths if role in wanted]


def _prefix_q(paths, field_name: str) -> Q:
    q = Q(pk__in=[])
    for p in paths:
        q |= Q(**{f"{field_name}__startswith": p})
    return q


def _base() -> QuerySet[WorkOrder]:
    return WorkOrder.objects.select_related("category", "area", "unit", "handler")


def _visible_q(jurisdiction: Jurisdiction) -> Q:
    q = Q(pk__in=Appeal.objects.filter(reporter_id=jurisdiction.user_id).values("order_id"))
    if jurisdiction.area_paths:
        q |= jurisdiction.area_q("area_path")
    if jurisdiction.unit_ids:
        units = list(jurisdiction.unit_ids)
        q |= Q(unit_id__in=units)
        q |= Q(pk__in=OrderEvent.objects.filter(unit_id__in=units).values("order_id"))
        q |= Q(pk__in=WhistleResponse.objects.filter(unit_id__in=units).values("whistle__order_id"))
    return q


def orders_for(jurisdiction: Jurisdiction) -> QuerySet[WorkOrder]:
    """Every order the reader may see."""
    if jurisdiction.is_global:
        return _base()
    if jurisdiction.user_id is None:
        return WorkOrder.objects.none()
    return _base().filter(_visible_q(jurisdiction))


def order_visible(jurisdiction: Jurisdiction, order: WorkOrder) -> bool:
    return orders_for(jurisdiction).filter(pk=order.pk).exists()


def visible_numbers(jurisdiction: Jurisdiction, numbers) -> set[str]:
    """Those of ``numbers`` whose order the reader may open (one query): what a page may link to."""
    numbers = {n for n in numbers if n}
    if not numbers:
        return set()
    return set(orders_for(jurisdiction).filter(number__in=numbers).values_list("number", flat=True))


def get_order(jurisdiction: Jurisdiction, number: str) -> WorkOrder | None:
    """The order with this number, or None when missing or outside the jurisdiction."""
    return orders_for(jurisdiction).filter(number=number).first()


# --- queues -----------------------------------------------------------------------------------
def acted_for_units_q(jurisdiction: Jurisdiction, field_name: str = "unit") -> Q:
    """Orders whose handling unit the reader acts for: their own unit, the street or community
    office of an area they staff, the community office of the community their grid lies in."""
    if jurisdiction.is_global:
        return Q()
    q = Q(**{f"{field_name}_id__in": list(jurisdiction.unit_ids)}) if jurisdiction.unit_ids else Q(pk__in=[])
    for kind, roles in _OFFICE_ROLES.items():
        paths = _paths_with(jurisdiction, roles)
        if paths:
            q |= Q(**{f"{field_name}__kind": kind}) & _prefix_q(paths, f"{field_name}__area__path")
    field_paths = _paths_with(jurisdiction, _FIELD_ROLES)
    if field_paths:
        q |= Q(**{f"{field_name}__kind": UnitKind.COMMUNITY_OFFICE}) & _prefix_q(field_paths, "area_path")
    return q


def _dispatch_q(jurisdiction: Jurisdiction) -> Q:
    if jurisdiction.is_global:
        return Q()
    return _prefix_q(_paths_with(jurisdiction, DISPATCH_ROLES), "area_path")


def queue_to_dispatch(jurisdiction: Jurisdiction) -> QuerySet[WorkOrder]:
    """New and returned orders the reader may dispatch, the most pressing first."""
    return (
        orders_for(jurisdiction)
        .filter(_dispatch_q(jurisdiction), status__in=[Status.NEW, Status.RETURNED])
        .order_by("-is_overdue", "dispatch_due", "created_at", "id")
    )


def queue_to_accept(jurisdiction: Jurisdiction) -> QuerySet[WorkOrder]:
    """Orders dispatched to a unit the reader acts for, waiting to be accepted (签收)."""
    return (
        orders_for(jurisdiction)
        .filter(acted_for_units_q(jurisdiction), status=Status.DISPATCHED)
        .order_by("-is_overdue", "response_due", "created_at", "id")
    )


def queue_in_hand(jurisdiction: Jurisdiction) -> QuerySet[WorkOrder]:
    """Orders the reader's units handle now: overdue first, then by the handling deadline."""
    return (
        orders_for(jurisdiction)
        .filter(acted_for_units_q(jurisdiction), status__in=[Status.ACCEPTED, Status.IN_PROGRESS])
        .order_by("-is_overdue", "handle_due", "created_at", "id")
    )


def queue_overdue(jurisdiction: Jurisdiction) -> QuerySet[WorkOrder]:
    return (
        orders_for(jurisdiction)
        .filter(status__in=OPEN_STATUSES, is_overdue=True)
        .order_by("handle_due", "created_at", "id")
    )


def queue_due_soon(jurisdiction: Jurisdiction, *, within: timedelta = timedelta(hours=24),
                   now: datetime | None = None) -> QuerySet[WorkOrder]:
    """Open orders not yet overdue whose next deadline falls within ``within``."""
    now = now or timezone.now()
    until = now + within
    soon = (
        Q(status__in=[Status.NEW, Status.RETURNED], dispatch_due__gte=now, dispatch_due__lte=until)
        | Q(status=Status.DISPATCHED, response_due__gte=now, response_due__lte=until)
        | Q(status__in=[Status.ACCEPTED, Status.IN_PROGRESS], handle_due__gte=now, handle_due__lte=until)
    )
    next_due = Case(
        When(status__in=[Status.NEW, Status.RETURNED], then="dispatch_due"),
        When(status=Status.DISPATCHED, then="response_due"),
        default="handle_due",
    )
    return (
        orders_for(jurisdiction)
        .filter(soon, is_overdue=False)
        .annotate(next_due=next_due)
        .order_by("next_due", "id")
    )


def queue_pressed_on_me(jurisdiction: Jurisdiction) -> QuerySet[WorkOrder]:
    """Open orders escalated or put under supervision (督办) to the reader's areas or units, and
    orders whose open whistle still waits for a report from the reader's units."""
    if jurisdiction.user_id is None and not jurisdiction.is_global:
        return WorkOrder.objects.none()
    pressures = Pressure.objects.filter(kind__in=[PressureKind.ESCALATE, PressureKind.SUPERVISE])
    if not jurisdiction.is_global:
        target = _prefix_q(jurisdiction.area_paths, "target_area__path")
        if jurisdiction.unit_ids:
            target |= Q(target_unit_id__in=list(jurisdiction.unit_ids))
        pressures = pressures.filter(target)
    whistles = WhistleResponse.objects.filter(reported_at__isnull=True, whistle__status=WhistleStatus.OPEN)
    if not jurisdiction.is_global:
        whistles = whistles.filter(unit_id__in=list(jurisdiction.unit_ids))
    return (
        orders_for(jurisdiction)
        .filter(status__in=OPEN_STATUSES)
        .filter(Q(pk__in=pressures.values("order_id")) | Q(pk__in=whistles.values("whistle__order_id")))
        .order_by("-is_overdue", "handle_due", "id")
    )


QUEUES = {
    "to_dispatch": queue_to_dispatch,
    "to_accept": queue_to_accept,
    "in_hand": queue_in_hand,
    "overdue": queue_overdue,
    "due_soon": queue_due_soon,
    "pressed": queue_pressed_on_me,
}


def queue_counts(jurisdiction: Jurisdiction) -> dict[str, int]:
    return {name: fn(jurisdiction).count() for name, fn in QUEUES.items()}


# --- one order --------------------------------------------------------------------------------
def timeline(jurisdiction: Jurisdiction, order: WorkOrder) -> QuerySet[OrderEvent]:
    """The order's history; residents read only the public events."""
    events = order.events.select_related("unit", "actor")
    if not jurisdiction.is_staff:
        events = events.filter(is_public=True)
    return events.order_by("created_at", "id")


def attachments_of(jurisdiction: Jurisdiction, order: WorkOrder) -> QuerySet[Attachment]:
    return order.attachments.select_related("uploaded_by").order_by("created_at", "id")


@dataclass(frozen=True)
class MaskedAppeal:
    """An appeal as staff see it in lists: the reporter's name, phone and flat masked."""

    id: int
    tracking_number: str
    channel: str
    title: str
    text: str
    reporter_name: str
    reporter_phone: str
    is_anonymous: bool
    address: str
    received_at: datetime
    is_mine: bool


def appeals_of(jurisdiction: Jurisdiction, order: WorkOrder) -> list[MaskedAppeal]:
    """The order's appeals, personal data masked. A resident sees only their own appeals of it
    (a merged order holds other people's too)."""
    appeals = order.appeals.order_by("received_at", "id")
    if not jurisdiction.is_staff:
        appeals = appeals.filter(reporter_id=jurisdiction.user_id)
    return [
        MaskedAppeal(
            id=a.pk, tracking_number=a.tracking_number, channel=a.channel, title=a.title, text=a.text,
            reporter_name="" if a.is_anonymous and jurisdiction.is_staff else mask_name(a.reporter_name),
            reporter_phone=mask_phone(a.reporter_phone), is_anonymous=a.is_anonymous,
            address=mask_address(a.address), received_at=a.received_at,
            is_mine=a.reporter_id is not None and a.reporter_id == jurisdiction.user_id,
        )
        for a in appeals
    ]


def appeal_for_reveal(jurisdiction: Jurisdiction, tracking_number: str) -> Appeal | None:
    """The appeal whose personal data a staff reader may see in full (the caller audits the read);
    None when missing, outside the jurisdiction, or the reader is not staff."""
    if not jurisdiction.is_staff:
        return None
    visible = orders_for(jurisdiction).values("pk")
    return Appeal.objects.select_related("order").filter(tracking_number=tracking_number, order__in=visible).first()


def receipt_appeal(jurisdiction: Jurisdiction, tracking_number: str) -> Appeal | None:
    """An appeal a member of staff took in (hotline, patrol), for its receipt page: None when
    missing, taken in on another channel, outside the jurisdiction, or the reader is not staff."""
    if not jurisdiction.is_staff:
        return None
    visible = orders_for(jurisdiction).values("pk")
    return (Appeal.objects.select_related("order", "order__category")
            .filter(tracking_number=tracking_number, channel__in=STAFF_RECEIPT_CHANNELS, order__in=visible).first())


def reporter_receipt_appeal(jurisdiction: Jurisdiction, tracking_number: str, session_numbers) -> Appeal | None:
    """A resident's web appeal, for its receipt page: only for whoever filed it, the signed-in
    reporter or (anonymous reports have no reporter) the browser session that sent it, whose
    tracking numbers the caller passes in. None for anyone else, missing or on another channel."""
    mine = Q(tracking_number__in=[str(n) for n in session_numbers or ()])
    if jurisdiction.user_id is not None:
        mine |= Q(reporter_id=jurisdiction.user_id)
    return (Appeal.objects.select_related("order", "order__category")
            .filter(mine, tracking_number=tracking_number, channel=Channel.WEB).first())


# --- public tracking --------------------------------------------------------------------------
def _digits(phone: str) -> str:
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    return digits[2:] if len(digits) == 13 and digits.startswith("86") else digits


def track_appeal(tracking_number: str, phone: str) -> Appeal | None:
    """The appeal with this tracking number when ``phone`` is its reporter's; anything else
    (wrong number, wrong phone, no phone on record) answers None alike."""
    digits = _digits(phone)
    if not tracking_number or len(digits) < 7:
        return None
    appeal = Appeal.objects.select_related("order", "order__category", "order__unit").filter(
        tracking_number=tracking_number.strip()
    ).first()
    if appeal is None or not appeal.reporter_phone or _digits(appeal.reporter_phone) != digits:
        return None
    return appeal


def public_timeline(order: WorkOrder) -> QuerySet[OrderEvent]:
    return order.events.filter(is_public=True).select_related("unit").order_by("created_at", "id")


# --- catalogue and responsibility list ---------------------------------------------------------
def category_tree(*, include_inactive: bool = False) -> list[dict]:
    """The catalogue as nested dicts, in catalogue order. Public: residents choose from it."""
    qs = Category.objects.all() if include_inactive else Category.objects.filter(is_active=True)
    nodes: dict[int, dict] = {}
    roots: list[dict] = []
    for c in qs.order_by("level", "position", "code"):
        node = {"code": c.code, "name": c.name, "level": c.level, "description": c.description,
                "is_private": c.is_private, "default_priority": c.default_priority, "children": []}
        nodes[c.pk] = node
        parent = nodes.get(c.parent_id)
        if parent is not None:
            parent["children"].append(node)
        elif c.parent_id is None:
            roots.append(node)
    return roots


def leaf_categories() -> QuerySet[Category]:
    """Active categories without active children: what a report is filed under."""
    return (
        Category.objects.filter(is_active=True)
        .exclude(children__is_active=True)
        .select_related("parent")
        .order_by("path")
    )


def responsibilities_for(jurisdiction: Jurisdiction) -> QuerySet[Responsibility]:
    """Rules that route orders of the reader's areas (their own and their ancestors' defaults) or
    to the reader's units. Residents read none."""
    qs = Responsibility.objects.select_related("category", "area", "unit").filter(is_active=True)
    if jurisdiction.is_global:
        return qs
    if not jurisdiction.is_staff:
        return qs.none()
    q = Q(pk__in=[])
    for path in jurisdiction.area_paths:
        ancestors = [path[: i + 1] for i, ch in enumerate(path) if ch == "/"]
        q |= Q(area_path__startswith=path) | Q(area_path__in=ancestors)
    if jurisdiction.unit_ids:
        q |= Q(unit_id__in=list(jurisdiction.unit_ids))
    return qs.filter(q)


# --- whistles ---------------------------------------------------------------------------------
def whistle_for_report(jurisdiction: Jurisdiction, whistle_id: int) -> Whistle | None:
    """A whistle calling one of the reader's units (or any, for administrators)."""
    qs = Whistle.objects.select_related("order", "street")
    if jurisdiction.is_global:
        return qs.filter(pk=whistle_id).first()
    if not jurisdiction.unit_ids:
        return None
    return qs.filter(pk=whistle_id, responses__unit_id__in=list(jurisdiction.unit_ids)).distinct().first()


def whistles_of(jurisdiction: Jurisdiction, order: WorkOrder) -> QuerySet[Whistle]:
    return order.whistles.prefetch_related("responses__unit").order_by("created_at", "id")


def whistle_units_for(order: WorkOrder) -> QuerySet[Unit]:
    """The departments and enterprises a whistle on ``order`` may call: those of the order's
    district or above (a unit without an area answers everywhere)."""
    from civicgrid.sla.services import WHISTLE_UNIT_KINDS

    return (Unit.objects.filter(is_active=True, kind__in=WHISTLE_UNIT_KINDS)
            .filter(Q(area__isnull=True) | Q(area__path__in=ancestor_paths(order.area_path))).order_by("kind", "code"))


def units_for_choice() -> QuerySet[Unit]:
    return Unit.objects.filter(is_active=True)


def units_for_order(order: WorkOrder) -> QuerySet[Unit]:
    """The units ``order`` may be dispatched to (``services.unit_serves``): those serving an area
    that contains the order's place, departments first."""
    return (units_for_choice().filter(area__path__in=ancestor_paths(order.area_path))
            .select_related("area").order_by("kind", "code"))


def units_for_dispatcher(jurisdiction: Jurisdiction) -> QuerySet[Unit]:
    """The units a dispatcher may send orders of their areas to (bulk dispatch): those serving an
    area that contains one of the areas they dispatch in, or lies inside one."""
    units = units_for_choice().select_related("area").order_by("kind", "code")
    if jurisdiction.is_global:
        return units
    paths = _paths_with(jurisdiction, DISPATCH_ROLES)
    above = {p for path in paths for p in ancestor_paths(path)}
    return units.filter(Q(area__path__in=above) | _prefix_q(paths, "area__path"))
