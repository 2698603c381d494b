"""The SMS border. Real gateways need credentials; the local gateway writes to the log."""

from __future__ import annotations

import logging
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from .masking import mask_phone

logger = logging.getLogger("civicgrid.sms")


class SmsError(Exception):
    """The gateway refused or could not be reached; the outbox retries later."""


class SmsGateway(Protocol):
    def send(self, phone: str, message: str) -> None: ...


class LogSmsGateway:
    """Local implementation: the message goes to the log.

    In demo and dev mode the whole text (with the one-time code) is logged so a person trying the
    demo can sign in; elsewhere only the masked number is logged, never the code.
    """

    sent: list[tuple[str, str]] = []  # kept for the current process, for tests and the demo

    def send(self, phone: str, message: str) -> None:
        if settings.MODE in ("demo", "dev", "test"):
            logger.warning("SMS to %s: %s", phone, message)
        else:
            logger.info("SMS to %s (%d characters)", mask_phone(phone), len(message))
        LogSmsGateway.sent.append((phone, message))


def get_gateway() -> SmsGateway:
    return import_string(settings.SMS_GATEWAY)()
