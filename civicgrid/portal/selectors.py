"""Reads of the resident portal. A resident's jurisdiction is their own appeals and public data:
the notices of their area, the address book's building addresses, open orders' public status."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from civicgrid.geo.models import Area, AreaKind
from civicgrid.people.jurisdiction import jurisdiction_for
from civicgrid.people.models import CITIZEN_ROLES, Membership
from civicgrid.workorders import addressbook
from civicgrid.workorders.models import Appeal, OrderEvent

from .models import Notice
from .services import NOTICE_KINDS, can_publish_for

MAX_SIMILAR = 5


# --- similar open problems ------------------------------------------------------------------------
def similar_open_orders(*, lon: float | None, lat: float | None, text: str = "", category_code: str = "",
                        now: datetime | None = None, limit: int = MAX_SIMILAR) -> list:
    """Open orders that are the same problem, by the duplicate detector (civicgrid.duplicates:
    same category, the category's radius and window, text similarity), best first; public data
    only (masked titles, no private categories)."""
    from civicgrid.duplicates.selectors import public_similar

    return public_similar(lon=lon, lat=lat, text=text, category_code=category_code, now=now, limit=limit)[0]


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


# The resident's timeline shows the steps of handling: the public moves, and these internal moves
# whose step (not their working notes) the resident is owed. 办结 is when the unit says the work is
# done; its answer is shown only once the order is closed, so the row carries the time alone.
RESIDENT_STEPS = ("resolve",)


def appeal_timeline(order) -> QuerySet[OrderEvent]:
    """The steps an order went through, in order, as the resident sees them."""
    return (order.events.filter(Q(is_public=True) | Q(action__in=RESIDENT_STEPS))
            .select_related("unit").order_by("created_at", "id"))


def withdrawal(order) -> OrderEvent | None:
    """The resident's withdrawal of this order (its time and the reason they gave), if any."""
    return order.events.filter(action="withdraw").order_by("-created_at", "-id").first()
