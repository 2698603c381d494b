"""A small browser over real HTTP for the end-to-end tests: urllib with a cookie jar.

No Django test client: every request goes through a socket to the live server, with the session
and CSRF cookies the server set, exactly as a browser or a script would. Redirects are not
followed, so a test sees the 302 and its Location.
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken"\s+value="([^"]+)"')


@dataclass
class HttpResponse:
    status: int
    headers: dict
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self):
        return json.loads(self.body)

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class Browser:
    """One user agent: its own cookies (session, csrftoken), nothing shared with another."""

    def __init__(self, base_url: str, *, timeout: float = 20):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect())

    # -- plumbing --------------------------------------------------------------------------------
    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.cookies if c.name == name), None)

    def request(self, method: str, path: str, *, data: bytes | None = None, headers: dict | None = None,
                params: dict | None = None, csrf: bool = True) -> HttpResponse:
        """One request; unsafe methods carry the CSRF cookie's token in X-CSRFToken (and a Referer)
        unless ``csrf`` is False (to show the refusal)."""
        url = self.base_url + path
        if params:
            url += ("&" if "?" in url else "?") + urllib.parse.urlencode(params)
        headers = {"Accept-Language": "zh-hans", **(headers or {})}
        if csrf and method not in ("GET", "HEAD", "OPTIONS", "TRACE") and self.cookie("csrftoken"):
            headers.setdefault("X-CSRFToken", self.cookie("csrftoken"))
            headers.setdefault("Referer", url)
        req = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with self.opener.open(req, timeout=self.timeout) as resp:
                return HttpResponse(resp.status, dict(resp.headers), resp.read())
        except urllib.error.HTTPError as exc:  # 3xx (not followed), 4xx, 5xx
            return HttpResponse(exc.code, dict(exc.headers), exc.read())

    def get(self, path: str, **params) -> HttpResponse:
        return self.request("GET", path, params=params or None)

    def post_json(self, path: str, payload: dict, *, csrf: bool = True) -> HttpResponse:
        return self.request("POST", path, data=json.dumps(payload).encode("utf-8"), csrf=csrf,
                            headers={"Content-Type": "application/json", "Accept": "application/json"})

    def post_form(self, path: str, fields: dict) -> HttpResponse:
        return self.request("POST", path, data=urllib.parse.urlencode(fields).encode("utf-8"),
                            headers={"Content-Type": "application/x-www-form-urlencoded"})

    def form_token(self, path: str) -> str:
        """GET a page with a form; its CSRF token (the csrftoken cookie is set on the way)."""
        page = self.get(path)
        assert page.status == 200, (path, page.status, page.text[:500])
        match = CSRF_FIELD.search(page.text)
        assert match, f"no CSRF field on {path}"
        return match.group(1)

    # -- signing in ------------------------------------------------------------------------------
    def sign_in(self, username: str, password: str) -> HttpResponse:
        """The staff sign-in page: GET for the CSRF token, POST username and password."""
        token = self.form_token("/accounts/login/")
        return self.post_form("/accounts/login/", {
            "csrfmiddlewaretoken": token, "username": username, "password": password,
        })

    def request_code(self, phone: str) -> HttpResponse:
        token = self.form_token("/accounts/resident/")
        return self.post_form("/accounts/resident/", {"csrfmiddlewaretoken": token, "step": "phone", "phone": phone})

    def enter_code(self, code: str) -> HttpResponse:
        token = self.cookie("csrftoken")
        return self.post_form("/accounts/resident/", {"csrfmiddlewaretoken": token, "step": "code", "code": code})

    def sign_in_with_texted_code(self, phone: str) -> HttpResponse:
        """A resident's sign-in: ask for the code, read it from the local SMS gateway's log (the
        text that went to ``phone``), enter it. Returns the answer to entering the code."""
        from civicgrid.core.sms import LogSmsGateway

        asked = self.request_code(phone)
        assert asked.status == 200 and 'name="code"' in asked.text, (phone, asked.status, asked.text[:300])
        sent_to, message = LogSmsGateway.sent[-1]
        assert sent_to == phone
        return self.enter_code(re.search(r"(?<!\d)(\d{6})(?!\d)", message).group(1))

    @property
    def signed_in(self) -> bool:
        """Signed in, as the server sees it (an anonymous session has a cookie too)."""
        return self.get("/api/v1/me/").status == 200
