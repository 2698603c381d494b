"""The classifier itself: features, predictions, confidence, and the model file's safety checks."""

from __future__ import annotations

import json
import pickle

import pytest

from civicgrid.classify import engine
from civicgrid.classify.engine import MAGIC, ModelFileError, TextClassifier, features_text
from civicgrid.classify.testing import synthetic_rows, trained_model


def test_features_text_joins_raw_and_segmented_forms():
    raw = "A市西湖建筑集团占道施工，有安全隐患！"
    segmented = "a市 西湖 建筑 集团 占道 施工 有 安全隐患"
    assert features_text(raw) == features_text(segmented) == "市西湖建筑集团占道施工有安全隐患"


def test_features_text_drops_ascii_letters_and_digits_after_nfkc():
    # Full-width letters and digits become ASCII under NFKC and go too; other scripts stay.
    text = "Ａ３区 No.12 栋，2019年5月电话13800000000；Ωμ 路灯坏了"
    assert features_text(text) == "区栋年月电话ωμ路灯坏了"
    assert features_text(text, engine.FEATURES_CHARS) == "a3区no12栋2019年5月电话13800000000ωμ路灯坏了"
    assert features_text("ABC 123") == ""


def test_features_text_cuts_at_the_analysis_limit():
    assert len(features_text("路" * 20000)) == engine.MAX_ANALYSED_CHARS
    assert features_text("") == features_text(None) == ""


def test_predictions_on_unseen_texts():
    model = trained_model()
    assert model.labels == ["交通运输", "城乡建设", "教育文体", "环境保护"]
    got = model.predict(["公交车班次太少，早上等车要一个小时", "化工厂排放废气，河道污水发臭", "学校强制学生报补课班"])
    assert [p.label for p in got] == ["交通运输", "环境保护", "教育文体"]


def test_confidence_is_a_probability_and_top3_is_ranked():
    p = trained_model().predict_one("路面坑洼，井盖破损")
    assert p.label == "城乡建设"
    assert 0.0 < p.confidence <= 1.0
    assert [label for label, _s in p.top3][0] == "城乡建设"
    scores = [s for _l, s in p.top3]
    assert scores == sorted(scores, reverse=True) and len(scores) == 3
    probs = trained_model().probabilities(["路面坑洼"])[0]
    assert abs(probs.sum() - 1.0) < 1e-6


def test_one_label_is_refused():
    with pytest.raises(ValueError):
        TextClassifier().fit(["路面坑洼", "井盖破损"], ["城乡建设", "城乡建设"])


def test_file_round_trip(tmp_path):
    path = tmp_path / "m.model"
    trained_model().save(path)
    again = TextClassifier.load(path)
    assert again.labels == trained_model().labels
    assert again.predict_one("公交站牌错误").label == trained_model().predict_one("公交站牌错误").label


def _header_and_payload(data: bytes):
    end = data.index(b"\n", len(MAGIC))
    return json.loads(data[len(MAGIC):end]), data[end + 1:]


def _with_header(data: bytes, **changes) -> bytes:
    header, payload = _header_and_payload(data)
    header.update(changes)
    return MAGIC + json.dumps(header).encode() + b"\n" + payload


def test_a_non_model_file_is_refused(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello", encoding="utf-8")
    with pytest.raises(ModelFileError, match="不是 civicgrid 分类模型文件"):
        TextClassifier.load(path)


def test_a_plain_pickle_is_never_loaded(tmp_path):
    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps({"estimator": None}))
    with pytest.raises(ModelFileError, match="不是 civicgrid 分类模型文件"):
        TextClassifier.load(path)


def test_another_format_version_is_refused():
    data = _with_header(trained_model().to_bytes(), format=99)
    with pytest.raises(ModelFileError) as err:
        TextClassifier.from_bytes(data, name="m.model")
    assert str(err.value) == "m.model 的文件格式版本为 99，本平台读取版本 1。请重新训练模型。"


def test_another_sklearn_version_is_refused():
    import sklearn

    data = _with_header(trained_model().to_bytes(), sklearn="0.24.2")
    with pytest.raises(ModelFileError) as err:
        TextClassifier.from_bytes(data, name="m.model")
    assert str(err.value) == f"m.model 由 scikit-learn 0.24.2 写入，本平台运行的是 {sklearn.__version__}。请重新训练模型。"


def test_a_file_not_signed_by_this_platform_is_refused(settings):
    data = trained_model().to_bytes()
    settings.SECRET_KEY = "another-installation-" + "x" * 40
    with pytest.raises(ModelFileError, match="不是本平台写入的（签名不符）"):
        TextClassifier.from_bytes(data, name="m.model")


def test_a_tampered_payload_is_refused():
    header, payload = _header_and_payload(trained_model().to_bytes())
    forged = MAGIC + json.dumps(header).encode() + b"\n" + pickle.dumps({"estimator": "other"})
    with pytest.raises(ModelFileError, match="不是本平台写入的（签名不符）"):
        TextClassifier.from_bytes(forged)


def test_a_damaged_header_is_refused():
    with pytest.raises(ModelFileError, match="已损坏"):
        TextClassifier.from_bytes(MAGIC + b"{not json\n" + b"x", name="m.model")


def test_labels_missing_from_a_fold_do_not_break_scores():
    rows = synthetic_rows(6)
    model = TextClassifier().fit([t for t, _l in rows], [lbl for _t, lbl in rows])
    assert len(model.predict_one("公交车").top3) == 3


def test_the_numpy_tfidf_equals_sklearns():
    from sklearn.feature_extraction.text import TfidfVectorizer

    from civicgrid.classify.engine import CharNgramTfidf

    texts = [features_text(t) for t, _l in synthetic_rows(10)] + ["𠀀字a1", "𠀀字b"]  # code points above the BMP
    ours = CharNgramTfidf().fit(texts)
    theirs = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2).fit(texts)
    assert len(ours.vocabulary) == len(theirs.vocabulary_)
    names = theirs.get_feature_names_out()
    a, b = ours.transform(texts), theirs.transform(texts)
    for i in range(len(texts)):
        got = {ours.ngram(int(ours.vocabulary[c])): v for c, v in zip(a[i].indices, a[i].data)}
        want = {names[c]: v for c, v in zip(b[i].indices, b[i].data)}
        assert got.keys() == want.keys()
        assert max((abs(got[k] - want[k]) for k in got), default=0.0) < 1e-12


def test_unknown_and_empty_texts_transform_to_empty_rows():
    from civicgrid.classify.engine import CharNgramTfidf

    v = CharNgramTfidf().fit(["路面坑洼", "路面破损"])
    x = v.transform(["", "完全不同", "路面"])
    assert x.shape == (3, len(v.vocabulary)) and x[0].nnz == 0 and x[1].nnz == 0 and x[2].nnz == 3


def test_the_svm_is_class_balanced_by_default():
    rows = synthetic_rows(10)
    model = TextClassifier().fit([t for t, _l in rows], [lbl for _t, lbl in rows], calibrate=False)
    assert model.estimator.class_weight == "balanced" and model.features == engine.FEATURES_HAN
    previous = TextClassifier(features=engine.FEATURES_CHARS, class_weight=None)
    previous.fit([t for t, _l in rows], [lbl for _t, lbl in rows], calibrate=False)
    assert previous.estimator.class_weight is None


def test_self_training_adds_the_surest_texts_per_label():
    rows = synthetic_rows(10)
    texts, labels = [t for t, _l in rows], [lbl for _t, lbl in rows]
    # Three clear texts per label plus one that is just noise: with per_class=2 exactly two of each
    # label's own clear texts are added (8), never the noise (it is no label's surest).
    clear = {"交通运输": ["公交车班次太少等车太久", "出租车拒载乱收费", "公交站牌线路错误"],
             "城乡建设": ["路面坑洼井盖破损", "违章建筑私搭乱建", "楼道墙皮脱落下水管道堵塞"],
             "教育文体": ["小学乱收补课费", "幼儿园学位紧张入学难", "学校食堂卫生差"],
             "环境保护": ["工厂排放废气气味刺鼻", "河道污水直排发臭", "垃圾焚烧冒黑烟"]}
    unlabelled = [t for group in clear.values() for t in group] + ["嗯"]
    estimator = engine.CharSvm().fit([features_text(t) for t in texts], labels,
                                     unlabelled=[features_text(t) for t in unlabelled], per_class=2)
    assert estimator.pseudo_labelled == 8
    model = TextClassifier().fit(texts, labels, calibrate=False, unlabelled=unlabelled)
    assert model.meta["unlabelled"] == 13 and model.meta["pseudo_labelled"] == 13  # 150 a label: all of them
    assert model.predict_one("公交车班次太少").label == "交通运输"


def test_surest_per_class_picks_by_margin_and_balances_labels():
    import numpy as np

    scores = np.array([[3.0, 0.0, 0.0],   # label 0, margin 3
                       [2.0, 1.5, 0.0],   # label 0, margin 0.5
                       [2.5, 0.0, 0.0],   # label 0, margin 2.5
                       [0.0, 1.0, 0.9],   # label 1, margin 0.1
                       [0.0, 0.0, 1.0],   # label 2, margin 1
                       [0.0, 0.0, 1.0]])  # label 2, margin 1 (tie: the earlier row wins)
    chosen, best = engine.surest_per_class(scores, 2)
    assert chosen.tolist() == [0, 2, 3, 4, 5]
    assert best.tolist() == [0, 0, 0, 1, 2, 2]
    assert engine.surest_per_class(scores, 1)[0].tolist() == [0, 3, 4]


def test_a_file_from_before_the_feature_recipe_keeps_its_features():
    model = trained_model()
    state = {"estimator": model.estimator, "labels": model.labels, "temperature": model.temperature, "c": 0.5,
             "meta": {}}  # what files held before "features" and "class_weight" were recorded
    payload = pickle.dumps(state)
    header = {"format": engine.FORMAT_VERSION, "sklearn": __import__("sklearn").__version__, "numpy": "x",
              "labels": model.labels, "signature": engine._sign(payload)}
    old = TextClassifier.from_bytes(MAGIC + json.dumps(header).encode() + b"\n" + payload)
    assert old.features == engine.FEATURES_CHARS and old.class_weight is None
    again = TextClassifier.from_bytes(model.to_bytes())
    assert again.features == engine.FEATURES_HAN and again.class_weight == "balanced"


def test_one_text_scores_as_in_a_batch():
    import numpy as np

    est = trained_model().estimator
    texts = [features_text(t) for t in ("公交车班次太少", "路面坑洼", "", "完全陌生")]
    batch = est.decision_function(texts)
    for i, text in enumerate(texts):
        assert np.allclose(est.decision_function([text])[0], batch[i], atol=1e-6)
    assert np.allclose(est.decision_function([""])[0], est.intercept)
