"""Demo data of the livelihood proposals (群众点菜、政府买单、社会评价), built through the services.

- 市北区2025年民生实事项目: all the way through — collected, supported, a duplicate merged,
  screened, scored by the panel, selected within the budget, implemented with milestones and
  photo-less updates, finished and rated by residents (evaluation closed).
- 市北区2026年民生实事项目: in the support phase, so the `resident` demo login can support (one
  support already used: 还可支持 2 项).
- 即墨路街道2026年微实事: in the collect phase, so a resident can submit a proposal.

Deterministic by ``builder.rng("proposals")``.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from civicgrid.geo.models import Area
from civicgrid.people.models import Role, Unit, UnitKind, User

from . import services
from .models import Campaign, PanelKind, Project, Proposal

DISTRICT = "370203000000"   # 市北区
STREET = "370203020000"     # 即墨路街道

# Each proposal lies in the grid its text names (a community's grid when it names a community or a
# street of it): title, description, cost, category, grid code.
PAST = [
    ("恩县路口袋公园", "恩县路与即墨路拐角有块闲置空地，杂草丛生。建议改造成口袋公园，增加座椅、绿化和照明，方便老人孩子休息。", 350_000, "greening", "370203020009001"),
    ("上海路6号楼加装电梯", "上海路6号楼是80年代老楼，住着不少七八十岁的老人，上下楼非常困难，居民已基本达成一致，希望政府补贴加装电梯。", 600_000, "housing", "370203020002001"),
    ("社区长者食堂", "冠县路社区独居和高龄老人吃饭难，建议利用社区服务中心一楼开办长者食堂，提供助餐和送餐服务。", 280_000, "elderly", "370203020012001"),
    ("小区电动自行车充电桩", "热河路社区的小区里电动车飞线充电、楼道充电现象多，存在火灾隐患，希望集中建设充电桩和车棚。", 120_000, "traffic", "370203020011002"),
    ("恩县路西段背街小巷整治", "恩县路西段小巷路面坑洼、墙面破旧、晚上没有路灯，希望整体整治，铺设路面、粉刷墙面、安装路灯。", 450_000, "environment", "370203020009002"),
    ("社区健身广场更新", "建国村社区健身广场器材老化，有的已经损坏，希望更换健身器材并铺设塑胶地面。", 200_000, "culture", "370203028006001"),
    ("老旧小区雨污分流改造", "下四方社区的老旧小区雨污管网混接，雨天污水倒灌，希望实施雨污分流改造。", 900_000, "housing", "370203028014001"),
]
# The same corner as 恩县路口袋公园 (merged into it): the same grid.
PAST_DUPLICATE = ("即墨路拐角建口袋公园", "即墨路和恩县路拐角的空地希望建成小公园，种树放长椅。", 300_000, "greening",
                  "370203020009001")
CURRENT = [
    ("嘉兴路小区加装电梯（3栋）", "嘉兴路社区3栋楼都是六层老楼，老年人多，希望统一规划加装电梯。", 900_000, "housing", "370203028019001"),
    ("社区食堂助餐点", "在上海路社区增设助餐点，解决老年人就餐问题，兼顾上班族。", 250_000, "elderly", "370203020002002"),
    ("新能源汽车充电桩", "海嘉社区周边没有公共充电桩，希望在社区停车场建设一批新能源汽车充电桩。", 300_000, "traffic", "370203028012001"),
    ("冠县路背街小巷整治", "冠县路背街小巷违章搭建多、路面破损，希望拆违整治、硬化路面。", 500_000, "environment", "370203020012002"),
    ("热河路口袋公园", "热河路沿线缺少休闲空间，建议利用边角地建设口袋公园。", 380_000, "greening", "370203020011001"),
    ("社区儿童游乐场", "上四方社区没有儿童游乐设施，孩子们只能在马路边玩，希望建设一处安全的儿童游乐场。", 220_000, "culture", "370203028013001"),
    ("老旧小区停车位施划", "小港社区的老旧小区停车难，乱停乱放堵塞消防通道，希望重新规划施划停车位。", 150_000, "traffic", "370203020013001"),
    ("楼道照明改造", "大鲍岛社区多栋楼道照明损坏，希望统一更换声控节能灯。", 80_000, "housing", "370203020014001"),
]
STREET_PROPOSALS = [
    ("恩县路社区阅览室", "把恩县路社区闲置房间改成阅览室，配图书和桌椅，方便老人和孩子读书。", 60_000, "culture", "370203020009002"),
    ("小区垃圾分类亭", "广兴里社区的小区垃圾桶露天摆放，夏天气味大，希望建设垃圾分类亭。", 90_000, "environment", "370203020015001"),
]
MILESTONES = [("方案设计与公示", 1), ("招标采购", 1), ("施工建设", 3), ("竣工验收", 1)]
COMMENTS = ["环境好多了，老人有地方坐了", "很实用，感谢政府", "质量不错，希望多办这样的实事", "比以前方便多了", ""]


def _residents(district: Area) -> list[User]:
    return list(User.objects.filter(memberships__role=Role.RESIDENT, memberships__area__path__startswith=district.path)
                .exclude(username="resident").distinct().order_by("username"))


def seed(builder) -> dict:
    rng = builder.rng("proposals")
    district = Area.objects.filter(code=DISTRICT).first()
    street = Area.objects.filter(code=STREET).first()
    staff = User.objects.filter(username="district").first()
    street_staff = User.objects.filter(username="street").first()
    demo_resident = User.objects.filter(username="resident").first()
    if not (district and street and staff and street_staff and demo_resident):
        return {"campaigns": 0}
    residents = _residents(district)
    grids = list(Area.objects.filter(path__startswith=district.path, kind="grid").order_by("code"))
    units = list(Unit.objects.filter(Q(area=district) | Q(area__path__startswith=district.path),
                                     kind__in=[UnitKind.DEPARTMENT, UnitKind.STREET_OFFICE]).order_by("kind", "code"))
    panel = list(User.objects.filter(memberships__role=Role.PARTY_MEMBER,
                                     memberships__area__path__startswith=district.path).distinct().order_by("username")[:3])
    authors = iter(rng.sample(residents, len(residents)))

    def submit(campaign, rows):
        out = []
        for title, text, cost, category, code in rows:
            out.append(services.submit_proposal(actor=next(authors), campaign=campaign, title=title, description=text,
                                                area=_place(code, grids), estimated_cost=cost, category=category))
        return out

    def support_some(campaign, proposals, voters):
        for voter in voters:
            for p in rng.sample(proposals, rng.randint(1, min(campaign.support_limit, len(proposals)))):
                services.support(actor=voter, proposal=p)

    # --- 2025: the whole way through --------------------------------------------------------------
    past = services.create_campaign(
        actor=staff, area=district, year=2025, title=f"{district.name}2025年民生实事项目", budget=1_500_000,
        method="approval", description="群众点菜、政府买单、社会评价：由居民提出、代表评审、政府出资、群众评价的民生实事。")
    for i, rep in enumerate(panel):
        services.add_panel_member(actor=staff, campaign=past, user=rep,
                                  kind=PanelKind.DEPUTY if i < 2 else PanelKind.RESIDENT_REP)
    move = lambda c, action, who=staff: services.change_phase(actor=who, campaign=c, action=action)  # noqa: E731
    move(past, "open_collect")
    proposals = submit(past, PAST)
    duplicate = submit(past, [PAST_DUPLICATE])[0]
    move(past, "open_support")
    support_some(past, proposals + [duplicate], residents[:40])
    services.merge_proposals(actor=staff, source=duplicate, target=proposals[0], reason="同一地块，合并办理")
    move(past, "open_screen")
    for p in proposals:
        ineligible = p.title.startswith("老旧小区雨污分流")
        services.screen_proposal(actor=staff, proposal=p, eligible=not ineligible,
                                 reason="已纳入市政管网改造计划，不在本次民生实事范围" if ineligible else "")
    criteria = list(past.criteria.values_list("pk", flat=True))
    for p in Proposal.objects.filter(campaign=past, status="eligible").order_by("pk"):
        for rep in panel:
            services.score_proposal(actor=rep, proposal=p, values={c: rng.randint(6, 10) for c in criteria})
    move(past, "open_select")
    run = services.run_selection(actor=staff, campaign=past)
    services.confirm_selection(actor=staff, run=run, units={pid: units[i % len(units)] for i, pid in enumerate(run.chosen)})
    move(past, "open_implement")
    start = dt.date(2025, 5, 1)
    for n, project in enumerate(Project.objects.filter(campaign=past).order_by("pk")):
        for k, (title, weight) in enumerate(MILESTONES):
            m = services.add_milestone(actor=staff, project=project, title=title, weight=weight,
                                       due_date=start + dt.timedelta(days=45 * (k + 1) + 7 * n))
            services.set_milestone_progress(actor=staff, milestone=m, progress=100)
            if k == 2:
                services.post_update(actor=staff, project=project, text=f"{project.proposal.title}：施工已完成，正在清理现场。")
        services.finish_project(actor=staff, project=project)
    move(past, "open_evaluate")
    ratings = 0
    for project in Project.objects.filter(campaign=past).order_by("pk"):
        for voter in rng.sample(residents, min(len(residents), rng.randint(6, 12))):
            services.rate_project(actor=voter, project=project, stars=rng.choice([3, 4, 4, 5, 5, 5]),
                                  comment=rng.choice(COMMENTS))
            ratings += 1
    move(past, "close")
    _backdate(past)

    # --- 2026: supporting, the demo resident can take part -----------------------------------------
    current = services.create_campaign(
        actor=staff, area=district, year=2026, title=f"{district.name}2026年民生实事项目", budget=2_000_000,
        method="knapsack", description="今年的民生实事项目正在征求群众支持，每位居民最多可支持 3 项。")
    for i, rep in enumerate(panel):
        services.add_panel_member(actor=staff, campaign=current, user=rep,
                                  kind=PanelKind.DEPUTY if i < 2 else PanelKind.RESIDENT_REP)
    move(current, "open_collect")
    now_proposals = submit(current, CURRENT)
    move(current, "open_support")
    support_some(current, now_proposals, residents[40:80])
    services.support(actor=demo_resident, proposal=now_proposals[1])

    # --- a street's small campaign, collecting ------------------------------------------------------
    small = services.create_campaign(
        actor=street_staff, area=street, year=2026, title=f"{street.name}2026年微实事", budget=300_000,
        support_limit=2, submission_limit=2)
    move(small, "open_collect", street_staff)
    submit(small, STREET_PROPOSALS)
    return {"campaigns": 3, "proposals": Proposal.objects.filter(campaign__in=[past, current, small]).count(),
            "projects": Project.objects.filter(campaign=past).count(), "ratings": ratings}


def _place(code: str, grids: list[Area]) -> Area:
    """The grid ``code``; in a smaller demo (``--scale small`` builds one community a street) the
    first built grid of its community, else of its street, else of the district."""
    for prefix in (code, code[:12], code[:9]):
        found = next((g for g in grids if g.code.startswith(prefix)), None)
        if found is not None:
            return found
    return grids[0]


def _backdate(past: Campaign) -> None:
    """The 2025 campaign happened in 2025: phase changes, milestones, updates and finishing dates."""
    from django.utils import timezone

    from .models import Milestone, PhaseChange, ProjectUpdate

    def at(month, day):
        return timezone.make_aware(dt.datetime(2025, month, day, 9, 30))

    dates = [at(1, 10), at(2, 20), at(3, 15), at(4, 1), at(4, 20), at(11, 20), at(12, 20)]
    for change, when in zip(PhaseChange.objects.filter(campaign=past).order_by("at", "id"), dates):
        PhaseChange.objects.filter(pk=change.pk).update(at=when)
    Campaign.objects.filter(pk=past.pk).update(state_changed_at=dates[-1], selection_confirmed_at=dates[4])
    for project in Project.objects.filter(campaign=past):
        last = None
        for m in Milestone.objects.filter(project=project):
            done = timezone.make_aware(dt.datetime.combine(m.due_date - dt.timedelta(days=3), dt.time(16)))
            Milestone.objects.filter(pk=m.pk).update(done_at=done)
            last = done
        ProjectUpdate.objects.filter(project=project).update(created_at=last - dt.timedelta(days=20))
        Project.objects.filter(pk=project.pk).update(finished_at=last + dt.timedelta(days=2))


def delete(under, areas, demo_users, drop) -> None:
    from .models import SelectionRun

    campaigns = Campaign.objects.filter(under("area_path"))
    drop("proposal projects", Project.objects.filter(campaign__in=campaigns))
    drop("selection runs", SelectionRun.objects.filter(campaign__in=campaigns))
    Proposal.objects.filter(campaign__in=campaigns).update(merged_into=None)
    drop("proposals", Proposal.objects.filter(campaign__in=campaigns))
    drop("proposal campaigns", campaigns)
