"""The WeChat border (公众号模板消息). A real gateway needs the official account's credentials; the
local gateway writes to the log, like the SMS border."""

from __future__ import annotations

import logging
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("civicgrid.wechat")


class WechatError(Exception):
    """The gateway refused or could not be reached; the outbox retries later."""


class WechatGateway(Protocol):
    def send(self, openid: str, title: str, body: str, link: str = "") -> None: ...


class LogWechatGateway:
    """Local implementation: the message goes to the log (openid shortened: it identifies a person)."""

    sent: list[tuple[str, str, str, str]] = []  # kept for the current process, for tests and the demo

    def send(self, openid: str, title: str, body: str, link: str = "") -> None:
        who = f"{openid[:4]}…" if len(openid) > 4 else openid
        if settings.MODE in ("demo", "dev", "test"):
            logger.warning("WeChat to %s: %s %s %s", who, title, body, link)
        else:
            logger.info("WeChat to %s (%d characters)", who, len(title) + len(body))
        LogWechatGateway.sent.append((openid, title, body, link))


def get_gateway() -> WechatGateway:
    return import_string(settings.WECHAT_GATEWAY)()
