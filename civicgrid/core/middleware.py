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


class ChineseFirstLocaleMiddleware:
    """Pages speak Chinese unless the user picked English with the language switch (cookie).

    Browsers in an English-language office or a test runner send ``Accept-Language: en``; a
    government service for Chinese residents should not switch on that alone. API clients
    (``/api/``, ``/open311/``) are programs that ask explicitly, so their Accept-Language counts.
    """

    API_PREFIXES = ("/api/", "/open311/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.utils import translation

        if request.path.startswith(self.API_PREFIXES):
            language = translation.get_language_from_request(request)
        else:
            chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
            supported = {code for code, _ in settings.LANGUAGES}
            language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        patch = response.get("Vary", "")
        if "Cookie" not in patch:
            from django.utils.cache import patch_vary_headers

            patch_vary_headers(response, ("Cookie", "Accept-Language"))
        return response
