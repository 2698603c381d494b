"""No link on a command center leads outside the reader's scope: a community's or a street's staff
used to be offered their street and district in the breadcrumbs, and opening them answered 404."""

from __future__ import annotations

import html as htmllib
import re

import pytest

from .test_views import COMMUNITY1, DISTRICT, STREET1, client_for, cw  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def _crumbs(page: str) -> list[tuple[str, str]]:
    """[(name, href or "")] of the breadcrumbs, top first."""
    nav = re.search(r'<nav class="crumbs".*?</nav>', page, re.DOTALL).group(0)
    return [(name, href or "") for href, name in
            re.findall(r'<li>(?:<a href="([^"]*)">|<span[^>]*>)([^<]+)</(?:a|span)></li>', nav)]


@pytest.mark.parametrize(("name", "url", "expected"), [
    ("community", "/center/", [("市北区", ""), ("即墨路街道", ""), ("恩县路社区", "")]),
    ("community", "/center/wall/", [("市北区", ""), ("即墨路街道", ""), ("恩县路社区", "")]),
    ("street", "/center/", [("市北区", ""), ("即墨路街道", "")]),
    ("street", f"/center/?area={COMMUNITY1}", [("市北区", ""), ("即墨路街道", f"?area={STREET1}"), ("恩县路社区", "")]),
    ("district", f"/center/?area={COMMUNITY1}",
     [("市北区", f"?area={DISTRICT}"), ("即墨路街道", f"?area={STREET1}"), ("恩县路社区", "")]),
])
def test_breadcrumbs_link_only_the_areas_the_reader_may_open(cw, name, url, expected):  # noqa: F811
    page = client_for(cw, name).get(url).content.decode()
    assert _crumbs(page) == expected


def _links(page: str) -> set[str]:
    found = set()
    for raw in re.findall(r'(?:href|hx-get)="([^"#]+)', page):
        link = htmllib.unescape(raw)
        if link.startswith("/static/") or link.startswith("/accounts/logout"):
            continue
        found.add(link)
    return found


def _absolute(link: str, page_path: str) -> str:
    return page_path + link if link.startswith("?") else link


@pytest.mark.parametrize("name", ["community", "street"])
def test_every_link_on_the_center_and_its_panels_opens(cw, name):  # noqa: F811
    """The pages, the panels they load after the first paint, and every link in them answer 200."""
    c = client_for(cw, name)
    pages = {"/center/": c.get("/center/").content.decode(), "/center/wall/": c.get("/center/wall/").content.decode()}
    targets: dict[str, str] = {}
    for path, page in pages.items():
        for link in _links(page):
            targets[_absolute(link, path)] = path
    # The lazily loaded panels are pages of their own: follow their links too.
    for panel in [t for t in targets if t.startswith(("/center/rankings/", "/center/participation/", "/proactive/panel/"))]:
        for link in _links(c.get(panel).content.decode()):
            targets.setdefault(_absolute(link, "/center/"), panel)
    answers = {t: c.get(t, follow=True).status_code for t in sorted(targets)}
    assert {t: s for t, s in answers.items() if s != 200} == {}
    # The check reached the links of every kind on the page.
    assert any(t.startswith("/orders/") for t in answers) and any(t.startswith("/center/?area=") for t in answers)
