"""The demo's micro-wishes, volunteer teams and hard problems (discovered by the demo builder).

Rows are written directly, as the services would have left them (the build writes one audit row,
not one per demo row), with proof photos: wishes in every state in 恩县路社区 and 上四方社区 (the `resident` demo
user's wish is fulfilled and waits for their confirmation; one claim is overdue), a volunteer team
per community, and hard problems in every state from the problem list (stalled, escalated or
reopened orders; there are none when the demo is built without orders). The demo login
`volunteer` (password `demo`) is a party member and volunteer of 恩县路第一网格 who can claim.
"""

from __future__ import annotations

import io
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.db.models import Q
from django.utils import timezone
from PIL import Image

from civicgrid.geo.models import Household
from civicgrid.people.models import Membership, PartyBranch, Role, User

from . import rules, services
from civicgrid.workorders.attachments import prepare_photos

from .models import HardProblem, ProblemNote, ProblemSource, VolunteerTeam, Wish, WishState

FIRST_COMMUNITY = "370203020009"    # 恩县路社区: the demo logins' community
SECOND_COMMUNITY = "370203028013"   # 上四方社区 (四方街道)
DEMO_PASSWORD = "demo"

# (title, description, state, poster): poster "resident" (the demo login), "res" (another resident
# account of the community) or "behalf" (the grid worker for a household with a care tag).
WISHES = [
    ("更换楼道灯泡", "三楼楼道灯坏了，晚上上下楼看不清。", "fulfilled", "resident"),
    ("孩子课外辅导", "孩子上初二，数学跟不上，希望每周辅导一次。", "open", "resident"),
    ("轮椅一台", "老人腿脚不便，出门需要轮椅。", "claimed_overdue", "behalf"),
    ("陪同就医", "每月去市立医院复查，希望有人陪同。", "confirmed", "behalf"),
    ("代购米面油", "行动不便，希望有人帮忙买些米面油。", "pending", "behalf"),
    ("智能手机教学", "想学会用手机视频通话和挂号。", "open", "behalf"),
    ("修理水龙头", "厨房水龙头一直滴水。", "rejected", "res"),
    ("旧衣物捐赠上门收取", "家里有一批旧衣物想捐出去。", "cancelled", "res"),
    ("上门理发", "老人卧床，想请人上门理发。", "confirmed", "res"),
    ("家电清洗", "油烟机多年没洗。", "claimed", "res"),
]


def _photo(rng) -> tuple[str, bytes]:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), tuple(rng.randrange(256) for _ in range(3))).save(out, "PNG")
    return ("proof.png", out.getvalue())


def _volunteer(builder, grid) -> User:
    user = User.objects.filter(username="volunteer").first()
    if user is None:
        user = User.objects.create(username="volunteer", real_name="刘红梅", phone=builder.phones.new(), is_demo=True,
                                   is_party_member=True, password=make_password(DEMO_PASSWORD))
        Membership.objects.create(user=user, role=Role.PARTY_MEMBER, area=grid, title="在职党员")
        Membership.objects.create(user=user, role=Role.VOLUNTEER, area=grid, title="红邻里志愿者")
    return user


def seed(builder) -> dict:
    from civicgrid.geo.models import Area

    community = Area.objects.filter(code=FIRST_COMMUNITY).first()
    if community is None:
        return {"wishes": 0, "hard problems": 0}
    rng = builder.rng("wishes")
    now = timezone.now()
    grid = Area.objects.get(code=f"{FIRST_COMMUNITY}001")
    volunteer = _volunteer(builder, grid)
    builder.demo_logins.append(("volunteer", "party_member, volunteer", grid.name))
    staff = User.objects.get(username="community")
    worker = User.objects.get(username="grid")

    teams = {}
    for code in (FIRST_COMMUNITY, SECOND_COMMUNITY):
        area = Area.objects.filter(code=code).first()
        if area is None:
            continue
        team = VolunteerTeam.objects.create(name=f"{area.name}红邻里志愿服务队", area=area, area_path=area.path)
        members = User.objects.filter(memberships__role=Role.VOLUNTEER, memberships__area__path__startswith=area.path,
                                      username__startswith="vol_").distinct()
        team.members.set([*members, *([volunteer] if code == FIRST_COMMUNITY else [])])
        teams[code] = team

    claimers = [volunteer, *User.objects.filter(
        Q(username__startswith=f"pm_{FIRST_COMMUNITY}") | Q(username__startswith=f"vol_{FIRST_COMMUNITY}"))
        .order_by("username")[:4]]
    resident = User.objects.get(username="resident")
    others = list(User.objects.filter(username__startswith=f"res_{FIRST_COMMUNITY}", households__isnull=False)
                  .exclude(pk=resident.pk).order_by("username"))
    tagged = [h for h in Household.objects.filter(area_path__startswith=community.path).order_by("pk")
              if set(h.tags or []) & set(rules.on_behalf_tags()) and rules.is_grid_worker_for(worker, h.area_path)]
    rng.shuffle(tagged)
    counts = {"wishes": 0}
    for i, (title, text, state, poster) in enumerate(WISHES):
        start = now - timedelta(days=20 - i, hours=rng.randrange(8))
        if poster == "resident":
            household, by = services.household_of(resident), resident
        elif poster == "res":
            by = others[i % len(others)]
            household = services.household_of(by)
        else:
            household, by = tagged[i % len(tagged)], worker
        _wish(household, by, poster == "behalf", title, text, state, staff=staff,
              claimer=claimers[i % len(claimers)], start=start, rng=rng)
        counts["wishes"] += 1
    counts["wishes"] += _second_community(rng, now)
    counts["hard problems"] = _problems(now)
    counts["volunteer teams"] = len(teams)
    return counts


def _wish(household, poster, on_behalf, title, text, state, *, staff, claimer, start, rng) -> Wish:
    """One wish as the services would have left it in ``state``, written directly like the rest
    of the demo (the build writes one audit row, not one per demo row)."""
    t = start + timedelta(hours=2)
    moves = {"pending": 0, "rejected": 1, "open": 1, "cancelled": 2, "claimed": 2, "claimed_overdue": 2,
             "fulfilled": 3, "confirmed": 4}[state]
    wish = Wish(household=household, grid=household.building.grid, area_path=household.area_path, title=title,
                description=text, posted_by=poster, on_behalf=on_behalf, version=1 + moves,
                care_tags=sorted(set(household.tags or []) & set(rules.on_behalf_tags())) if on_behalf else [],
                state=WishState.CLAIMED if state == "claimed_overdue" else state)
    if state != "pending":
        wish.reviewed_by, wish.reviewed_at = staff, t
    if state == "rejected":
        wish.last_reason = "属于物业维修范围，已转物业公司处理"
    if state == "cancelled":
        wish.last_reason = "家属已自行解决"
    if state == "claimed_overdue":
        wish.deadline = (t + timedelta(days=5)).date()
    if state in ("claimed", "claimed_overdue", "fulfilled", "confirmed"):
        wish.claimer, wish.claimed_at = claimer, t + timedelta(hours=rng.randrange(2, 30))
        wish.claimer_team = services._team_for(claimer, wish, None)
        wish.claimer_branch = services.branch_of_claimer(claimer)
    if state in ("fulfilled", "confirmed"):
        wish.proof_note, wish.fulfilled_at = "已上门完成，并与居民合影留念。", t + timedelta(days=2)
    if state == "confirmed":
        wish.confirmed_at = t + timedelta(days=2 + rng.randrange(1, 4))
    wish.save()
    Wish.objects.filter(pk=wish.pk).update(created_at=start)
    if wish.proof_note:
        services._store_photos(wish, prepare_photos([_photo(rng)]), claimer)
    return wish


def _second_community(rng, now) -> int:
    """A few claimed and confirmed wishes in 上四方社区, so the rankings compare two branches."""
    from civicgrid.geo.models import Area

    area = Area.objects.filter(code=SECOND_COMMUNITY).first()
    if area is None:
        return 0
    staff = User.objects.filter(memberships__role=Role.COMMUNITY_STAFF, memberships__area=area).order_by("username")[0]
    residents = list(User.objects.filter(username__startswith=f"res_{SECOND_COMMUNITY}", households__isnull=False)
                     .order_by("username"))
    claimers = list(User.objects.filter(username__startswith=f"vol_{SECOND_COMMUNITY}").order_by("username"))
    if not residents or not claimers:
        return 0
    plan = [("陪同老人散步", "confirmed"), ("帮忙搬运家具", "confirmed"), ("代取快递", "fulfilled"),
            ("上门量血压", "claimed")]
    for i, (title, state) in enumerate(plan):
        by = residents[i % len(residents)]
        _wish(services.household_of(by), by, False, title, "", state, staff=staff, claimer=claimers[i % len(claimers)],
              start=now - timedelta(days=15 - i), rng=rng)
    return len(plan)


def _problems(now) -> int:
    """Hard problems in every state, from the demo's problem list (none without orders)."""
    from civicgrid.workorders.models import WorkOrder

    district = User.objects.get(username="district")
    orders = list(WorkOrder.objects.filter(services.candidate_orders_q(), area_path__startswith="370203")
                  .select_related("area").order_by("number")[:5])
    states = ["open", "claimed", "in_progress", "solved", "confirmed"]
    for order, state in zip(orders, states):
        street = rules.street_prefix(order.area_path)
        branch = PartyBranch.objects.filter(grid__path__startswith=street, secretary__isnull=False).order_by(
            "grid__code").first()
        problem = HardProblem(title=order.title, description=order.description, area=order.area,
                              area_path=order.area_path, source=ProblemSource.ORDER, source_order=order,
                              created_by=district, state=state)
        notes = []
        if state != "open" and branch is not None:
            problem.secretary, problem.branch, problem.claimed_at = branch.secretary, branch, now - timedelta(days=6)
            notes.append(("claim", "", None, now - timedelta(days=6)))
            if state in ("in_progress", "solved", "confirmed"):
                problem.progress = 40
                notes.append(("progress", "已召集四方议事会，约谈物业和产权单位。", 40, now - timedelta(days=4)))
            if state in ("solved", "confirmed"):
                problem.progress, problem.solved_at = 100, now - timedelta(days=2)
                problem.solution = "协调街道和职能部门联合整治，已建立长效管理机制。"
                notes.append(("solve", problem.solution, None, problem.solved_at))
            if state == "confirmed":
                problem.confirmed_by, problem.confirmed_at = district, now - timedelta(days=1)
                notes.append(("confirm", "", None, problem.confirmed_at))
        elif state != "open":
            problem.state = "open"
        problem.version = 1 + len(notes)
        problem.save()
        for action, text, progress, when in notes:
            note = ProblemNote.objects.create(problem=problem, action=action, text=text, progress=progress,
                                              author=district if action == "confirm" else problem.secretary)
            ProblemNote.objects.filter(pk=note.pk).update(created_at=when)
    return len(orders)


def delete(under, areas, demo_users, drop) -> None:
    drop("hard problems", HardProblem.objects.filter(
        under("area_path") | Q(secretary__in=demo_users) | Q(created_by__in=demo_users)))
    drop("wishes", Wish.objects.filter(under("area_path") | Q(claimer__in=demo_users) | Q(posted_by__in=demo_users)))
    drop("volunteer teams", VolunteerTeam.objects.filter(under("area_path")))
