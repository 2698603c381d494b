"""Authentication backends: staff by password, residents by phone and one-time code.

Both refuse demo accounts outside demo mode, so the well-known demo password can never open a
real deployment.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.backends import ModelBackend


def _allowed(user) -> bool:
    return user.is_active and (not user.is_demo or settings.MODE in ("demo", "dev", "test"))


class StaffPasswordBackend(ModelBackend):
    def user_can_authenticate(self, user):
        return super().user_can_authenticate(user) and _allowed(user)


class PhoneCodeBackend(ModelBackend):
    """authenticate(request, phone=..., code=...): verifies and consumes a one-time code."""

    def authenticate(self, request, phone=None, code=None, **kwargs):
        if phone is None or code is None:
            return None
        from .services import verify_login_code  # services import models; avoid import cycles at start-up

        user = verify_login_code(phone=phone, code=code)
        if user is None or not _allowed(user):
            return None
        return user

    def user_can_authenticate(self, user):
        return _allowed(user)
