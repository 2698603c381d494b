"""The evaluation commands on small data of their own (the shared data is not needed)."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import CommandError, call_command

from civicgrid.textcheck import evaluation as ev


def run(*args) -> str:
    out = io.StringIO()
    call_command("textcheck", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_eval_urgency_prints_exact_figures(tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text("text,urgent,trick\n煤气味很浓快来人,1,gas\n去年着过火,0,past\n路灯不亮,1,wrong label\n"
                    "如果着火怎么办,0,question\n", encoding="utf-8")
    out = run("eval-urgency", "--cases", str(path), "--default-lexicon")
    assert "precision 1.000  recall 0.500  F1 0.667  accuracy 0.750" in out
    assert "TP 1  FP 0  FN 1  TN 2" in out
    assert "[missed] wrong label: 路灯不亮" in out


def test_eval_urgency_refuses_a_bad_file(tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text("text,urgent\n着火,yes\n", encoding="utf-8")
    with pytest.raises(CommandError, match="urgent must be 1 or 0"):
        run("eval-urgency", "--cases", str(path), "--default-lexicon")
    with pytest.raises(CommandError, match="There is no file"):
        run("eval-urgency", "--cases", str(tmp_path / "missing.csv"), "--default-lexicon")


def test_eval_replies_on_a_small_labelled_set(tmp_path):
    rows = [("1", "路面坑洼", "门前有坑", "您好！您的留言已收悉，已转交相关部门处理。", "0"),
            ("2", "路面坑洼", "门前有坑", "经现场核实，门前路面坑洼已于11月20日修补完毕，恢复通行。", "1"),
            ("3", "路灯不亮", "路灯坏了", "经核实，路灯线路老化，已于3月2日更换，现已恢复照明。", "1"),
            ("4", "噪音扰民", "夜间施工", "来信收悉。", "0")]
    with (tmp_path / ev.MESSAGES).open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["留言编号", "留言主题", "留言详情", "答复意见"])
        w.writerows([r[:4] for r in rows])
    with (tmp_path / ev.LABELS).open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["留言编号", "interpretability_manual_0_1"])
        w.writerows([(r[0], r[4]) for r in rows])
    out = run("eval-replies", "--data", str(tmp_path))
    assert "replies: 4 labelled (label 0 'explains nothing': 2 = 50.0%" in out
    assert "'explains nothing' precision 1.000  recall 1.000  F1 1.000  accuracy 1.000" in out
    assert "ROC-AUC of the score: 1.000" in out
    assert "baseline (majority class: never flag): accuracy 0.500" in out


def test_roc_auc_counts_ties_as_half():
    assert ev.roc_auc([True, False], [0.5, 0.5]) == 0.5
    assert ev.roc_auc([True, False, True, False], [0.9, 0.1, 0.4, 0.6]) == 0.75
