"""The similarity model: the cached model follows new and merged proposals like a fresh fit."""

from __future__ import annotations

from civicgrid.proposals import similarity

ROWS = [(1, "恩县路口袋公园 把恩县路拐角的空地改造成口袋公园"), (2, "老旧小区加装电梯 上海路6号楼老人上下楼困难"),
        (3, "社区食堂 为老人开办社区食堂提供助餐"), (4, "小区充电桩 加装电动自行车充电桩"),
        (5, "背街小巷整治 整治路面和照明"), (6, "健身广场更新 更换健身器材"), (7, "楼道照明 更换声控灯"),
        (8, "儿童游乐场 建设儿童游乐设施"), (9, "停车位施划 规划停车位"), (10, "垃圾分类亭 建设垃圾分类亭")]


def ids(matches):
    return [m.id for m in matches]


def test_the_cached_model_takes_new_proposals_and_drops_merged_ones():
    similarity._cache.clear()
    assert ids(similarity.similar("装电梯", ROWS, group="t")) == [2]
    grown = ROWS + [(11, "上海路小区加装电梯 老楼加装电梯")]
    assert ids(similarity.similar("电梯", grown, group="t")) == [11, 2]      # appended, not refitted
    assert similarity._cache["t"].fitted_rows == 10 and len(similarity._cache["t"].ids) == 11
    merged = [r for r in grown if r[0] != 2]
    assert ids(similarity.similar("电梯", merged, group="t")) == [11]
    assert ids(similarity.similar("口袋公园", merged, group="t")) == [1]
    assert similarity.similar("天气", merged, group="t") == []


def test_a_campaign_grown_by_a_tenth_is_refitted():
    similarity._cache.clear()
    similarity.similar("电梯", ROWS, group="g")
    more = ROWS + [(11, "口袋公园二期"), (12, "口袋公园三期")]
    similarity.similar("电梯", more, group="g")
    assert similarity._cache["g"].fitted_rows == 12


def test_a_known_id_with_another_text_refits():
    similarity._cache.clear()
    assert ids(similarity.similar("电梯", ROWS, group="s")) == [2]
    changed = [(i, "社区图书室 建设阅览室") if i == 2 else (i, t) for i, t in ROWS]
    assert similarity.similar("电梯", changed, group="s") == []
    assert ids(similarity.similar("阅览室", changed, group="s")) == [2]
