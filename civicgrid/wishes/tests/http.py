"""Helpers for the real-HTTP tests: signed-in browsers and multipart form posts."""

from __future__ import annotations

import uuid

from civicgrid.workorders.tests.http_client import CSRF_FIELD, Browser


def staff(url: str, username: str, password: str = "x") -> Browser:
    browser = Browser(url)
    response = browser.sign_in(username, password)
    assert response.status == 302, (username, response.status, response.text[:300])
    assert browser.signed_in
    return browser


def resident(url: str, phone: str) -> Browser:
    browser = Browser(url)
    signed = browser.sign_in_with_texted_code(phone)
    assert signed.status == 302, (signed.status, signed.text[:300])
    assert browser.signed_in
    return browser


def token(browser: Browser, path: str) -> str:
    page = browser.get(path)
    assert page.status == 200, (path, page.status, page.text[:300])
    return CSRF_FIELD.search(page.text).group(1)


def post_multipart(browser: Browser, path: str, fields: dict, files: list[tuple[str, str, bytes, str]]):
    """POST a multipart form (fields and (field, filename, content, type) files), as a browser does."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, filename, content, kind in files:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f"Content-Type: {kind}\r\n\r\n".encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return browser.request("POST", path, data=b"".join(parts),
                           headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
