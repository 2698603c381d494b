"""A hard problem links its source work order for those who may open it, and names it as plain
text for the others (the number was plain text for everyone)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from civicgrid.wishes import services
from civicgrid.workorders.testing import make_order

pytestmark = pytest.mark.django_db


def _source(ww, who: str, pk: int) -> tuple[str, int]:
    """(the Source line's order markup, the answer of the order page) for ``who``."""
    c = Client()
    c.force_login(ww.users[who])
    page = c.get(f"/wishes/problems/{pk}/").content.decode()
    mark = re.search(r'<(a href="[^"]*"|span) id="problem-order">([^<]+)</(?:a|span)>', page)
    number = mark.group(2)
    return mark.group(1), c.get(f"/orders/{number}/").status_code


def test_the_source_order_is_a_link_only_for_those_who_may_open_it(ww):
    u = ww.users
    order = make_order(ww.w, status="in_progress", is_overdue=True, title="楼道堵塞多次投诉")
    problem = services.create_hard_problem(actor=u["community"], order=order)
    services.move_problem(problem, "claim", u["branch_sec"])
    assert _source(ww, "community", problem.pk) == (f'a href="/orders/{order.number}/"', 200)
    assert _source(ww, "street", problem.pk) == (f'a href="/orders/{order.number}/"', 200)
    # The branch secretary holds the problem but has no office over the order: its number, no link.
    assert _source(ww, "branch_sec", problem.pk) == ("span", 404)
