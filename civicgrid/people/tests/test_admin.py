"""The administration of people: pages load, saves go through the services, refusals change nothing."""

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import translation

from civicgrid.core.models import AuditEvent
from civicgrid.core.testing import make_tree
from civicgrid.people.models import GridTeamMember, Membership, OneTimeCode, Role, Unit, User

pytestmark = pytest.mark.django_db
PASSWORD = "Grid-Work2024"


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def tree():
    return make_tree()


@pytest.fixture
def root(client):
    user = User.objects.create_superuser("root", password=PASSWORD)
    client.force_login(user)
    return user


@pytest.fixture
def person():
    return User.objects.create_user("wang", password=PASSWORD, real_name="王五", phone="13912345678")


def url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def form_data(response):
    """The POST body the browser would send back for an admin change form, unchanged."""
    data = {}
    form = response.context["adminform"].form
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None:
            continue
        if isinstance(value, bool):
            if value:
                data[name] = "on"
            continue
        if hasattr(value, "pk"):
            value = value.pk
        data[name] = value
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS"):
            data[f"{management.prefix}-{name}"] = management.initial.get(name, 0)
        for sub in inline.formset.initial_forms:
            data[f"{sub.prefix}-id"] = sub.instance.pk
            data[f"{sub.prefix}-user"] = sub.instance.user_id
    return data


# --- every page loads ---------------------------------------------------------------------------
def test_every_registered_model_has_working_pages(client, root):
    registered = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
    assert registered, "nothing registered"
    for model, model_admin in registered:
        changelist = client.get(url(model, "changelist"))
        assert changelist.status_code == 200, model._meta.label
        if model_admin.has_add_permission(changelist.wsgi_request):
            assert client.get(url(model, "add")).status_code == 200, model._meta.label


def test_people_models_are_registered():
    from civicgrid.core.models import AuditEvent as Audit
    from civicgrid.people import models as m

    for model in (m.User, m.Unit, m.Membership, m.BaolianAssignment, m.PartyBranch, m.BuildingLeader,
                  m.GridTeamMember, m.GridListItem, m.OneTimeCode, Audit):
        assert model in admin.site._registry, model


def test_changelists_with_rows_and_change_pages_load(client, root, person, tree):
    unit = Unit.objects.create(code="qcg", name="区城管局", kind="department", area=tree.district)
    membership = Membership.objects.create(user=person, role=Role.GRID_WORKER, area=tree.grid1)
    member = GridTeamMember.objects.create(grid=tree.grid1, area_path=tree.grid1.path, position="grid_worker", user=person)
    otc = OneTimeCode.objects.create(phone="13812345678", code_hash="f" * 64, expires_at="2030-01-01T00:00:00Z")
    for obj in (person, unit, membership, member, otc):
        assert client.get(url(type(obj), "changelist")).status_code == 200
        assert client.get(url(type(obj), "change", obj.pk)).status_code == 200


def test_role_administrator_without_superuser_can_work(client, person, tree):
    district_admin = User.objects.create_user("district-admin", password=PASSWORD, is_staff=True)
    Membership.objects.create(user=district_admin, role=Role.ADMIN)
    client.force_login(district_admin)
    assert client.get(url(User, "changelist")).status_code == 200
    assert client.get(url(Membership, "add")).status_code == 200


def test_area_staff_cannot_open_people_admin(client, person, tree):
    dispatcher = User.objects.create_user("dispatcher", password=PASSWORD, is_staff=True)
    Membership.objects.create(user=dispatcher, role=Role.STREET_DISPATCHER, area=tree.street1)
    client.force_login(dispatcher)
    assert client.get(url(User, "changelist")).status_code == 403
    assert client.get(url(User, "change", person.pk)).status_code == 403
    users_before = User.objects.count()
    response = client.post(url(User, "add"), {"username": "x", "real_name": "x", "password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 403
    assert User.objects.count() == users_before
    assert AuditEvent.objects.filter(kind="change").count() == 0


# --- users --------------------------------------------------------------------------------------
def test_user_list_masks_phones_and_searches(client, root, person):
    response = client.get(url(User, "changelist"))
    text = response.content.decode()
    assert "139****5678" in text
    assert "13912345678" not in text
    for query in ("wang", "王五", "13912345678"):
        found = client.get(url(User, "changelist"), {"q": query})
        assert list(found.context["cl"].queryset) == [person], query


def test_admin_creates_staff_through_the_service(client, root):
    response = client.post(
        url(User, "add"),
        {"username": "li.si", "real_name": "李四", "phone": "13812345678", "is_staff": "on",
         "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(username="li.si")
    assert (user.real_name, user.phone, user.is_staff, user.check_password(PASSWORD)) == ("李四", "13812345678", True, True)
    assert response["Location"] == url(User, "change", user.pk)
    event = AuditEvent.objects.filter(kind="change").get(action="user.create")
    assert (event.actor_id, event.object_id) == (root.pk, str(user.pk))


@pytest.mark.parametrize(
    "password1, password2, field, message",
    [
        ("short-A1", "short-A1", "password1", "This password is too short. It must contain at least 10 characters."),
        ("alllowercaseletters", "alllowercaseletters", "password1",
         "The password must mix at least 3 kinds of characters: lower-case letters, upper-case letters, digits, symbols."),
        ("98765432109876", "98765432109876", "password1", "This password is entirely numeric."),
        (PASSWORD, PASSWORD + "x", "password2", "The two passwords differ."),
    ],
)
def test_admin_staff_creation_enforces_password_rules(client, root, password1, password2, field, message):
    response = client.post(
        url(User, "add"), {"username": "li.si", "real_name": "李四", "password1": password1, "password2": password2}
    )
    assert response.status_code == 200
    assert message in response.context["adminform"].form.errors[field]
    assert not User.objects.filter(username="li.si").exists()
    assert AuditEvent.objects.filter(kind="change").count() == 0


def test_admin_changes_a_user_through_the_service(client, root, person):
    data = form_data(client.get(url(User, "change", person.pk)))
    data["real_name"] = "王小五"
    response = client.post(url(User, "change", person.pk), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert User.objects.get(pk=person.pk).real_name == "王小五"
    event = AuditEvent.objects.filter(kind="change").get(action="user.update")
    assert event.changes == {"real_name": ["王五", "王小五"]}


def test_admin_refuses_a_bad_phone(client, root, person):
    data = form_data(client.get(url(User, "change", person.pk)))
    data["phone"] = "0532"
    response = client.post(url(User, "change", person.pk), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["phone"] == [
        "Enter a mainland China mobile number of 11 digits, such as 13812345678."
    ]
    assert User.objects.get(pk=person.pk).phone == "13912345678"
    assert AuditEvent.objects.filter(kind="change").count() == 0


def test_admin_grants_a_role_in_the_user_page(client, root, person, tree):
    page = client.get(url(User, "change", person.pk))
    data = form_data(page)
    prefix = [i.formset.prefix for i in page.context["inline_admin_formsets"] if i.formset.extra][0]
    data.update({f"{prefix}-0-role": "grid_worker", f"{prefix}-0-area": tree.grid1.pk, f"{prefix}-0-title": ""})
    response = client.post(url(User, "change", person.pk), data)
    assert response.status_code == 302
    assert list(Membership.objects.filter(user=person).values_list("role", "area")) == [("grid_worker", tree.grid1.pk)]
    assert list(AuditEvent.objects.filter(kind="change").values_list("action", flat=True)) == ["membership.grant"]


def test_admin_role_on_wrong_area_kind_is_shown_and_nothing_saved(client, root, person, tree):
    page = client.get(url(User, "change", person.pk))
    data = form_data(page)
    prefix = [i.formset.prefix for i in page.context["inline_admin_formsets"] if i.formset.extra][0]
    data.update({f"{prefix}-0-role": "grid_worker", f"{prefix}-0-area": tree.community1.pk, "real_name": "改名"})
    response = client.post(url(User, "change", person.pk), data)
    assert response.status_code == 200
    assert "is granted on a Grid, not on a Community / village." in response.content.decode()
    assert Membership.objects.count() == 0
    assert User.objects.get(pk=person.pk).real_name == "王五"
    assert AuditEvent.objects.filter(kind="change").count() == 0


def test_admin_password_reset_goes_through_the_service(client, root, person):
    target = reverse("admin:auth_user_password_change", args=[person.pk])
    assert client.get(target).status_code == 200
    weak = client.post(target, {"password1": "weak", "password2": "weak"})
    assert weak.status_code == 200
    assert AuditEvent.objects.count() == 0
    response = client.post(target, {"password1": "Reset-Pass-2025", "password2": "Reset-Pass-2025"})
    assert response.status_code == 302
    assert User.objects.get(pk=person.pk).check_password("Reset-Pass-2025")
    assert AuditEvent.objects.get().action == "user.password_reset"


def test_users_cannot_be_deleted_in_admin(client, root, person):
    assert client.post(url(User, "delete", person.pk), {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=person.pk).exists()


# --- memberships, teams, units, codes -----------------------------------------------------------
def test_membership_admin_grants_and_revokes(client, root, person, tree):
    response = client.post(url(Membership, "add"), {"user": person.pk, "role": "community_staff", "area": tree.community1.pk})
    assert response.status_code == 302
    membership = Membership.objects.get()
    response = client.post(
        url(Membership, "changelist"), {"action": "revoke_memberships", "_selected_action": [membership.pk]}
    )
    assert response.status_code == 302
    assert Membership.objects.get().is_active is False
    assert list(AuditEvent.objects.filter(kind="change").order_by("id").values_list("action", flat=True)) == ["membership.grant", "membership.revoke"]


def test_membership_admin_refusal_changes_nothing(client, root, person, tree):
    response = client.post(url(Membership, "add"), {"user": person.pk, "role": "street_dispatcher", "area": tree.grid1.pk})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["area"] == [
        "The role Street dispatcher is granted on a Street / town, not on a Grid."
    ]
    assert Membership.objects.count() == 0
    assert AuditEvent.objects.filter(kind="change").count() == 0


def test_grid_team_admin_saves_and_deletes_through_services(client, root, person, tree):
    response = client.post(
        url(GridTeamMember, "add"),
        {"grid": tree.grid1.pk, "position": "public_welfare", "user": person.pk, "work_phone": "0532-88881234"},
    )
    assert response.status_code == 302
    member = GridTeamMember.objects.get()
    assert (member.area_path, member.work_phone) == (tree.grid1.path, "0532-88881234")
    assert client.get(url(GridTeamMember, "changelist"), {"position__exact": "public_welfare"}).context["cl"].result_count == 1
    response = client.post(url(GridTeamMember, "delete", member.pk), {"post": "yes"})
    assert response.status_code == 302
    assert GridTeamMember.objects.count() == 0
    assert list(AuditEvent.objects.filter(kind="change").order_by("id").values_list("action", flat=True)) == ["grid_team.set", "grid_team.remove"]


def test_grid_team_admin_refuses_a_non_grid(client, root, person, tree):
    response = client.post(url(GridTeamMember, "add"), {"grid": tree.community1.pk, "position": "grid_worker", "user": person.pk})
    assert response.status_code == 200
    assert GridTeamMember.objects.count() == 0
    assert AuditEvent.objects.filter(kind="change").count() == 0


def test_unit_admin(client, root, tree):
    response = client.post(
        url(Unit, "add"), {"code": "qsw", "name": "区水务局", "kind": "department", "area": tree.district.pk, "is_active": "on"}
    )
    assert response.status_code == 302
    unit = Unit.objects.get()
    assert AuditEvent.objects.filter(kind="change").get().action == "unit.create"
    assert client.post(url(Unit, "delete", unit.pk), {"post": "yes"}).status_code == 403


def test_one_time_codes_are_read_only_and_hide_the_code(client, root):
    otc = OneTimeCode.objects.create(phone="13812345678", code_hash="abc123hash", expires_at="2030-01-01T00:00:00Z")
    page = client.get(url(OneTimeCode, "change", otc.pk)).content.decode()
    assert "abc123hash" not in page
    assert "13812345678" not in page and "138****5678" in page
    assert client.get(url(OneTimeCode, "add")).status_code == 403
    assert client.post(url(OneTimeCode, "delete", otc.pk), {"post": "yes"}).status_code == 403
    assert OneTimeCode.objects.count() == 1


def test_opening_a_user_in_the_admin_is_an_audited_read(client, django_user_model):
    from civicgrid.core.models import AuditEvent

    root = django_user_model.objects.create_superuser("root2", password="x")
    person = django_user_model.objects.create_user("person", password="x", phone="13912345678", real_name="钱七")
    client.force_login(root)
    before = AuditEvent.objects.count()
    response = client.get(f"/admin/people/user/{person.pk}/change/")
    assert response.status_code == 200
    assert "13912345678" in response.content.decode()
    event = AuditEvent.objects.order_by("-id").first()
    assert AuditEvent.objects.count() == before + 1
    assert (event.kind, event.action, event.object_id, event.changes) == (
        "read", "personal_data.read", str(person.pk), {"fields": ["email", "phone", "real_name"]},
    )
