"""Intake (接诉): every channel's appeal becomes an ``Appeal`` on a new ``WorkOrder``.

``submit_appeal`` is the one entry point (web form, patrol report, hotline entry, REST API, Open311
POST, batch import, proactive tasks). In one transaction it validates, locates (a point in its
coordinate system, a building code, or a free-text address matched against the address book),
refuses what lies outside the actor's jurisdiction or outside every grid, categorises (the
operator's code, else the suggestion hook), sets the priority, numbers the order and the appeal,
sets the intake deadline, consults the responsibility list, stores the photos, and writes the
order's history, an audit row and the outbox rows. Nothing is written when anything is refused.

Routing never dispatches by itself: ``transition("dispatch")`` needs a person, so the unit the
responsibility list names is recorded as ``order.suggested_unit`` for the dispatcher to confirm with
one click. A grid worker's own patrol report stays with the grid (能办即办 or report up).

``submit_appeals`` takes many appeals at once for the benchmark and bulk feeds: the same checks
and the same rows, written with one query per table instead of one per appeal.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from civicgrid.core.masking import mask_name, mask_phone
from civicgrid.core.services import record_event
from civicgrid.dashboard import rollups
from civicgrid.geo import coords
from civicgrid.geo.locate import get_index
from civicgrid.geo.models import AreaKind, Building
from civicgrid.people.jurisdiction import jurisdiction_for
from civicgrid.people.models import Role
from civicgrid.sla.models import Priority
from civicgrid.textcheck import hooks as textcheck_hooks

from . import addressbook, attachments, notify, numbering, routing
from .catalogue import get_catalogue
from .errors import OrderError
from .models import Appeal, Channel, HandlingLevel, OrderEvent, Status, WorkOrder
from .services import set_intake_deadlines
from .suggest import Suggestion, suggest_category

MAX_TITLE = 200
MAX_TEXT = 5000
PHONE = re.compile(r"^(\+?86)?1[3-9]\d{9}$|^0\d{2,3}-?\d{7,8}$")
FUTURE_SLACK = timedelta(minutes=10)
GRID_ROLES = {Role.GRID_WORKER, Role.GRID_LEADER}
HOTLINE_ROLES = {Role.HOTLINE_OPERATOR, Role.STREET_DISPATCHER, Role.DISTRICT_COMMANDER,
                 Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY}
# Channels where a member of staff takes the appeal in for someone else (Appeal.taken_by).
TAKEN_IN = {Channel.HOTLINE, Channel.PATROL, Channel.IMPORT, Channel.PROACTIVE}


class IntakeForbidden(OrderError):
    http_status = 403

    def __init__(self, message):
        super().__init__(message, code="forbidden")


class ReplayRefused(OrderError):
    """An idempotency key or external id that another client's appeal already carries: the
    retry answer (the first result) belongs only to the client that made it."""

    http_status = 409


class IdempotencyKeyReused(OrderError):
    """The client's own key, sent again with a different request: a retry must repeat the first
    request exactly, and a new appeal needs a new key. Answering with the first result would hide
    the second appeal from the client (the usual convention, e.g. the IETF draft: 422)."""

    http_status = 422


@dataclass
class IntakeResult:
    appeal: Appeal
    order: WorkOrder
    created: bool
    category_suggestion: Suggestion | None = None


def address_candidates(error: ValidationError) -> list[dict]:
    """The candidate buildings of an "ambiguous_address" refusal, for the UI and the API."""
    for e in getattr(error, "error_dict", {}).get("address", []):
        if e.code == "ambiguous_address":
            return list((e.params or {}).get("candidates", []))
    return []


# --- validation ---------------------------------------------------------------------------------
class _Problems:
    def __init__(self):
        self.errors: dict[str, list[ValidationError]] = {}

    def add(self, name: str, message: str, code: str = "invalid", params: dict | None = None) -> None:
        self.errors.setdefault(name, []).append(ValidationError(message, code=code, params=params))

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


def _text(p: _Problems, name: str, value, *, label: str, max_length: int, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        p.add(name, _("%(field)s must be text.") % {"field": label})
        return ""
    value = value.strip()
    if required and not value:
        p.add(name, _("%(field)s is required.") % {"field": label}, code="required")
    elif len(value) > max_length:
        p.add(name, _("%(field)s can be at most %(max)d characters; this one has %(n)d. Please shorten it and "
                      "send it again.") % {"field": label, "n": len(value), "max": max_length}, code="max_length")
    return value


def _number(p: _Problems, name: str, value) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        p.add(name, _("%(field)s must be a number.") % {"field": name})
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        p.add(name, _("%(field)s must be a number, got %(value)r.") % {"field": name, "value": value})
        return None
    if not math.isfinite(number):
        p.add(name, _("%(field)s must be a finite number.") % {"field": name})
        return None
    return number


def _received(p: _Problems, value, now: datetime) -> datetime:
    if value in (None, ""):
        return now
    if isinstance(value, str):
        # Spreadsheets write "2019/12/30 17:06"; a date alone means its midnight.
        raw = value.strip().replace("/", "-")
        parsed = parse_datetime(raw) or (parse_datetime(f"{raw} 00:00") if len(raw) <= 10 else None)
        if parsed is None:
            p.add("received_at", _("received_at must be a date and time like 2026-11-22T09:30:00, got %(value)r.")
                  % {"value": value})
            return now
        value = parsed
    if not isinstance(value, datetime):
        p.add("received_at", _("received_at must be a date and time."))
        return now
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > now + FUTURE_SLACK:
        p.add("received_at", _("received_at lies in the future."))
    return value


@dataclass
class _Spec:
    """An appeal checked and resolved, ready to be written."""

    channel: str
    actor: object
    title: str
    text: str
    lon: float | None
    lat: float | None
    coord_system: str
    address: str
    building_id: int | None
    area: object
    category: object
    suggestion: Suggestion | None
    priority: str
    reporter_name: str
    reporter_phone: str
    is_anonymous: bool
    idempotency_key: str | None
    request_hash: str
    source: str
    external_id: str
    received_at: datetime
    echo_opt_out: bool
    photos: list = field(default_factory=list)
    unit: object = None
    rule: object = None
    urgency: object = None


def _check_channel_actor(p: _Problems, channel: str, actor, jurisdiction) -> None:
    if channel == Channel.PATROL and not jurisdiction.has_role(*GRID_ROLES):
        raise IntakeForbidden(_("Only grid workers file patrol reports."))
    if channel == Channel.HOTLINE and not jurisdiction.has_role(*HOTLINE_ROLES):
        raise IntakeForbidden(_("Only hotline operators and dispatchers enter hotline appeals."))
    if channel == Channel.PROACTIVE and not jurisdiction.is_staff:
        raise IntakeForbidden(_("Only staff open proactive orders."))


def _locate(p: _Problems, *, lon, lat, coord_system, address, building_code, jurisdiction, channel,
            located_area=None):
    """(lon, lat, area, building_id, system) in WGS-84, or problems recorded in ``p``."""
    lon_f, lat_f = _number(p, "lon", lon), _number(p, "lat", lat)
    if p.errors.get("lon") or p.errors.get("lat"):
        return None
    if (lon_f is None) != (lat_f is None):
        p.add("lat" if lat_f is None else "lon", _("Give both longitude and latitude, or neither."), code="required")
        return None
    if lon_f is not None:
        try:
            system = coords.normalise_system(coord_system)
            w_lon, w_lat = coords.to_wgs84(lon_f, lat_f, system)
        except coords.CoordinateError as exc:
            p.add("coord_system" if isinstance(exc, coords.UnknownCoordinateSystem) else getattr(exc, "field", "") or "lon",
                  str(exc))
            return None
        if located_area is not None:
            area = located_area if located_area is not False else None
        else:
            found = get_index().locate(w_lon, w_lat)
            area = found.area if found else None
        return w_lon, w_lat, area, None, system
    building = None
    if building_code not in (None, ""):
        building = Building.objects.filter(code=str(building_code).strip()).select_related("grid").first()
        if building is None:
            p.add("building_code", _("There is no building with the code %(code)s.") % {"code": building_code},
                  code="unknown_building")
            return None
    elif address:
        within = None if jurisdiction.is_global or not jurisdiction.area_paths or channel == Channel.WEB \
            else jurisdiction.area_paths
        match = addressbook.match_address(address, within=within)
        if match.ambiguous:
            p.add("address", _("The address “%(address)s” fits several buildings; choose one.") % {"address": address},
                  code="ambiguous_address", params={"candidates": [c.as_dict() for c in match.candidates]})
            return None
        if not match.found:
            p.add("address", _("The address “%(address)s” is not in the address book; give a point on the map "
                               "or a fuller address (road and number).") % {"address": address}, code="unknown_address")
            return None
        building = Building.objects.select_related("grid").get(pk=match.building_id)
    else:
        p.add("address", _("Say where: a point on the map, a building or an address."), code="required")
        return None
    return building.lon, building.lat, building.grid, building.pk, ""


def _prepare(*, channel, actor, title, text, lon, lat, coord_system, address, building_code, category_code,
             priority, reporter_name, reporter_phone, is_anonymous, idempotency_key, source, external_id,
             received_at, photos, echo_opt_out, now, request_hash=None, located_area=None,
             prepared_photos=None) -> _Spec:
    p = _Problems()
    if channel not in Channel.values:
        p.add("channel", _("Unknown channel %(value)r.") % {"value": channel})
        p.raise_if_any()
    jurisdiction = jurisdiction_for(actor)
    _check_channel_actor(p, channel, actor, jurisdiction)

    text = _text(p, "text", text, label=_("The description"), max_length=MAX_TEXT, required=True)
    title = _text(p, "title", title, label=_("The title"), max_length=MAX_TITLE)
    if not title and text:
        title = text.splitlines()[0][:40]
    address = _text(p, "address", address, label=_("The address"), max_length=200)
    reporter_name = _text(p, "reporter_name", reporter_name, label=_("The name"), max_length=50)
    reporter_phone = _text(p, "reporter_phone", reporter_phone, label=_("The phone number"), max_length=20)
    reporter_phone = reporter_phone.replace(" ", "")
    if reporter_phone and not PHONE.match(reporter_phone):
        p.add("reporter_phone", _("%(value)s is not a phone number.") % {"value": reporter_phone})
    key = _text(p, "idempotency_key", idempotency_key, label=_("The idempotency key"), max_length=80) or None
    source = _text(p, "source", source, label=_("The source"), max_length=40)
    external_id = _text(p, "external_id", external_id, label=_("The external id"), max_length=80)
    if not isinstance(is_anonymous, bool):
        p.add("is_anonymous", _("is_anonymous must be true or false."))
    if not isinstance(echo_opt_out, bool):
        p.add("echo_opt_out", _("echo_opt_out must be true or false."))
    received = _received(p, received_at, now)

    signed_in_citizen = getattr(actor, "is_authenticated", False) and not jurisdiction.is_staff
    if channel == Channel.WEB and not signed_in_citizen and not reporter_phone:
        p.add("reporter_phone", _("Leave a phone number so that we can tell you the result."), code="required")
    if channel == Channel.HOTLINE and not reporter_phone:
        p.add("reporter_phone", _("Enter the caller's phone number."), code="required")

    snapshot = get_catalogue()
    category = None
    if category_code not in (None, ""):
        category = snapshot.by_code.get(str(category_code).strip())
        if category is None or not category.is_active:
            p.add("category_code", _("Unknown category %(code)s.") % {"code": category_code}, code="unknown_category")
    if priority not in (None, "") and priority not in Priority.values:
        p.add("priority", _("Unknown priority %(value)r; use %(choices)s.")
              % {"value": priority, "choices": ", ".join(Priority.values)})

    if prepared_photos is None:
        try:
            prepared_photos = attachments.prepare_photos(photos)
        except ValidationError as exc:
            for message in exc.message_dict.get("photos", exc.messages):
                p.add("photos", message)
            prepared_photos = []
    if channel == Channel.PATROL and not prepared_photos and "photos" not in p.errors:
        p.add("photos", _("A patrol report needs at least one photo."), code="required")

    where = _locate(p, lon=lon, lat=lat, coord_system=coord_system, address=address, building_code=building_code,
                    jurisdiction=jurisdiction, channel=channel, located_area=located_area)
    p.raise_if_any()
    w_lon, w_lat, area, building_id, system = where
    if area is None or area.kind != AreaKind.GRID:
        p.add("location", _("The place %(lon).6f, %(lat).6f is not inside any grid of this platform.")
              % {"lon": w_lon, "lat": w_lat}, code="outside")
        p.raise_if_any()
    if channel == Channel.PATROL:
        if not jurisdiction.covers_with_role(area.path, GRID_ROLES):
            p.add("location", _("The place lies in grid %(grid)s, not in yours.") % {"grid": area.name},
                  code="outside_jurisdiction")
    elif jurisdiction.is_staff and not jurisdiction.is_global and jurisdiction.area_paths \
            and channel != Channel.WEB and not jurisdiction.covers_path(area.path):
        p.add("location", _("The place lies in %(area)s, outside your jurisdiction.") % {"area": area.name},
              code="outside_jurisdiction")
    p.raise_if_any()

    suggestion = None
    if category is None:
        suggestion = suggest_category(f"{title}\n{text}", area=area)
        category = suggestion.category
    # Safety-critical text (gas leak, fire, ...) is urgent unless the operator chose a priority.
    urgency = textcheck_hooks.assess_intake(title, text, priority)
    if urgency is not None and urgency.applied:
        priority = Priority.URGENT
    priority = priority or (category.default_priority if category is not None else Priority.NORMAL)
    unit, rule = routing.resolve_unit(category, area.path)
    return _Spec(
        channel=channel, actor=actor, title=title, text=text, lon=w_lon, lat=w_lat, coord_system=system,
        address=address, building_id=building_id, area=area, category=category, suggestion=suggestion,
        priority=priority, reporter_name=reporter_name, reporter_phone=reporter_phone,
        is_anonymous=bool(is_anonymous), idempotency_key=key,
        request_hash=(request_hash or "") if key else "", source=source, external_id=external_id,
        received_at=received, echo_opt_out=bool(echo_opt_out), photos=prepared_photos,
        unit=unit if channel != Channel.PATROL else None, rule=rule if channel != Channel.PATROL else None,
        urgency=urgency,
    )


def _existing(idempotency_key, source, external_id) -> Appeal | None:
    if idempotency_key:
        found = Appeal.objects.select_related("order").filter(idempotency_key=idempotency_key).first()
        if found is not None:
            return found
    if external_id:
        return Appeal.objects.select_related("order").filter(source=source or "", external_id=external_id).first()
    return None


def _replay_refusal(found: Appeal, actor, idempotency_key, *, source: str = "",
                    request_hash: str | None = None) -> ReplayRefused | IdempotencyKeyReused | None:
    """Why ``actor`` may not have ``found`` as the answer to its retry, or None when it may.

    A key is the client's own: only the user who sent the first request gets its result, so two
    clients that happen to pick the same key never receive each other's appeal (nor lose their own);
    a system caller (``actor`` None: import, Open311) owns the keys sent under its ``source``. A
    (source, external id) names a record of the source system, which several operators may enter:
    whoever can read the order already gets it; anyone else is refused. The refusal says nothing
    about the appeal. The owner of a key who sends it again with a different request (its
    fingerprint ``request_hash`` differs from the first one's) is refused with 422."""
    same_key = bool(idempotency_key) and found.idempotency_key == idempotency_key
    refusal = _owner_refusal(found, actor, idempotency_key, source=source)
    if refusal is not None:
        return refusal
    if same_key and request_hash and found.idempotency_hash and request_hash != found.idempotency_hash:
        message = _("The idempotency key “%(key)s” was already used for a different request. To retry, send "
                    "exactly the same request again; for a new appeal, use a new key.") % {"key": idempotency_key}
        return IdempotencyKeyReused({"idempotency_key": [ValidationError(message, code="idempotency_key_reused")]})
    return None


def _owner_refusal(found: Appeal, actor, idempotency_key, *, source: str = "") -> ReplayRefused | None:
    in_use = ReplayRefused(
        {"idempotency_key": [ValidationError(
            _("This idempotency key was already used for another request; send a new key with each new "
              "appeal."), code="idempotency_key_in_use")]})
    same_key = bool(idempotency_key) and found.idempotency_key == idempotency_key
    if actor is None:
        return in_use if same_key and found.source != (source or "") else None
    user_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    if user_id is not None and user_id in (found.taken_by_id, found.reporter_id):
        return None
    if same_key:
        return in_use
    from .selectors import get_order

    if user_id is not None and get_order(jurisdiction_for(actor), found.order.number) is not None:
        return None
    return ReplayRefused(
        {"external_id": [ValidationError(
            _("An appeal with this source and external id was already taken in by someone else."),
            code="external_id_in_use")]})


def _replay(found: Appeal, actor, idempotency_key, *, source: str = "", request_hash: str | None = None) -> IntakeResult:
    refusal = _replay_refusal(found, actor, idempotency_key, source=source, request_hash=request_hash)
    if refusal is not None:
        raise refusal
    return IntakeResult(found, found.order, False, None)


# --- writing ------------------------------------------------------------------------------------
def _build_rows(spec: _Spec, order_number: str, tracking: str, now: datetime):
    actor = spec.actor if getattr(spec.actor, "is_authenticated", False) else None
    reporter = actor if actor is not None and spec.channel not in TAKEN_IN else None
    name, phone = spec.reporter_name, spec.reporter_phone
    if reporter is not None:
        name = name or ("" if spec.is_anonymous else reporter.real_name)
        phone = phone or (reporter.phone or "")
    order = WorkOrder(
        number=order_number, title=spec.title, description=spec.text, category=spec.category,
        priority=spec.priority, status=Status.NEW, channel=spec.channel, area_id=spec.area.pk,
        area_path=spec.area.path, building_id=spec.building_id, address=spec.address, lon=spec.lon, lat=spec.lat,
        level=HandlingLevel.GRID, suggested_unit_id=spec.unit.pk if spec.unit else None,
        echo_opt_out=spec.echo_opt_out,
    )
    order.area = spec.area
    appeal = Appeal(
        tracking_number=tracking, channel=spec.channel, title=spec.title, text=spec.text, reporter=reporter,
        taken_by=actor if spec.channel in TAKEN_IN else None, reporter_name=name, reporter_phone=phone,
        is_anonymous=spec.is_anonymous, lon=spec.lon, lat=spec.lat, coord_system=spec.coord_system,
        address=spec.address, building_id=spec.building_id, area_path=spec.area.path, category=spec.category,
        suggested_category=spec.suggestion.category if spec.suggestion else None,
        suggestion_confidence=spec.suggestion.confidence if spec.suggestion and spec.suggestion.category else None,
        idempotency_key=spec.idempotency_key, idempotency_hash=spec.request_hash, source=spec.source,
        external_id=spec.external_id, received_at=spec.received_at, echo_opt_out=spec.echo_opt_out,
    )
    return order, appeal


def _event_and_audit(spec: _Spec, order: WorkOrder, appeal: Appeal):
    actor = spec.actor if getattr(spec.actor, "is_authenticated", False) else None
    details = {
        "channel": spec.channel, "appeal": appeal.tracking_number,
        "category": spec.category.code if spec.category else None,
        "category_from": "suggestion" if spec.suggestion else "operator",
        "suggested_unit": spec.unit.code if spec.unit else None,
    }
    event = OrderEvent(order=order, action="intake", from_status="", to_status=Status.NEW, actor=actor,
                       actor_repr=actor.get_username() if actor else ("system" if spec.actor is None else "anonymous"),
                       reason="", data=details)
    changes = {
        **details, "number": order.number, "area": spec.area.code, "priority": spec.priority,
        "reporter_name": mask_name(appeal.reporter_name), "reporter_phone": mask_phone(appeal.reporter_phone),
        "photos": len(spec.photos), "dispatch_due": order.dispatch_due.isoformat() if order.dispatch_due else None,
    }
    return event, changes


def _write_one(spec: _Spec, now: datetime) -> tuple[WorkOrder, Appeal]:
    order_number, tracking = numbering.next_numbers(now=now)
    order, appeal = _build_rows(spec, order_number, tracking, now)
    set_intake_deadlines(order, now)
    order.save()
    rollups.orders_created([order])
    appeal.order = order
    appeal.save()
    textcheck_hooks.record_urgency([(spec.urgency, order, appeal)])
    if spec.photos:
        attachments.store_photos(order=order, appeal=appeal, photos=spec.photos, actor=spec.actor)
    event, changes = _event_and_audit(spec, order, appeal)
    event.save()
    record_event(actor=spec.actor, action="order.intake", obj=order, changes=changes)
    notify.on_intake(appeal, order=order)
    return order, appeal


def submit_appeal(*, channel, actor, title, text, lon=None, lat=None, coord_system="WGS84", address="",
                  building_code=None, category_code=None, priority=None, reporter_name="", reporter_phone="",
                  is_anonymous=False, idempotency_key=None, source="", external_id="", received_at=None,
                  photos=(), echo_opt_out=False, request_hash=None) -> IntakeResult:
    """Take in one appeal; see the module docstring. Raises ValidationError with a field dict (bad
    input, unknown category, ambiguous or unknown address, outside the grids or the actor's
    jurisdiction) or IntakeForbidden (this actor may not use this channel). A repeated idempotency
    key or (source, external_id) returns the first result with ``created=False`` and writes nothing;
    ``request_hash`` is the fingerprint of the client's request (``core.api.idempotency.fingerprint``),
    stored with the key: the same key with another fingerprint raises IdempotencyKeyReused (422).
    """
    key = idempotency_key.strip() if isinstance(idempotency_key, str) else idempotency_key
    ext = external_id.strip() if isinstance(external_id, str) else external_id
    src = source.strip() if isinstance(source, str) else source
    if (key or ext) and isinstance(key or "", str) and isinstance(ext or "", str):
        found = _existing(key, src or "", ext or "")
        if found is not None:
            return _replay(found, actor, key, source=src or "", request_hash=request_hash)
    now = timezone.now()
    spec = _prepare(
        channel=channel, actor=actor, title=title, text=text, lon=lon, lat=lat, coord_system=coord_system,
        address=address, building_code=building_code, category_code=category_code, priority=priority,
        reporter_name=reporter_name, reporter_phone=reporter_phone, is_anonymous=is_anonymous,
        idempotency_key=idempotency_key, source=source, external_id=external_id, received_at=received_at,
        photos=photos, echo_opt_out=echo_opt_out, now=now, request_hash=request_hash,
    )
    try:
        with transaction.atomic():
            order, appeal = _write_one(spec, now)
    except IntegrityError:
        # Two requests with one key raced past the first check: the loser answers with the winner.
        found = _existing(spec.idempotency_key, spec.source, spec.external_id)
        if found is None:
            raise
        return _replay(found, actor, spec.idempotency_key, source=spec.source, request_hash=spec.request_hash)
    return IntakeResult(appeal, order, True, spec.suggestion)


# --- many at once -------------------------------------------------------------------------------
@dataclass
class BatchResult:
    results: list[IntakeResult | None]
    errors: dict[int, ValidationError]

    @property
    def created(self) -> int:
        return sum(1 for r in self.results if r is not None and r.created)


def submit_appeals(items: Iterable[dict], *, channel, actor) -> BatchResult:
    """Take in many appeals from one channel and actor (bulk feeds, the benchmark). Each item has
    the keyword arguments of ``submit_appeal`` (no photos). Bad items are reported by position and
    the rest are written in one transaction; points are located with one vectorised query."""
    items = list(items)
    now = timezone.now()
    results: list[IntakeResult | None] = [None] * len(items)
    errors: dict[int, ValidationError] = {}

    # Duplicates: one query for the keys, one for the external ids.
    keys = {it.get("idempotency_key") for it in items if it.get("idempotency_key")}
    seen_keys = {a.idempotency_key: a for a in Appeal.objects.select_related("order").filter(idempotency_key__in=keys)} \
        if keys else {}
    ext_ids = {it.get("external_id") for it in items if it.get("external_id")}
    seen_ext = {(a.source, a.external_id): a for a in Appeal.objects.select_related("order").filter(
        external_id__in=ext_ids)} if ext_ids else {}

    # Locate every point at once.
    index = get_index()
    located: dict[int, object] = {}
    points = [(i, it) for i, it in enumerate(items) if it.get("lon") not in (None, "") and it.get("lat") not in (None, "")]
    if points:
        try:
            lons, lats = coords.to_wgs84_array([it["lon"] for _i, it in points], [it["lat"] for _i, it in points],
                                               coords.normalise_system(points[0][1].get("coord_system", "WGS84")))
            same_system = len({coords.normalise_system(it.get("coord_system", "WGS84")) for _i, it in points}) == 1
        except (coords.CoordinateError, ValueError, TypeError):
            same_system = False
        if same_system:
            idx = index.locate_indices(lons, lats)
            for (i, _it), k in zip(points, idx.tolist()):
                located[i] = index.chain_for(index.areas[k])[-1] if k >= 0 else False

    specs: list[tuple[int, _Spec]] = []
    batch_keys: set = set()
    for i, item in enumerate(items):
        key, ext, src = item.get("idempotency_key"), item.get("external_id") or "", item.get("source") or ""
        found = seen_keys.get(key) if key else None
        found = found or (seen_ext.get((src, ext)) if ext else None)
        if found is not None or (key and ("k", key) in batch_keys) or (ext and ("e", src, ext) in batch_keys):
            refusal = _replay_refusal(found, actor, key, source=src) if found is not None else None
            if refusal is not None:
                errors[i] = refusal
            elif found is not None:
                results[i] = IntakeResult(found, found.order, False, None)
            continue
        try:
            spec = _prepare(**{**_DEFAULTS, **item, "channel": channel, "actor": actor, "now": now,
                               "located_area": located.get(i), "prepared_photos": []})
        except ValidationError as exc:
            errors[i] = exc
            continue
        batch_keys.update({("k", key)} if key else set())
        batch_keys.update({("e", src, ext)} if ext else set())
        specs.append((i, spec))
    if not specs:
        return BatchResult(results, errors)

    from civicgrid.core.models import AuditEvent
    from civicgrid.core.services import audit_row

    policy_key = _policy_key_function()
    policies: dict = {}
    with transaction.atomic():
        day, first = numbering.take(len(specs), now=now)
        orders, appeals = [], []
        for n, (_i, spec) in enumerate(specs):
            order_number, tracking = numbering.format_numbers(day, first + n)
            order, appeal = _build_rows(spec, order_number, tracking, now)
            key = policy_key(spec)
            if key in policies:
                order.sla_policy = policies[key]
            set_intake_deadlines(order, now)
            policies[key] = order.sla_policy
            orders.append(order)
            appeals.append(appeal)
        WorkOrder.objects.bulk_create(orders)
        rollups.orders_created(orders)
        for order, appeal in zip(orders, appeals):
            appeal.order = order
        Appeal.objects.bulk_create(appeals)
        textcheck_hooks.record_urgency([(s.urgency, o, a) for (_i, s), o, a in zip(specs, orders, appeals)])
        events, audits = [], []
        for (_i, spec), order, appeal in zip(specs, orders, appeals):
            event, changes = _event_and_audit(spec, order, appeal)
            events.append(event)
            audits.append(audit_row(actor=actor, action="order.intake", obj=order, changes=changes))
        OrderEvent.objects.bulk_create(events)
        AuditEvent.objects.bulk_create(audits)
        on_many = getattr(notify, "on_intake_many", None)
        if on_many is not None:
            on_many(list(zip(appeals, orders)))
        else:
            for order, appeal in zip(orders, appeals):
                notify.on_intake(appeal, order=order)
    for (i, spec), order, appeal in zip(specs, orders, appeals):
        results[i] = IntakeResult(appeal, order, True, spec.suggestion)
    return BatchResult(results, errors)


def _policy_key_function():
    """A key that decides which SLA policy applies, so a batch asks ``policy_for`` once per key
    rather than once per appeal: the codes on the order's area path and category path that carry
    a policy at all, the priority, and whether the category is a utility. Everything else on
    the paths cannot change the answer (policies match by those codes only)."""
    from civicgrid.sla.models import SlaPolicy

    rows = list(SlaPolicy.objects.filter(is_active=True).values_list("area__code", "category__code"))
    area_codes = {a for a, _c in rows if a}
    category_codes = {c for _a, c in rows if c}

    def key(spec: _Spec):
        on_path = tuple(c for c in spec.area.path.split("/") if c in area_codes)
        category = spec.category
        on_category = tuple(c for c in category.ancestor_codes if c in category_codes) if category else ()
        return on_path, on_category, spec.priority, bool(category and category.is_utility)

    return key


_DEFAULTS = dict(title="", text="", lon=None, lat=None, coord_system="WGS84", address="", building_code=None,
                 category_code=None, priority=None, reporter_name="", reporter_phone="", is_anonymous=False,
                 idempotency_key=None, source="", external_id="", received_at=None, photos=(), echo_opt_out=False)
