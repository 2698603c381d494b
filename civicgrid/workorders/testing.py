"""Test data for the closed loop, shared by the tests of every app that handles orders.

On top of civicgrid.core.testing.make_tree(): a community office per community, a street office
per street, two district departments, a category tree, and one user per role.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone

from civicgrid.core.testing import Tree, make_tree
from civicgrid.dashboard import rollups
from civicgrid.people.models import Membership, Role, Unit, UnitKind, User

from .models import Appeal, Category, Channel, Status, WorkOrder


def make_category(code: str, name: str, parent: Category | None = None, **extra) -> Category:
    path = f"{parent.path}{code}/" if parent else f"{code}/"
    # Every database starts with the default catalogue (migration 0003), which uses the same
    # codes: the test's category takes the code's place for the test.
    defaults = {"name": name, "parent": parent, "level": parent.level + 1 if parent else 1, "path": path,
                "keywords": "", "is_private": False, "is_utility": False, "default_priority": "normal",
                "is_active": True, **extra}
    return Category.objects.update_or_create(code=code, defaults=defaults)[0]


@dataclass
class World:
    tree: Tree
    units: dict[str, Unit]
    users: dict[str, User]
    categories: dict[str, Category]
    orders: list[WorkOrder] = field(default_factory=list)


def make_world() -> World:
    t = make_tree()
    units = {
        "c1": Unit.objects.create(code="C1-OFFICE", name="恩县路社区居委会", kind=UnitKind.COMMUNITY_OFFICE, area=t.community1),
        "c2": Unit.objects.create(code="C2-OFFICE", name="上海路社区居委会", kind=UnitKind.COMMUNITY_OFFICE, area=t.community2),
        "s1": Unit.objects.create(code="S1-OFFICE", name="即墨路街道办事处", kind=UnitKind.STREET_OFFICE, area=t.street1),
        "cg": Unit.objects.create(code="D-CG", name="市北区城市管理局", kind=UnitKind.DEPARTMENT, area=t.district),
        "zj": Unit.objects.create(code="D-ZJ", name="市北区住房和城乡建设局", kind=UnitKind.DEPARTMENT, area=t.district),
    }

    def user(username, role=None, area=None, unit=None, **extra):
        u = User.objects.create_user(username, password="x", **extra)
        if role:
            Membership.objects.create(user=u, role=role, area=area, unit=unit)
        return u

    users = {
        "admin": User.objects.create_superuser("admin", password="x"),
        "district": user("district", Role.DISTRICT_COMMANDER, area=t.district),
        "street": user("street", Role.STREET_DISPATCHER, area=t.street1),
        "street2": user("street2", Role.STREET_DISPATCHER, area=t.street2),
        "community": user("community", Role.COMMUNITY_STAFF, area=t.community1),
        "community2": user("community2", Role.COMMUNITY_STAFF, area=t.community2),
        "grid": user("grid", Role.GRID_WORKER, area=t.grid1),
        "grid3": user("grid3", Role.GRID_WORKER, area=t.grid3),
        "dept": user("dept", Role.DEPARTMENT_HANDLER, unit=units["cg"]),
        "dept2": user("dept2", Role.DEPARTMENT_HANDLER, unit=units["zj"]),
        "hotline": user("hotline", Role.HOTLINE_OPERATOR, area=t.district),
        "resident": user("resident", Role.RESIDENT, phone="13900000001", real_name="张三"),
        "resident2": user("resident2", Role.RESIDENT, phone="13900000002"),
    }
    root = make_category("01", "城乡建设")
    sub = make_category("0101", "市政管理", root)
    categories = {
        "root": root,
        "sub": sub,
        "road": make_category("010101", "道路破损", sub, keywords="路面\n坑洼"),
        "gas": make_category("010102", "燃气供应", sub, is_utility=True),
        "private": make_category("010103", "个人隐私事项", sub, is_private=True),
    }
    return World(t, units, users, categories)


_counter = {"n": 0}


def make_order(world: World, *, status: str = Status.NEW, area=None, reporter=None, category=None,
               title: str = "恩县路路面坑洼", text: str = "恩县路12号门前路面有坑，雨天积水。", **fields) -> WorkOrder:
    """An order with one appeal, created directly (intake has its own tests); the command-center
    rollups count it as intake would."""
    _counter["n"] += 1
    n = _counter["n"]
    area = area or world.tree.grid1
    order = WorkOrder.objects.create(
        number=f"T{n:08d}", title=title, description=text, category=category or world.categories["road"],
        status=status, channel=Channel.WEB, area=area, area_path=area.path, **fields,
    )
    rollups.orders_created([order])
    Appeal.objects.create(
        tracking_number=f"A{n:08d}", order=order, channel=Channel.WEB, title=title, text=text,
        reporter=reporter or world.users["resident"], reporter_name="张三", reporter_phone="13900000001",
        area_path=area.path, category=order.category, received_at=timezone.now(),
    )
    world.orders.append(order)
    return order
