"""Writes of the Open311 app: API keys, and POSTed service requests (through intake)."""

from __future__ import annotations

import hashlib
import re
import secrets
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.core.services import record_event
from civicgrid.workorders.intake import ReplayRefused, submit_appeal
from civicgrid.workorders.models import Channel

from . import selectors
from .models import ApiKey, Submission

DEMO_KEY = "demo"
MAX_FIELD = 100
_ASCII_NAME = re.compile(r"^[\x20-\x7e]*$")


class KeyRefused(ValidationError):
    http_status = 403

    def __init__(self, message):
        super().__init__(message, code="forbidden")


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def create_api_key(*, actor, name: str, contact: str = "") -> tuple[ApiKey, str]:
    """A new key for a client application; returns the row and the key, which is not stored."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("Name the application the key is for.")]})
    raw = secrets.token_urlsafe(24)
    with transaction.atomic():
        key = ApiKey.objects.create(name=name[:100], contact=(contact or "")[:200], key_prefix=raw[:8],
                                    key_hash=_hash(raw), created_by=actor if getattr(actor, "is_authenticated", False) else None)
        record_event(actor=actor, action="open311.api_key_created", obj=key, changes={"name": key.name})
    return key, raw


# Intake's names for the fields that GeoReport v2 calls otherwise: a client is told what it sent.
SPEC_FIELDS = {"lon": "long", "reporter_phone": "phone", "reporter_name": "first_name", "address": "address_string",
               "building_code": "address_id", "text": "description", "category_code": "service_code"}


@contextmanager
def spec_field_names():
    try:
        yield
    except ValidationError as exc:
        if not hasattr(exc, "error_dict") or not set(exc.error_dict) & set(SPEC_FIELDS):
            raise
        raise ValidationError({SPEC_FIELDS.get(name, name): errors for name, errors in exc.error_dict.items()}) from exc


@dataclass(frozen=True)
class Client:
    """Who posts: an API key, or the demo key (demo mode only)."""

    key: ApiKey | None
    name: str


def authenticate(raw: str | None) -> Client:
    raw = (raw or "").strip()
    if not raw:
        raise KeyRefused(_("api_key is required to post a service request."))
    if raw == DEMO_KEY and settings.DEMO_MODE:
        return Client(None, DEMO_KEY)
    key = ApiKey.objects.filter(key_hash=_hash(raw), is_active=True).first()
    if key is None:
        raise KeyRefused(_("The api_key is not valid."))
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    return Client(key, key.name)


def _text(params: dict, name: str, max_length: int = MAX_FIELD) -> str:
    value = params.get(name) or ""
    value = value.strip() if isinstance(value, str) else ""
    if "\ufffd" in value:
        # A form in GBK that does not say so arrives with U+FFFD for every byte that is not UTF-8.
        raise ValidationError({name: [_("This text is not UTF-8. Send the form in UTF-8.")]})
    if len(value) > max_length:
        raise ValidationError({name: [_("%(field)s is too long: at most %(n)d characters.")
                                      % {"field": name, "n": max_length}]})
    return value


def _person_name(first: str, last: str) -> str:
    # Chinese names read family name first; Latin ones given name first.
    if _ASCII_NAME.match(first + last):
        return " ".join(part for part in (first, last) if part)
    return f"{last}{first}"


def submit_request(*, client: Client, params: dict, attributes: dict[str, str], idempotency_key: str | None = None,
                   request_hash: str | None = None) -> tuple[Submission, bool]:
    """A POSTed service request becomes an appeal on the open311 channel. ``params`` are the
    spec's fields; ``attributes`` the attribute[code] answers. Raises ValidationError (400).

    With an ``idempotency_key`` (the client's Idempotency-Key header, as on the REST API) a retry
    with the same form (``request_hash``, its fingerprint) answers with the first submission and
    writes nothing: returns (submission, False). The same key with another form is refused (422);
    a key another client used, 409."""
    code = _text(params, "service_code")
    if not code:
        raise ValidationError({"service_code": [_("service_code is required.")]})
    category = selectors.service(code)
    if category is None:
        raise ValidationError({"service_code": [_("There is no service with the code %(code)s.") % {"code": code}]})
    problems: dict[str, list[str]] = {}
    for attribute in selectors.attributes_of(category):
        answer = (attributes.get(attribute.code) or "").strip()
        if attribute.code == "description":
            answer = answer or _text(params, "description", 5000)
        if attribute.required and not answer:
            problems.setdefault(f"attribute[{attribute.code}]", []).append(
                _("%(question)s is required.") % {"question": attribute.description})
        elif answer and attribute.datatype in ("singlevaluelist", "multivaluelist"):
            keys = {str(v.get("key")) for v in attribute.values}
            chosen = answer.split(",") if attribute.datatype == "multivaluelist" else [answer]
            if not set(chosen) <= keys:
                problems.setdefault(f"attribute[{attribute.code}]", []).append(
                    _("%(value)s is not one of the choices.") % {"value": answer})
    lat, lon = params.get("lat") or "", params.get("long") or ""
    address = _text(params, "address_string", 200)
    address_id = _text(params, "address_id", 40)
    if not ((lat and lon) or address or address_id):
        problems.setdefault("location", []).append(
            _("Say where: lat and long, address_string or address_id."))
    if problems:
        raise ValidationError(problems)

    email = _text(params, "email", 254)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError({"email": [_("%(value)s is not an e-mail address.") % {"value": email}]}) from None

    text = _text(params, "description", 5000) or (attributes.get("description") or "").strip()
    media = [u for u in ((attributes.get("photo") or "").strip(), _text(params, "media_url", 500)) if u]
    if media:
        text = "\n".join([text, *(_("Photo: %(url)s") % {"url": url} for url in media)])
    with transaction.atomic(), spec_field_names():
        result = submit_appeal(
            channel=Channel.OPEN311, actor=None, title="", text=text,
            lon=lon or None, lat=lat or None, address=address, building_code=address_id or None,
            category_code=category.code,
            reporter_name=_person_name(_text(params, "first_name", 25), _text(params, "last_name", 25)),
            reporter_phone=_text(params, "phone", 20), source=f"open311:{client.name}"[:40],
            idempotency_key=idempotency_key, request_hash=request_hash,
        )
        if not result.created:
            first = Submission.objects.filter(appeal=result.appeal).select_related("appeal").first()
            if first is None or first.api_key_id != (client.key.pk if client.key else None):
                # Another application of the same name: the key is not this client's.
                raise ReplayRefused({"idempotency_key": [ValidationError(
                    _("This idempotency key was already used for another request; send a new key with each new "
                      "appeal."), code="idempotency_key_in_use")]})
            return first, False
        submission = Submission.objects.create(
            token=secrets.token_hex(16), api_key=client.key, appeal=result.appeal,
            email=email, device_id=_text(params, "device_id"),
            account_id=_text(params, "account_id"),
        )
        record_event(actor=None, action="open311.request", obj=submission,
                     changes={"client": client.name, "appeal": result.appeal.tracking_number,
                              "order": result.order.number})
    return submission, True
