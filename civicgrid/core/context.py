"""Who is asking, from where: set once per request (or command) and read by the audit log."""

from __future__ import annotations

import contextvars
import uuid
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    ip_address: str | None = None
    user_agent: str = ""
    request_id: str = ""
    channel: str = "system"


_current: contextvars.ContextVar[RequestContext] = contextvars.ContextVar(
    "civicgrid_request_context", default=RequestContext()
)


def current() -> RequestContext:
    return _current.get()


@contextmanager
def bind(ctx: RequestContext):
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


def from_request(request) -> RequestContext:
    meta = request.META
    forwarded = meta.get("HTTP_X_FORWARDED_FOR", "")
    ip = forwarded.split(",")[0].strip() if forwarded else meta.get("REMOTE_ADDR")
    return RequestContext(
        ip_address=ip or None,
        user_agent=meta.get("HTTP_USER_AGENT", "")[:300],
        request_id=uuid.uuid4().hex,
        channel="web",
    )


def for_command(name: str) -> RequestContext:
    return RequestContext(request_id=uuid.uuid4().hex, channel=f"command:{name}")
