"""The reply score: exact reasons on written examples, bad input."""

from __future__ import annotations

from civicgrid.core.text import MAX_ANALYSED_CHARS
from civicgrid.textcheck.replies import THRESHOLD, check_reply

SUBJECT = "恩县路路面坑洼"
APPEAL = "恩县路12号门前路面有坑，雨天积水，老人出行不便。"


def test_pure_boilerplate_is_flagged_with_its_reasons():
    r = check_reply(SUBJECT, APPEAL, "您好！您的留言已收悉，已转交相关部门处理。感谢您的关注！")
    assert r.flagged and r.score >= 0.9
    assert r.reasons == ["boilerplate_only", "no_explanation", "off_topic", "no_details"]


def test_an_answer_that_explains_passes():
    r = check_reply(SUBJECT, APPEAL, "经现场核实，恩县路12号门前路面因雨水冲刷出现坑洼。区城管局已于11月20日完成修补，"
                                     "下一步将对该路段排水进行改造，计划于12月底前完成。")
    assert not r.flagged and r.score < 0.3
    assert r.features["markers"] >= 3 and r.features["details"] >= 2 and r.features["subject_overlap"] > 0


def test_a_short_concrete_result_is_not_explaining_nothing():
    assert check_reply(SUBJECT, APPEAL, "已修补路面，恢复通行。").flagged is False
    assert check_reply(SUBJECT, APPEAL, "已处理。").flagged is True


def test_bad_input():
    assert check_reply(None, None, None).flagged is True
    assert check_reply("", "", "").reasons[0] == "boilerplate_only"
    huge = check_reply(SUBJECT, APPEAL, "经核实，" + "恩县路路面已修补完毕。" * 2000)
    assert huge.features["truncated"] is True and huge.flagged is False
    assert 0.0 <= check_reply(SUBJECT, APPEAL, "OK, fixed it yesterday").score <= 1.0
    assert THRESHOLD == 0.75
