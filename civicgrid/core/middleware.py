from __future__ import annotations

from . import context


class RequestContextMiddleware:
    """Binds the caller's address and a request id for the audit log."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        ctx = context.from_request(request)
        request.request_id = ctx.request_id
        with context.bind(ctx):
            return self.get_response(request)
