from civicgrid.core.text import MAX_ANALYSED_CHARS, han_share, normalise, words


def test_normalise_folds_width_space_and_case():
    assert normalise("  Ａ３区\n\n路灯  不亮ＡＢＣ ") == "a3区 路灯 不亮abc"


def test_normalise_caps_length():
    assert len(normalise("路" * (MAX_ANALYSED_CHARS + 100))) == MAX_ANALYSED_CHARS
    assert normalise(None) == "" and normalise("") == ""


def test_words_drop_punctuation_and_stop_words():
    assert words("小区门口的垃圾没人清理了，请尽快处理！") == ["小区", "门口", "垃圾", "没", "人", "清理", "尽快", "处理"]
    assert "的" in words("小区的路灯", keep_stop_words=True)


def test_han_share():
    assert han_share("路灯不亮") == 1.0
    assert han_share("street light out") == 0.0
    assert han_share("路灯ab") == 0.5
    assert han_share("") == 0.0
