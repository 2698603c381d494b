"""Editing the responsibility list (职责清单): one rule per category (or default) and area, old and
new values in the audit row, deletions audited, refusals on the admin form (not a server error),
and orders still waiting for dispatch follow the list as it is now."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from civicgrid.core.models import AuditEvent
from civicgrid.workorders import routing
from civicgrid.workorders.models import Channel, Responsibility, Status, WorkOrder
from civicgrid.workorders.testing import make_order, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return make_world()


def new_rule(w, category, area, unit, level="district"):
    rule = Responsibility(category=w.categories[category] if category else None, area=area, unit=w.units[unit],
                          level=level)
    return routing.save_rule(w.users["admin"], rule)


def suggested(*orders):
    return [WorkOrder.objects.get(pk=o.pk).suggested_unit.code if WorkOrder.objects.get(pk=o.pk).suggested_unit_id
            else None for o in orders]


def test_a_second_default_rule_for_an_area_is_refused(w):
    first = new_rule(w, None, w.tree.street1, "s1", "street")
    with pytest.raises(ValidationError) as info, translation.override("en"):
        new_rule(w, None, w.tree.street1, "cg", "district")
    assert info.value.message_dict == {"category": ["即墨路街道 already has a default rule; change that one instead."]}
    assert list(Responsibility.objects.values_list("pk", "unit__code")) == [(first.pk, "S1-OFFICE")]
    assert AuditEvent.objects.filter(action__startswith="responsibility.").count() == 1


def test_waiting_orders_follow_the_list_and_the_audit_has_old_and_new(w):
    t = w.tree
    district_rule = new_rule(w, "sub", t.district, "cg")
    waiting = make_order(w, area=t.grid1, suggested_unit=w.units["cg"])
    returned = make_order(w, area=t.grid1, status=Status.RETURNED, suggested_unit=w.units["cg"])
    elsewhere = make_order(w, area=t.grid4, suggested_unit=w.units["cg"])
    dispatched = make_order(w, area=t.grid1, status=Status.DISPATCHED, unit=w.units["cg"], suggested_unit=w.units["cg"])
    patrol = make_order(w, area=t.grid1)
    WorkOrder.objects.filter(pk=patrol.pk).update(channel=Channel.PATROL)
    other_category = make_order(w, area=t.grid1, category=w.categories["private"], suggested_unit=w.units["zj"])
    WorkOrder.objects.filter(pk=other_category.pk).update(category=None)
    version = WorkOrder.objects.get(pk=waiting.pk).version

    street_rule = new_rule(w, "road", t.street1, "s1", "street")
    assert suggested(waiting, returned, elsewhere, dispatched, patrol, other_category) == [
        "S1-OFFICE", "S1-OFFICE", "D-CG", "D-CG", None, "D-ZJ"]
    assert WorkOrder.objects.get(pk=waiting.pk).version == version + 1
    event = AuditEvent.objects.get(action="responsibility.create", object_id=str(street_rule.pk))
    assert event.changes == {"category": "010101", "area": t.street1.code, "unit": "S1-OFFICE", "level": "street",
                             "note": "", "is_active": True, "fields": [],
                             "orders_resuggested": sorted([waiting.number, returned.number])}

    street_rule.unit = w.units["zj"]
    street_rule.level = "district"
    routing.save_rule(w.users["admin"], street_rule)
    assert suggested(waiting, returned) == ["D-ZJ", "D-ZJ"]
    event = AuditEvent.objects.get(action="responsibility.update")
    assert event.changes == {"unit": ["S1-OFFICE", "D-ZJ"], "level": ["street", "district"],
                             "orders_resuggested": sorted([waiting.number, returned.number])}

    # Saving it unchanged writes nothing.
    routing.save_rule(w.users["admin"], Responsibility.objects.get(pk=street_rule.pk))
    assert AuditEvent.objects.filter(action="responsibility.update").count() == 1

    routing.delete_rule(w.users["admin"], street_rule)
    assert suggested(waiting, returned, elsewhere) == ["D-CG", "D-CG", "D-CG"]
    assert not Responsibility.objects.filter(pk=street_rule.pk).exists()
    event = AuditEvent.objects.get(action="responsibility.delete")
    assert (event.object_id, event.changes) == (str(street_rule.pk), {
        "category": ["010101", None], "area": [t.street1.code, None], "unit": ["D-ZJ", None],
        "level": ["district", None], "note": ["", None], "is_active": [True, None],
        "orders_resuggested": sorted([waiting.number, returned.number])})
    assert Responsibility.objects.get().pk == district_rule.pk


@pytest.fixture
def admin_client(client, w):
    client.force_login(w.users["admin"])
    return client


def test_admin_shows_a_refused_rule_on_the_form_and_audits_deletion(w, admin_client):
    w.units["zj"].is_active = False
    w.units["zj"].save()
    data = {"category": w.categories["road"].pk, "area": w.tree.street1.pk, "unit": w.units["zj"].pk,
            "level": "district", "note": "", "is_active": "on"}
    response = admin_client.post("/admin/workorders/responsibility/add/", data)
    assert response.status_code == 200
    assert "市北区住房和城乡建设局" in response.content.decode()
    assert not Responsibility.objects.exists()

    data["unit"] = w.units["cg"].pk
    assert admin_client.post("/admin/workorders/responsibility/add/", data).status_code == 302
    rule = Responsibility.objects.get()
    assert (rule.unit.code, rule.area_path) == ("D-CG", w.tree.street1.path)

    response = admin_client.post(f"/admin/workorders/responsibility/{rule.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Responsibility.objects.exists()
    assert AuditEvent.objects.filter(action="responsibility.delete", object_id=str(rule.pk)).count() == 1


def test_a_unit_that_does_not_serve_the_rules_area_is_refused(w):
    t = w.tree
    for area in (t.district, t.street2, t.community3):  # the street office of 即墨路街道 serves only that street
        with pytest.raises(ValidationError) as info, translation.override("en"):
            new_rule(w, "road", area, "s1", "street")
        assert info.value.message_dict == {"unit": [
            f"即墨路街道办事处 serves 即墨路街道, which does not contain {area.name}: it could not be given the orders "
            "of this rule."]}
    assert not Responsibility.objects.exists()
    assert not AuditEvent.objects.exists()
    assert new_rule(w, "road", t.community1, "s1", "street").area_path == t.community1.path
