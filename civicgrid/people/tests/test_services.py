"""people.services: accounts, memberships, grid teams and lists, 包联. Every refusal changes nothing."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from civicgrid.core.models import AuditEvent
from civicgrid.core.testing import make_building, make_tree
from civicgrid.people import services
from civicgrid.people.models import (
    BaolianAssignment,
    BuildingLeader,
    GridListItem,
    GridTeamMember,
    Membership,
    PartyBranch,
    Role,
    Unit,
    User,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    # Messages are asserted by their English msgids, whatever the zh-hans catalogue says.
    with translation.override("en"):
        yield

GOOD_PASSWORD = "Grid-Work2024"


@pytest.fixture
def tree():
    return make_tree()


@pytest.fixture
def admin_user():
    return User.objects.create_superuser("root", password=GOOD_PASSWORD)


@pytest.fixture
def role_admin(tree):
    """A district administrator by role, not a superuser."""
    user = User.objects.create_user("district-admin", password=GOOD_PASSWORD)
    Membership.objects.create(user=user, role=Role.ADMIN)
    return user


@pytest.fixture
def dispatcher(tree):
    user = User.objects.create_user("s1-dispatcher", password=GOOD_PASSWORD, real_name="街道调度")
    Membership.objects.create(user=user, role=Role.STREET_DISPATCHER, area=tree.street1)
    return user


@pytest.fixture
def grid_worker(tree):
    user = User.objects.create_user("g1-worker", password=GOOD_PASSWORD, real_name="网格员")
    Membership.objects.create(user=user, role=Role.GRID_WORKER, area=tree.grid1)
    return user


@pytest.fixture
def person():
    return User.objects.create_user("wang", password=GOOD_PASSWORD, real_name="王五")


@pytest.fixture
def unit(tree):
    return Unit.objects.create(code="qjj", name="区城管局", kind="department", area=tree.district)


def audit_actions():
    return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


# --- staff accounts -----------------------------------------------------------------------------
@pytest.mark.parametrize("actor_fixture", ["admin_user", "role_admin"])
def test_administrator_creates_staff_account(request, actor_fixture):
    actor = request.getfixturevalue(actor_fixture)
    user = services.create_staff_user(
        actor, " li.si ", GOOD_PASSWORD, " 李四 ", phone="+86 138-1234-5678", is_staff_site=True
    )
    user.refresh_from_db()
    assert (user.username, user.real_name, user.phone, user.is_staff, user.is_superuser) == (
        "li.si", "李四", "13812345678", True, False
    )
    assert user.check_password(GOOD_PASSWORD)
    assert user.password_changed_at is not None
    event = AuditEvent.objects.get(action="user.create")
    assert (event.actor_id, event.object_type, event.object_id) == (actor.pk, "people.user", str(user.pk))
    assert event.changes == {"username": "li.si", "real_name": "李四", "phone": "138****5678", "is_staff": True}


@pytest.mark.parametrize("actor_fixture", ["dispatcher", "grid_worker", "person"])
def test_non_administrators_cannot_create_staff(request, actor_fixture):
    actor = request.getfixturevalue(actor_fixture)
    users_before = User.objects.count()
    with pytest.raises(ValidationError) as info:
        services.create_staff_user(actor, "newstaff", GOOD_PASSWORD, "新人")
    assert info.value.code == "forbidden"
    assert info.value.messages == ["Only administrators may create staff accounts."]
    assert User.objects.count() == users_before
    assert not User.objects.filter(username="newstaff").exists()
    assert AuditEvent.objects.count() == 0


def test_anonymous_cannot_create_staff():
    with pytest.raises(ValidationError):
        services.create_staff_user(None, "newstaff", GOOD_PASSWORD, "新人")
    assert User.objects.count() == 0


@pytest.mark.parametrize(
    "password, code",
    [
        ("Ab1-short", "password_too_short"),  # 9 characters
        ("abcdefghijkl", "password_too_simple"),  # one class only
        ("abcdefgh12345", "password_too_simple"),  # two classes only
        ("12345678901234", "password_entirely_numeric"),
        ("Password123", "password_too_common"),
        ("Zhangsanfeng1", "password_too_similar"),  # username
    ],
)
def test_password_rules_refuse_each_reason(admin_user, password, code):
    with pytest.raises(ValidationError) as info:
        services.create_staff_user(admin_user, "zhangsanfeng", password, "张三丰")
    codes = [e.code for e in info.value.error_dict["password"]]
    assert code in codes
    assert not User.objects.filter(username="zhangsanfeng").exists()
    assert AuditEvent.objects.count() == 0


def test_password_rule_messages_are_clear(admin_user):
    with pytest.raises(ValidationError) as info:
        services.create_staff_user(admin_user, "newstaff", "abcdefghijkl", "新人")
    assert info.value.message_dict["password"] == [
        "The password must mix at least 3 kinds of characters: lower-case letters, upper-case letters, "
        "digits, symbols."
    ]


def test_staff_creation_refuses_bad_fields_all_at_once(admin_user, person):
    person.phone = "13900000000"
    person.save()
    with pytest.raises(ValidationError) as info:
        services.create_staff_user(admin_user, "WANG", GOOD_PASSWORD, "  ", phone="13900000000")
    assert sorted(info.value.message_dict) == ["phone", "real_name", "username"]
    assert info.value.message_dict["username"] == ["A user with that username already exists."]
    assert info.value.message_dict["phone"] == ["Another account already uses this mobile number."]
    with pytest.raises(ValidationError) as info:
        services.create_staff_user(admin_user, "newstaff", GOOD_PASSWORD, "新人", phone="12345")
    assert info.value.message_dict["phone"] == [
        "Enter a mainland China mobile number of 11 digits, such as 13812345678."
    ]
    assert User.objects.count() == 2
    assert AuditEvent.objects.count() == 0


def test_change_password(person):
    services.change_password(person, GOOD_PASSWORD, "Better-Pass-2025")
    person.refresh_from_db()
    assert person.check_password("Better-Pass-2025")
    assert person.password_changed_at is not None
    event = AuditEvent.objects.get()
    assert (event.action, event.kind, event.actor_id) == ("user.password_change", "auth", person.pk)


@pytest.mark.parametrize(
    "old, new, field, code",
    [
        ("wrong-Old-1", "Better-Pass-2025", "old_password", "password_incorrect"),
        (GOOD_PASSWORD, GOOD_PASSWORD, "new_password", "password_unchanged"),
        (GOOD_PASSWORD, "short-A1", "new_password", "password_too_short"),
        (GOOD_PASSWORD, "onlylowercaseletters", "new_password", "password_too_simple"),
        (GOOD_PASSWORD, "98765432109876", "new_password", "password_entirely_numeric"),
    ],
)
def test_change_password_refusals(person, old, new, field, code):
    hash_before = User.objects.get(pk=person.pk).password
    with pytest.raises(ValidationError) as info:
        services.change_password(person, old, new)
    assert code in [e.code for e in info.value.error_dict[field]]
    stored = User.objects.get(pk=person.pk)
    assert stored.password == hash_before
    assert stored.password_changed_at is None
    assert AuditEvent.objects.count() == 0


def test_update_user_saves_only_changes_and_masks_phone(admin_user, person):
    services.update_user(admin_user, person, real_name="王五", phone="13912345678")
    event = AuditEvent.objects.get()
    assert event.changes == {"phone": ["", "139****5678"]}
    services.update_user(admin_user, person, real_name="王五")
    assert AuditEvent.objects.count() == 1


def test_update_user_refuses_self_deactivation(admin_user):
    with pytest.raises(ValidationError):
        services.update_user(admin_user, admin_user, is_active=False)
    assert User.objects.get(pk=admin_user.pk).is_active is True
    assert AuditEvent.objects.count() == 0


# --- memberships --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "role, area_attr",
    [
        (Role.GRID_WORKER, "grid1"),
        (Role.GRID_LEADER, "grid2"),
        (Role.COMMUNITY_STAFF, "community1"),
        (Role.COMMUNITY_SECRETARY, "community2"),
        (Role.STREET_DISPATCHER, "street2"),
        (Role.DISTRICT_COMMANDER, "district"),
        (Role.HOTLINE_OPERATOR, "district"),
    ],
)
def test_admin_grants_area_roles_on_the_right_kind(admin_user, person, tree, role, area_attr):
    area = getattr(tree, area_attr)
    membership = services.grant_membership(admin_user, person, role, area=area, title="组长")
    assert (membership.user_id, membership.role, membership.area_id, membership.unit_id, membership.title) == (
        person.pk, role, area.pk, None, "组长"
    )
    event = AuditEvent.objects.get()
    assert event.action == "membership.grant"
    assert event.changes == {"user": str(person.pk), "role": str(role), "area": area.code, "unit": None}


@pytest.mark.parametrize(
    "role, area_attr",
    [
        (Role.GRID_WORKER, "community1"),
        (Role.COMMUNITY_STAFF, "grid1"),
        (Role.STREET_DISPATCHER, "district"),
        (Role.DISTRICT_COMMANDER, "street1"),
        (Role.HOTLINE_OPERATOR, "street1"),
    ],
)
def test_area_role_on_wrong_kind_is_refused(admin_user, person, tree, role, area_attr):
    with pytest.raises(ValidationError) as info:
        services.grant_membership(admin_user, person, role, area=getattr(tree, area_attr))
    assert info.value.error_dict["area"][0].code == "wrong_area_kind"
    assert Membership.objects.filter(user=person).count() == 0
    assert AuditEvent.objects.count() == 0


def test_wrong_kind_message_names_role_and_kinds(admin_user, person, tree):
    with pytest.raises(ValidationError) as info:
        services.grant_membership(admin_user, person, Role.GRID_WORKER, area=tree.community1)
    assert info.value.message_dict["area"] == ["The role Grid worker is granted on a Grid, not on a Community / village."]


@pytest.mark.parametrize(
    "role, kwargs_attr, field",
    [
        (Role.GRID_WORKER, {}, "area"),
        (Role.DEPARTMENT_HANDLER, {}, "unit"),
        (Role.DEPARTMENT_HANDLER, {"area": "district", "unit": "unit"}, "area"),
        (Role.GRID_WORKER, {"area": "grid1", "unit": "unit"}, "unit"),
        (Role.RESIDENT, {"unit": "unit"}, "unit"),
        ("mayor", {}, "role"),
    ],
)
def test_membership_shape_is_checked(admin_user, person, tree, unit, role, kwargs_attr, field):
    objects = {"district": tree.district, "grid1": tree.grid1, "unit": unit}
    kwargs = {k: objects[v] for k, v in kwargs_attr.items()}
    with pytest.raises(ValidationError) as info:
        services.grant_membership(admin_user, person, role, **kwargs)
    assert field in info.value.error_dict
    assert Membership.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_unit_and_citizen_roles(admin_user, person, tree, unit):
    handler = services.grant_membership(admin_user, person, Role.DEPARTMENT_HANDLER, unit=unit)
    volunteer = services.grant_membership(admin_user, person, Role.VOLUNTEER)
    member = services.grant_membership(admin_user, person, Role.PARTY_MEMBER, area=tree.grid1)
    assert [(m.role, m.area_id, m.unit_id) for m in (handler, volunteer, member)] == [
        ("department_handler", None, unit.pk), ("volunteer", None, None), ("party_member", tree.grid1.pk, None)
    ]


def test_duplicate_active_membership_is_refused(admin_user, person, tree):
    services.grant_membership(admin_user, person, Role.GRID_WORKER, area=tree.grid1)
    with pytest.raises(ValidationError) as info:
        services.grant_membership(admin_user, person, Role.GRID_WORKER, area=tree.grid1)
    assert info.value.code == "duplicate"
    assert Membership.objects.filter(user=person).count() == 1
    assert audit_actions() == ["membership.grant"]


def test_dispatcher_grants_inside_their_street_only(dispatcher, person, tree):
    services.grant_membership(dispatcher, person, Role.GRID_WORKER, area=tree.grid3)
    services.grant_membership(dispatcher, person, Role.COMMUNITY_STAFF, area=tree.community1)
    assert audit_actions() == ["membership.grant", "membership.grant"]
    for role, area in [
        (Role.GRID_WORKER, tree.grid4),  # other street
        (Role.COMMUNITY_STAFF, tree.community3),  # other street
        (Role.STREET_DISPATCHER, tree.street1),  # their own rank
        (Role.DISTRICT_COMMANDER, tree.district),  # above them
    ]:
        with pytest.raises(ValidationError) as info:
            services.grant_membership(dispatcher, person, role, area=area)
        assert info.value.code == "forbidden"
        assert info.value.messages == ["You may only manage areas inside your own jurisdiction."]
    assert Membership.objects.filter(user=person).count() == 2
    assert AuditEvent.objects.count() == 2


def test_dispatcher_cannot_grant_admin_or_unit_roles(dispatcher, person, unit):
    for role, kwargs in [(Role.ADMIN, {}), (Role.DEPARTMENT_HANDLER, {"unit": unit}), (Role.VOLUNTEER, {})]:
        with pytest.raises(ValidationError) as info:
            services.grant_membership(dispatcher, person, role, **kwargs)
        assert info.value.code == "forbidden"
    assert Membership.objects.filter(user=person).count() == 0
    assert AuditEvent.objects.count() == 0


def test_grid_worker_cannot_grant_even_in_own_grid(grid_worker, person, tree):
    with pytest.raises(ValidationError):
        services.grant_membership(grid_worker, person, Role.GRID_WORKER, area=tree.grid1)
    assert Membership.objects.filter(user=person).count() == 0
    assert AuditEvent.objects.count() == 0


def test_revoke_membership(dispatcher, admin_user, person, tree):
    membership = services.grant_membership(dispatcher, person, Role.GRID_WORKER, area=tree.grid1)
    services.revoke_membership(dispatcher, membership, reason="调岗")
    membership.refresh_from_db()
    assert membership.is_active is False
    event = AuditEvent.objects.get(action="membership.revoke")
    assert (event.reason, event.changes) == ("调岗", {"is_active": [True, False]})
    # Once revoked, the same role may be granted again.
    services.grant_membership(dispatcher, person, Role.GRID_WORKER, area=tree.grid1)
    with pytest.raises(ValidationError):
        services.revoke_membership(dispatcher, membership)
    assert Membership.objects.filter(user=person, is_active=True).count() == 1


def test_revoke_outside_jurisdiction_is_refused(dispatcher, admin_user, person, tree):
    membership = services.grant_membership(admin_user, person, Role.GRID_WORKER, area=tree.grid4)
    with pytest.raises(ValidationError):
        services.revoke_membership(dispatcher, membership)
    assert Membership.objects.get(pk=membership.pk).is_active is True
    assert audit_actions() == ["membership.grant"]


def test_granted_role_takes_effect_in_jurisdiction(admin_user, person, tree):
    from civicgrid.people.jurisdiction import jurisdiction_for

    assert jurisdiction_for(person).area_paths == ()
    services.grant_membership(admin_user, person, Role.GRID_WORKER, area=tree.grid1)
    assert jurisdiction_for(person).area_paths == (tree.grid1.path,)


# --- grid team, lists, party branch, building leaders, 包联 --------------------------------------
def test_grid_team_one_person_per_position(dispatcher, person, grid_worker, tree):
    member = services.set_grid_team_member(dispatcher, tree.grid1, "grid_worker", person, "0532-88881234")
    assert (member.area_path, member.position, member.user_id, member.work_phone) == (
        tree.grid1.path, "grid_worker", person.pk, "0532-88881234"
    )
    replaced = services.set_grid_team_member(dispatcher, tree.grid1, "grid_worker", grid_worker, "0532-88881234")
    assert replaced.pk == member.pk
    assert GridTeamMember.objects.filter(grid=tree.grid1).count() == 1
    assert GridTeamMember.objects.get(pk=member.pk).user_id == grid_worker.pk
    # The same again changes nothing and writes no audit row.
    services.set_grid_team_member(dispatcher, tree.grid1, "grid_worker", grid_worker, "0532-88881234")
    assert audit_actions() == ["grid_team.set", "grid_team.set"]
    assert AuditEvent.objects.order_by("id").last().changes == {
        "grid": tree.grid1.code, "position": "grid_worker", "user": [str(person.pk), str(grid_worker.pk)]
    }


def test_grid_team_refusals(dispatcher, person, tree):
    cases = [
        (dispatcher, tree.community1, "grid_worker", "", "grid"),
        (dispatcher, tree.grid1, "captain", "", "position"),
        (dispatcher, tree.grid1, "grid_worker", "call me", "work_phone"),
        (dispatcher, tree.grid4, "grid_worker", "", None),  # outside the street
        (person, tree.grid1, "grid_worker", "", None),  # no role at all
    ]
    for actor, grid, position, phone, field in cases:
        with pytest.raises(ValidationError) as info:
            services.set_grid_team_member(actor, grid, position, person, phone)
        if field:
            assert field in info.value.error_dict
        else:
            assert info.value.code == "forbidden"
    assert GridTeamMember.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_grid_lists_add_update_remove(dispatcher, tree):
    first = services.add_grid_list_item(dispatcher, tree.grid1, "resources", "社区活动室", contact="王主任")
    second = services.add_grid_list_item(dispatcher, tree.grid1, "resources", "党群服务站")
    assert (first.position, second.position, first.area_path) == (0, 1, tree.grid1.path)
    services.update_grid_list_item(dispatcher, first, title="社区活动室（二楼）", contact="王主任")
    assert GridListItem.objects.get(pk=first.pk).title == "社区活动室（二楼）"
    services.remove_grid_list_item(dispatcher, second)
    assert list(GridListItem.objects.values_list("title", flat=True)) == ["社区活动室（二楼）"]
    assert audit_actions() == ["grid_list.add", "grid_list.add", "grid_list.update", "grid_list.remove"]
    assert AuditEvent.objects.get(action="grid_list.update").changes == {
        "title": ["社区活动室", "社区活动室（二楼）"]
    }


def test_grid_list_refusals(dispatcher, grid_worker, tree):
    item = services.add_grid_list_item(dispatcher, tree.grid1, "duties", "巡查")
    for call in [
        lambda: services.add_grid_list_item(dispatcher, tree.grid1, "wishes", "x"),
        lambda: services.add_grid_list_item(dispatcher, tree.grid1, "duties", "  "),
        lambda: services.add_grid_list_item(dispatcher, tree.grid4, "duties", "x"),
        lambda: services.add_grid_list_item(grid_worker, tree.grid1, "duties", "x"),
        lambda: services.update_grid_list_item(grid_worker, item, title="改"),
        lambda: services.remove_grid_list_item(grid_worker, item),
    ]:
        with pytest.raises(ValidationError):
            call()
    assert list(GridListItem.objects.values_list("title", flat=True)) == ["巡查"]
    assert audit_actions() == ["grid_list.add"]


def test_grid_leader_keeps_the_lists_of_their_grid(admin_user, person, tree):
    services.grant_membership(admin_user, person, Role.GRID_LEADER, area=tree.grid2)
    services.add_grid_list_item(person, tree.grid2, "matters", "电梯加装")
    with pytest.raises(ValidationError):
        services.add_grid_list_item(person, tree.grid1, "matters", "电梯加装")
    assert GridListItem.objects.count() == 1


def test_party_branch(dispatcher, person, tree):
    branch = services.set_party_branch(dispatcher, tree.grid1, "恩县路第一网格党支部", person, 12)
    again = services.set_party_branch(dispatcher, tree.grid1, "恩县路第一网格党支部", person, 13)
    assert again.pk == branch.pk
    assert PartyBranch.objects.get().members_count == 13
    assert audit_actions() == ["party_branch.create", "party_branch.update"]
    with pytest.raises(ValidationError):
        services.set_party_branch(dispatcher, tree.grid4, "四方", None, 1)
    with pytest.raises(ValidationError):
        services.set_party_branch(dispatcher, tree.grid1, "x", None, -1)
    assert PartyBranch.objects.count() == 1
    assert AuditEvent.objects.count() == 2


def test_building_leader(dispatcher, person, tree):
    building = make_building("B1", tree.grid1, "恩县路1号", 120.301, 36.051)
    other = make_building("B4", tree.grid4, "上四方1号", 120.341, 36.051)
    leader = services.set_building_leader(dispatcher, building, person, is_pioneer=True)
    assert (leader.area_path, leader.is_pioneer) == (tree.grid1.path, True)
    with pytest.raises(ValidationError):
        services.set_building_leader(dispatcher, other, person)
    assert BuildingLeader.objects.count() == 1
    assert audit_actions() == ["building_leader.set"]


def test_baolian_assignments_take_the_target_path(admin_user, dispatcher, person, tree):
    building = make_building("B1", tree.grid1, "恩县路1号", 120.301, 36.051, households=1)
    household = building.households.get()
    street = services.assign_baolian(admin_user, person, "street", tree.street1, since=date(2024, 1, 1))
    community = services.assign_baolian(dispatcher, person, "community", tree.community1)
    on_building = services.assign_baolian(dispatcher, person, "building", building, note="先锋")
    on_household = services.assign_baolian(dispatcher, person, "household", household)
    assert [a.area_path for a in (street, community, on_building, on_household)] == [
        tree.street1.path, tree.community1.path, tree.grid1.path, tree.grid1.path
    ]
    assert audit_actions() == ["baolian.assign"] * 4


def test_baolian_refusals(admin_user, dispatcher, person, tree):
    building = make_building("B1", tree.grid1, "恩县路1号", 120.301, 36.051)
    services.assign_baolian(admin_user, person, "community", tree.community1)
    for actor, level, target in [
        (admin_user, "street", tree.community1),  # wrong kind
        (admin_user, "building", tree.grid1),  # not a building
        (admin_user, "household", building),  # not a household
        (admin_user, "village", tree.street1),  # unknown level
        (admin_user, "community", tree.community1),  # duplicate
        (dispatcher, "community", tree.community3),  # outside the street
    ]:
        with pytest.raises(ValidationError):
            services.assign_baolian(actor, person, level, target)
    assert BaolianAssignment.objects.count() == 1
    assert audit_actions() == ["baolian.assign"]


def test_end_baolian(admin_user, person, tree):
    assignment = services.assign_baolian(admin_user, person, "street", tree.street2)
    services.end_baolian(admin_user, assignment)
    assert BaolianAssignment.objects.count() == 0
    assert audit_actions() == ["baolian.assign", "baolian.end"]


def test_save_unit_is_for_administrators(admin_user, dispatcher, tree):
    unit = services.save_unit(admin_user, Unit(), code="qsw", name="区水务局", kind="department", area=tree.district)
    with pytest.raises(ValidationError):
        services.save_unit(dispatcher, unit, name="改名")
    assert Unit.objects.get().name == "区水务局"
    services.save_unit(admin_user, unit, name="区水务局", duty_phone="0532-1")
    assert audit_actions() == ["unit.create", "unit.update"]
    assert AuditEvent.objects.get(action="unit.update").changes == {"duty_phone": ["", "0532-1"]}
