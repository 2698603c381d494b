"""The audit log in the administration is read-only and for global administrators only."""

import pytest
from django.urls import reverse
from django.utils import translation

from civicgrid.core.models import AuditEvent
from civicgrid.core.services import record_event
from civicgrid.core.testing import make_tree
from civicgrid.people.models import Membership, Role, User

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:core_auditevent_changelist")


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def root(client):
    user = User.objects.create_superuser("root", password="Grid-Work2024")
    client.force_login(user)
    return user


@pytest.fixture
def events(root):
    return [
        record_event(actor=root, action="user.create", obj=root, changes={"username": "root"}),
        record_event(actor=None, action="otp.request", kind=AuditEvent.Kind.AUTH),
        record_event(actor=root, action="personal_data.read", obj=root, kind=AuditEvent.Kind.READ),
    ]


def test_changelist_filters_and_search(client, events):
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert response.context["cl"].result_count == 3
    assert [f.title for f in response.context["cl"].filter_specs] == ["kind", "action", "object type"]
    by_kind = client.get(CHANGELIST, {"kind__exact": "auth"})
    assert [e.action for e in by_kind.context["cl"].result_list] == ["otp.request"]
    by_action = client.get(CHANGELIST, {"action__exact": "user.create"})
    assert [e.pk for e in by_action.context["cl"].result_list] == [events[0].pk]
    by_type = client.get(CHANGELIST, {"object_type__exact": "people.user"})
    assert by_type.context["cl"].result_count == 2
    searched = client.get(CHANGELIST, {"q": "personal_data"})
    assert [e.pk for e in searched.context["cl"].result_list] == [events[2].pk]


def test_audit_admin_is_read_only(client, events):
    event = events[0]
    change_url = reverse("admin:core_auditevent_change", args=[event.pk])
    page = client.get(change_url)
    assert page.status_code == 200
    assert b'name="action"' not in page.content  # shown as text, not as an input
    assert client.get(reverse("admin:core_auditevent_add")).status_code == 403
    assert client.post(reverse("admin:core_auditevent_add"), {"action": "forged"}).status_code == 403
    assert client.post(change_url, {"action": "forged"}).status_code == 403
    delete_url = reverse("admin:core_auditevent_delete", args=[event.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    bulk = client.post(CHANGELIST, {"action": "delete_selected", "_selected_action": [e.pk for e in events]})
    assert bulk.status_code in (200, 302)
    assert AuditEvent.objects.count() == 3
    assert AuditEvent.objects.get(pk=event.pk).action == "user.create"
    changelist = client.get(CHANGELIST)
    assert "delete_selected" not in changelist.context["cl"].model_admin.get_actions(changelist.wsgi_request)


def test_only_global_administrators_see_the_log(client, events):
    tree = make_tree()
    dispatcher = User.objects.create_user("dispatcher", password="Grid-Work2024", is_staff=True)
    Membership.objects.create(user=dispatcher, role=Role.STREET_DISPATCHER, area=tree.street1)
    client.force_login(dispatcher)
    assert client.get(CHANGELIST).status_code == 403
    district_admin = User.objects.create_user("district-admin", password="Grid-Work2024", is_staff=True)
    Membership.objects.create(user=district_admin, role=Role.ADMIN)
    client.force_login(district_admin)
    assert client.get(CHANGELIST).status_code == 200
