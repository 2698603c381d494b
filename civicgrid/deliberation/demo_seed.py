"""Demo deliberation topics in the first community (恩县路社区), one or more in every stage.

Written through the services (so every row is validated and audited like a real one), then dated
back over the last weeks. The ``resident`` demo user's household has not voted on the open poll of
加装电梯, so signing in as ``resident`` shows a vote to cast; the evaluate-stage topic waits for
their rating too. Deterministic by ``builder.rng("deliberation")``.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from civicgrid.demo.builder import FIRST_COMMUNITY
from civicgrid.geo.models import Area, Household
from civicgrid.people.models import Membership, Role, Unit, User
from civicgrid.workorders.models import WorkOrder

from . import services
from .models import Meeting, Party, Poll, Post, Rating, Stage, Task, Topic, TopicMove, Vote

TOPICS = [
    # (stage, title, description, grid index or None for the whole community)
    ("say", "3号楼楼道堆物清理", "3号楼2单元楼道里堆了旧家具和纸箱，晚上看不清容易绊倒，也有消防隐患。"
     "希望大家一起商量清理办法，以后谁家临时放东西也有个规矩。", 0),
    ("gather", "垃圾分类投放点位置调整", "现在的垃圾分类投放点紧挨5号楼窗户，夏天气味大、招蚊虫。"
     "建议挪到小区东门绿化带旁边，请业委会和物业一起来看看可不可行。", None),
    ("deliberate", "老旧楼栋加装电梯", "1号楼、2号楼是七层老楼，楼里七十岁以上老人有二十多位，上下楼非常困难。"
     "市里有加装电梯补贴政策，希望居民一起商量加装方案和费用分摊。", None),
    ("act", "小区停车位改造", "小区里乱停车严重，消防通道经常被堵。建议把南侧闲置空地改成停车位，"
     "重新划线，并实行一户一证。", None),
    ("evaluate", "健身器材维修更换", "小区广场的健身器材有三件损坏、螺丝松动，老人孩子用着不安全，希望维修或更换。", None),
    ("closed", "增设路灯照亮小区后路", "小区后路没有路灯，晚上下班回家很黑，已经有老人摔倒过。", None),
]


def _people(builder, community: Area):
    """The community's residents with their household (id, area path), read once: the services'
    per-user household lookups are for one request, not for a hundred residents at a time."""
    rng = builder.rng("deliberation")
    staff = User.objects.get(username="community")
    resident = User.objects.get(username="resident")
    homes: dict[int, tuple[int, str]] = {}
    for user_id, household_id, path in Household.residents.through.objects.filter(
            household__area_path__startswith=community.path).order_by("household_id").values_list(
            "user_id", "household_id", "household__area_path"):
        homes.setdefault(user_id, (household_id, path))
    residents = list(User.objects.filter(pk__in=homes).exclude(pk=resident.pk).order_by("username"))
    rng.shuffle(residents)
    return rng, staff, resident, residents, homes


def seed(builder) -> dict:
    community = Area.objects.filter(code=FIRST_COMMUNITY).first()
    if community is None:
        return {"topics": 0}
    grids = list(Area.objects.filter(parent=community).order_by("code"))
    rng, staff, resident, residents, homes = _people(builder, community)
    secretary = Membership.objects.filter(role=Role.COMMUNITY_SECRETARY, area=community).select_related("user").first()
    units = {u.kind: u for u in Unit.objects.filter(area=community)}
    now = timezone.now()
    topics = []
    others = iter(residents)
    for index, (stage, title, description, grid_index) in enumerate(TOPICS):
        area = grids[grid_index] if grid_index is not None and grid_index < len(grids) else community
        raiser = next(others) if stage != "deliberate" else resident
        # Residents of a grid topic raise it from that grid; a community topic from anywhere in it.
        if grid_index is not None:
            raiser = next((u for u in residents if homes[u.pk][1].startswith(area.path)), raiser)
        topic = services.raise_topic(actor=raiser, area=area, title=title, description=description, now=now)
        topics.append((stage, topic, raiser))
    counts = {"topics": len(topics)}
    for stage, topic, raiser in topics:
        _advance(topic, stage, staff=staff, resident=resident, residents=residents, homes=homes, rng=rng,
                 secretary=secretary.user if secretary else None, units=units, raiser=raiser, now=now)
    # Spread the dates back over the last seven weeks, oldest stage first.
    for age, (stage, topic, _raiser) in zip((3, 12, 20, 30, 38, 49), topics):
        created = now - timedelta(days=age)
        Topic.objects.filter(pk=topic.pk).update(created_at=created)
        moves = list(TopicMove.objects.filter(topic=topic).order_by("id"))
        for i, move in enumerate(moves):
            TopicMove.objects.filter(pk=move.pk).update(at=created + timedelta(days=2 + i * 3))
        if moves:
            last = created + timedelta(days=2 + (len(moves) - 1) * 3)
            Topic.objects.filter(pk=topic.pk).update(stage_changed_at=last,
                                                     closed_at=last if stage == "closed" else None)
        _date_back(topic, created, {m.to_stage: created + timedelta(days=2 + i * 3) for i, m in enumerate(moves)},
                   now)
    counts.update(posts=Post.objects.filter(area_path__startswith=community.path).count(),
                  votes=Vote.objects.filter(area_path__startswith=community.path).count(),
                  meetings=Meeting.objects.filter(area_path__startswith=community.path).count())
    return counts


def _date_back(topic, created, moved_at: dict, now) -> None:
    """What was written at ``now`` gets the day it would have had: the discussion after the topic
    went to 议, the meeting and the closed vote before it went to 办, the tasks done and rated after
    (a topic page read a discussion of today under a topic closed weeks ago, and a vote closing
    next week that had already passed)."""
    posts = list(Post.objects.filter(topic=topic).order_by("id"))
    talk_from = moved_at.get(Stage.DELIBERATE, created)
    for i, post in enumerate(posts):
        Post.objects.filter(pk=post.pk).update(created_at=talk_from + timedelta(hours=3 + 5 * i))
    if Stage.ACT not in moved_at:
        return  # the discussion and the vote are still going on: their times stand
    acted = moved_at[Stage.ACT]
    Meeting.objects.filter(topic=topic).update(starts_at=acted - timedelta(days=2, hours=3))
    for poll in Poll.objects.filter(topic=topic):
        closed = acted - timedelta(hours=20)
        Poll.objects.filter(pk=poll.pk).update(opens_at=closed - timedelta(days=1), closes_at=closed,
                                               closed_at=closed, created_at=closed - timedelta(days=1, hours=1))
        Vote.objects.filter(poll=poll).update(created_at=closed - timedelta(hours=6))
    Task.objects.filter(topic=topic).update(created_at=acted + timedelta(hours=2))
    evaluated = moved_at.get(Stage.EVALUATE)
    if evaluated is not None:
        Task.objects.filter(topic=topic, work_order=None).update(deadline=evaluated.date())
        for i, rating in enumerate(Rating.objects.filter(topic=topic).order_by("id")):
            Rating.objects.filter(pk=rating.pk).update(created_at=evaluated + timedelta(hours=4 + 6 * i))


def _participants(topic, staff, residents, units, secretary, n_residents=3):
    four = [
        (Party.PARTY_ORGANISATION, {"user": secretary} if secretary else {"name": "恩县路社区党委"}),
        (Party.RESIDENTS_COMMITTEE, {"unit": units.get("community_office")} if units.get("community_office")
         else {"name": "恩县路社区居委会"}),
        (Party.OWNERS_COMMITTEE, {"name": "业主委员会 刘振华"}),
        (Party.PROPERTY_COMPANY, {"name": "青岛海鑫物业服务有限公司"}),
    ]
    rows = [services.add_participant(actor=staff, topic=topic, party=party, **who) for party, who in four]
    for user in residents[:n_residents]:
        rows.append(services.add_participant(actor=staff, topic=topic, party=Party.RESIDENT, user=user))
    return rows


VIEWS = {
    "deliberate": [
        ("for", "家里老人住六楼，一个月都下不了一次楼，非常支持加装电梯！"),
        ("against", "我家住一楼，电梯井会挡住采光，而且一楼用不上却要出钱，不太同意。"),
        ("neutral", "费用怎么分摊？能不能按楼层高低分档出资，政府补贴有多少？"),
        ("for", "按楼层分档很合理，我们五楼愿意多出一些。"),
        ("neutral", "施工期间楼道怎么走？希望物业提前公示施工方案。"),
    ],
    "act": [
        ("for", "早就该改了，消防车上次差点进不来。"),
        ("against", "南侧空地是孩子们玩的地方，全改成车位不合适。"),
        ("neutral", "能不能留一半做儿童活动区，一半做车位？"),
        ("for", "一半一半的方案我同意。"),
        ("neutral", "外来车辆怎么管？建议装道闸。"),
    ],
    "evaluate": [
        ("for", "器材坏了好久了，赶紧修吧。"),
        ("neutral", "换新的话选适合老年人的器材。"),
        ("for", "同意换新，旧的太危险。"),
        ("for", "建议地面也铺上防滑垫。"),
        ("neutral", "维修期间拉好警戒线。"),
    ],
    "closed": [
        ("for", "后路太黑了，支持装路灯。"),
        ("against", "路灯别正对着我家窗户。"),
        ("neutral", "可以用太阳能路灯，省电费。"),
        ("for", "太阳能的好。"),
        ("for", "希望尽快装。"),
    ],
}


def _advance(topic, stage, *, staff, resident, residents, homes, rng, secretary, units, raiser, now):
    if stage == "say":
        services.create_post(actor=raiser, topic=topic, body="我先说一下：纸箱已经堆了两个多月了。", position="neutral")
        return
    services.move_topic(actor=staff, topic=topic, action="gather", reason="召集四方议事", now=now)
    residents = [u for u in residents if homes[u.pk][1].startswith(topic.area_path)]
    participants = _participants(topic, staff, residents, units, secretary)
    if stage == "gather":
        return
    services.move_topic(actor=staff, topic=topic, action="deliberate", reason="四方到齐，开始协商", now=now)
    posts = []
    for i, (position, body) in enumerate(VIEWS[stage]):
        author = resident if i == 0 and stage == "deliberate" else residents[(i + 3) % len(residents)]
        parent = posts[1] if i == 3 and len(posts) > 1 else None
        posts.append(services.create_post(actor=author, topic=topic, body=body, position=position, parent=parent))
    services.create_meeting(
        actor=staff, topic=topic, title=f"{topic.title}四方议事会", agenda="1. 通报居民意见\n2. 物业说明可行方案\n3. 讨论费用与分工",
        starts_at=now - timedelta(days=rng.randint(1, 5), hours=rng.randint(0, 3)), place="恩县路社区党群服务中心二楼会议室",
        minutes="四方代表到会，多数居民同意推进，物业提出两套方案，会后公示并组织投票。",
        attendee_ids=[p.pk for p in participants[:5]])
    voters = residents  # every one of them has a household in the area
    if stage == "deliberate":
        poll = services.create_poll(actor=staff, topic=topic, question="加装电梯选哪个方案？",
                                    options=["方案一：楼北侧加装，按楼层分档出资", "方案二：楼南侧加装，平均出资", "暂不加装"],
                                    quorum=5, threshold_percent=60, closes_at=now + timedelta(days=7))
        services.open_poll(actor=staff, poll=poll, now=now)
        options = list(poll.options.all())
        voted = set()
        for user in voters[:6]:
            household_id = homes[user.pk][0]
            if household_id in voted or household_id == homes.get(resident.pk, (None,))[0]:
                continue
            voted.add(household_id)
            services.cast_vote(actor=user, poll=poll, option=options[rng.choice((0, 0, 0, 1, 2))], now=now)
        return
    poll = services.create_poll(actor=staff, topic=topic, question=f"是否同意：{topic.title}方案",
                                options=["同意", "不同意"], quorum=3, threshold_percent=60,
                                closes_at=now + timedelta(days=1))
    services.open_poll(actor=staff, poll=poll, now=now)
    yes, no = list(poll.options.all())
    seen = set()
    for i, user in enumerate(voters[:5]):
        if homes[user.pk][0] in seen:
            continue
        seen.add(homes[user.pk][0])
        services.cast_vote(actor=user, poll=poll, option=no if i == 3 else yes, now=now)
    services.close_poll(actor=staff, poll=poll, now=now)
    services.move_topic(actor=staff, topic=topic, action="act", reason="表决通过，进入办理", now=now)
    owner_unit = units.get("community_office")
    tasks = [
        services.create_task(actor=staff, topic=topic, title="物业制定施工方案并公示", owner_user=staff,
                             deadline=(now + timedelta(days=10)).date()),
        services.create_task(actor=staff, topic=topic, title="社区协调资金与审批", owner_user=staff, owner_unit=owner_unit,
                             deadline=(now + timedelta(days=20)).date()),
    ]
    order = WorkOrder.objects.filter(area_path__startswith=topic.area_path).order_by("number").first()
    if stage == "act":
        services.update_task(actor=staff, task=tasks[0], progress=100)
        services.update_task(actor=staff, task=tasks[1], progress=40)
        if order is not None:
            Task.objects.create(topic=topic, area_path=topic.area_path, title=f"相关工单：{order.title}"[:200],
                                owner_unit=order.unit, work_order=order)
        return
    for task in tasks:
        services.update_task(actor=staff, task=task, progress=100)
    services.move_topic(actor=staff, topic=topic, action="evaluate", reason="任务全部完成，请居民评价", now=now)
    raters = [u for u in residents if u.pk != resident.pk][:4]
    for i, user in enumerate(raters):
        services.rate_topic(actor=user, topic=topic, score=(5, 4, 5, 3)[i],
                            comment=("效果很好，谢谢社区！", "基本满意，希望长期维护。", "", "进度慢了点。")[i])
    if stage == "closed":
        services.move_topic(actor=staff, topic=topic, action="close", reason="评价完成，议题结束", now=now)


def delete(under, areas, demo_users, drop) -> None:
    drop("deliberation topics", Topic.objects.filter(under("area_path")))
    # Votes and posts of demo users in topics outside the demo areas (none are made) would protect them.
    drop("deliberation votes", Vote.objects.filter(voter__in=demo_users))
    drop("deliberation ratings", Rating.objects.filter(resident__in=demo_users))
    drop("deliberation polls", Poll.objects.filter(under("area_path")))

