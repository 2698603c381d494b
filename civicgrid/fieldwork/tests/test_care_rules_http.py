"""Care rules set by the district command center over real HTTP (``live_server`` and urllib, signed
in on the sign-in page): the rules page and the API create and change a rule through the service
with an audit row, refuse bad intervals in Chinese, refuse everyone else, and a change of interval
changes the care list at once."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from civicgrid.core.models import AuditEvent
from civicgrid.core.testing import make_building
from civicgrid.fieldwork.models import CarePolicy, Visit, VisitKind
from civicgrid.workorders.testing import make_world
from civicgrid.workorders.tests.http_client import CSRF_FIELD, Browser

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

DAYS_MESSAGE = "请填写两次走访之间的天数，1 到 366。"
FORBIDDEN = "只有管理员和区指挥中心可以设置关爱走访规则。"


def care_world():
    """Four elderly people living alone in grid 1, last visited 3, 10, 20 and 40 days ago (local
    noon), and one low-income household, which no rule covers. No rule yet."""
    w = make_world()
    today = timezone.localdate()
    w.today = today
    building = make_building("B-R1", w.tree.grid1, "恩县路20号", 120.305, 36.055, households=5)
    w.households = []
    for room, tags, ago in (("101", ["elderly_alone"], 3), ("102", ["elderly_alone"], 10),
                            ("103", ["elderly_alone"], 20), ("104", ["elderly_alone"], 40), ("105", ["low_income"], 2)):
        h = building.households.get(room=room)
        h.tags = tags
        h.save(update_fields=["tags"])
        when = timezone.make_aware(datetime.combine(today - timedelta(days=ago), time(12)))
        Visit.objects.create(worker=w.users["grid"], grid=w.tree.grid1, area_path=w.tree.grid1.path,
                             kind=VisitKind.HOUSEHOLD, household=h, building=building, visited_at=when, summary="走访")
        w.households.append(h)
    return w


def signed_in(url: str, username: str) -> Browser:
    browser = Browser(url)
    response = browser.sign_in(username, "x")
    assert (response.status, response.location) == (302, "/")
    return browser


def stored():
    return list(CarePolicy.objects.order_by("id").values_list("area__code", "tag", "period", "days", "starts_on",
                                                               "is_active", "note"))


def audit_rows():
    return list(AuditEvent.objects.filter(action="care_policy.save").order_by("id")
                .values_list("actor__username", "changes"))


def overdue_on_care_page(browser: Browser) -> tuple[str, int]:
    page = browser.get("/field/care/")
    assert page.status == 200
    count = re.search(r"(\d+) 户重点关爱户逾期未走访。", page.text).group(1)
    return count, len(re.findall(r'data-household="\d+"', page.text))


def rule_row(page_text: str, policy: CarePolicy) -> tuple[str, str]:
    m = re.search(rf'data-policy="{policy.pk}" data-covered="(\d+)" data-overdue="(\d+)"', page_text)
    return m.group(1), m.group(2)


def post_page_form(browser: Browser, path: str, fields: dict):
    token = CSRF_FIELD.search(browser.get(path).text).group(1)
    return browser.post_form(path, {"csrfmiddlewaretoken": token, **fields})


def test_district_sets_a_weekly_rule_on_the_page_then_makes_it_monthly(live_server):
    w = care_world()
    district = w.tree.district
    browser = signed_in(live_server.url, "district")
    care = browser.get("/field/care/")
    assert '<a id="care-rules-link" href="/field/care/rules/" class="button small">设置关爱走访规则</a>' in care.text
    assert overdue_on_care_page(browser) == ("0", 0)

    starts = w.today - timedelta(days=60)
    created = post_page_form(browser, "/field/care/rules/", {
        "area": district.code, "tag": "elderly_alone", "period": "weekly", "days": "",
        "starts_on": starts.isoformat(), "is_active": "on", "note": "区级规则"})
    assert (created.status, created.location) == (302, "/field/care/rules/")
    assert stored() == [(district.code, "elderly_alone", "weekly", None, starts, True, "区级规则")]
    policy = CarePolicy.objects.get()
    assert policy.area_path == district.path
    assert audit_rows() == [("district", {
        "area": district.code, "created": True, "area_path": district.path, "tag": "elderly_alone",
        "period": "weekly", "days": "None", "starts_on": starts.isoformat(), "is_active": "True", "note": "区级规则"})]
    # Weekly: visited 10, 20 and 40 days ago are overdue; 3 days ago is not; low income has no rule.
    rules = browser.get("/field/care/rules/")
    assert "关爱规则已保存：市北区 · 独居老人 · 每周。" in rules.text
    assert rule_row(rules.text, policy) == ("4", "3")
    assert overdue_on_care_page(browser) == ("3", 3)

    edit = f"/field/care/rules/{policy.pk}/"
    assert 'value="weekly" selected' in browser.get(edit).text
    changed = post_page_form(browser, edit, {"tag": "elderly_alone", "period": "monthly", "days": "",
                                             "starts_on": starts.isoformat(), "is_active": "on", "note": "改为每月"})
    assert (changed.status, changed.location) == (302, "/field/care/rules/")
    assert stored() == [(district.code, "elderly_alone", "monthly", None, starts, True, "改为每月")]
    assert audit_rows()[1] == ("district", {"area": district.code, "created": False, "period": ["weekly", "monthly"],
                                            "note": ["区级规则", "改为每月"]})
    # Monthly: only the household visited 40 days ago is overdue (20 days ago + one month is still ahead).
    assert overdue_on_care_page(browser) == ("1", 1)
    assert rule_row(browser.get("/field/care/rules/").text, policy) == ("4", "1")


def test_district_creates_and_changes_a_rule_through_the_api(live_server):
    w = care_world()
    browser = signed_in(live_server.url, "district")
    created = browser.post_json("/api/v1/field/care/policies/", {
        "area": w.tree.street1.code, "tag": "disabled", "period": "days", "days": 10, "starts_on": "2026-01-01"})
    assert created.status == 201, created.text
    pk = CarePolicy.objects.get().pk
    assert created.json() == {"id": pk, "area": w.tree.street1.code, "area_name": w.tree.street1.name, "tag": "disabled",
                              "period": "days", "days": 10, "starts_on": "2026-01-01", "is_active": True, "note": ""}
    patched = browser.request("PATCH", f"/api/v1/field/care/policies/{pk}/", data=b'{"period": "weekly", "note": "\\u6bcf\\u5468"}',
                              headers={"Content-Type": "application/json", "Accept": "application/json"})
    assert patched.status == 200, patched.text
    assert (patched.json()["period"], patched.json()["days"], patched.json()["note"]) == ("weekly", None, "每周")
    assert stored() == [(w.tree.street1.code, "disabled", "weekly", None, date(2026, 1, 1), True, "每周")]
    assert [(actor, c["created"], c.get("period"), c.get("days")) for actor, c in audit_rows()] == [
        ("district", True, "days", "10"), ("district", False, ["days", "weekly"], ["10", "None"])]
    listed = browser.get("/api/v1/field/care/policies/")
    assert [(p["id"], p["period"]) for p in listed.json()] == [(pk, "weekly")]
    # The area of a rule does not move.
    moved = browser.request("PATCH", f"/api/v1/field/care/policies/{pk}/",
                            data=f'{{"area": "{w.tree.district.code}"}}'.encode(),
                            headers={"Content-Type": "application/json", "Accept": "application/json"})
    assert (moved.status, moved.json()["error"]["fields"]) == (400, {"area": ["规则不能改到其他区域；请在该区域新设一条规则。"]})
    assert CarePolicy.objects.get().area_id == w.tree.street1.pk


def test_bad_intervals_are_refused_in_chinese_and_change_nothing(live_server):
    w = care_world()
    district = w.tree.district.code
    browser = signed_in(live_server.url, "district")
    assert browser.post_json("/api/v1/field/care/policies/", {
        "area": district, "tag": "elderly_alone", "period": "weekly", "starts_on": "2026-01-01"}).status == 201
    pk = CarePolicy.objects.get().pk
    before = (stored(), AuditEvent.objects.count())
    base = {"area": district, "period": "days", "days": 7, "starts_on": "2026-01-01"}
    for payload, fields in (
        ({**base, "tag": "disabled", "days": 0}, {"days": [DAYS_MESSAGE]}),
        ({**base, "tag": "pets"}, {"tag": ["未知的关爱标签 'pets'。"]}),
        ({**base, "tag": "elderly_alone"}, {"tag": ["市北区已有此标签的规则：请修改那一条。"]}),
    ):
        refused = browser.post_json("/api/v1/field/care/policies/", payload)
        assert (refused.status, refused.json()["error"]["fields"]) == (400, fields), payload
    zero = browser.request("PATCH", f"/api/v1/field/care/policies/{pk}/", data=b'{"period": "days", "days": 0}',
                           headers={"Content-Type": "application/json", "Accept": "application/json"})
    assert (zero.status, zero.json()["error"]["fields"]) == (400, {"days": [DAYS_MESSAGE]})
    # The page shows the same refusals next to the field, and writes nothing either.
    form = {"area": district, "period": "days", "days": "7", "starts_on": "2026-01-01", "is_active": "on"}
    for fields, name, message in (({**form, "tag": "disabled", "days": "0"}, "days", DAYS_MESSAGE),
                                  ({**form, "tag": "pets"}, "tag", "未知的关爱标签 &#x27;pets&#x27;。"),
                                  ({**form, "tag": "elderly_alone"}, "tag", "市北区已有此标签的规则：请修改那一条。")):
        page = post_page_form(browser, "/field/care/rules/", fields)
        assert page.status == 400, fields
        assert f'<ul class="errorlist" id="id_{name}_error"><li>{message}</li></ul>' in page.text, fields
    page = post_page_form(browser, f"/field/care/rules/{pk}/", {**form, "tag": "elderly_alone", "days": "0"})
    assert page.status == 400
    assert f'<ul class="errorlist" id="id_days_error"><li>{DAYS_MESSAGE}</li></ul>' in page.text
    assert (stored(), AuditEvent.objects.count()) == before


def test_street_dispatcher_grid_worker_and_resident_are_refused_and_nothing_changes(live_server):
    w = care_world()
    policy = CarePolicy.objects.create(area=w.tree.district, area_path=w.tree.district.path, tag="elderly_alone",
                                       period="weekly", starts_on=w.today - timedelta(days=60))
    before = (stored(), audit_rows())
    create = {"area": w.tree.street1.code, "tag": "disabled", "period": "weekly", "starts_on": "2026-01-01"}
    for username in ("street", "grid"):
        browser = signed_in(live_server.url, username)
        # They read the rules (a grid worker must know the interval), without a form or a change link.
        page = browser.get("/field/care/rules/")
        assert page.status == 200
        assert "每周" in page.text and 'id="care-rule-form"' not in page.text and "/field/care/rules/%d/" % policy.pk not in page.text
        assert "关爱走访规则由区指挥中心设置。" in page.text
        assert '<a id="care-rules-link" href="/field/care/rules/">关爱走访规则</a>' in browser.get("/field/care/").text
        token = browser.cookie("csrftoken")
        assert browser.post_form("/field/care/rules/", {"csrfmiddlewaretoken": token, **create}).status == 403
        assert browser.get(f"/field/care/rules/{policy.pk}/").status == 403
        assert browser.post_form(f"/field/care/rules/{policy.pk}/", {
            "csrfmiddlewaretoken": token, "tag": "elderly_alone", "period": "monthly", "starts_on": "2026-01-01"}).status == 403
        api = browser.post_json("/api/v1/field/care/policies/", create)
        assert (api.status, api.json()["error"]["message"]) == (403, FORBIDDEN), username
        patch = browser.request("PATCH", f"/api/v1/field/care/policies/{policy.pk}/", data=b'{"period": "monthly"}',
                                headers={"Content-Type": "application/json", "Accept": "application/json"})
        assert (patch.status, patch.json()["error"]["message"]) == (403, FORBIDDEN), username
    resident = Browser(live_server.url)
    assert resident.sign_in_with_texted_code("13900000001").status == 302
    assert resident.get("/field/care/rules/").status == 403
    assert resident.post_json("/api/v1/field/care/policies/", create).status == 403
    assert resident.request("PATCH", f"/api/v1/field/care/policies/{policy.pk}/", data=b'{"period": "monthly"}',
                            headers={"Content-Type": "application/json"}).status == 403
    assert (stored(), audit_rows()) == before
