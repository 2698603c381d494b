"""The Open311 GeoReport v2 endpoints: parse, authorise, call, format. Every endpoint answers
in .json or .xml (XML when no extension is given, as the spec requires XML), and every refusal is
the spec's list of errors with status 400, 403 or 404."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import BadRequest, RequestDataTooBig, TooManyFieldsSent, ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from civicgrid.core.api.idempotency import HEADER, clean_key, fingerprint
from civicgrid.core.masking import mask_address
from civicgrid.workorders.models import OPEN_STATUSES
from civicgrid.workorders.services import mask_text

from . import selectors, services
from .formats import errors, render, w3c

MAX_SPAN = timedelta(days=90)
MAX_PAGE_SIZE = 1000
SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-22T00:00:00+08:00"


def _fmt(fmt: str | None) -> str:
    return "json" if fmt == "json" else "xml"


def _messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        # The key comes in a header here, not a field: name it as the client sent it.
        return [f"{HEADER if field == 'idempotency_key' else field}: {message}"
                for field, messages in exc.message_dict.items() for message in messages]
    return list(exc.messages)


# --- discovery and services --------------------------------------------------------------------
@require_GET
def discovery(request, fmt=None):
    fmt = _fmt(fmt)
    url = request.build_absolute_uri(reverse("open311:root"))
    return render(fmt, "discovery", {
        "changeset": CHANGESET,
        "contact": getattr(settings, "OPEN311_CONTACT", "") or _("12345 government service hotline"),
        "key_service": _("Ask the district's platform administrator for an api_key."),
        "endpoints": [{
            "specification": SPEC_URL, "url": url, "changeset": CHANGESET,
            "type": "production" if not settings.DEMO_MODE else "test",
            "formats": ["text/xml", "application/json"],
        }],
    })


def _service(category, with_metadata: set[int]) -> dict:
    keywords = ",".join(k.strip() for k in category.keywords.splitlines() if k.strip())
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description or category.full_name,
        "metadata": category.pk in with_metadata,
        "type": "realtime",
        "keywords": keywords,
        "group": category.parent.name if category.parent_id else "",
    }


@require_GET
def services_list(request, fmt=None):
    fmt = _fmt(fmt)
    with_metadata = selectors.services_with_attributes()
    return render(fmt, "services", [_service(c, with_metadata) for c in selectors.services()])


@require_GET
def service_definition(request, code, fmt=None):
    fmt = _fmt(fmt)
    category = selectors.service(code)
    if category is None:
        return errors(fmt, 404, [_("There is no service with the code %(code)s.") % {"code": code}])
    return render(fmt, "service_definition", {
        "service_code": category.code,
        "attributes": [
            {
                "variable": a.variable, "code": a.code, "datatype": a.datatype, "required": a.required,
                "datatype_description": a.datatype_description, "order": a.position, "description": a.description,
                "values": [{"key": str(v.get("key", "")), "name": str(v.get("name", ""))} for v in a.values],
            }
            for a in selectors.attributes_of(category)
        ],
    })


# --- requests ----------------------------------------------------------------------------------
def _request_dict(appeal) -> dict:
    order = appeal.order
    is_open = order.status in OPEN_STATUSES
    answer = order.public_answer if not is_open else ""
    building = appeal.building
    lat, lon = (order.lat, order.lon) if order.lat is not None else (appeal.lat, appeal.lon)
    return {
        "service_request_id": appeal.tracking_number,
        "status": "open" if is_open else "closed",
        "status_notes": answer or str(order.get_status_display()),
        "service_name": order.category.name if order.category_id else "",
        "service_code": order.category.code if order.category_id else "",
        "description": mask_text(appeal.text, order),
        "agency_responsible": order.unit.name if order.unit_id else "",
        "service_notice": "",
        "requested_datetime": w3c(appeal.received_at),
        "updated_datetime": w3c(order.updated_at),
        "expected_datetime": w3c(order.handle_due),
        "address": mask_address(building.address if building else (appeal.address or order.address)),
        "address_id": building.code if building else "",
        "zipcode": "",
        # About ten metres: enough to find the problem, not to point at a door.
        "lat": round(lat, 4) if lat is not None else None,
        "long": round(lon, 4) if lon is not None else None,
        "media_url": "",
    }


def _date(params, name: str):
    raw = params.get(name)
    if not raw:
        return None
    value = parse_datetime(raw.strip().replace(" ", "+"))
    if value is None:
        raise ValidationError({name: [_("Give %(name)s as a W3C date and time, e.g. 2026-01-01T00:00:00Z.")
                                      % {"name": name}]})
    return value if timezone.is_aware(value) else timezone.make_aware(value)


def _int(params, name: str, default: int, most: int) -> int:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= most:
        raise ValidationError({name: [_("%(name)s must be a whole number from 1 to %(most)d.")
                                      % {"name": name, "most": most}]})
    return value


def _csv(params, name: str) -> list[str]:
    return [v.strip() for v in (params.get(name) or "").split(",") if v.strip()]


def _list_requests(request, fmt):
    params = request.GET
    try:
        ids = _csv(params, "service_request_id")
        statuses = _csv(params, "status")
        if set(statuses) - {"open", "closed"}:
            raise ValidationError({"status": [_("status is open, closed, or both separated by a comma.")]})
        start, end = _date(params, "start_date"), _date(params, "end_date")
        page = _int(params, "page", 1, 1_000_000)
        page_size = _int(params, "page_size", MAX_PAGE_SIZE, MAX_PAGE_SIZE)
        if not ids:
            # The spec's default window: the most recent 90 days, and never more than 90 days.
            if start is None and end is None:
                end = timezone.now()
            if start is None:
                start = end - MAX_SPAN
            elif end is None:
                end = min(start + MAX_SPAN, timezone.now())
            if end < start:
                raise ValidationError({"end_date": [_("end_date lies before start_date.")]})
            if end - start > MAX_SPAN:
                raise ValidationError({"end_date": [_("A search may span at most 90 days.")]})
    except ValidationError as exc:
        return errors(fmt, 400, _messages(exc))
    qs = selectors.requests(ids=ids, service_codes=_csv(params, "service_code"), start=start, end=end,
                            statuses=statuses)
    offset = (page - 1) * page_size
    return render(fmt, "service_requests", [_request_dict(a) for a in qs[offset:offset + page_size]])


def _post_request(request, fmt):
    try:
        params = request.POST
    except (RequestDataTooBig, TooManyFieldsSent):
        # Django refuses these while reading the form; without this they escape as an HTML page.
        return errors(fmt, 413, [_("The request body is too large.")])
    except BadRequest:
        # A form that names a charset other than UTF-8: Django reads urlencoded forms in UTF-8 only.
        return errors(fmt, 400, [_("Send the form in UTF-8.")])
    try:
        client = services.authenticate(params.get("api_key"))
    except services.KeyRefused as exc:
        return errors(fmt, 403, exc.messages)
    attributes = {key[len("attribute["):-1]: value for key, value in params.items()
                  if key.startswith("attribute[") and key.endswith("]")}
    try:
        # Optional here (GeoReport v2 has no such field): a client that sends one may retry safely.
        key = clean_key(request.headers.get(HEADER))
        submission, created = services.submit_request(
            client=client, params=params.dict(), attributes=attributes, idempotency_key=key,
            request_hash=fingerprint(params, leave_out=("api_key",)) if key else None)
    except ValidationError as exc:
        return errors(fmt, getattr(exc, "http_status", 400), _messages(exc))
    appeal = submission.appeal
    return render(fmt, "service_requests", [{
        "service_request_id": appeal.tracking_number,
        "service_notice": _("Received as %(n)s; the handling unit answers by the deadline.") % {"n": appeal.tracking_number},
        "account_id": submission.account_id or None,
        "token": submission.token,
    }], status=201 if created else 200)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def requests_view(request, fmt=None):
    fmt = _fmt(fmt)
    if request.method == "POST":
        return _post_request(request, fmt)
    return _list_requests(request, fmt)


@require_GET
def request_detail(request, request_id, fmt=None):
    fmt = _fmt(fmt)
    appeal = selectors.request(request_id)
    if appeal is None:
        return errors(fmt, 404, [_("There is no service request %(id)s.") % {"id": request_id}])
    return render(fmt, "service_requests", [_request_dict(appeal)])


@require_GET
def token_detail(request, token, fmt=None):
    fmt = _fmt(fmt)
    submission = selectors.submission(token)
    if submission is None:
        return errors(fmt, 404, [_("There is no token %(token)s.") % {"token": token}])
    number = submission.appeal.tracking_number if submission.appeal_id else None
    return render(fmt, "service_requests", [{"service_request_id": number, "token": submission.token}])
