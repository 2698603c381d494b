"""Test data for deliberation: the closed-loop world plus households with resident accounts.

``make_delib_world()``: in 恩县路第一网格 one building with three households; ``resident`` and
``resident2`` live in the first (one household, two accounts), ``resident3`` in the second;
``outsider`` lives in 上海路第一网格 (another community). ``secretary`` is the community
secretary of 恩县路社区, ``community`` its staff, ``community2`` the staff of 上海路社区.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from civicgrid.core.testing import make_building
from civicgrid.geo.models import Household
from civicgrid.people.models import Membership, Role, User
from civicgrid.workorders.testing import World, make_world

from . import services
from .models import Party, Topic


@dataclass
class DelibWorld:
    w: World
    households: list[Household]

    @property
    def users(self):
        return self.w.users

    @property
    def tree(self):
        return self.w.tree


def make_delib_world() -> DelibWorld:
    w = make_world()
    t = w.tree
    building = make_building("B-ENX-12", t.grid1, "恩县路12号", 120.30, 36.05, households=3)
    other = make_building("B-SHL-3", t.grid3, "上海路3号", 120.32, 36.05, households=1)
    hh = list(Household.objects.filter(building=building).order_by("room"))
    users = w.users
    users["resident3"] = User.objects.create_user("resident3", password="x", phone="13900000003", real_name="李四")
    users["outsider"] = User.objects.create_user("outsider", password="x", phone="13900000004", real_name="王五")
    users["secretary"] = User.objects.create_user("secretary", password="x", real_name="赵书记")
    Membership.objects.create(user=users["secretary"], role=Role.COMMUNITY_SECRETARY, area=t.community1)
    for name in ("resident3", "outsider"):
        Membership.objects.create(user=users[name], role=Role.RESIDENT)
    hh[0].residents.add(users["resident"], users["resident2"])
    hh[1].residents.add(users["resident3"])
    Household.objects.get(building=other).residents.add(users["outsider"])
    return DelibWorld(w, hh)


def topic_at(world: DelibWorld, stage: str, *, title: str = "恩县路12号加装电梯") -> Topic:
    """A topic walked through the services to ``stage`` (gather, deliberate, act, evaluate, closed)."""
    u = world.users
    topic = services.raise_topic(actor=u["resident"], area=world.tree.community1, title=title,
                                 description="12号楼共七层，老人上下楼困难，希望加装电梯。")
    if stage == "say":
        return topic
    services.move_topic(actor=u["community"], topic=topic, action="gather")
    if stage == "gather":
        return Topic.objects.get(pk=topic.pk)
    services.add_participant(actor=u["community"], topic=topic, party=Party.RESIDENT, user=u["resident"])
    services.move_topic(actor=u["community"], topic=topic, action="deliberate")
    if stage == "deliberate":
        return Topic.objects.get(pk=topic.pk)
    poll = services.create_poll(actor=u["community"], topic=topic, question="是否加装电梯", options=["同意", "不同意"],
                                closes_at=timezone.now() + timedelta(days=3))
    services.open_poll(actor=u["community"], poll=poll)
    services.cast_vote(actor=u["resident"], poll=poll, option=poll.options.get(label="同意"))
    services.close_poll(actor=u["community"], poll=poll)
    services.move_topic(actor=u["community"], topic=topic, action="act")
    if stage == "act":
        return Topic.objects.get(pk=topic.pk)
    task = services.create_task(actor=u["community"], topic=topic, title="电梯井施工", owner_user=u["community"])
    services.update_task(actor=u["community"], task=task, progress=100)
    services.move_topic(actor=u["community"], topic=topic, action="evaluate")
    if stage == "evaluate":
        return Topic.objects.get(pk=topic.pk)
    services.rate_topic(actor=u["resident3"], topic=topic, score=4)
    services.move_topic(actor=u["community"], topic=topic, action="close")
    return Topic.objects.get(pk=topic.pk)
