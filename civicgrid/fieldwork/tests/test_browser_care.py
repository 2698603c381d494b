"""In a real phone-sized browser: the grid worker opens the care list (需关爱走访), taps "记录走访" on
the most overdue household, saves the visit, is back on the list, and the household has left it."""

from __future__ import annotations

import re

import pytest

from civicgrid.fieldwork.models import Visit

from .helpers import care_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def listed(page) -> list[str]:
    return page.eval_on_selector_all("#care-list li[data-household]", "els => els.map(e => e.dataset.household)")


def test_care_list_log_a_visit_and_the_household_leaves_the_list(live_server, page):
    w = care_world()
    page.goto(f"{live_server.url}/accounts/login/?next=/field/care/")
    page.fill("#id_username", "grid")
    page.fill("#id_password", "x")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/field/care/")
    # Most overdue first: F (due 4 January), D (10 February), A (13 March), G (14 March).
    assert listed(page) == [str(w.F.pk), str(w.D.pk), str(w.A.pk), str(w.G.pk)]
    assert page.inner_text("h1") == "需关爱走访"
    first = page.locator(f"li[data-household='{w.F.pk}']")
    assert "独居老人" in first.inner_text() and "欧阳**" in first.inner_text() and "欧阳娜娜" not in first.inner_text()

    first.locator("a.log-visit").click()
    page.wait_for_url(re.compile(r".*/field/visits/\?household=\d+.*"))
    assert page.input_value("#id_household") == str(w.F.pk)
    page.fill("#id_summary", "老人独居，身体尚好，已提醒注意用电安全")
    page.click("#visit-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/field/care/")
    assert page.inner_text(".messages") == "走访已记录。"
    assert listed(page) == [str(w.D.pk), str(w.A.pk), str(w.G.pk)]
    visit = Visit.objects.get(summary="老人独居，身体尚好，已提醒注意用电安全")
    assert (visit.household_id, visit.worker.username, visit.kind, visit.appeal_id) == (w.F.pk, "grid", "household", None)
