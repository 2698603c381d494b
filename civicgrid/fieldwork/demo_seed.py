"""Field work of the demo district: care rules per district, three months of household visits and
patrols, so that coverage, the overdue care lists and the patrol log show real numbers.
No finding is filed as an appeal here: the demo's work orders are exactly the ones the builder was
asked for (its tests count them); a visit with a finding is one tick on the visit form.

Discovered by ``civicgrid.demo.builder.app_demo_modules``: ``seed(builder)`` runs inside the build's
transaction after the work orders; ``delete(...)`` removes what only this app hangs on the demo areas
(visits and patrols are dropped by the builder itself). Deterministic by ``builder.rng("fieldwork")``
apart from the dates, which follow today like the demo's orders. Patrols with ``bulk_create``, visits
with one ``executemany`` (bulk_create's per-value preparation was most of the seed's time).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

# Per district: (tag, period, days). 市北区 visits elderly people living alone weekly; 即墨区 every
# ten days: the difference is data, as it would be for any district.
POLICIES = {
    "370203000000": [("elderly_alone", "weekly", None), ("elderly_party_member", "monthly", None),
                     ("low_income", "monthly", None), ("disabled", "days", 14)],
    "370215000000": [("elderly_alone", "days", 10), ("elderly_party_member", "monthly", None),
                     ("low_income", "monthly", None), ("disabled", "monthly", None)],
}
CARE_INTERVAL_DAYS = {"weekly": 7, "monthly": 30}
SUMMARIES = ["入户走访，了解家庭近况", "走访老人，身体状况良好", "宣传防诈骗知识", "了解居民对小区环境的意见",
             "核实家庭人口信息", "宣传垃圾分类", "上门了解用水用电安全", "征求对社区服务的意见"]
CARE_SUMMARIES = ["关爱走访：老人身体尚好，叮嘱注意保暖", "关爱走访：帮助联系助餐服务", "关爱走访：检查燃气和用电安全",
                  "关爱走访：了解低保政策落实情况", "关爱走访：陪老人聊天，了解需求"]
NEEDS = ["希望增加助餐点", "楼道灯需要维修", "想报名老年大学", "希望有人定期上门理发", ""]
PLACES = [("enterprise", "走访辖区企业，了解用工和安全生产"), ("shop", "走访沿街商户，宣传门前三包"),
          ("public_place", "巡查小区广场和健身器材")]


def _local_midnight(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def seed(builder) -> dict:
    from civicgrid.geo.models import Area, Building, Household
    from civicgrid.people.models import Membership, Role

    from .models import CarePolicy, Patrol, VisitKind
    from .periods import this_month

    rng = builder.rng("fieldwork")
    now = timezone.now()
    today = timezone.localdate(now)
    districts = {a.code: a for a in Area.objects.filter(code__in=POLICIES, parent__isnull=True)}
    policies = [CarePolicy(area=d, area_path=d.path, tag=tag, period=period, days=days,
                           starts_on=today - timedelta(days=120), note="演示数据：区级关爱走访规则")
                for code, d in districts.items() for tag, period, days in POLICIES[code]]
    CarePolicy.objects.bulk_create(policies)
    interval = {(p.area_path, p.tag): (p.days if p.period == "days" else CARE_INTERVAL_DAYS[p.period]) for p in policies}

    under = Q(pk__in=[])
    for d in districts.values():
        under |= Q(path__startswith=d.path)
    grids = list(Area.objects.filter(under, kind="grid").order_by("code"))
    # The full-time grid worker of each grid (专职网格员) does the walking.
    workers = {m.area_id: m.user for m in Membership.objects.filter(role=Role.GRID_WORKER, area__in=grids,
                                                                     title="专职网格员").select_related("user")}
    households: dict[str, list] = {}
    for row in Household.objects.filter(area_path__in=[g.path for g in grids]).values_list(
            "id", "area_path", "building_id", "tags").order_by("id"):
        households.setdefault(row[1], []).append(row)
    buildings: dict[int, list] = {}
    for b in Building.objects.filter(grid__in=grids).values_list("id", "grid_id", "lon", "lat").order_by("id"):
        buildings.setdefault(b[1], []).append(b)

    month = this_month(now)
    months = [month.previous.previous, month.previous, month]
    # Share of a grid's households visited in each month: less long ago (fewer records kept up).
    shares = [(0.03, 0.10), (0.10, 0.35), (0.10, 0.35)]
    visits: list[tuple] = []   # (worker, grid, path, kind, household, building, at, summary, needs, follow_up, patrol)
    patrols: list[Patrol] = []
    patrol_visits: list[tuple] = []
    minute = timedelta(minutes=1)
    for grid in grids:
        worker = workers.get(grid.pk)
        if worker is None:
            continue
        g_rng = random.Random(f"{rng.random()}:{grid.code}")
        rows = households.get(grid.path, [])
        district_path = grid.path.split("/")[0] + "/"

        # Ordinary household visits, between 8:30 and 19:30 on a day of the month up to now.
        for m, (lo, hi) in zip(months, shares):
            start, end = m.bounds()
            if start >= now:
                continue
            share = g_rng.uniform(lo, hi)
            days = min((end - start).days, (now - start).days + 1)
            if m == month:
                share *= days / (end - start).days
            for hid, _path, bid, _tags in g_rng.sample(rows, int(len(rows) * share)):
                when = start + timedelta(days=g_rng.randrange(days)) + minute * g_rng.randint(510, 1170)
                if when >= now:
                    when = now - minute * g_rng.randint(5, 300)
                visits.append((worker.pk, grid.pk, grid.path, VisitKind.HOUSEHOLD, hid, bid, when,
                               g_rng.choice(SUMMARIES), g_rng.choice(NEEDS), g_rng.random() < 0.08, None))
            for kind, text in PLACES:
                when = start + timedelta(days=g_rng.randrange(days)) + minute * g_rng.randint(510, 1170)
                if when < now:
                    visits.append((worker.pk, grid.pk, grid.path, kind, None, None, when, text, "", False, None))
        # Key-group households: most were visited within their interval, about a quarter are overdue.
        for hid, _path, bid, tags in rows:
            days = [interval[(district_path, t)] for t in tags if (district_path, t) in interval]
            if not days:
                continue
            step = min(days)
            overdue = g_rng.random() < 0.25
            ago = g_rng.randint(step + 1, step + 20) if overdue else g_rng.randint(0, max(step - 1, 0))
            visits.append((worker.pk, grid.pk, grid.path, VisitKind.HOUSEHOLD, hid, bid,
                           now - timedelta(days=ago, hours=g_rng.randint(1, 8)), g_rng.choice(CARE_SUMMARIES),
                           g_rng.choice(NEEDS), False, None))
        # Patrols: two or three a week, 40–150 minutes along the grid's buildings, a visit or two on the way.
        points = buildings.get(grid.pk, [])
        day = months[0].first
        while day <= today and points:
            if g_rng.random() < 0.3:
                started = _local_midnight(day) + timedelta(hours=g_rng.choice([8, 9, 14, 15]), minutes=g_rng.randint(0, 59))
                minutes = g_rng.randint(40, 150)
                ended = started + timedelta(minutes=minutes)
                if ended < now:
                    stops = g_rng.sample(points, min(len(points), g_rng.randint(4, 12)))
                    route = [[round(lon + g_rng.uniform(-0.0002, 0.0002), 6), round(lat + g_rng.uniform(-0.0002, 0.0002), 6),
                              (started + timedelta(minutes=minutes * i / len(stops))).isoformat()]
                             for i, (_bid, _gid, lon, lat) in enumerate(stops)]
                    patrols.append(Patrol(worker=worker, grid=grid, area_path=grid.path, started_at=started,
                                          ended_at=ended, route=route, findings=g_rng.choice([0, 0, 0, 1, 1, 2]),
                                          note=g_rng.choice(["", "", "一切正常", "发现问题已随手拍上报"])))
                    for _ in range(g_rng.choice([0, 1, 1, 2])):
                        hid, _path, bid, _tags = rows[g_rng.randrange(len(rows))]
                        patrol_visits.append((len(patrols) - 1, (worker.pk, grid.pk, grid.path, VisitKind.HOUSEHOLD, hid,
                                                                 bid, started + minute * g_rng.randint(5, minutes - 5),
                                                                 g_rng.choice(SUMMARIES), "", False)))
            day += timedelta(days=1)

    Patrol.objects.bulk_create(patrols, batch_size=2000)
    visits += [(*row, patrols[i].pk) for i, row in patrol_visits]
    _insert_visits(visits)
    return {"care_policies": len(policies), "visits": len(visits), "patrols": len(patrols)}


def _insert_visits(rows: list[tuple]) -> None:
    """Many visits in one executemany: bulk_create's per-value preparation costs seconds here."""
    from django.db import connection

    from .models import Visit

    adapt = connection.ops.adapt_datetimefield_value
    created = adapt(timezone.now())
    table = connection.ops.quote_name(Visit._meta.db_table)
    sql = (f"INSERT INTO {table} (worker_id, grid_id, area_path, kind, household_id, building_id, visited_at, "
           "summary, needs, follow_up, patrol_id, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)")
    with connection.cursor() as cursor:
        for i in range(0, len(rows), 5000):
            cursor.executemany(sql, [(*r[:6], adapt(r[6]), *r[7:], created) for r in rows[i:i + 5000]])


def delete(under, areas, demo_users, drop) -> None:
    from .models import CarePolicy, CareReminder

    drop("care reminders", CareReminder.objects.filter(under("area_path")))
    drop("care policies", CarePolicy.objects.filter(area__in=areas))
