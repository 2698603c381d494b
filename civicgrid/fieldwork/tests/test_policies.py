"""Care rules are configuration: set by administrators and district commanders (admin or service),
validated in Chinese, audited; a refusal changes nothing."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from civicgrid.core.models import AuditEvent
from civicgrid.fieldwork import services
from civicgrid.fieldwork.models import CarePolicy
from civicgrid.workorders.testing import make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return make_world()


def test_district_commander_sets_and_changes_a_rule(w):
    policy = services.save_care_policy(w.users["district"], area=w.tree.district, tag="elderly_alone", period="days",
                                       days=5, starts_on=date(2026, 1, 1))
    assert (policy.area_path, policy.days, policy.interval_label) == (w.tree.district.path, 5, "每 5 天")
    changed = services.save_care_policy(w.users["district"], instance=policy, area=w.tree.district, tag="elderly_alone",
                                        period="weekly", days=9, starts_on=date(2026, 1, 1))
    assert (changed.pk, changed.period, changed.days) == (policy.pk, "weekly", None)
    events = list(AuditEvent.objects.filter(action="care_policy.save").order_by("id").values_list("changes", flat=True))
    assert [e["created"] for e in events] == [True, False]
    assert events[1]["period"] == ["days", "weekly"] and events[1]["days"] == ["5", "None"]


def test_refusals_change_nothing(w):
    before = (CarePolicy.objects.count(), AuditEvent.objects.count())
    with pytest.raises(services.FieldworkForbidden):
        services.save_care_policy(w.users["community"], area=w.tree.community1, tag="disabled", period="weekly",
                                  starts_on=date(2026, 1, 1))
    with pytest.raises(ValidationError) as err:
        services.save_care_policy(w.users["admin"], area=w.tree.district, tag="pets", period="days", days=0,
                                  starts_on=None)
    assert err.value.message_dict == {"tag": ["未知的关爱标签 'pets'。"], "days": ["请填写两次走访之间的天数，1 到 366。"],
                                      "starts_on": ["请填写规则生效的日期。"]}
    assert (CarePolicy.objects.count(), AuditEvent.objects.count()) == before
    services.save_care_policy(w.users["admin"], area=w.tree.district, tag="disabled", period="monthly",
                              starts_on=date(2026, 1, 1))
    with pytest.raises(ValidationError) as err:
        services.save_care_policy(w.users["district"], area=w.tree.district, tag="disabled", period="weekly",
                                  starts_on=date(2026, 1, 1))
    assert err.value.message_dict == {"tag": ["市北区已有此标签的规则：请修改那一条。"]}
    assert CarePolicy.objects.get(tag="disabled").period == "monthly"


def test_admin_form_saves_through_the_service(client, w):
    client.force_login(w.users["admin"])
    page = client.get("/admin/fieldwork/carepolicy/add/")
    assert page.status_code == 200
    response = client.post("/admin/fieldwork/carepolicy/add/", {
        "area": w.tree.district.pk, "tag": "low_income", "period": "monthly", "days": "", "starts_on": "2026-01-01",
        "is_active": "on", "note": "区级规则"})
    assert response.status_code == 302
    policy = CarePolicy.objects.get()
    assert (policy.tag, policy.area_path) == ("low_income", w.tree.district.path)
    assert AuditEvent.objects.filter(action="care_policy.save", actor=w.users["admin"]).count() == 1
    bad = client.post("/admin/fieldwork/carepolicy/add/", {
        "area": w.tree.district.pk, "tag": "disabled", "period": "days", "days": "", "starts_on": "2026-01-01"})
    assert bad.status_code == 200 and "请填写两次走访之间的天数，1 到 366。" in bad.content.decode()
    assert CarePolicy.objects.count() == 1
