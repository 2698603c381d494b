"""Reads of the resident portal. A resident's jurisdiction is their own appeals and public data:
the notices of their area, the address book's building addresses, open orders' public status."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from civicgrid.geo.models import Area, AreaKind
from civicgrid.people.jurisdiction import jurisdiction_for
from civicgrid.people.models import CITIZEN_ROLES, Membership
from civicgrid.workorders import addressbook
from civicgrid.workorders.models import OPEN_STATUSES, Appeal, Category, WorkOrder
from civicgrid.workorders.services import mask_text

from .models import Notice
from .services import NOTICE_KINDS, can_publish_for

NEAR_METRES = 300
RECENT_DAYS = 60
TEXT_SIMILARITY = 0.3
MAX_SIMILAR = 5
EARTH_METRES = 6_371_000


# --- similar open problems ------------------------------------------------------------------------
@dataclass(frozen=True)
class SimilarOrder:
    """What the public may know of an open order: a masked title, its status, how many people
    reported it, how far it is. Never who reported it."""

    title: str
    status: str
    status_display: str
    appeals_count: int
    metres: int
    category: str


def _metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_METRES * math.asin(math.sqrt(a))


def _top_code(category: Category | None) -> str:
    return category.path.split("/")[0] if category is not None else ""


def similar_open_orders(*, lon: float | None, lat: float | None, text: str = "", category_code: str = "",
                        now: datetime | None = None, limit: int = MAX_SIMILAR) -> list[SimilarOrder]:
    """Open orders within ~300 m, filed in the last 60 days, that share the top-level category or
    read alike (bigram Dice over the normalised text). Nearest first. The duplicate detector of the
    intelligence work will replace this; the signature is what the pages call."""
    if lon is None or lat is None:
        return []
    now = now or timezone.now()
    d_lat = NEAR_METRES / 111_320
    d_lon = d_lat / max(0.1, math.cos(math.radians(lat)))
    category = Category.objects.filter(code=(category_code or "").strip()).first() if category_code else None
    top = _top_code(category)
    grams = addressbook.bigrams(addressbook.address_key(text)) if text and text.strip() else set()
    found = []
    candidates = (
        WorkOrder.objects.filter(status__in=OPEN_STATUSES, merged_into__isnull=True, created_at__gte=now - timedelta(days=RECENT_DAYS),
                                 lon__range=(lon - d_lon, lon + d_lon), lat__range=(lat - d_lat, lat + d_lat))
        .exclude(category__is_private=True)
        .select_related("category")
        .prefetch_related("appeals")
    )
    for order in candidates:
        metres = _metres(lon, lat, order.lon, order.lat)
        if metres > NEAR_METRES:
            continue
        same_kind = bool(top) and _top_code(order.category) == top
        alike = bool(grams) and addressbook.dice(
            grams, addressbook.bigrams(addressbook.address_key(f"{order.title}{order.description}"))) >= TEXT_SIMILARITY
        if not (same_kind or alike):
            continue
        found.append(SimilarOrder(
            title=mask_text(order.title, order), status=order.status, status_display=str(order.get_status_display()),
            appeals_count=order.appeals_count, metres=round(metres), category=order.category.name if order.category else "",
        ))
    found.sort(key=lambda s: (s.metres, s.title))
    return found[:limit]


# --- address suggestions --------------------------------------------------------------------------
def address_suggestions(text: str) -> list[addressbook.Candidate]:
    """Buildings of the address book whose address fits what the resident has typed so far."""
    if len(addressbook.strip_key(text or "")) < 2:
        return []
    match = addressbook.match_address(text)
    return list(match.candidates)


# --- notices ----------------------------------------------------------------------------------------
def home_area_for(user) -> Area | None:
    """The community (or street) a resident said they live in, if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    membership = (Membership.objects.filter(user=user, is_active=True, role__in=[str(r) for r in CITIZEN_ROLES],
                                            area__isnull=False).select_related("area").order_by("-area__depth").first())
    return membership.area if membership else None


def default_district() -> Area | None:
    return Area.objects.filter(kind=AreaKind.DISTRICT).order_by("code").first()


def communities() -> QuerySet[Area]:
    return Area.objects.filter(kind=AreaKind.COMMUNITY).order_by("path")


def notices_for_area(area: Area | None, *, now: datetime | None = None) -> QuerySet[Notice]:
    """Published notices of this area and of every area above it (community, street, district).
    Public: anyone may read a community's notice board."""
    if area is None:
        return Notice.objects.none()
    codes = [c for c in area.path.split("/") if c]
    return (Notice.objects.filter(area__code__in=codes, is_published=True, published_at__lte=now or timezone.now())
            .select_related("area").order_by("-published_at", "-id"))


def publishable_areas(user) -> list[Area]:
    """The districts, streets and communities this member of staff may publish notices for."""
    j = jurisdiction_for(user)
    if not j.is_staff:
        return []
    qs = Area.objects.filter(kind__in=NOTICE_KINDS).order_by("path")
    if not j.is_global:
        paths = j.area_paths
        if not paths:
            return []
        q = Q()
        for p in paths:
            q |= Q(path__startswith=p)
        qs = qs.filter(q)
    return [a for a in qs if can_publish_for(user, a)]


def notices_published_by_jurisdiction(user) -> QuerySet[Notice]:
    areas = publishable_areas(user)
    return Notice.objects.filter(area__in=areas).select_related("area", "created_by").order_by("-published_at", "-id")


# --- the resident's own appeals -----------------------------------------------------------------
def my_appeals(user) -> QuerySet[Appeal]:
    if not getattr(user, "is_authenticated", False):
        return Appeal.objects.none()
    return (Appeal.objects.filter(reporter=user).select_related("order", "order__category", "order__unit")
            .order_by("-received_at", "-id"))


def my_appeal(user, tracking_number: str) -> Appeal | None:
    return my_appeals(user).filter(tracking_number=tracking_number).first()


def report_photos(appeal: Appeal):
    """The photos the reporter sent with this appeal (not the handlers' evidence)."""
    return appeal.attachments.filter(purpose="report").order_by("created_at", "id")
