"""The top bar names the signed-in user: a real name, else a resident's masked phone, never the
login generated from the phone."""

import re

import pytest

from civicgrid.core.sms import LogSmsGateway
from civicgrid.core.testing import make_tree
from civicgrid.people.models import Membership, Role, User

pytestmark = pytest.mark.django_db

RESIDENT = "/accounts/resident/"


def who(client) -> str:
    return re.search(r'<span class="who">([^<]*)</span>', client.get("/portal/").content.decode()).group(1)


def sign_in_by_phone(client, capture, phone):
    with capture(execute=True):
        client.post(RESIDENT, {"step": "phone", "phone": phone})
    code = re.search(r"\b(\d{6})\b", LogSmsGateway.sent[-1][1]).group(1)
    assert client.post(RESIDENT, {"step": "code", "code": code}).status_code == 302
    return User.objects.get(phone=phone)


def test_a_resident_signed_in_by_phone_sees_the_masked_phone_not_the_generated_login(
        client, django_capture_on_commit_callbacks):
    user = sign_in_by_phone(client, django_capture_on_commit_callbacks, "13812341234")
    assert user.username == "r13812341234"
    assert who(client) == "138****1234"


def test_a_resident_with_a_real_name_sees_it(client, django_capture_on_commit_callbacks):
    user = sign_in_by_phone(client, django_capture_on_commit_callbacks, "13812341234")
    User.objects.filter(pk=user.pk).update(real_name="李红")
    assert who(client) == "李红"


def test_staff_keep_their_real_name_else_their_username(client):
    tree = make_tree()
    named = User.objects.create_user("zhang.wei", password="x", real_name="张伟", phone="13900000011")
    unnamed = User.objects.create_user("grid07", password="x", phone="13900000012")
    for u in (named, unnamed):
        Membership.objects.create(user=u, role=Role.GRID_WORKER, area=tree.grid1)
    client.force_login(named)
    assert who(client) == "张伟"
    client.force_login(unnamed)
    assert who(client) == "grid07"


@pytest.mark.django_db
def test_a_phone_login_is_named_by_its_masked_number_everywhere_never_by_the_login():
    from civicgrid.people.models import User

    resident = User.objects.create_user("r13812341234", phone="13812341234")
    second = User.objects.create_user("r13655556666-a1b2c3", phone="13655556666")
    named = User.objects.create_user("r13900001111", phone="13900001111", real_name="李红")
    staff = User.objects.create_user("grid07", phone="13700002222")
    assert [u.display_name for u in (resident, second, named, staff)] == ["138****1234", "136****6666", "李红", "grid07"]
    assert [str(u) for u in (resident, second, named, staff)] == ["138****1234", "136****6666", "李红", "grid07"]
