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
    assert features_text(raw) == features_text(segmented) == "a市西湖建筑集团占道施工有安全隐患"


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
