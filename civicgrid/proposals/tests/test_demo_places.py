"""Each demo proposal lies in the community its text names: they were dropped on random grids, so
恩县路口袋公园 stood in 上海路第二网格 and 上海路6号楼加装电梯 in 嘉兴路第三网格."""

from __future__ import annotations

import pytest

from civicgrid.demo.builder import DEFAULT_SEED, build
from civicgrid.geo.models import Area
from civicgrid.proposals.models import Proposal

pytestmark = pytest.mark.django_db(transaction=True)


def _short(name: str) -> str:
    return name.removesuffix("社区")


def test_every_demo_proposal_lies_in_the_community_its_text_names():
    build(seed=DEFAULT_SEED, scale="full", orders=0, progress=False)
    communities = {c.code: _short(c.name) for c in Area.objects.filter(kind="community", code__startswith="370203")}
    placed = {}
    for p in Proposal.objects.select_related("area").order_by("id"):
        text = p.title + p.description
        named = sorted({name for name in communities.values() if name in text})
        placed[p.title] = (p.area.kind, communities[p.area.code[:12]], named)
    assert placed == {
        "恩县路口袋公园": ("grid", "恩县路", ["恩县路"]),
        "上海路6号楼加装电梯": ("grid", "上海路", ["上海路"]),
        "社区长者食堂": ("grid", "冠县路", ["冠县路"]),
        "小区电动自行车充电桩": ("grid", "热河路", ["热河路"]),
        "恩县路西段背街小巷整治": ("grid", "恩县路", ["恩县路"]),
        "社区健身广场更新": ("grid", "建国村", ["建国村"]),
        "老旧小区雨污分流改造": ("grid", "下四方", ["下四方"]),
        "即墨路拐角建口袋公园": ("grid", "恩县路", ["恩县路"]),
        "嘉兴路小区加装电梯（3栋）": ("grid", "嘉兴路", ["嘉兴路"]),
        "社区食堂助餐点": ("grid", "上海路", ["上海路"]),
        "新能源汽车充电桩": ("grid", "海嘉", ["海嘉"]),
        "冠县路背街小巷整治": ("grid", "冠县路", ["冠县路"]),
        "热河路口袋公园": ("grid", "热河路", ["热河路"]),
        "社区儿童游乐场": ("grid", "上四方", ["上四方"]),
        "老旧小区停车位施划": ("grid", "小港", ["小港"]),
        "楼道照明改造": ("grid", "大鲍岛", ["大鲍岛"]),
        "恩县路社区阅览室": ("grid", "恩县路", ["恩县路"]),
        "小区垃圾分类亭": ("grid", "广兴里", ["广兴里"]),
    }
    # The duplicate merged into 恩县路口袋公园 describes the same corner: the same grid.
    park, duplicate = Proposal.objects.get(title="恩县路口袋公园"), Proposal.objects.get(title="即墨路拐角建口袋公园")
    assert duplicate.area_id == park.area_id
