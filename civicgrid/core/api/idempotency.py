"""Idempotency keys of integration clients (the ``Idempotency-Key`` header, IETF draft, or an
``idempotency_key`` field): a retried request with the same key returns the first result instead
of creating a second record. The write itself stays idempotent in its service (the key is a unique
column); this module only reads and checks the key."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import ValidationError

HEADER = "Idempotency-Key"
FIELD = "idempotency_key"
MAX_LENGTH = 80
_ALLOWED = re.compile(r"^[\x21-\x7e]+$")


def is_integration_client(request) -> bool:
    """A request signed with an API token (not a browser session)."""
    return isinstance(getattr(request, "successful_authenticator", None), TokenAuthentication)


def idempotency_key(request, *, required: bool) -> str | None:
    """The client's key from the header or the body, validated; None when absent and optional."""
    key = request.headers.get(HEADER)
    if key is None and hasattr(request, "data"):
        value = request.data.get(FIELD)
        key = value if isinstance(value, str) else None
    key = (key or "").strip()
    if not key:
        if required:
            raise ValidationError({FIELD: [
                _("Send an Idempotency-Key header (or an idempotency_key field) so that a retry cannot create "
                  "the record twice.")
            ]}, code="idempotency_key_required")
        return None
    if len(key) > MAX_LENGTH or not _ALLOWED.match(key):
        raise ValidationError({FIELD: [
            _("The idempotency key must be 1 to %(n)d printable ASCII characters without spaces.") % {"n": MAX_LENGTH}
        ]})
    return key
