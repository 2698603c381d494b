"""In a real browser: a street dispatcher opens the command center, follows the report link,
generates the workbook of their street for a month, sees it listed and downloads it."""

from __future__ import annotations

import pytest

from civicgrid.reports.models import GeneratedReport

from .factories import build_crafted

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_street_dispatcher_generates_and_downloads_a_report(live_server, page, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    crafted = build_crafted()
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "street")
    page.fill("input[name=password]", "x")
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}/center/")
    page.click("a[href^='/reports/']")
    assert page.locator("#report-area option").all_inner_texts()[0].startswith("即墨路街道")
    page.select_option("#report-month", crafted.month.code)
    page.uncheck("input[name=format][value=pdf]")
    page.click("#report-submit")
    page.wait_for_selector("ul.messages li")
    assert "报告已生成" in page.inner_text("ul.messages")
    report = GeneratedReport.objects.get()
    assert report.title in page.inner_text("#report-list + div, .table")
    with page.expect_download() as info:
        page.click(f"a[href='/reports/{report.pk}/xlsx/']")
    assert info.value.suggested_filename == f"report-370203020000-{crafted.month.code}.xlsx"
    assert not report.pdf and report.sheets == 7
