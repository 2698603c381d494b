"""Test data of the wishes app, on top of the closed loop's world (civicgrid.workorders.testing)."""

from __future__ import annotations

from dataclasses import dataclass

from civicgrid.core.testing import make_building
from civicgrid.geo.models import Household
from civicgrid.people.models import Membership, PartyBranch, Role, User
from civicgrid.workorders.testing import World, make_world

from . import services
from .models import VolunteerTeam, Wish

PASSWORD = "x"


@dataclass
class WishWorld:
    w: World
    users: dict[str, User]
    home: Household        # the resident's household (恩县路第一网格)
    elderly: Household     # an elderly person living alone, no account (posted for by the grid worker)
    plain: Household       # a household with no care tag
    branch1: PartyBranch
    branch3: PartyBranch
    team: VolunteerTeam


def make_wish_world() -> WishWorld:
    w = make_world()
    t = w.tree
    b1 = make_building("B-G1-1", t.grid1, "恩县路12号", 120.305, 36.055, households=3)
    b3 = make_building("B-G3-1", t.grid3, "上海路8号", 120.325, 36.055, households=1)
    home, elderly, plain = Household.objects.filter(building=b1).order_by("room")
    home.head_name, home.head_phone, home.room = "张三", "13900000001", "502"
    home.save()
    home.residents.add(w.users["resident"])
    elderly.head_name, elderly.head_phone, elderly.tags = "李桂兰", "13800001234", ["elderly_alone"]
    elderly.save()
    Household.objects.filter(building=b3).first().residents.add(w.users["resident2"])

    def user(username, *, role=None, area=None, **extra):
        u = User.objects.create_user(username, password=PASSWORD, **extra)
        if role:
            Membership.objects.create(user=u, role=role, area=area)
        return u

    users = dict(w.users)
    users["party"] = user("party", real_name="王党员", is_party_member=True, phone="13900000011")
    users["vol"] = user("vol", role=Role.VOLUNTEER, area=t.grid3, real_name="赵志愿", phone="13900000012")
    users["vol2"] = user("vol2", role=Role.PARTY_MEMBER, area=t.grid1, real_name="钱党员", phone="13900000013")
    users["nobody"] = user("nobody", role=Role.RESIDENT, phone="13900000014")
    users["secretary"] = user("secretary", role=Role.COMMUNITY_SECRETARY, area=t.community1, real_name="孙书记",
                              is_party_member=True)
    users["branch_sec"] = user("branch_sec", real_name="周支书", is_party_member=True)
    users["far_sec"] = user("far_sec", role=Role.COMMUNITY_SECRETARY, area=t.community3, is_party_member=True)
    branch1 = PartyBranch.objects.create(grid=t.grid1, name="恩县路第一网格党支部", secretary=users["branch_sec"])
    branch3 = PartyBranch.objects.create(grid=t.grid3, name="上海路第一网格党支部")
    team = VolunteerTeam.objects.create(name="红邻里志愿服务队", area=t.community1, area_path=t.community1.path)
    team.members.add(users["vol"])
    return WishWorld(w, users, home, elderly, plain, branch1, branch3, team)


def wish_in(ww: WishWorld, state: str, *, title: str = "更换灯泡", claimer: str = "vol") -> Wish:
    """A wish of the resident's household brought to ``state`` through the services."""
    u = ww.users
    wish = services.post_wish(actor=u["resident"], title=title)
    if state == "pending":
        return wish
    if state == "rejected":
        return services.move_wish(wish, "reject", u["community"], reason="不属于微心愿")
    services.move_wish(wish, "approve", u["community"])
    if state == "open":
        return Wish.objects.get(pk=wish.pk)
    if state == "cancelled":
        return services.move_wish(wish, "cancel", u["community"], reason="已由社区解决")
    services.move_wish(wish, "claim", u[claimer])
    if state == "claimed":
        return Wish.objects.get(pk=wish.pk)
    services.move_wish(wish, "fulfil", u[claimer], note="已更换", photos=[png()])
    if state == "fulfilled":
        return Wish.objects.get(pk=wish.pk)
    return services.move_wish(wish, "confirm", u["resident"])


def png(color=(200, 30, 30)) -> tuple[str, bytes]:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), color).save(out, "PNG")
    return ("proof.png", out.getvalue())
