"""The urgency rule engine: the written cases drive the quality floor; exact behaviour of the rules."""

from __future__ import annotations

import pytest

from civicgrid.core.text import MAX_ANALYSED_CHARS
from civicgrid.textcheck import evaluation as ev
from civicgrid.textcheck.urgency import Lexicon, Term, assess, assess_appeal

# The figures the shipped lexicon reaches on civicgrid/textcheck/data/urgency_cases.csv (both sets:
# "dev" written with the rules, "holdout" written before its first run; see ADR 009). A lexicon
# edit that loses any case fails here.
MIN_PRECISION = 1.0
MIN_RECALL = 1.0

LEX = Lexicon.default()
CASES = ev.read_cases(ev.CASES)


def test_the_cases_file_is_big_enough_and_labelled():
    assert len(CASES) >= 150
    assert {c["set"] for c in CASES} == {"dev", "holdout"}
    assert sum(c["urgent"] for c in CASES) >= 60


@pytest.mark.parametrize("subset", ["dev", "holdout"])
def test_precision_and_recall_on_the_written_cases(subset):
    cases = [c for c in CASES if c["set"] == subset]
    result = ev.evaluate_urgency(cases, LEX)
    wrong = [(c["trick"], c["text"]) for c, _r in result.wrong]
    assert result.overall.precision >= MIN_PRECISION, wrong
    assert result.overall.recall >= MIN_RECALL, wrong


@pytest.mark.parametrize("text, effect", [
    ("没有闻到煤气味，但燃气表在走", "negation:没有"),
    ("不是着火，是邻居在烧烤", "negation:不是"),
    ("去年楼道里着火了，现在墙还是黑的", "past:去年"),
    ("燃气泄漏已经处理好了", "resolved:已经处理"),
    ("如果燃气泄漏怎么办？", "hypothetical:如果"),
    ("楼道电线老化，存在火灾隐患", "latent:隐患"),
    ("2017年5月25日大厦起火，烧坏了外墙", "past:(date)"),
])
def test_each_context_rule_takes_the_hazard_away(text, effect):
    result = assess(text, LEX)
    assert result.urgent is False
    assert effect in result.matches[0].effects


def test_a_present_hazard_scores_its_weight_plus_the_now_bonus():
    result = assess("楼道里煤气味很浓，请赶紧派人", LEX)
    assert (result.urgent, result.score, result.reasons) == (True, 1.3, ["煤气味"])
    assert result.matches[0].effects == ["present:很浓"]


def test_a_past_event_then_a_present_one_is_urgent():
    result = assess("去年楼道着过火，现在又冒烟了", LEX)
    assert result.urgent and result.reasons == ["冒烟"]


def test_exclusions_hide_lookalikes():
    assert assess("家里燃气灶打不着火", LEX).matches == []
    assert assess("小区消防通道被占用", LEX).matches == []


def test_bad_input_never_raises_and_is_not_urgent():
    assert assess(None, LEX).urgent is False
    assert assess("", LEX).as_dict()["matches"] == []
    assert assess("？？？！！", LEX).urgent is False
    assert assess("ガス漏れです。早く来てください", LEX).urgent is False  # Japanese: no lexicon, not flagged
    assert assess("가스가 새고 있어요", LEX).urgent is False


def test_a_huge_text_is_cut_and_says_so():
    text = "小区环境很好。" * 2000 + "楼道里燃气泄漏，请赶紧来"
    result = assess(text, LEX)
    assert len(text) > MAX_ANALYSED_CHARS
    assert (result.truncated, result.urgent) == (True, False)  # the hazard lies past the analysed part


def test_english_hazards_use_word_boundaries():
    assert assess("There is a gas leak in building 3 right now", LEX).urgent is True
    assert assess("The firewall of the website is down", LEX).matches == []
    assert assess("No gas leak, the meter is broken", LEX).urgent is False


def test_mixed_text_uses_both_lists():
    assert assess_appeal("3号楼 gas leak", "煤气味很重，快来人", LEX).reasons[0] in {"煤气味", "gas leak"}


def test_a_lexicon_is_data():
    lex = Lexicon([Term("漏水", "hazard", 1.0, "water"), Term("没有", "negation")])
    assert assess("楼上漏水", lex).urgent is True
    assert assess("楼上没有漏水", lex).urgent is False
    assert assess("楼上燃气泄漏", lex).urgent is False  # not in this lexicon
