"""Sixty days of work orders for the demo district, so that every page has something true to show.

Appeals go through the real batched intake (``submit_appeals``: location, category suggestion,
routing, deadlines, events, audit); their life after intake (dispatch, acceptance, answer,
closing, callbacks) is written directly with consistent timestamps in the past, because replaying
two months through the live services would take minutes and stamp every step "now". The rollups
are rebuilt from the result and a sweep marks what is overdue today. Deterministic for a seed.
"""

from __future__ import annotations

import random
import re
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

# (leaf category code, what residents write); {road}/{n} are filled per appeal.
PROBLEMS = [
    ("160101", "{road}{n}号楼道里堆满杂物和旧家具，挡住了消防通道，请尽快清理。"),
    ("160102", "{road}{n}号门口长期有车辆违章停车，早晚高峰堵得出不去。"),
    ("160103", "{road}路口有流动摊贩占道经营，行人只能走机动车道。"),
    ("160104", "{road}{n}号小区垃圾分类桶满了两天没人清运，气味很大。"),
    ("160105", "{road}{n}号楼前绿地被人挖了种菜，草坪毁了一大片。"),
    ("160201", "{road}{n}号楼上住户漏水到我家，协商几次没有结果，请社区协调。"),
    ("160202", "{road}{n}号楼有住户养的狗天天夜里叫，影响休息。"),
    ("160203", "{road}{n}号楼有人装修早上七点就开始电钻，周末也不停。"),
    ("160204", "{road}{n}号楼经常有人从楼上往下扔垃圾，差点砸到老人。"),
    ("160301", "{road}{n}号楼道里有人从楼上拉电线给电动车充电，很危险。"),
    ("160302", "{road}{n}号小区消防通道被私家车占用，消防车进不来。"),
    ("160303", "{road}{n}号门前人行道上的井盖丢了，晚上看不见容易掉下去。"),
    ("160304", "{road}{n}号老楼外墙开裂掉皮，下雨天有碎块掉落。"),
    ("160401", "{road}{n}号楼有位独居老人好几天没下楼了，请社区上门看看。"),
    ("010203", "{road}{n}号小区的健身器材坏了好久，孩子玩的时候很危险。"),
    ("010204", "{road}{n}号附近的路灯已经一周不亮了，晚上出行很不方便。"),
    ("010208", "{road}{n}号楼暖气不热，室温只有十四度，家里有老人孩子。"),
    ("010211", "{road}{n}号门前道路破损有大坑，雨天积水，电动车容易摔倒。"),
    ("010212", "{road}{n}号小区门禁坏了一个月，外来人员随意进出。"),
    ("010213", "{road}{n}号楼道里有燃气味，请燃气公司来检查一下管道。"),
    ("010214", "{road}{n}号后面的公厕很脏，长时间没人打扫。"),
    ("010215", "{road}{n}号楼这周停了三次电，没有任何通知。"),
    ("010216", "{road}{n}号楼自来水发黄有异味，已经好几天了。"),
    ("010302", "{road}{n}号楼顶有人私自搭建彩钢房，存在安全隐患。"),
    ("011003", "{road}{n}号小区物业不作为，电梯坏了半个月没人修。"),
    ("040203", "{road}夜市烧烤到凌晨两点，噪音和油烟扰民严重。"),
]
# Other ways residents put the same problems, so that a classifier trained on the demo's closed
# orders learns the problem and not one sentence.
VARIANTS = {
    "160101": ["{road}{n}号楼梯间被邻居放了自行车和纸箱，老人上下楼很不方便。", "{road}{n}号地下室通道堆了很多废品，着火了跑不出去。"],
    "160102": ["{road}{n}号小区门口天天有人乱停车，救护车都开不进来。", "{road}附近车辆停在盲道和人行道上，推婴儿车没法走。"],
    "160103": ["{road}早市的摊位摆到马路中间，车和人挤在一起。", "{road}{n}号门口每天晚上有人摆摊卖水果，垃圾扔一地。"],
    "160104": ["{road}{n}号的垃圾站满了溢出来，苍蝇蚊子很多。", "{road}{n}号小区厨余垃圾桶好几天没倒，臭味熏人。"],
    "160105": ["{road}{n}号楼下的树被人砍了，绿化带成了停车位。", "{road}{n}号小区花坛被住户圈起来当自家菜园。"],
    "160201": ["{road}{n}号楼上卫生间渗水，我家天花板都发霉了。", "{road}{n}号邻居家水管漏水流到我家，找他不开门。"],
    "160202": ["{road}{n}号有人在楼道里养了好几只猫，气味很难闻。", "{road}{n}号小区遛狗不拴绳，孩子被吓哭了。"],
    "160203": ["{road}{n}号楼有住户中午装修砸墙，老人孩子没法午休。", "{road}{n}号楼上晚上十点还在敲敲打打。"],
    "160204": ["{road}{n}号楼上有人往窗外泼水扔烟头，晾的衣服都脏了。", "{road}{n}号楼上掉下一个花盆，差点砸到人。"],
    "160301": ["{road}{n}号有人把电动车推进楼道充电，电线从窗户拉下来。", "{road}{n}号楼下飞线充电，插座就放在地上。"],
    "160302": ["{road}{n}号小区的消防通道上停满了车，还放了石墩。", "{road}{n}号消防通道被地锁和杂物挡住了。"],
    "160303": ["{road}{n}号路边的下水道井盖碎了，用一块木板盖着。", "{road}{n}号门前井盖松动，车一压就响，还翘起来。"],
    "160304": ["{road}{n}号楼的阳台水泥块往下掉，楼下是小孩玩的地方。", "{road}{n}号老房子墙皮大片脱落，窗框也松了。"],
    "160401": ["{road}{n}号有位八十多岁的老人一个人住，最近身体不好没人照顾。", "{road}{n}号楼独居老奶奶家好几天没开灯，敲门也没人应。"],
    "010203": ["{road}{n}号小区的滑梯和秋千坏了，螺丝都露出来了。", "{road}{n}号广场的健身器材生锈断了一根，没人来修。"],
    "010204": ["{road}{n}号这段路晚上黑漆漆的，路灯坏了没人管。", "{road}路口的路灯一到晚上就一闪一闪的，有时完全不亮。"],
    "010208": ["{road}{n}号楼今年供暖后屋里还是冷，暖气片是凉的。", "{road}{n}号楼暖气一直不热，打热力公司电话没人管。"],
    "010211": ["{road}{n}号附近的路面塌了一块，车开过去颠得厉害。", "{road}人行道的地砖翘起来好多，老人走路容易绊倒。"],
    "010212": ["{road}{n}号小区的门禁刷卡没反应，大门一直敞着。", "{road}{n}号单元门锁坏了，陌生人随便进楼发广告。"],
    "010213": ["{road}{n}号厨房里燃气表附近有一股臭鸡蛋味，不敢开火。", "{road}{n}号楼下闻到很重的煤气味，好像管道漏气了。"],
    "010214": ["{road}{n}号附近的公共厕所没有水，门也坏了。", "{road}公厕气味很大，地面很脏，纸巾也没有。"],
    "010215": ["{road}{n}号小区又停电了，冰箱里的东西都坏了。", "{road}{n}号楼一到晚上就跳闸停电，供电公司也没说原因。"],
    "010216": ["{road}{n}号打开水龙头流出来的是浑水，还有沙子。", "{road}{n}号楼自来水压力太小，五楼以上没水用。"],
    "010302": ["{road}{n}号一楼住户私自扩建院子，把公共通道占了。", "{road}{n}号楼顶有人违规加盖一层，邻居都担心楼承受不了。"],
    "011003": ["{road}{n}号小区物业收了费不干活，楼道灯坏了一个月。", "{road}{n}号物业不管事，小区大门坏了、垃圾也没人清。"],
    "040203": ["{road}{n}号楼下的酒吧每天半夜放音乐，吵得睡不着。", "{road}{n}号附近的广场舞音响开得太大，晚上十点还不停。"],
}

# What the command center's hotspot detectors should find in the demo, as a real district would show
# them: a burst of dark street lights around one building in the last days (a spike and a spatial
# cluster) and discoloured water reported again and again at another building (a recurring problem).
# (leaf category code, text, appeals, spread in metres, ages in hours drawn from this range)
PLANTED = [
    ("010204", "{road}{n}号附近一片路灯这几天晚上都不亮，路上漆黑一片。", 14, 60, (2, 5 * 24)),
    ("010216", "{road}{n}号楼自来水又发黄了，反映过好几次，还是没有解决。", 6, 15, (24, 40 * 24)),
]
METRES_PER_DEGREE = 111_000

ANSWERS = {
    "closed": "经现场核实，已安排人员处理完毕，并与反映人沟通确认。感谢您对社区工作的支持。",
    # Explains nothing: the reply check holds it for review, so the review list has work to show.
    "resolved": "已到现场处理，问题已解决，等待核查。",
    "resolved_detailed": "经现场核实，您反映的“{title}”情况属实。原因是设施老化，已安排维修人员处理并恢复正常，"
                         "已电话告知反映人，网格员将继续跟进巡查。",
}
# "Me too" on a few open orders (leaf category, residents joining), so the count shows in the lists.
ME_TOO = [("010204", 4), ("010213", 2), ("160303", 3)]


def _road(address: str) -> str:
    """The street part of a building's address: 青岛市即墨区振华街 of 青岛市即墨区振华街25号…
    (not only 路: 即墨区 has 街 and 巷, and a cut at a fixed length gave 青岛市即38号)."""
    match = re.match(r".*?(?:大道|路|街|巷)", address)
    return match.group(0) if match else address.split("号")[0]


def _aware(dt: datetime) -> datetime:
    return dt if timezone.is_aware(dt) else timezone.make_aware(dt)


def build_orders(*, count: int, seed: int, now: datetime | None = None, progress=None) -> dict:
    """Create ``count`` appeals spread over the last 60 days and move them along. Returns counts."""
    from civicgrid.dashboard import rollups
    from civicgrid.geo.models import Building
    from civicgrid.people.models import Unit, UnitKind, User
    from civicgrid.sla.deadlines import add_limit
    from civicgrid.sla.sweep import run_sweep
    from civicgrid.workorders.intake import submit_appeals
    from civicgrid.workorders.models import (
        Appeal,
        Callback,
        Category,
        OrderEvent,
        Resolution,
        Satisfaction,
        Status,
        WorkOrder,
    )

    rng = random.Random(seed)
    now = now or timezone.now()
    buildings = list(Building.objects.filter(lon__isnull=False).order_by("code").values_list("address", "lon", "lat")[:4000])
    if not buildings:
        return {"orders": 0}
    categories = {c.code: c for c in Category.objects.filter(code__in=[code for code, _ in PROBLEMS])}
    departments = list(Unit.objects.filter(kind=UnitKind.DEPARTMENT, is_active=True).order_by("code"))
    items, planted_ages = [], {}
    planted = PLANTED if count >= 200 else []
    for code, text, n_appeals, spread, (young, old) in planted:
        address, lon, lat = buildings[rng.randrange(len(buildings))]
        road = _road(address)
        number = rng.randint(1, 120)
        for _ in range(n_appeals):
            planted_ages[len(items)] = timedelta(hours=rng.randint(young, old))
            items.append({
                "text": text.format(road=road, n=number),
                "lon": lon + rng.uniform(-spread, spread) / METRES_PER_DEGREE,
                "lat": lat + rng.uniform(-spread, spread) / METRES_PER_DEGREE,
                "category_code": code if code in categories else "",
                "reporter_name": "", "reporter_phone": f"139{rng.randrange(10**8):08d}",
            })
    for i in range(count - len(items)):
        code, text = PROBLEMS[rng.randrange(len(PROBLEMS))]
        text = rng.choice([text, *VARIANTS.get(code, [])])
        address, lon, lat = buildings[rng.randrange(len(buildings))]
        road = _road(address)
        items.append({
            "text": text.format(road=road, n=rng.randint(1, 120)), "lon": lon + rng.uniform(-0.0002, 0.0002),
            "lat": lat + rng.uniform(-0.0002, 0.0002), "category_code": code if code in categories else "",
            "reporter_name": "", "reporter_phone": f"139{rng.randrange(10**8):08d}",
        })
    created, planted_pks = [], {}
    for start in range(0, len(items), 500):
        # No acting account: audit rows then never point at demo users, whom --reset deletes.
        batch = submit_appeals(items[start:start + 500], channel="web", actor=None)
        for offset, r in enumerate(batch.results):
            if r is not None and r.created:
                created.append(r.order)
                if start + offset in planted_ages:
                    planted_pks[r.order.pk] = planted_ages[start + offset]
        if progress:
            progress(len(items[start:start + 500]))
    orders = list(WorkOrder.objects.filter(pk__in=[o.pk for o in created]).select_related("suggested_unit").order_by("pk"))
    # The resident demo account reported a few, so "my appeals" is not empty.
    resident = User.objects.filter(username="resident").first()
    counts = {"orders": len(orders), "closed": 0, "open": 0, "callbacks": 0, "resolved": 0}
    events, times, callbacks = [], [], []
    changed_orders, born_of = [], {}
    order_fields = ["created_at", "updated_at", "status", "unit", "level", "dispatched_at", "response_due", "handle_due",
                    "dispatch_due", "accepted_at", "resolved_at", "closed_at", "answer", "public_answer", "published_at"]
    with transaction.atomic():
        for n, order in enumerate(orders):
            # More recent days carry more orders; ages in hours up to 60 days.
            age = timedelta(hours=min(60 * 24 - 1, int(rng.expovariate(1 / (14 * 24)))))
            age = planted_pks.get(order.pk, age)
            born = now - age
            fields = {"created_at": born}
            unit = order.suggested_unit or (departments[rng.randrange(len(departments))] if departments else None)
            r = rng.random()
            if age < timedelta(hours=6) or unit is None:
                status = Status.NEW if r < 0.7 else Status.DISPATCHED
            elif age < timedelta(days=3):
                status = [Status.DISPATCHED, Status.ACCEPTED, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED][
                    min(4, int(r * 5))]
            else:
                status = Status.CLOSED if r < 0.86 else Status.IN_PROGRESS if r < 0.95 else Status.REJECTED
            steps = [("intake", born, Status.NEW)]
            if status == Status.REJECTED:
                steps.append(("reject", born + timedelta(hours=2), Status.REJECTED))
                fields.update(status=status, closed_at=None)
            elif status != Status.NEW:
                # Every step lies between the previous one and now.
                dispatched = min(born + timedelta(minutes=rng.randint(20, 180)), born + (now - born) / 4)
                fields.update(unit=unit, level="district" if unit.kind == UnitKind.DEPARTMENT else "community",
                              dispatched_at=dispatched, response_due=add_limit(dispatched, 1, "workdays"),
                              handle_due=add_limit(dispatched, 5, "workdays"), dispatch_due=None)
                steps.append(("dispatch", dispatched, Status.DISPATCHED))
                if status in (Status.ACCEPTED, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED):
                    accepted = min(dispatched + timedelta(minutes=rng.randint(10, 60 * 30)), dispatched + (now - dispatched) / 3)
                    fields["accepted_at"] = accepted
                    steps.append(("accept", accepted, Status.ACCEPTED))
                if status in (Status.RESOLVED, Status.CLOSED):
                    late = rng.random() < 0.08
                    accepted = fields["accepted_at"]
                    resolved = min(accepted + (now - accepted) / 2, accepted + timedelta(
                        hours=rng.randint(4, 200 if late else 90)))
                    # One in three answers explains nothing (the reply check holds it; the first one always,
                    # so even a small demo shows the review list); the rest say what was done.
                    answer = (ANSWERS["resolved"] if status == Status.RESOLVED and counts["resolved"] % 3 == 0
                              else ANSWERS["resolved_detailed"].format(title=order.title[:30]))
                    counts["resolved"] += status == Status.RESOLVED
                    fields.update(resolved_at=resolved, answer=answer)
                    steps.append(("resolve", resolved, Status.RESOLVED))
                if status == Status.CLOSED:
                    resolved = fields["resolved_at"]
                    closed = min(resolved + (now - resolved) / 2, resolved + timedelta(hours=rng.randint(1, 20)))
                    fields.update(closed_at=closed, answer=ANSWERS["closed"], public_answer=ANSWERS["closed"],
                                  published_at=closed)
                    steps += [("verify", resolved + (closed - resolved) / 2, Status.VERIFIED), ("close", closed, Status.CLOSED)]
                fields["status"] = status
            fields["updated_at"] = steps[-1][1]
            for name, value in fields.items():
                setattr(order, name, value)
            changed_orders.append(order)
            born_of[order.pk] = born
            previous = Status.NEW
            for action, at, to in steps[1:]:
                events.append(OrderEvent(order_id=order.pk, action=action, from_status=previous, to_status=to,
                                         actor_repr="demo", unit=unit if action != "reject" else None,
                                         reason=ANSWERS["closed"] if action == "close" else "", data={"demo": True},
                                         is_public=action in ("dispatch", "accept", "close", "reject")))
                times.append(at)
                previous = to
            if status == Status.CLOSED:
                counts["closed"] += 1
                if rng.random() < 0.75:
                    sat = rng.random()
                    callbacks.append((Callback(
                        order_id=order.pk, round=0, reached=True, channel="phone",
                        resolution=Resolution.RESOLVED if sat < 0.93 else Resolution.UNRESOLVED,
                        satisfaction=Satisfaction.SATISFIED if sat < 0.85 else Satisfaction.BASICALLY if sat < 0.95
                        else Satisfaction.UNSATISFIED, unit=unit, area_path=order.area_path),
                        fields["closed_at"] + timedelta(hours=rng.randint(2, 48))))
            elif status not in (Status.REJECTED,):
                counts["open"] += 1
        # bulk_update writes the values as given (auto_now_add only stamps at insert).
        WorkOrder.objects.bulk_update(changed_orders, order_fields, batch_size=300)
        appeals = list(Appeal.objects.filter(order__in=changed_orders).order_by("pk"))
        for n, appeal in enumerate(appeals):
            appeal.received_at = appeal.created_at = born_of[appeal.order_id]
            if resident is not None and n % 97 == 0:
                appeal.reporter, appeal.reporter_phone = resident, resident.phone or ""
        Appeal.objects.bulk_update(appeals, ["received_at", "created_at", "reporter", "reporter_phone"], batch_size=300)
        counts["renumbered"] = _number_by_intake_day(changed_orders, appeals, born_of)
        intakes = list(OrderEvent.objects.filter(order__in=changed_orders, action="intake"))
        for event in intakes:
            event.created_at = born_of[event.order_id]
        OrderEvent.objects.bulk_update(intakes, ["created_at"], batch_size=300)
        made = OrderEvent.objects.bulk_create(events, batch_size=2000)
        for event, at in zip(made, times):
            event.created_at = at
        OrderEvent.objects.bulk_update(made, ["created_at"], batch_size=300)
        made = Callback.objects.bulk_create([c for c, _at in callbacks], batch_size=2000)
        for callback, (_c, at) in zip(made, callbacks):
            callback.created_at = min(at, now)
        Callback.objects.bulk_update(made, ["created_at"], batch_size=300)
        counts["callbacks"] = len(callbacks)
        WorkOrder.objects.filter(pk__in=[o.pk for o in orders]).update(version=F("version") + 1)
    rollups.rebuild()
    run_sweep(now)
    counts["answers_held"] = _check_answers([o for o in changed_orders if o.status == Status.RESOLVED])
    counts["me_too"] = _me_too(orders, resident)
    counts["notices"] = _notices(now)
    return counts


def _number_by_intake_day(orders, appeals, born_of: dict) -> int:
    """Give each demo order, and the appeal that opened it, the number of its own intake day.

    Intake ran today, in one batch, so every number carries today's date and today's sequence ran
    to the batch's size; a number is read as the day it was taken in and its place in that day
    (GD20261015000003: the third order of 15 October). So each day's orders are numbered 1, 2, 3…
    in order of intake, and each day's sequence is left at its last number, where a real intake
    of today goes on. Returns how many orders were renumbered."""
    from civicgrid.workorders.models import Appeal, NumberSequence, WorkOrder
    from civicgrid.workorders.numbering import format_numbers

    ours = {o.pk for o in orders}
    by_day: dict[str, list] = {}
    for order in sorted(orders, key=lambda o: (born_of[o.pk], o.pk)):
        by_day.setdefault(timezone.localtime(born_of[order.pk]).strftime("%Y%m%d"), []).append(order)
    taken = {o.number[2:10] for o in WorkOrder.objects.exclude(pk__in=ours).only("number")}
    # A day someone else already drew numbers of (not the case in a fresh demo) keeps its numbers.
    by_day = {day: group for day, group in by_day.items() if day not in taken}
    opening = {a.tracking_number[2:]: a for a in appeals}
    moved_orders, moved_appeals = [], []
    renamed: dict[str, str] = {}  # old number -> new, for the messages intake already queued
    for day, group in by_day.items():
        for n, order in enumerate(group, start=1):
            appeal = opening.get(order.number[2:])
            new_number, tracking = format_numbers(day, n)
            if new_number == order.number:
                continue
            renamed[order.number] = new_number
            order.number = new_number
            moved_orders.append(order)
            if appeal is not None:
                renamed[appeal.tracking_number] = tracking
                appeal.tracking_number = tracking
                moved_appeals.append(appeal)
    # Numbers are unique and old and new ones overlap (today's): park the rows on numbers no
    # order or appeal can have, then write the final ones.
    final = [(o, o.number) for o in moved_orders] + [(a, a.tracking_number) for a in moved_appeals]
    for row, _number in final:
        setattr(row, "number" if isinstance(row, WorkOrder) else "tracking_number", f"~{row.pk}")
    WorkOrder.objects.bulk_update(moved_orders, ["number"], batch_size=300)
    Appeal.objects.bulk_update(moved_appeals, ["tracking_number"], batch_size=300)
    for row, number in final:
        setattr(row, "number" if isinstance(row, WorkOrder) else "tracking_number", number)
    WorkOrder.objects.bulk_update(moved_orders, ["number"], batch_size=300)
    Appeal.objects.bulk_update(moved_appeals, ["tracking_number"], batch_size=300)
    for day, group in by_day.items():
        NumberSequence.objects.update_or_create(key=f"intake:{day}", defaults={"value": len(group)})
    _renumber_queued_messages(renamed)
    return len(moved_orders)


def _renumber_queued_messages(renamed: dict[str, str]) -> None:
    """The receipts intake queued (受理编号：SQ…) name the numbers just replaced: they say the new ones."""
    from civicgrid.notifications.models import OutboxMessage

    if not renamed:
        return
    pattern = re.compile("|".join(sorted(map(re.escape, renamed), key=len, reverse=True)))
    changed = []
    for message in OutboxMessage.objects.only("subject", "body", "link"):
        fields = {name: pattern.sub(lambda m: renamed[m.group(0)], getattr(message, name))
                  for name in ("subject", "body", "link")}
        if any(fields[name] != getattr(message, name) for name in fields):
            for name, value in fields.items():
                setattr(message, name, value)
            changed.append(message)
    OutboxMessage.objects.bulk_update(changed, ["subject", "body", "link"], batch_size=300)


def _check_answers(orders) -> int:
    """The reply check on the answers waiting for verification, as the resolve move runs it."""
    from django.apps import apps

    if not apps.is_installed("civicgrid.textcheck"):
        return 0
    from civicgrid.textcheck.hooks import answer_written
    from civicgrid.textcheck.models import ReplyCheck, ReplyState

    for order in orders:
        answer_written(order, None)
    return ReplyCheck.objects.filter(order__in=orders, state=ReplyState.FLAGGED).count()


def _me_too(orders, demo_resident) -> int:
    """Residents of the order's own grid say "me too" through the duplicates service (one appeal
    each, appeals_count + 1). The demo resident account is left out, so its "我也遇到了" button
    still works. Returns the number of appeals added."""
    from django.apps import apps
    from django.core.exceptions import ValidationError

    if not apps.is_installed("civicgrid.duplicates"):
        return 0
    from civicgrid.duplicates.services import join_me_too
    from civicgrid.people.models import User
    from civicgrid.people.models import Role
    from civicgrid.workorders.models import OPEN_STATUSES, Category, Status

    added, used = 0, set()
    category_ids = dict(Category.objects.filter(code__in=[code for code, _n in ME_TOO]).values_list("code", "pk"))
    open_orders = [o for o in orders if o.status in OPEN_STATUSES and o.status != Status.NEW]
    for code, joins in ME_TOO:
        order = next((o for o in open_orders if o.category_id == category_ids.get(code) and o.pk not in used), None)
        if order is None:
            continue
        used.add(order.pk)
        neighbours = (User.objects.filter(households__area_path__startswith=order.area_path, memberships__role=Role.RESIDENT,
                                          is_active=True).exclude(pk=getattr(demo_resident, "pk", None))
                      .distinct().order_by("pk")[:joins * 3])
        joined = 0
        for user in neighbours:
            if joined == joins:
                break
            try:
                join_me_too(user, order, text="我家附近也是这个情况，希望尽快处理。", surface="portal")
            except ValidationError:
                continue
            joined += 1
        added += joined
    return added


NOTICES = [
    ("district", "关于开展冬季供暖问题集中排查的通知", "即日起至月底，各街道、社区组织网格员入户排查供暖不热问题，居民可通过“我要反映”或拨打12345反映。"),
    ("street", "老旧小区加装电梯意见征集", "本街道启动第三批老旧小区加装电梯意见征集，请有意向的楼栋于本月25日前到社区登记。"),
    ("community", "社区议事会本周五召开", "本周五下午3点在社区党群服务中心召开四方议事会，议题：小区停车秩序整治。欢迎居民参加。"),
    ("community", "独居老人关爱服务登记", "社区为独居老人提供每周上门探访服务，需要的家庭请联系网格员登记。"),
]


def _notices(now) -> int:
    """A few community notices (社区公告) on the demo areas. Seed rows, like the areas: no acting
    account, so that --reset (which deletes the demo users) never has to touch the audit log."""
    from civicgrid.geo.models import Area
    from civicgrid.portal.models import Notice

    made = 0
    for n, (kind, title, body) in enumerate(NOTICES):
        area = Area.objects.filter(kind=kind).order_by("code").first()
        if area is None:
            continue
        Notice.objects.create(area=area, area_path=area.path, title=title, body=body, published_at=now - timedelta(days=n * 2),
                              is_published=True)
        made += 1
    return made
