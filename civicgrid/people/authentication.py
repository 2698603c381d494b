"""API tokens that expire: DRF's token authentication, refusing a token older than
``API_TOKEN_DAYS`` (ADR 018) with 401 ``token_expired``, in the caller's language."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        from .services import api_token_expires_at

        expires = api_token_expires_at(token)
        if timezone.now() >= expires:
            raise exceptions.AuthenticationFailed(
                _("This API token expired on %(when)s. Ask the platform administrator for a new one, or rotate it "
                  "before it expires (POST /api/v1/me/token/).")
                % {"when": timezone.localtime(expires).isoformat(timespec="minutes")}, code="token_expired")
        return user, token
