"""The wish and hard-problem rankings honour ``month`` as the command center's rankings do: the
page and the API ranked every claim whatever month was asked for."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from civicgrid.wishes import services
from civicgrid.wishes.models import HardProblem, Wish
from civicgrid.wishes.testing import wish_in
from civicgrid.workorders.testing import make_order

pytestmark = pytest.mark.django_db


def _at(when: str) -> datetime:
    return timezone.make_aware(datetime.fromisoformat(when))


@pytest.fixture
def months(ww):
    """Two confirmed wishes claimed in October and November 2026 (confirmed 2 and 4 days later),
    and two hard problems claimed by 孙书记 in the same two months, the November one solved."""
    october, november = wish_in(ww, "confirmed", title="十月心愿"), wish_in(ww, "confirmed", title="十一月心愿")
    for wish, day, days in ((october, "2026-10-31 10:00", 2), (november, "2026-11-01 05:00", 4)):
        # 05:00 on 1 November in Qingdao is still October in UTC: the month is the local calendar's.
        Wish.objects.filter(pk=wish.pk).update(claimed_at=_at(day), confirmed_at=_at(day) + timedelta(days=days))
    u = ww.users
    problems = []
    for n, day in enumerate(("2026-10-31 10:00", "2026-11-01 05:00")):
        order = make_order(ww.w, status="in_progress", is_overdue=True, title=f"难题{n}")
        problem = services.create_hard_problem(actor=u["community"], order=order)
        services.move_problem(problem, "claim", u["secretary"])
        HardProblem.objects.filter(pk=problem.pk).update(claimed_at=_at(day))
        problems.append(problem)
    services.move_problem(problems[1], "progress", u["secretary"], note="推进中", progress=50)
    services.move_problem(problems[1], "solve", u["secretary"], note="已解决")
    services.move_problem(problems[1], "confirm", u["community"])
    return ww


def _api(ww, **params):
    c = APIClient()
    c.force_authenticate(ww.users["community"])
    return c.get("/api/v1/wishes/rankings/", params)


def _branch(ww, claimed, confirmed, days):
    return {"id": ww.branch3.pk, "name": "上海路第一网格党支部", "claimed": claimed, "fulfilled": confirmed,
            "confirmed": confirmed, "confirmation_rate": 1.0, "mean_days_to_confirm": days}


def test_the_api_ranks_the_claims_of_the_month(months):
    ww = months
    october = _api(ww, month="2026-10").json()
    assert october["month"] == "2026-10"
    assert october["branches"] == [_branch(ww, 1, 1, 2.0)]
    assert [(r["name"], r["claimed"], r["solved"]) for r in october["secretaries"]] == [("孙书记", 1, 0)]
    november = _api(ww, month="2026-11").json()
    assert november["branches"] == [_branch(ww, 1, 1, 4.0)]
    assert [(r["name"], r["claimed"], r["solved"]) for r in november["secretaries"]] == [("孙书记", 1, 1)]
    assert _api(ww, month="2026-09").json() == {"month": "2026-09", "branches": [], "teams": [], "secretaries": [],
                                                "problem_branches": []}
    # Without a month: every claim, as before.
    every = _api(ww).json()
    assert every["month"] is None and every["branches"] == [_branch(ww, 2, 2, 3.0)]
    assert [(r["name"], r["claimed"], r["solved"]) for r in every["secretaries"]] == [("孙书记", 2, 1)]


def test_the_api_refuses_a_month_that_is_not_one(months):
    r = _api(months, month="2026-13")
    example = timezone.localdate().strftime("%Y-%m")
    message = f"参数 month 的值“2026-13”不是有效的月份，应写成 YYYY-MM（年-月），例如 {example}。"
    assert r.status_code == 400
    assert r.json() == {"error": {"code": "invalid", "message": message, "fields": {"month": [message]},
                                  "codes": {"month": ["invalid"]}}}


def _page(ww, **params) -> str:
    c = Client()
    c.force_login(ww.users["community"])
    return c.get("/wishes/rankings/", params).content.decode()


def _rows(page: str, table: str) -> list[list[str]]:
    body = re.search(rf'<table class="table rankings" id="{table}">.*?<tbody>(.*?)</tbody>', page, re.DOTALL).group(1)
    return [re.findall(r"<td[^>]*>([^<]*)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", body, re.DOTALL)]


def test_the_page_ranks_the_claims_of_the_month(months):
    ww = months
    october = _page(ww, month="2026-10")
    assert '<small class="muted" id="rankings-month">2026-10</small>' in october
    assert 'name="month" value="2026-10"' in october
    assert _rows(october, "branch-rates") == [["1", "上海路第一网格党支部", "1", "1", "1", "100.0%", "2.0"]]
    assert _rows(october, "secretary-rates") == [["1", "孙书记", "1", "0"]]
    every = _page(ww)
    assert '<small class="muted" id="rankings-month">全部月份</small>' in every
    assert _rows(every, "branch-rates") == [["1", "上海路第一网格党支部", "2", "2", "2", "100.0%", "3.0"]]
    assert _rows(every, "secretary-rates") == [["1", "孙书记", "2", "1"]]


def test_the_page_names_a_month_that_is_not_one(months):
    page = _page(months, month="latest")
    example = timezone.localdate().strftime("%Y-%m")
    alert = re.search(r'<span class="error" id="month-error">([^<]*)</span>', page).group(1)
    assert alert == f"参数 month 的值“latest”不是有效的月份，应写成 YYYY-MM（年-月），例如 {example}。 改为显示全部月份。"
    assert _rows(page, "branch-rates") == [["1", "上海路第一网格党支部", "2", "2", "2", "100.0%", "3.0"]]
