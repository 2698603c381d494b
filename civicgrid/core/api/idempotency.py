"""Idempotency keys of integration clients (the ``Idempotency-Key`` header, IETF draft, or an
``idempotency_key`` field): a retried request with the same key and the same body returns the first
result instead of creating a second record; the same key with a different body is refused (422),
since the client has mixed up two requests. The write itself stays idempotent in its service (the
key is a unique column, stored with the fingerprint of the body); this module only reads and checks
the key and fingerprints the body. The REST API and Open311 use it alike."""

from __future__ import annotations

import hashlib
import json
import re

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from rest_framework.authentication import TokenAuthentication

HEADER = "Idempotency-Key"
FIELD = "idempotency_key"
MAX_LENGTH = 80
_ALLOWED = re.compile(r"^[\x21-\x7e]+$")


def is_integration_client(request) -> bool:
    """A request signed with an API token (not a browser session)."""
    return isinstance(getattr(request, "successful_authenticator", None), TokenAuthentication)


def clean_key(raw, *, required: bool = False) -> str | None:
    """The key validated; None when absent and optional. Refusals are filed under ``idempotency_key``."""
    key = (raw if isinstance(raw, str) else "").strip()
    if not key:
        if required:
            raise ValidationError({FIELD: [ValidationError(
                _("Send an Idempotency-Key header (or an idempotency_key field) so that a retry cannot create "
                  "the record twice."), code="required")]})
        return None
    if len(key) > MAX_LENGTH or not _ALLOWED.match(key):
        raise ValidationError({FIELD: [ValidationError(
            _("The idempotency key must be 1 to %(n)d printable ASCII characters without spaces.") % {"n": MAX_LENGTH},
            code="invalid")]})
    return key


def idempotency_key(request, *, required: bool) -> str | None:
    """The client's key from the header or the body, validated; None when absent and optional."""
    key = request.headers.get(HEADER)
    if key is None and hasattr(request, "data"):
        value = request.data.get(FIELD)
        key = value if isinstance(value, str) else None
    return clean_key(key, required=required)


def _plain(value):
    if isinstance(value, UploadedFile):
        digest = hashlib.sha256()
        for chunk in value.chunks():
            digest.update(chunk)
        value.seek(0)
        return {"file": digest.hexdigest()}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def fingerprint(data, *, leave_out=(FIELD,)) -> str:
    """SHA-256 (hex) of a parsed request body: JSON, or a form with its files (by their content),
    with keys in sorted order, so that a retry that sends the same fields in another order or
    another multipart boundary fingerprints the same. ``leave_out``: the key itself, credentials."""
    if hasattr(data, "lists"):  # a QueryDict (form or multipart): every value of each field
        plain = {str(k): _plain(list(vs)) for k, vs in data.lists() if k not in leave_out}
    elif isinstance(data, dict):
        plain = {str(k): _plain(v) for k, v in data.items() if k not in leave_out}
    else:
        plain = _plain(data)
    raw = json.dumps(plain, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()
