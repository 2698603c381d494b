"""Topic labels on crafted words, and near-duplicate topics merged into one."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from civicgrid.proactive import detectors as d
from civicgrid.proactive.config import TopicParams
from civicgrid.proactive.labels import FRAGMENT_WEIGHT, NAME_WEIGHT, PLACE_WEIGHT, VERB_WEIGHT, label_words, word_weight


def ranked(words):
    return label_words(words, list(range(len(words), 0, -1)))


def test_the_labels_the_review_found_junk_are_cleaned():
    assert ranked(["两天", "分类", "很大", "桶", "气味", "垃圾"]) == ("分类", "气味", "垃圾")
    assert ranked(["味", "来", "检查一下", "燃气", "燃气公司", "泄漏"]) == ("燃气", "泄漏")
    assert ranked(["一片", "漆黑一片", "路上", "59", "胶州路", "路灯", "不亮"]) == ("路灯", "胶州路", "不亮")
    assert ranked(["恩县", "路", "路面", "12", "号", "坑洼"]) == ("路面", "恩县", "坑洼")
    assert ranked(["一", "大片", "挖", "楼前", "毁", "绿地", "树木"]) == ("绿地", "树木")


def test_word_weights():
    assert [word_weight(w) for w in ["桶", "59", "12号", "三号楼", "两天", "经常", "楼前", "很大"]] == [0.0] * 8
    assert word_weight("燃气") == 1.0 and word_weight("彩钢房") == 1.0      # a noun, an unknown name
    assert word_weight("搭建") == VERB_WEIGHT
    assert word_weight("华阳路") == PLACE_WEIGHT and word_weight("冠县") == PLACE_WEIGHT
    assert word_weight("丽发") == FRAGMENT_WEIGHT and word_weight("嘉善") == NAME_WEIGHT


def test_places_complete_a_short_label_but_never_pad_a_long_one():
    assert ranked(["燃气", "管道", "楼道", "华阳路"]) == ("燃气", "管道", "楼道")
    assert ranked(["物业", "电梯", "冠县", "华阳路"]) == ("物业", "电梯")
    assert ranked(["冠县", "电梯"]) == ("电梯", "冠县")
    # jieba files 井盖 and 嘉善 (of 嘉善路) as person names: one may open a label, never pad it.
    assert ranked(["井盖", "人行道", "看不见"]) == ("井盖", "人行道", "看不见")
    assert ranked(["公厕", "打扫", "嘉善"]) == ("公厕", "打扫")


def test_a_word_inside_a_chosen_one_is_not_repeated():
    assert ranked(["燃气公司", "燃气", "泄漏"]) == ("燃气公司", "泄漏")


def _two_templates():
    # The same complaint in two wordings: k-means keeps them apart (each has its own words), the
    # labels say the same thing.
    a = [["燃气", "泄漏", "管道", "楼道", f"甲{i}"] for i in range(12)]
    b = [["燃气", "泄漏", "管道", "阀门", f"乙{i}"] for i in range(12)]
    return a + b


def test_near_duplicate_topics_are_merged_by_their_labels():
    params = replace(TopicParams(), docs_per_topic=12, merge_similarity=1.01, min_label_share=0.5)
    apart = d.detect_topics(_two_templates(), params=replace(params, label_merge=1.01))
    merged = d.detect_topics(_two_templates(), params=params)
    assert sorted(t.size for t in apart) == [12, 12]
    assert [set(t.words) for t in apart] == [{"燃气", "泄漏", "管道", "楼道"}, {"燃气", "泄漏", "管道", "阀门"}][:: 1 if "楼道" in apart[0].words else -1]
    assert [t.size for t in merged] == [24]
    assert merged[0].words == ("燃气", "管道", "楼道", "阀门")   # 泄漏 is a verb: nouns first
    assert np.array_equal(np.sort(merged[0].members), np.arange(24))
