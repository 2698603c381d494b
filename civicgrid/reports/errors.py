"""Refusals of the report services, mapped by the API's exception handler to their status."""

from __future__ import annotations

from django.core.exceptions import ValidationError


class ReportInputError(ValidationError):
    """Unknown area, bad or future month, unknown format: the message is for the user."""

    http_status = 400

    def __init__(self, message):
        super().__init__(message, code="invalid")


class ReportForbidden(ValidationError):
    http_status = 403

    def __init__(self, message):
        super().__init__(message, code="forbidden")


class ReportUnavailable(ValidationError):
    """The machine cannot make the file (no CJK font): the message says what to install."""

    http_status = 503

    def __init__(self, message):
        super().__init__(message, code="unavailable")
