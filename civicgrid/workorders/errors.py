"""Refusals of work-order services. Each carries a code the API maps to a status:
``illegal_transition`` 409, ``forbidden`` 403, ``conflict`` 409, anything else 400."""

from __future__ import annotations

from django.core.exceptions import ValidationError


class OrderError(ValidationError):
    http_status = 400


class IllegalTransition(OrderError):
    http_status = 409

    def __init__(self, message):
        super().__init__(message, code="illegal_transition")


class TransitionForbidden(OrderError):
    http_status = 403

    def __init__(self, message):
        super().__init__(message, code="forbidden")


class VersionConflict(OrderError):
    http_status = 409

    def __init__(self, message):
        super().__init__(message, code="conflict")
