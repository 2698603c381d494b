"""Reads of duplicate detection: which rule applies, which open orders are the same problem (from
the database, scoped to what the reader may see, scored by ``scoring``), acceptance figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from civicgrid.core.text import words
from civicgrid.people.jurisdiction import Jurisdiction
from civicgrid.workorders import selectors as order_selectors
from civicgrid.workorders.models import OPEN_STATUSES, Category, WorkOrder

from . import scoring
from .models import DuplicateRule, MeToo, SuggestionShown

# When no rule row exists at all (a database without the default rule of migration 0002).
FALLBACK = scoring.Params(radius_m=50, window_days=7, min_similarity=0.2)
MAX_SUGGESTIONS = 5
# The prefilter keeps at most this many candidates, newest first, for the text work: a radius of a
# few hundred metres and a window of weeks hold far fewer open orders of one category.
MAX_CANDIDATES = 500


@dataclass(frozen=True)
class Suggestion:
    order: WorkOrder
    score: float
    similarity: float
    metres: int
    age_days: float


def rule_for(category: Category | None) -> scoring.Params:
    """The active rule of the deepest category on ``category``'s path, else the default rule."""
    rules = list(DuplicateRule.objects.filter(is_active=True).select_related("category"))
    best, depth = None, -1
    for rule in rules:
        if rule.category is None:
            if depth < 0:
                best, depth = rule, 0
        elif category is not None and category.path.startswith(rule.category.path):
            d = rule.category.path.count("/")
            if d > depth:
                best, depth = rule, d
    if best is None:
        return FALLBACK
    return scoring.Params(best.radius_m, best.window_days, best.min_similarity)


def text_of(title: str, text: str) -> str:
    return f"{title or ''}\n{text or ''}"


def public_orders() -> QuerySet[WorkOrder]:
    """What anyone may know exists: open orders outside private categories (shown masked)."""
    return WorkOrder.objects.exclude(category__is_private=True)


def staff_orders(jurisdiction: Jurisdiction) -> QuerySet[WorkOrder]:
    return order_selectors.orders_for(jurisdiction)


def find(scope: QuerySet[WorkOrder], *, text: str, lon: float | None, lat: float | None,
         category: Category | None, now: datetime | None = None, exclude: WorkOrder | None = None,
         limit: int = MAX_SUGGESTIONS) -> list[Suggestion]:
    """Open orders in ``scope`` that are the same problem as the appeal described, best first.

    The database narrows first (open, not merged, category subtree or ancestors, window, bounding
    box); only those rows are segmented and scored."""
    if lon is None or lat is None:
        return []
    now = now or timezone.now()
    params = rule_for(category)
    min_lon, max_lon, min_lat, max_lat = scoring.bbox(lon, lat, params.radius_m)
    qs = scope.filter(status__in=OPEN_STATUSES, merged_into__isnull=True,
                      created_at__gte=now - timedelta(days=params.window_days), created_at__lte=now,
                      lon__range=(min_lon, max_lon), lat__range=(min_lat, max_lat))
    if category is not None:
        ancestors = [c for c in category.ancestor_codes if c != category.code]
        qs = qs.filter(Q(category__path__startswith=category.path) | Q(category__code__in=ancestors))
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    orders = {o.pk: o for o in qs.select_related("category").order_by("-created_at")[:MAX_CANDIDATES]}
    query = scoring.Doc(key=None, category_path=category.path if category else "", lon=lon, lat=lat, created=now,
                        vector=scoring.vector(words(text)))
    docs = [scoring.Doc(key=o.pk, category_path=o.category.path if o.category_id else "", lon=o.lon, lat=o.lat,
                        created=o.created_at, vector=scoring.vector(words(text_of(o.title, o.description))))
            for o in orders.values()]
    return [Suggestion(orders[s.key], s.score, round(s.similarity, 3), round(s.metres), round(s.age_days, 1))
            for s in scoring.rank(query, docs, params, limit=limit)]


def for_order(jurisdiction: Jurisdiction, order: WorkOrder, *, limit: int = MAX_SUGGESTIONS) -> list[Suggestion]:
    """Older open orders that the (new) ``order`` may be merged into."""
    if order.lon is None or order.lat is None:
        return []
    return find(staff_orders(jurisdiction), text=text_of(order.title, order.description), lon=order.lon,
                lat=order.lat, category=order.category, now=order.created_at, exclude=order, limit=limit)


def me_too_count(order: WorkOrder) -> int:
    return MeToo.objects.filter(order=order).count()


def has_joined(user, order: WorkOrder) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and order.appeals.filter(reporter=user).exists()


# --- acceptance -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Acceptance:
    surface: str
    label: str
    shown: int
    taken: int

    @property
    def rate(self) -> float | None:
        return self.taken / self.shown if self.shown else None


def acceptance(jurisdiction: Jurisdiction, *, since: datetime | None = None) -> list[Acceptance]:
    """Suggestions shown and taken, per surface, for orders in the reader's jurisdiction."""
    from .models import Surface

    qs = SuggestionShown.objects.filter(jurisdiction.area_q("area_path"))
    if since is not None:
        qs = qs.filter(shown_at__gte=since)
    rows = {r["surface"]: r for r in qs.values("surface").annotate(
        shown=Count("id"), taken=Count("id", filter=~Q(taken="")))}
    return [Acceptance(s.value, str(s.label), rows.get(s.value, {}).get("shown", 0),
                       rows.get(s.value, {}).get("taken", 0)) for s in Surface]


def me_too_total(jurisdiction: Jurisdiction, *, since: datetime | None = None) -> int:
    qs = MeToo.objects.filter(jurisdiction.area_q("order__area_path"))
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    return qs.count()


# --- the resident portal's hint -----------------------------------------------------------------
@dataclass(frozen=True)
class PublicSuggestion:
    """What the public may know of a suggested open order: its number (to say "me too"), a masked
    title, its status, how many people reported it, how far it is. Never who reported it."""

    number: str
    title: str
    status: str
    status_display: str
    appeals_count: int
    metres: int
    category: str
    score: float


def public_similar(*, lon: float | None, lat: float | None, text: str = "", category_code: str = "",
                   now: datetime | None = None, limit: int = MAX_SUGGESTIONS) -> tuple[list[PublicSuggestion],
                                                                                       list[Suggestion]]:
    """The portal's "a similar problem nearby" hint: (what the page shows, the suggestions behind it)."""
    from civicgrid.workorders.services import mask_text

    code = (category_code or "").strip()
    category = Category.objects.filter(code=code, is_active=True).first() if code else None
    found = find(public_orders(), text=text, lon=lon, lat=lat, category=category, now=now, limit=limit)
    shown = [PublicSuggestion(
        number=s.order.number, title=mask_text(s.order.title, s.order), status=s.order.status,
        status_display=str(s.order.get_status_display()), appeals_count=s.order.appeals_count, metres=s.metres,
        category=s.order.category.name if s.order.category_id else "", score=s.score) for s in found]
    return shown, found


def active_rules() -> list[DuplicateRule]:
    return list(DuplicateRule.objects.filter(is_active=True).select_related("category").order_by("category__path"))
