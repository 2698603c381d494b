"""Refusals of the proposal services: django ValidationErrors with a code and an HTTP status."""

from __future__ import annotations

from django.core.exceptions import ValidationError


class PhaseClosed(ValidationError):
    """The action belongs to a phase that is not open now."""

    http_status = 409


class Forbidden(ValidationError):
    http_status = 403


class Conflict(ValidationError):
    http_status = 409
