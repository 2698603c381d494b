"""In a real browser (Chromium): the district command center opens the care rules, changes the
interval of the district's rule for elderly people living alone from weekly to every 5 days on the
rule's page, and the stored rule changes to exactly that, with one audit row; an interval of 0 days
is refused in Chinese next to the field and changes nothing."""

from __future__ import annotations

import pytest

from civicgrid.core.models import AuditEvent
from civicgrid.fieldwork.models import CarePolicy

from .helpers import START, care_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DISTRICT = "370203000000"      # 市北区
COMMUNITY = "370203020009"     # 恩县路社区


def stored():
    return list(CarePolicy.objects.order_by("area_path", "tag").values_list(
        "area__code", "tag", "period", "days", "starts_on", "is_active", "note"))


def audit_rows():
    return list(AuditEvent.objects.filter(action="care_policy.save").order_by("id")
                .values_list("actor__username", "object_id", "changes"))


def test_district_changes_a_care_interval_on_the_page(live_server, page):
    w = care_world()
    rule = CarePolicy.objects.get(area=w.tree.district, tag="elderly_alone")
    assert w.tree.district.code == DISTRICT and w.tree.community1.code == COMMUNITY
    before = stored()
    assert before == [
        (DISTRICT, "disabled", "days", 10, START, True, ""),
        (DISTRICT, "elderly_alone", "weekly", None, START, True, ""),
        (DISTRICT, "low_income", "monthly", None, START, True, ""),
        (COMMUNITY, "elderly_alone", "days", 3, START, True, "")]

    page.goto(f"{live_server.url}/accounts/login/?next=/field/care/rules/")
    page.fill("#id_username", "district")
    page.fill("#id_password", "x")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/field/care/rules/")
    assert page.inner_text("h1") == "关爱走访规则"
    row = page.locator(f"#care-rules tr[data-policy='{rule.pk}']")
    assert row.locator("td").nth(2).inner_text() == "每周"

    row.locator("a", has_text="修改").click()
    page.wait_for_url(f"{live_server.url}/field/care/rules/{rule.pk}/")
    # The form starts from the stored rule.
    assert (page.input_value("#id_tag"), page.input_value("#id_period"), page.input_value("#id_days"),
            page.input_value("#id_starts_on")) == ("elderly_alone", "weekly", "", "2026-01-01")

    # Every 0 days: refused next to the field in Chinese; the rule is unchanged.
    page.select_option("#id_period", "days")
    page.fill("#id_days", "0")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.click("#care-rule-form button[type=submit]")
    assert answer.value.status == 400
    assert page.inner_text("#id_days_error") == "请填写两次走访之间的天数，1 到 366。"
    assert stored() == before and audit_rows() == []

    # Every 5 days, with a note: saved, back on the list.
    page.fill("#id_days", "5")
    page.fill("#id_note", "独居老人改为每5天走访")
    page.click("#care-rule-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/field/care/rules/")
    assert page.inner_text(".messages") == "关爱规则已保存：市北区 · 独居老人 · 每 5 天。"
    assert page.locator(f"#care-rules tr[data-policy='{rule.pk}'] td").nth(2).inner_text() == "每 5 天"
    assert stored() == [
        (DISTRICT, "disabled", "days", 10, START, True, ""),
        (DISTRICT, "elderly_alone", "days", 5, START, True, "独居老人改为每5天走访"),
        (DISTRICT, "low_income", "monthly", None, START, True, ""),
        (COMMUNITY, "elderly_alone", "days", 3, START, True, "")]
    assert audit_rows() == [("district", str(rule.pk), {
        "area": DISTRICT, "created": False, "period": ["weekly", "days"], "days": ["None", "5"],
        "note": ["", "独居老人改为每5天走访"]})]
