"""Scores, cross-validation, and the twin-aware raw-row protocol of the benchmark."""

from __future__ import annotations

import re

from civicgrid.classify.engine import TextClassifier
from civicgrid.classify.evaluation import cross_validate, overlapping, raw_cross_validation, score, segmented_twins
from civicgrid.classify.testing import synthetic_rows


def segment(text: str) -> str:
    """A stand-in for the data's jieba form: two-character 'words', punctuation removed."""
    runs = re.findall(r"[\u4e00-\u9fff]+", text)
    return " ".join(run[i:i + 2] for run in runs for i in range(0, len(run), 2))


def test_score_exact_values():
    s = score(["a", "a", "b", "b"], ["a", "b", "b", "b"])
    assert s.accuracy == 0.75
    assert s.per_class["a"] == {"precision": 1.0, "recall": 0.5, "f1": 0.6667, "support": 2}
    assert s.per_class["b"]["f1"] == 0.8
    assert round(s.macro_f1, 4) == round((2 / 3 + 0.8) / 2, 4)
    assert s.confusion == [[1, 1], [0, 2]]


def test_unseen_predicted_labels_do_not_count_in_macro_f1():
    s = score(["a", "b"], ["a", "c"], labels=["a", "b", "c"])
    assert s.macro_f1 == 0.5  # mean over a and b, the labels present in the truth


def test_cross_validate_on_synthetic_rows():
    rows = synthetic_rows(10)
    cv = cross_validate([t for t, _l in rows], [lbl for _t, lbl in rows], folds=5)
    assert cv.folds == 5 and len(cv.fold_macro_f1) == 5 and cv.pooled.rows == 40
    m = cv.as_metrics()
    assert set(m["per_class"]) == {"交通运输", "城乡建设", "教育文体", "环境保护"}
    assert 0.0 <= m["macro_f1"] <= 1.0


def test_folds_shrink_to_the_rarest_label():
    texts = ["公交车太少"] * 3 + ["路面坑洼"] * 10
    labels = ["交通运输"] * 3 + ["城乡建设"] * 10
    assert cross_validate(texts, labels, folds=5).folds == 3


def test_twins_are_found_and_left_out():
    rows = synthetic_rows(10, seed=2)
    names = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜戚谢邹喻柏水窦章云苏潘葛"
    # Each message gets its own street name, as real messages differ in details.
    raw = [f"{names[i]}{names[-i - 1]}家园{names[(i * 7) % 40]}{names[(i * 11) % 40]}巷：{t}" for i, (t, _l) in enumerate(rows)]
    texts = raw[:20] + [segment(t) for t in raw[:20]] + [segment(t) for t in raw[20:]]
    labels = [lbl for _t, lbl in rows[:20]] * 2 + [lbl for _t, lbl in rows[20:]]
    forms = ["raw"] * 20 + ["segmented"] * 20
    forms += ["segmented"] * (len(texts) - 40)
    twins = segmented_twins(texts, list(range(20)), list(range(20, len(texts))))
    assert all(20 + i in twins[i] for i in range(20))
    cv = raw_cross_validation(texts, labels, forms, folds=2)
    assert cv.extra["raw_rows"] == 20 and cv.extra["twins_removed"] >= 20
    naive = raw_cross_validation(texts, labels, forms, folds=2, with_twins=True)
    assert naive.extra["twins_removed"] == 0


def test_overlapping_finds_copies_and_edited_copies_only():
    held_out = ["恩县路小区路面坑洼不平，下雨积水严重，希望尽快处理", "上海路公交车班次太少，早上等车一个小时"]
    candidates = [
        "恩县路小区路面坑洼不平，下雨积水严重，希望尽快处理",  # a copy
        "关于积水\n恩县路小区路面坑洼不平，下雨积水严重，盼回复",  # another subject and ending
        "辽宁路化工厂排放废气，河道污水发臭",  # another message
        "",
    ]
    assert overlapping(candidates, held_out) == [0, 1]


def test_unlabelled_texts_overlapping_a_raw_row_never_reach_training():
    rows = synthetic_rows(10, seed=3)
    texts = [t for t, _l in rows]
    labels = [lbl for _t, lbl in rows]
    forms = ["raw"] * 20 + ["segmented"] * (len(texts) - 20)
    seen = []

    class Spy(TextClassifier):
        def fit(self, texts, labels, **kwargs):
            seen.append(kwargs.get("unlabelled"))
            return super().fit(texts, labels, **kwargs)

    fresh = "图书馆周末闭馆时间太早，市民借书不方便"
    cv = raw_cross_validation(texts, labels, forms, folds=2, make_model=Spy, unlabelled=[texts[3], fresh])
    assert cv.extra["unlabelled_used"] == 1 and cv.extra["unlabelled_overlapping_raw"] == 1
    assert seen == [[fresh], [fresh]]
