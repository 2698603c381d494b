"""吹哨报到: who may blow a whistle, who may report, deadlines, lateness, and the sweep's pressure."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from civicgrid.core.models import AuditEvent
from civicgrid.people.jurisdiction import jurisdiction_for
from civicgrid.people.models import Membership, Role, Unit, UnitKind, User
from civicgrid.sla import selectors, services
from civicgrid.sla.models import Pressure, Whistle, WhistleResponse
from civicgrid.sla.sweep import run_sweep
from civicgrid.workorders.errors import TransitionForbidden
from civicgrid.workorders.models import OrderEvent, Status
from civicgrid.workorders.testing import make_order, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return make_world()


def open_order(w, **kw):
    return make_order(w, status=Status.IN_PROGRESS, unit=w.units["c1"], **kw)


def state():
    return (Whistle.objects.count(), WhistleResponse.objects.count(), OrderEvent.objects.count(),
            AuditEvent.objects.count(), Pressure.objects.count())


def blow(w, who="street", order=None, units=("cg", "zj"), **kw):
    order = order or open_order(w)
    return services.blow_whistle(w.users[who], order, units=[w.units[u] for u in units],
                                 reason=kw.pop("reason", "占道经营反复出现，需城管、住建联合处置"), **kw)


def test_a_street_dispatcher_blows_the_whistle(w):
    before = timezone.now()
    whistle = blow(w)
    after = timezone.now()
    assert (whistle.street, whistle.status, whistle.called_by) == (w.tree.street1, "open", w.users["street"])
    # The default policy: report within 2 hours.
    assert before + timedelta(hours=2) <= whistle.report_due <= after + timedelta(hours=2)
    assert sorted(whistle.responses.values_list("unit__code", "reported_at", "is_overdue")) == [
        ("D-CG", None, False), ("D-ZJ", None, False)]
    event = OrderEvent.objects.get(action="whistle")
    assert (event.is_public, event.actor, event.data["units"]) == (False, w.users["street"], ["D-CG", "D-ZJ"])
    assert AuditEvent.objects.get(action="sla.whistle.blow").object_id == str(whistle.pk)


def test_the_district_commander_may_too_and_the_limit_can_be_given(w):
    before = timezone.now()
    whistle = blow(w, "district", units=("cg",), report_hours=24)
    assert before + timedelta(hours=24) <= whistle.report_due <= timezone.now() + timedelta(hours=24)


@pytest.mark.parametrize("who", ["street2", "community", "grid", "dept", "hotline", "resident", None])
def test_others_may_not_blow_the_whistle(w, who):
    order = open_order(w)
    before = state()
    with pytest.raises(TransitionForbidden):
        services.blow_whistle(w.users[who] if who else None, order, units=[w.units["cg"]], reason="联合处置")
    assert state() == before


@pytest.mark.parametrize(("units", "extra"), [
    ((), {}), (("c1",), {}), (("s1",), {}), (("cg", "cg"), {}), (("cg",), {"reason": "  "}),
    (("cg",), {"report_hours": 0}), (("cg",), {"report_hours": 10_000}), (("cg",), {"report_hours": "2"}),
])
def test_bad_whistles_are_refused(w, units, extra):
    order = open_order(w)
    before = state()
    with pytest.raises(services.SlaError):
        blow(w, order=order, units=units, **extra)
    assert state() == before


def test_no_whistle_on_a_closed_order_nor_twice_at_once(w):
    closed = make_order(w, status=Status.CLOSED)
    with pytest.raises(services.SlaError):
        blow(w, order=closed)
    order = open_order(w)
    blow(w, order=order)
    before = state()
    with pytest.raises(services.SlaError):
        blow(w, order=order, units=("cg",))
    assert state() == before


def test_departments_report_once_and_the_whistle_is_done_when_all_have(w):
    whistle = blow(w)
    response = services.report_whistle(w.users["dept"], whistle, note="已派执法队员到场")
    assert (response.unit.code, response.reported_by, response.is_overdue, response.note) == (
        "D-CG", w.users["dept"], False, "已派执法队员到场")
    whistle.refresh_from_db()
    assert whistle.status == "open"
    before = state()
    with pytest.raises(services.SlaError):
        services.report_whistle(w.users["dept"], whistle, note="再次报到")
    assert state() == before
    services.report_whistle(w.users["dept2"], whistle, note="住建局已到场")
    whistle.refresh_from_db()
    assert (whistle.status, whistle.closed_at is not None) == ("done", True)
    assert list(OrderEvent.objects.filter(action="whistle_report").values_list("unit__code", "is_public")) == [
        ("D-CG", False), ("D-ZJ", False)]
    assert AuditEvent.objects.filter(action="sla.whistle.report").count() == 2


def test_only_handlers_of_a_called_department_report(w):
    other = Unit.objects.create(code="D-SW", name="市北区水务局", kind=UnitKind.DEPARTMENT, area=w.tree.district)
    outsider = User.objects.create_user("water", password="x")
    Membership.objects.create(user=outsider, role=Role.DEPARTMENT_HANDLER, unit=other)
    whistle = blow(w, units=("cg",))
    before = state()
    for user in (outsider, w.users["street"], w.users["grid"], w.users["dept2"], w.users["resident"], None):
        with pytest.raises(TransitionForbidden):
            services.report_whistle(user, whistle, note="到")
    with pytest.raises(services.SlaError):
        services.report_whistle(w.users["dept"], whistle, note=" ")
    assert state() == before
    assert WhistleResponse.objects.get().reported_at is None


def test_a_late_report_is_marked_overdue_and_the_sweep_presses_first(w):
    whistle = blow(w)
    due = timezone.now() - timedelta(minutes=1)
    Whistle.objects.filter(pk=whistle.pk).update(report_due=due)
    summary = run_sweep(due + timedelta(minutes=1))
    assert summary.whistle_overdue == 2
    assert sorted(Pressure.objects.filter(stage="whistle").values_list("kind", "target_unit__code", "due_at")) == [
        ("overdue", "D-CG", due), ("overdue", "D-ZJ", due)]
    assert run_sweep(due + timedelta(hours=1)).changes == 0
    response = services.report_whistle(w.users["dept"], Whistle.objects.get(), note="迟到报到")
    assert response.is_overdue is True and response.reported_at is not None


def test_a_report_after_the_deadline_without_a_sweep_is_late_too(w):
    whistle = blow(w)
    Whistle.objects.filter(pk=whistle.pk).update(report_due=timezone.now() - timedelta(seconds=1))
    response = services.report_whistle(w.users["dept"], whistle, note="到")
    assert response.is_overdue is True
    assert AuditEvent.objects.get(action="sla.whistle.report").changes["is_overdue"] == [False, True]


def test_whistle_selectors_are_scoped(w):
    whistle = blow(w)
    j = {k: jurisdiction_for(w.users[k]) for k in ("street", "street2", "district", "dept", "resident", "community")}
    assert list(selectors.whistles_awaiting(j["street"])) == [whistle]
    assert list(selectors.whistles_awaiting(j["district"])) == [whistle]
    assert list(selectors.whistles_awaiting(j["dept"])) == [whistle]
    assert list(selectors.whistles_awaiting(j["community"])) == [whistle]  # the order lies in its community
    assert list(selectors.whistles_awaiting(j["street2"])) == []
    assert list(selectors.whistles_awaiting(j["resident"])) == []
    assert selectors.get_whistle(j["street2"], whistle.pk) is None
    assert selectors.get_whistle(j["street"], whistle.pk) == whistle
    assert [r.unit.code for r in selectors.responses_awaiting(j["dept"])] == ["D-CG"]
    assert list(selectors.responses_awaiting(j["street"])) == []
    services.report_whistle(w.users["dept"], whistle, note="到")
    assert list(selectors.responses_awaiting(j["dept"])) == []
    assert list(selectors.whistles_awaiting(j["dept"])) == [whistle]  # still waiting for 住建
    services.report_whistle(w.users["dept2"], whistle, note="到")
    assert list(selectors.whistles_awaiting(j["street"])) == []
