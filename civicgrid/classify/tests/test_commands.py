"""``civicgrid classify train|predict|eval``: round trip, the JSON-lines contract, bad input."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from civicgrid.classify.engine import TextClassifier
from civicgrid.classify.testing import synthetic_rows, trained_model, write_csv

ROOT = Path(__file__).resolve().parents[3]


def run(*args, stdin: str | None = None, monkeypatch=None):
    out, err = io.StringIO(), io.StringIO()
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    call_command("classify", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def data_csv(tmp_path):
    return write_csv(tmp_path / "train.csv", synthetic_rows(20, seed=1))


@pytest.fixture
def model_file(tmp_path):
    path = tmp_path / "m.model"
    trained_model().save(path)
    return path


@pytest.mark.django_db
def test_train_writes_a_model_and_summarises(data_csv, tmp_path):
    rows = synthetic_rows(20, seed=1) + [("", "城乡建设"), ("hello world, no Chinese", "城乡建设"), ("路面坑洼", "")]
    path = write_csv(tmp_path / "t.csv", rows)
    out, _err = run("train", "--data", str(path), "--out", str(tmp_path / "new.model"))
    lines = out.splitlines()
    assert lines[0].startswith("训练完成：80 行，4 个标签，用时")
    assert lines[1] == "  标签：交通运输 (20), 城乡建设 (20), 教育文体 (20), 环境保护 (20)"
    assert "  跳过的行：3" in lines
    assert "    文本为空: 1" in lines and "    没有标签: 1" in lines and "    没有中文文本: 1" in lines
    model = TextClassifier.load(tmp_path / "new.model")
    assert model.labels == ["交通运输", "城乡建设", "教育文体", "环境保护"]


@pytest.mark.django_db
def test_train_with_other_column_names(tmp_path):
    path = write_csv(tmp_path / "t.csv", synthetic_rows(10), text_col="留言详情", label_col="一级分类")
    out, _err = run("train", "--data", str(path), "--text-col", "留言详情", "--label-col", "一级分类",
                    "--out", str(tmp_path / "m.model"))
    assert out.startswith("训练完成：40 行，4 个标签")


def test_train_refuses_a_csv_without_the_columns(tmp_path):
    path = write_csv(tmp_path / "t.csv", synthetic_rows(5), text_col="content")
    with pytest.raises(CommandError) as err:
        run("train", "--data", str(path), "--out", str(tmp_path / "m.model"))
    assert str(err.value) == f"{path} 中没有 text 列；它的列为：content, label。"


def test_train_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="无法读取"):
        run("train", "--data", str(tmp_path / "none.csv"), "--out", str(tmp_path / "m.model"))


def test_train_refuses_a_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes("text,label\n路面坑洼,城乡建设\n".encode("gbk"))
    with pytest.raises(CommandError, match="不是 UTF-8 文本"):
        run("train", "--data", str(path), "--out", str(tmp_path / "m.model"))


def test_train_needs_two_labels(tmp_path):
    path = write_csv(tmp_path / "t.csv", [("路面坑洼", "城乡建设"), ("井盖破损", "城乡建设")])
    with pytest.raises(CommandError, match="训练数据不足"):
        run("train", "--data", str(path), "--out", str(tmp_path / "m.model"))


def test_train_needs_data_or_orders(tmp_path):
    with pytest.raises(CommandError) as err:
        run("train", "--out", str(tmp_path / "m.model"))
    assert str(err.value) == "请给出 --data CSV（以及 --out MODEL）或 --from-orders。"


def test_predict_streams_json_lines(model_file, monkeypatch):
    lines = [
        {"id": 1, "text": "公交车班次太少，等车一个小时"},
        {"id": "b", "text": "工厂排放废气，气味刺鼻"},
    ]
    out, err = run("predict", "--model", str(model_file), stdin="".join(json.dumps(x, ensure_ascii=False) + "\n"
                                                                         for x in lines), monkeypatch=monkeypatch)
    got = [json.loads(line) for line in out.splitlines()]
    assert [(g["id"], g["label"]) for g in got] == [(1, "交通运输"), ("b", "环境保护")]
    assert set(got[0]) == {"id", "label", "confidence", "top3"}
    assert got[0]["top3"][0][0] == "交通运输" and len(got[0]["top3"]) == 3
    assert 0 < got[0]["confidence"] <= 1
    assert err == ""


def test_predict_answers_every_bad_line_and_goes_on(model_file, monkeypatch):
    stdin = "\n".join([
        '{"id": 1, "text": ""}',
        "not json",
        '[1, 2]',
        '{"id": 4}',
        '{"text": "hello world"}',
        '{"id": 6, "text": "学校乱收补课费"}',
    ]) + "\n"
    out, err = run("predict", "--model", str(model_file), stdin=stdin, monkeypatch=monkeypatch)
    got = [json.loads(line) for line in out.splitlines()]
    assert got[:5] == [
        {"id": 1, "error": "文本为空"},
        {"id": None, "line": 2, "error": "不是有效的 JSON：Expecting value"},
        {"id": None, "line": 3, "error": "每行须为一个 JSON 对象 {\"id\", \"text\"}"},
        {"id": 4, "error": "缺少 \"text\" 或它不是字符串"},
        {"id": None, "line": 5, "error": "文本中没有可分类的中文"},
    ]
    assert got[5]["id"] == 6 and got[5]["label"] == "教育文体"
    assert err.splitlines() == ["第 1 行：文本为空", "第 2 行：不是有效的 JSON：Expecting value",
                                "第 3 行：每行须为一个 JSON 对象 {\"id\", \"text\"}",
                                "第 4 行：缺少 \"text\" 或它不是字符串", "第 5 行：文本中没有可分类的中文"]


def test_predict_caps_a_huge_text_and_says_so(model_file, monkeypatch):
    text = "公交车班次太少。" * 2000
    out, _err = run("predict", "--model", str(model_file), stdin=json.dumps({"id": 1, "text": text}) + "\n",
                    monkeypatch=monkeypatch)
    got = json.loads(out)
    assert got["label"] == "交通运输" and got["capped_at"] == 5000


def test_predict_refuses_a_model_of_another_format(tmp_path, monkeypatch):
    path = tmp_path / "x.model"
    path.write_bytes(b"PK\x03\x04 not a model")
    with pytest.raises(CommandError) as err:
        run("predict", "--model", str(path), stdin="", monkeypatch=monkeypatch)
    assert str(err.value) == f"{path} 不是 civicgrid 分类模型文件。"


def test_eval_prints_scores_report_and_matrix(model_file, tmp_path):
    rows = synthetic_rows(10, seed=5) + [("垃圾分类宣传不到位", "城市管理"), ("医院挂号难", "卫生计生"), ("医保报销慢", "卫生计生")]
    path = write_csv(tmp_path / "test.csv", rows)
    out, _err = run("eval", "--model", str(model_file), "--data", str(path))
    lines = out.splitlines()
    assert lines[0] == "参与评分的行：40"
    assert lines[1].startswith("macro-F1：") and lines[2].startswith("准确率：")
    i = lines.index("模型从未见过的标签（未计入评分）的行：3")
    assert lines[i + 1:i + 3] == ["  卫生计生: 2", "  城市管理: 1"]
    assert "混淆矩阵（行：真实标签，列：预测标签，顺序如下）：" in lines
    matrix = lines[-4:]
    assert sum(int(v) for row in matrix for v in row.split()[1:]) == 40


def test_eval_with_no_known_label(model_file, tmp_path):
    path = write_csv(tmp_path / "test.csv", [("医院挂号难", "卫生计生")])
    with pytest.raises(CommandError, match="没有一行的标签是模型认识的"):
        run("eval", "--model", str(model_file), "--data", str(path))


def test_the_civicgrid_entry_point(tmp_path):
    """train and predict through the real console command (one process each; eval is the same
    command and is covered through call_command above)."""
    env = {**os.environ, "CIVICGRID_MODE": "dev", "CIVICGRID_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    data = write_csv(tmp_path / "train.csv", synthetic_rows(10))
    model = tmp_path / "m.model"

    def cli(*args, stdin=None):
        result = subprocess.run([sys.executable, "-m", "civicgrid.cli", "classify", *args], cwd=ROOT, env=env,
                                input=stdin, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        return result.stdout

    assert cli("train", "--data", str(data), "--out", str(model)).startswith("训练完成：40 行")
    got = json.loads(cli("predict", "--model", str(model), stdin='{"id": 7, "text": "出租车拒载绕路"}\n'))
    assert (got["id"], got["label"]) == (7, "交通运输")


def _messages_csv(path, rows):
    import csv

    with Path(path).open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["留言编号", "留言主题", "留言时间", "留言详情"])
        writer.writerows(rows)
    return Path(path)


def test_read_unlabelled_joins_subject_and_detail_and_leaves_out_repeats(tmp_path):
    from civicgrid.classify.datasets import read_unlabelled

    a = _messages_csv(tmp_path / "a.csv", [
        (1, "图书馆闭馆太早", "2019/1/1", "\n\t\t周末  五点就闭馆，\n 借书不方便\t"),
        (2, "", "2019/1/2", ""),
        (3, "hello", "2019/1/3", "no Chinese here"),
        (4, "公交车太少", "2019/1/4", "等车一个小时"),  # equal to a labelled row (punctuation aside)
    ])
    b = write_csv(tmp_path / "b.csv", [("图书馆闭馆太早，周末五点就闭馆，借书不方便", ""), ("河道发臭", "")])
    got = read_unlabelled([a, b], exclude=["公交车太少！等车一个小时。"])
    assert got.texts == ["图书馆闭馆太早\n周末 五点就闭馆， 借书不方便", "河道发臭"]
    assert got.read == 6
    assert dict(got.skipped) == {"文本为空": 1, "没有中文文本": 1, "与某个有标签的行或前面的无标签文本相同": 2}


def test_read_unlabelled_refuses_a_file_without_text_columns(tmp_path):
    from civicgrid.classify.datasets import DataError, read_unlabelled

    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(DataError, match="中没有 .* 列"):
        read_unlabelled([path])


@pytest.mark.django_db
def test_train_with_unlabelled_messages(data_csv, tmp_path):
    extra = _messages_csv(tmp_path / "u.csv", [(i, "", "", t) for i, (t, _l) in enumerate(synthetic_rows(5, seed=9))])
    out, _err = run("train", "--data", str(data_csv), "--out", str(tmp_path / "u.model"),
                    "--unlabelled", str(extra), "--unlabelled", str(extra))
    lines = out.splitlines()
    assert "  无标签文本：读取 40 行，使用 20 行，其中 20 行由自训练给出标签" in lines
    assert "    与某个有标签的行或前面的无标签文本相同: 20" in lines
    model = TextClassifier.load(tmp_path / "u.model")
    assert model.meta["unlabelled"] == 20 and model.meta["pseudo_labelled"] == 20


@pytest.mark.django_db
def test_train_names_the_catalogue_codes_of_a_csv(tmp_path):
    from civicgrid.workorders.testing import make_world

    make_world()
    codes = {"城乡建设": "01", "环境保护": "04", "交通运输": "06", "教育文体": "14"}
    rows = [(text, codes[label]) for text, label in synthetic_rows(5, seed=1)] + [("路面坑洼不平", "99")]
    path = write_csv(tmp_path / "t.csv", rows)
    out, _err = run("train", "--data", str(path), "--out", str(tmp_path / "m.model"))
    # A code that is not in the catalogue stays as it is.
    assert out.splitlines()[1] == "  标签：01 城乡建设 (5), 04 环境保护 (5), 06 交通运输 (5), 14 教育文体 (5), 99 (1)"
