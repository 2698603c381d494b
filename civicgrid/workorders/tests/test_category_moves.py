"""A category that moves (new parent, new code) takes its subtree with it, in the admin and in the
catalogue file, so routing, deadlines and filters keep finding its subcategories; a move that
would break the three levels is refused and changes nothing; the admin shows refusals on the form."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from civicgrid.core.models import AuditEvent
from civicgrid.core.testing import make_tree
from civicgrid.people.models import Unit, UnitKind, User
from civicgrid.sla.deadlines import policy_for
from civicgrid.sla.models import SlaPolicy
from civicgrid.workorders import catalogue, routing
from civicgrid.workorders.models import Category, Responsibility
from civicgrid.workorders.testing import make_category

pytestmark = pytest.mark.django_db


@pytest.fixture
def cats():
    """90 城市管理 > 9001 市容 > 900101 占道 / 900102 乱贴; 91 交通 > 9101 道路 (own codes, not the default's)."""
    top = make_category("90", "城市管理")
    mid = make_category("9001", "市容", top)
    other_top = make_category("91", "交通")
    return {
        "top": top, "mid": mid,
        "leaf1": make_category("900101", "占道经营", mid),
        "leaf2": make_category("900102", "乱贴乱画", mid),
        "other_top": other_top,
        "other_mid": make_category("9101", "道路", other_top),
    }


def paths(*codes):
    return dict(Category.objects.filter(code__in=codes).values_list("code", "path"))


def levels(*codes):
    return dict(Category.objects.filter(code__in=codes).values_list("code", "level"))


def test_moving_a_category_moves_its_subtree_and_routing_follows(cats, settings, django_capture_on_commit_callbacks):
    settings.CATALOGUE_CHECK_SECONDS = 600  # the rule snapshot is kept: the move must forget it
    t = make_tree()
    admin = User.objects.create_superuser("root", password="x")
    cg = Unit.objects.create(code="D-CG", name="城管局", kind=UnitKind.DEPARTMENT, area=t.district)
    jt = Unit.objects.create(code="D-JT", name="交通局", kind=UnitKind.DEPARTMENT, area=t.district)
    Responsibility.objects.create(category=cats["top"], area=t.district, area_path=t.district.path, unit=cg, level="district")
    Responsibility.objects.create(category=cats["other_top"], area=t.district, area_path=t.district.path, unit=jt,
                                  level="district")
    policy = SlaPolicy.objects.create(name="交通3天", category=cats["other_top"], handle_limit=3)
    assert routing.resolve_unit(cats["leaf1"], t.grid1)[0].code == "D-CG"

    mid = Category.objects.get(code="9001")
    mid.parent = Category.objects.get(code="91")
    with django_capture_on_commit_callbacks(execute=True):
        catalogue.save_category(admin, mid, changed=["parent"])

    assert paths("9001", "900101", "900102") == {"9001": "91/9001/", "900101": "91/9001/900101/",
                                                 "900102": "91/9001/900102/"}
    assert levels("9001", "900101", "900102") == {"9001": 2, "900101": 3, "900102": 3}
    leaf = Category.objects.get(code="900101")
    assert routing.resolve_unit(leaf, t.grid1)[0].code == "D-JT"
    assert policy_for(area_path=t.grid1.path, category=leaf) == policy
    event = AuditEvent.objects.get(action="category.update")
    assert event.changes == {"parent": ["90", "91"], "path": ["90/9001/", "91/9001/"], "subcategories_moved": 2}


def test_a_new_code_renames_the_paths_below(cats):
    mid = Category.objects.get(code="9001")
    mid.code = "9009"
    catalogue.save_category(None, mid, changed=["code"])
    assert paths("9009", "900101", "900102") == {"9009": "90/9009/", "900101": "90/9009/900101/",
                                                 "900102": "90/9009/900102/"}


def test_a_move_that_breaks_the_three_levels_changes_nothing(cats):
    before = list(Category.objects.order_by("code").values_list("code", "path", "level", "parent_id"))
    mid = Category.objects.get(code="9001")
    mid.parent = Category.objects.get(code="9101")  # its leaves would be on a fourth level
    with pytest.raises(Exception) as info, translation.override("en"):
        catalogue.save_category(None, mid, changed=["parent"])
    assert info.value.message_dict == {"parent": [
        "Its subcategory 900101 (占道经营) would be below the third level.",
        "Its subcategory 900102 (乱贴乱画) would be below the third level.",
    ]}
    mid = Category.objects.get(code="9001")
    mid.parent = Category.objects.get(code="900101")  # under its own child
    with pytest.raises(Exception) as info, translation.override("en"):
        catalogue.save_category(None, mid, changed=["parent"])
    assert info.value.message_dict == {"parent": ["市容 cannot go under itself or one of its own subcategories."]}
    assert list(Category.objects.order_by("code").values_list("code", "path", "level", "parent_id")) == before
    assert not AuditEvent.objects.filter(action="category.update").exists()


@pytest.fixture
def admin_client(client):
    client.force_login(User.objects.create_superuser("root", password="x"))
    return client


def form_data(category, **changes):
    data = {"code": category.code, "name": category.name, "parent": category.parent_id or "", "description": "",
            "keywords": "", "default_priority": "normal", "is_active": "on", "position": 0}
    return {**data, **changes}


def test_admin_shows_a_refused_category_on_the_form(cats, admin_client):
    count = Category.objects.count()
    response = admin_client.post("/admin/workorders/category/add/", form_data(
        Category(code="90010101", name="第四级"), parent=cats["leaf1"].pk))
    assert response.status_code == 200
    assert "三级" in response.content.decode()  # 事项分类只有三级
    assert Category.objects.count() == count

    response = admin_client.post(f"/admin/workorders/category/{cats['mid'].pk}/change/",
                                 form_data(cats["mid"], parent=cats["other_mid"].pk))
    assert response.status_code == 200
    assert paths("9001", "900101") == {"9001": "90/9001/", "900101": "90/9001/900101/"}

    response = admin_client.post(f"/admin/workorders/category/{cats['mid'].pk}/change/",
                                 form_data(cats["mid"], parent=cats["other_top"].pk))
    assert response.status_code == 302
    assert paths("9001", "900101", "900102") == {"9001": "91/9001/", "900101": "91/9001/900101/",
                                                 "900102": "91/9001/900102/"}
    assert AuditEvent.objects.filter(action="category.update").count() == 1


def run(path) -> str:
    out = io.StringIO()
    call_command("load_catalogue", str(path), stdout=out)
    return out.getvalue().strip()


def test_catalogue_file_moves_subcategories_it_does_not_list(cats, tmp_path):
    moved = tmp_path / "move.csv"
    moved.write_text("code,name,parent\n9001,市容,91\n", encoding="utf-8")
    assert run(moved).endswith("0 created, 1 updated, 0 unchanged")
    assert paths("9001", "900101", "900102") == {"9001": "91/9001/", "900101": "91/9001/900101/",
                                                 "900102": "91/9001/900102/"}

    before = list(Category.objects.order_by("code").values_list("code", "path", "level", "parent_id"))
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name,parent\n9101,道路,91\n9001,市容,9101\n", encoding="utf-8")
    with pytest.raises(CommandError) as info, translation.override("en"):
        run(bad)
    assert str(info.value).split("\n") == [
        "line 3: moving 9001 would put its subcategory 900101 (占道经营) below the third level.",
        "line 3: moving 9001 would put its subcategory 900102 (乱贴乱画) below the third level.",
    ]
    assert list(Category.objects.order_by("code").values_list("code", "path", "level", "parent_id")) == before
