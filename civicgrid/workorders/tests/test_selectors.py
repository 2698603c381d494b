"""Who sees which order, the work queues, masking, tracking and the responsibility list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from civicgrid.people.jurisdiction import jurisdiction_for
from civicgrid.sla.models import Pressure, PressureKind, Whistle, WhistleResponse
from civicgrid.workorders import selectors, services
from civicgrid.workorders.filters import OrderFilterSet
from civicgrid.workorders.models import Appeal, OrderEvent, Responsibility, Status
from civicgrid.workorders.testing import make_order, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    world = make_world()
    t = world.tree
    world.g1 = make_order(world, area=t.grid1, title="G1 order")
    world.g3 = make_order(world, area=t.grid3, title="G3 order", reporter=world.users["resident2"])
    world.g4 = make_order(world, area=t.grid4, title="G4 order", reporter=world.users["resident2"])
    return world


def numbers(qs):
    return sorted(o.number for o in qs)


def seen_by(w, who):
    user = w.users[who] if who else AnonymousUser()
    return numbers(selectors.orders_for(jurisdiction_for(user)))


def test_area_roles_see_their_subtrees(w):
    assert seen_by(w, "admin") == numbers([w.g1, w.g3, w.g4])
    assert seen_by(w, "district") == numbers([w.g1, w.g3, w.g4])
    assert seen_by(w, "hotline") == numbers([w.g1, w.g3, w.g4])
    assert seen_by(w, "street") == numbers([w.g1, w.g3])
    assert seen_by(w, "street2") == numbers([w.g4])
    assert seen_by(w, "community") == numbers([w.g1])
    assert seen_by(w, "community2") == numbers([w.g3])
    assert seen_by(w, "grid") == numbers([w.g1])
    assert seen_by(w, "grid3") == numbers([w.g3])


def test_residents_see_the_orders_of_their_own_appeals_and_anonymous_nothing(w):
    assert seen_by(w, "resident") == numbers([w.g1])
    assert seen_by(w, "resident2") == numbers([w.g3, w.g4])
    assert seen_by(w, None) == []


def test_department_handlers_see_orders_sent_to_their_unit_now_or_before(w):
    assert seen_by(w, "dept") == []
    services.transition(w.g1, "dispatch", w.users["street"], unit=w.units["cg"])
    assert seen_by(w, "dept") == numbers([w.g1])
    assert seen_by(w, "dept2") == []
    services.transition(w.g1, "redispatch", w.users["street"], unit=w.units["zj"], reason="misrouted")
    assert seen_by(w, "dept") == numbers([w.g1])
    assert seen_by(w, "dept2") == numbers([w.g1])


def test_department_handlers_see_orders_whose_whistle_calls_them(w):
    whistle = Whistle.objects.create(order=w.g3, street=w.tree.street1, area_path=w.g3.area_path,
                                     called_by=w.users["street"], reason="joint task",
                                     report_due=timezone.now() + timedelta(hours=24))
    WhistleResponse.objects.create(whistle=whistle, unit=w.units["zj"])
    assert seen_by(w, "dept2") == numbers([w.g3])
    assert seen_by(w, "dept") == []
    assert selectors.whistle_for_report(jurisdiction_for(w.users["dept2"]), whistle.pk) == whistle
    assert selectors.whistle_for_report(jurisdiction_for(w.users["dept"]), whistle.pk) is None
    assert numbers(selectors.queue_pressed_on_me(jurisdiction_for(w.users["dept2"]))) == numbers([w.g3])


def test_get_order_answers_none_outside_the_jurisdiction_like_a_missing_one(w):
    j = jurisdiction_for(w.users["street2"])
    assert selectors.get_order(j, w.g4.number) == w.g4
    assert selectors.get_order(j, w.g1.number) is None
    assert selectors.get_order(j, "NO-SUCH") is None


def test_queue_to_dispatch_is_dispatchers_new_and_returned_orders_most_pressing_first(w):
    now = timezone.now()
    w.g1.__class__.objects.filter(pk=w.g1.pk).update(dispatch_due=now + timedelta(hours=2))
    w.g3.__class__.objects.filter(pk=w.g3.pk).update(dispatch_due=now + timedelta(hours=1))
    assert [o.number for o in selectors.queue_to_dispatch(jurisdiction_for(w.users["street"]))] == [
        w.g3.number, w.g1.number]
    assert numbers(selectors.queue_to_dispatch(jurisdiction_for(w.users["grid"]))) == []
    assert numbers(selectors.queue_to_dispatch(jurisdiction_for(w.users["dept"]))) == []
    assert numbers(selectors.queue_to_dispatch(jurisdiction_for(w.users["hotline"]))) == numbers([w.g1, w.g3, w.g4])


def test_queues_to_accept_and_in_hand_follow_the_unit_acted_for(w):
    services.transition(w.g1, "dispatch", w.users["street"], unit=w.units["cg"])
    services.transition(w.g3, "dispatch", w.users["street"], unit=w.units["c2"])
    assert numbers(selectors.queue_to_accept(jurisdiction_for(w.users["dept"]))) == numbers([w.g1])
    assert numbers(selectors.queue_to_accept(jurisdiction_for(w.users["community2"]))) == numbers([w.g3])
    assert numbers(selectors.queue_to_accept(jurisdiction_for(w.users["grid3"]))) == numbers([w.g3])
    assert numbers(selectors.queue_to_accept(jurisdiction_for(w.users["community"]))) == []
    services.transition(w.g1, "accept", w.users["dept"])
    assert numbers(selectors.queue_to_accept(jurisdiction_for(w.users["dept"]))) == []
    assert numbers(selectors.queue_in_hand(jurisdiction_for(w.users["dept"]))) == numbers([w.g1])


def test_overdue_and_due_soon(w):
    now = timezone.now()
    model = w.g1.__class__
    model.objects.filter(pk=w.g1.pk).update(status=Status.IN_PROGRESS, is_overdue=True, handle_due=now - timedelta(hours=1))
    model.objects.filter(pk=w.g3.pk).update(status=Status.IN_PROGRESS, handle_due=now + timedelta(hours=3))
    model.objects.filter(pk=w.g4.pk).update(status=Status.DISPATCHED, response_due=now + timedelta(hours=30))
    district = jurisdiction_for(w.users["district"])
    assert [o.number for o in selectors.queue_overdue(district)] == [w.g1.number]
    assert [o.number for o in selectors.queue_due_soon(district, now=now)] == [w.g3.number]
    assert [o.number for o in selectors.queue_due_soon(district, within=timedelta(hours=48), now=now)] == [
        w.g3.number, w.g4.number]


def test_pressed_on_me_lists_escalations_and_supervision_addressed_to_my_area(w):
    Pressure.objects.create(order=w.g1, kind=PressureKind.SUPERVISE, stage="handle", key="street",
                            target_area=w.tree.street1, scheduled_at=timezone.now())
    Pressure.objects.create(order=w.g4, kind=PressureKind.REMIND, stage="handle", key="0.5",
                            target_area=w.tree.street2, scheduled_at=timezone.now())
    assert numbers(selectors.queue_pressed_on_me(jurisdiction_for(w.users["street"]))) == numbers([w.g1])
    assert numbers(selectors.queue_pressed_on_me(jurisdiction_for(w.users["street2"]))) == []
    assert selectors.queue_counts(jurisdiction_for(w.users["street"])) == {
        "to_dispatch": 2, "to_accept": 0, "in_hand": 0, "overdue": 0, "due_soon": 0, "pressed": 1}


def test_residents_read_only_public_events_and_their_own_appeals_masked(w):
    OrderEvent.objects.create(order=w.g1, action="note", reason="internal", is_public=False)
    OrderEvent.objects.create(order=w.g1, action="note", reason="public")
    Appeal.objects.create(tracking_number="A-OTHER", order=w.g1, channel="hotline", title="me too", text="same",
                          reporter=w.users["resident2"], reporter_name="欧阳娜娜", reporter_phone="13900000002",
                          address="恩县路12号3单元301室", area_path=w.g1.area_path, received_at=timezone.now())
    resident = jurisdiction_for(w.users["resident"])
    assert [e.reason for e in selectors.timeline(resident, w.g1)] == ["public"]
    assert [e.reason for e in selectors.timeline(jurisdiction_for(w.users["grid"]), w.g1)] == ["internal", "public"]
    mine = selectors.appeals_of(resident, w.g1)
    assert [(a.tracking_number, a.reporter_name, a.reporter_phone, a.is_mine) for a in mine] == [
        (w.g1.appeals.order_by("pk").first().tracking_number, "张*", "139****0001", True)]
    staff = selectors.appeals_of(jurisdiction_for(w.users["grid"]), w.g1)
    assert [(a.reporter_name, a.reporter_phone, a.address, a.is_mine) for a in staff] == [
        ("张*", "139****0001", "", False), ("欧阳**", "139****0002", "恩县路12号***", False)]


def test_reveal_is_for_staff_of_the_jurisdiction_only(w):
    number = w.g1.appeals.get().tracking_number
    assert selectors.appeal_for_reveal(jurisdiction_for(w.users["grid"]), number).pk == w.g1.appeals.get().pk
    assert selectors.appeal_for_reveal(jurisdiction_for(w.users["street2"]), number) is None
    assert selectors.appeal_for_reveal(jurisdiction_for(w.users["resident"]), number) is None


def test_tracking_needs_the_number_and_the_reporters_phone(w):
    number = w.g1.appeals.get().tracking_number
    assert selectors.track_appeal(number, "13900000001").order == w.g1
    assert selectors.track_appeal(number, "+86 139-0000-0001").order == w.g1
    assert selectors.track_appeal(number, "13900000002") is None
    assert selectors.track_appeal("NO-SUCH", "13900000001") is None
    assert selectors.track_appeal(number, "") is None


def test_category_tree_nests_active_categories(w):
    w.categories["private"].is_active = False
    w.categories["private"].save()
    tree = selectors.category_tree()
    root = next(n for n in tree if n["code"] == "01")
    sub = next(c for c in root["children"] if c["code"] == "0101")
    assert (root["name"], root["level"], sub["name"], sub["level"]) == ("城乡建设", 1, "市政管理", 2)
    codes = [c["code"] for c in sub["children"]]
    assert codes[:2] == ["010101", "010102"] and "010103" not in codes
    assert sub["children"][0] == {"code": "010101", "name": "道路破损", "level": 3, "description": "",
                                  "is_private": False, "default_priority": "normal", "children": []}
    leaves = [c.code for c in selectors.leaf_categories()]
    assert "010101" in leaves and "010103" not in leaves and "0101" not in leaves


def test_responsibilities_cover_own_areas_their_ancestors_and_own_units(w):
    t = w.tree
    district_rule = Responsibility.objects.create(area=t.district, area_path=t.district.path, unit=w.units["cg"],
                                                  level="district", category=w.categories["road"])
    street2_rule = Responsibility.objects.create(area=t.street2, area_path=t.street2.path, unit=w.units["zj"],
                                                 level="district")
    community_rule = Responsibility.objects.create(area=t.community1, area_path=t.community1.path,
                                                   unit=w.units["c1"], level="community")

    def seen(who):
        return sorted(r.pk for r in selectors.responsibilities_for(jurisdiction_for(w.users[who])))

    assert seen("grid") == sorted([district_rule.pk, community_rule.pk])
    assert seen("street2") == sorted([district_rule.pk, street2_rule.pk])
    assert seen("dept2") == [street2_rule.pk]
    assert seen("district") == sorted([district_rule.pk, street2_rule.pk, community_rule.pk])
    assert seen("resident") == []


def test_filterset_narrows_the_scoped_list(w, rf):
    request = rf.get("/")
    request.user = w.users["district"]
    base = selectors.orders_for(jurisdiction_for(w.users["district"]))

    def filtered(**params):
        return numbers(OrderFilterSet(params, queryset=base, request=request).qs)

    assert filtered(area=w.tree.street1.code) == numbers([w.g1, w.g3])
    assert filtered(area="999999") == []
    assert filtered(category="0101") == numbers([w.g1, w.g3, w.g4])
    assert filtered(category="010102") == []
    assert filtered(q="G3") == numbers([w.g3])
    assert filtered(q=w.g4.appeals.get().tracking_number) == numbers([w.g4])
    assert filtered(status=["new"], state="open") == numbers([w.g1, w.g3, w.g4])
    assert filtered(state="final") == []
    assert filtered(queue="to_dispatch") == numbers([w.g1, w.g3, w.g4])
    assert filtered(overdue="true") == []
