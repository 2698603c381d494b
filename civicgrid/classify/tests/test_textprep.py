"""Raw and segmented text brought to one form (the benchmark's word baseline)."""

from civicgrid.classify import textprep


def test_raw_text_loses_punctuation_and_function_words():
    p = textprep.prepare("您好！我们小区的路灯已经坏了一个月了，希望尽快修好。")
    assert p.words.split() == ["小区", "路灯", "坏", "一个月", "修好"]
    assert p.chars == "小区路灯坏一个月修好"
    assert p.capped is False and p.han_share == 1.0


def test_segmented_text_keeps_its_words():
    assert textprep.analysed("小区 路灯 坏 修好") == "小区 路灯 坏 修好"


def test_cap_and_language():
    assert textprep.prepare("路" * 6000).capped is True
    assert textprep.is_chinese("公交车太少") and textprep.is_chinese("No.5 bus 公交车太少")
    assert not textprep.is_chinese("the bus never comes") and not textprep.is_chinese("")
