"""SLA policies: the defaults loaded by migration, which one applies (most specific wins), and
the service that edits them."""

from __future__ import annotations

import pytest

from civicgrid.core.models import AuditEvent
from civicgrid.sla import services
from civicgrid.sla.deadlines import policy_for
from civicgrid.sla.models import SlaPolicy
from civicgrid.workorders.errors import TransitionForbidden
from civicgrid.workorders.testing import make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return make_world()


def limits(policy):
    return {f: getattr(policy, f) for f in (
        "priority", "utilities_only", "dispatch_limit", "dispatch_unit", "response_limit", "response_unit",
        "handle_limit", "handle_unit", "return_limit", "return_unit", "extension_max", "extension_unit",
        "remind_at", "escalate_every", "escalate_unit", "whistle_limit", "whistle_unit")}


def test_the_defaults_are_data():
    policies = {p.name: limits(p) for p in SlaPolicy.objects.all()}
    assert policies == {
        "默认时限（山东省规定）": {
            "priority": "", "utilities_only": False, "dispatch_limit": 2, "dispatch_unit": "hours",
            "response_limit": 24, "response_unit": "hours", "handle_limit": 5, "handle_unit": "workdays",
            "return_limit": 2, "return_unit": "workdays", "extension_max": 10, "extension_unit": "workdays",
            "remind_at": [0.5, 0.8], "escalate_every": 1, "escalate_unit": "workdays",
            "whistle_limit": 2, "whistle_unit": "hours"},
        "紧急诉求（1小时派单）": {
            "priority": "urgent", "utilities_only": False, "dispatch_limit": 1, "dispatch_unit": "hours",
            "response_limit": 2, "response_unit": "hours", "handle_limit": 24, "handle_unit": "hours",
            "return_limit": 2, "return_unit": "hours", "extension_max": 10, "extension_unit": "workdays",
            "remind_at": [0.5, 0.8], "escalate_every": 2, "escalate_unit": "hours",
            "whistle_limit": 1, "whistle_unit": "hours"},
        "水电气热（2小时派单）": {
            "priority": "", "utilities_only": True, "dispatch_limit": 2, "dispatch_unit": "hours",
            "response_limit": 2, "response_unit": "hours", "handle_limit": 5, "handle_unit": "workdays",
            "return_limit": 2, "return_unit": "workdays", "extension_max": 10, "extension_unit": "workdays",
            "remind_at": [0.5, 0.8], "escalate_every": 1, "escalate_unit": "workdays",
            "whistle_limit": 2, "whistle_unit": "hours"},
    }


def name(policy):
    return policy.name if policy else None


def test_most_specific_policy_wins(w):
    t, c = w.tree, w.categories
    road, gas = c["road"], c["gas"]
    assert name(policy_for(area_path=t.grid1.path, category=road, priority="normal")) == "默认时限（山东省规定）"
    assert name(policy_for(area_path=t.grid1.path, category=road, priority="urgent")) == "紧急诉求（1小时派单）"
    assert name(policy_for(area_path=t.grid1.path, category=gas, priority="normal")) == "水电气热（2小时派单）"
    assert name(policy_for(area_path=t.grid1.path, category=gas, priority="urgent")) == "紧急诉求（1小时派单）"
    assert name(policy_for(area_path=t.grid1.path, category=None, priority="normal")) == "默认时限（山东省规定）"

    street = SlaPolicy.objects.create(name="即墨路街道", area=t.street1, handle_limit=3)
    street_roads = SlaPolicy.objects.create(name="即墨路街道道路", area=t.street1, category=c["sub"])
    district_roads = SlaPolicy.objects.create(name="市北区道路", area=t.district, category=road)
    SlaPolicy.objects.create(name="停用", area=t.grid1, category=road, is_active=False)
    assert name(policy_for(area_path=t.grid1.path, category=None, priority="normal")) == street.name
    assert name(policy_for(area_path=t.grid4.path, category=None, priority="normal")) == "默认时限（山东省规定）"
    # The deeper category beats the deeper jurisdiction; urgency beats both.
    assert name(policy_for(area_path=t.grid1.path, category=road, priority="normal")) == district_roads.name
    assert name(policy_for(area_path=t.grid1.path, category=gas, priority="normal")) == street_roads.name
    assert name(policy_for(area_path=t.grid1.path, category=road, priority="urgent")) == "紧急诉求（1小时派单）"
    assert name(policy_for(area_path=t.grid4.path, category=road, priority="normal")) == district_roads.name
    SlaPolicy.objects.all().delete()
    assert policy_for(area_path=t.grid1.path, category=road, priority="normal") is None


def test_save_policy_cleans_and_audits(w):
    admin = w.users["admin"]
    policy = services.save_policy(admin, name="  即墨路街道  ", area=w.tree.street1, remind_at=[0.8, 0.5, 0.5])
    assert (policy.name, policy.remind_at, policy.handle_limit, policy.area) == ("即墨路街道", [0.5, 0.8], 5, w.tree.street1)
    policy = services.save_policy(admin, instance=policy, handle_limit=3, remind_at=[0.5, 0.8])
    assert policy.handle_limit == 3
    audit = AuditEvent.objects.filter(action="sla.policy.update").get()
    assert audit.changes == {"handle_limit": [5, 3]}
    assert services.save_policy(admin, instance=policy, handle_limit=3) == policy
    assert AuditEvent.objects.filter(action__startswith="sla.policy").count() == 2


@pytest.mark.parametrize("bad", [
    {"remind_at": [1.5]}, {"remind_at": [0]}, {"remind_at": "0.5"}, {"remind_at": [True]},
    {"handle_limit": 0}, {"handle_unit": "weeks"}, {"name": " "}, {"escalate_every": 0}, {"colour": "red"},
])
def test_bad_policies_are_refused(w, bad):
    admin = w.users["admin"]
    policy = SlaPolicy.objects.get(priority="urgent")
    before = (limits(policy), policy.name, SlaPolicy.objects.count(), AuditEvent.objects.count())
    with pytest.raises(services.SlaError):
        services.save_policy(admin, instance=policy, **bad)
    with pytest.raises(services.SlaError):
        services.save_policy(admin, **{"name": "新", **bad})
    policy.refresh_from_db()
    assert (limits(policy), policy.name, SlaPolicy.objects.count(), AuditEvent.objects.count()) == before


def test_only_administrators_edit_policies(w):
    policy = SlaPolicy.objects.get(priority="urgent")
    for who in ("street", "district", "dept"):
        with pytest.raises(TransitionForbidden):
            services.save_policy(w.users[who], instance=policy, handle_limit=1)
        with pytest.raises(TransitionForbidden):
            services.save_policy(w.users[who], name="x")
    policy.refresh_from_db()
    assert (policy.handle_limit, SlaPolicy.objects.count(), AuditEvent.objects.count()) == (24, 3, 0)


def test_limits_in_minutes():
    """Some districts dispatch a gas leak within 30 minutes: hours were the smallest unit."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from civicgrid.sla.deadlines import add_limit, sub_limit

    bj = ZoneInfo("Asia/Shanghai")
    start = datetime(2026, 12, 3, 9, 50, tzinfo=bj)
    assert add_limit(start, 30, "minutes") == datetime(2026, 12, 3, 10, 20, tzinfo=bj)
    assert sub_limit(start, 15, "minutes") == datetime(2026, 12, 3, 9, 35, tzinfo=bj)
