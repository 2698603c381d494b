"""A month that is not YYYY-MM is named back in Chinese with the form it takes, on the pages and
in the API (the API said only "YYYY-MM"; the pages silently showed this month)."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from .test_views import client_for, cw  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def _expected(value: str) -> str:
    example = timezone.localdate().strftime("%Y-%m")
    return f"参数 month 的值“{value}”不是有效的月份，应写成 YYYY-MM（年-月），例如 {example}。"


@pytest.mark.parametrize("value", ["2026-13", "2026/11", "11-2026", "2026-1", "latest"])
def test_the_rankings_api_names_the_parameter_and_the_form(cw, value):  # noqa: F811
    c = APIClient()
    c.force_authenticate(cw.world.users["street"])
    r = c.get("/api/v1/dashboard/rankings/", {"month": value})
    assert r.status_code == 400
    assert r.json() == {"error": {"code": "invalid", "message": _expected(value),
                                  "fields": {"month": [_expected(value)]}, "codes": {"month": ["invalid"]}}}


@pytest.mark.parametrize("value", ["2026-13", "latest"])
def test_the_rankings_panel_names_the_parameter_and_shows_this_month(cw, value):  # noqa: F811
    this_month = timezone.localdate().strftime("%Y-%m")
    html = client_for(cw, "district").get("/center/rankings/", {"month": value}).content.decode()
    alert = re.search(r'<p class="messages" role="alert"><span class="error" id="rank-month-error">([^<]*)</span>', html)
    assert alert.group(1) == f"{_expected(value)} 改为显示 {this_month} 的排名。"
    assert f'<small class="muted">{this_month}</small>' in html
    assert 'aria-invalid="true" aria-describedby="rank-month-error"' in html


def test_the_center_page_carries_the_bad_month_to_its_panel_and_a_good_month_says_nothing(cw):  # noqa: F811
    c = client_for(cw, "district")
    page = c.get("/center/", {"month": "2026-13"}).content.decode()
    panel_url = re.search(r'hx-get="(/center/rankings/[^"]*)"', page).group(1).replace("&amp;", "&")
    assert "month=2026-13" in panel_url
    assert _expected("2026-13") in c.get(panel_url).content.decode()
    good = c.get("/center/rankings/", {"month": "2026-11"}).content.decode()
    assert "rank-month-error" not in good and '<small class="muted">2026-11</small>' in good
