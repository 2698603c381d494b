"""Reply quality: does an answer explain anything about the appeal it answers?

A hand-written score from 0 (explains well) to 1 (explains nothing), from five features that a
reviewer can check by eye:

- **substance**: the answer's length once greetings, receipts, thanks, sign-offs and dates are taken
  out (``BOILERPLATE``): "您的留言已收悉，已转交相关部门处理" leaves nothing;
- **explanation**: markers of a finding, a reason, a rule, a done or planned action (经核实, 原因是,
  根据…规定, 已于…完成, 计划于, 下一步 …);
- **topic overlap**: the share of the appeal's subject words (``core.text.words``) found in the
  answer: an answer that never mentions what was asked may answer another appeal;
- **concrete details**: dates, times, amounts, places, phone numbers;
- **boilerplate only**: nothing but set phrases;
- **a concrete result** (已修补路面, 已更换灯泡, 当场清理): a street-level answer that reports an action
  done is never held, however short (its score is capped at ``RESULT_CAP``).

The weights below were written by hand from the meaning of the features, not fitted to any data set.
The threshold (``THRESHOLD``) was chosen by looking at the labelled replies in the shared data; the
evaluation command reports it with a cross-validated figure (see ADR 009).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext_noop as N_

from civicgrid.core.text import MAX_ANALYSED_CHARS, normalise, words

THRESHOLD = 0.75
RESULT_CAP = 0.6

BOILERPLATE = [
    r"网友[\"“”'‘’]?[a-z]*\d*[\"“”'‘’]?[:：,，]?", r"[\"“”]?uu\d+[\"“”]?", r"尊敬的[^,，:：!！。]{0,12}[:：,，]?",
    r"(您|你)好[!！,，。:：]?", r"来信收悉", r"(您的|你的)?(留言|来信|诉求|问题|反映的问题|信件|咨询)(我们|我局|我委|我办|已|均)?(已经)?(收悉|悉知|收到)",
    r"已悉", r"现(将有关情况|就有关问题|将|就)?(回复|答复)如下[:：]?", r"(回复|答复)如下[:：]?",
    r"(已|已经)?(转交|转至|转给|转办|转)(相关|有关|责任)?(部门|单位|职能部门)?(调查|核实|处理|办理|处置|核处|调查处置|调查核处)*",
    r"(相关|有关)(部门|单位)", r"(高度)?重视", r"(感谢|谢谢)(您|你)?(对|的)?[^。!！]{0,20}(关心|关注|支持|监督|理解|信任)[!！。]?",
    r"(感谢|谢谢)(您|你)?[!！。]?", r"敬请谅解", r"给(您|你)带来的不便", r"如有(疑问|问题|情况)[^。]{0,20}", r"祝[^。]{0,10}",
    r"特此(回复|答复)", r"此复", r"(请|敬请)?(继续)?(关注|监督)", r"及时(回复|反馈|答复)",
    r"\d{4}年\d{1,2}月\d{1,2}日", r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}",
]
_BOILER_RE = re.compile("|".join(f"(?:{p})" for p in BOILERPLATE))
MARKERS = [
    "经核实", "经核查", "经调查", "经查", "经了解", "经现场", "经研究", "核实", "调查", "查明", "原因是", "原因", "由于", "因为",
    "根据", "依据", "按照", "规定", "条例", "政策", "已于", "完成", "计划于", "计划", "预计", "下一步", "将于", "已安排", "安排",
    "已经", "已对", "已将", "已责令", "责令", "整改", "处罚", "督促", "目前", "现已", "情况如下", "具体", "一是", "二是",
    "第一", "首先", "同时", "建议", "可以", "需要", "办理", "申请", "联系电话", "咨询电话", "电话",
]
_MARKER_RE = re.compile("|".join(re.escape(m) for m in sorted(MARKERS, key=len, reverse=True)))
_DETAIL_RE = re.compile(
    r"\d{4}年|\d{1,2}月\d{1,2}日|\d{1,2}月(底|初|中旬|份)|\d+(\.\d+)?\s*(元|万元|米|平方|户|人|天|个|处|条|栋|吨|%|公里|小时|号)"
    r"|\d{3,4}-?\d{7,8}|1[3-9]\d{9}|[^\s,，。]{1,8}(路|街|村|小区|社区|镇|乡|大道|广场|学校|医院)"
)
# A concrete result or action already taken (已修补路面, 已更换灯泡, 当场清理): a short answer that says
# one is not "explaining nothing" for a street-level order. 已处理/已解决 alone say nothing and are not here.
_RESULT_RE = re.compile(
    r"(已经?|现已|当场|现场|立即|已于[^，。,]{0,12})(对[^，。,]{0,10})?(安排[^，。,]{0,6})?"
    r"(修补|修复|修好|更换|换了|清运|清理|清除|拆除|安装|维修|疏通|恢复|补装|加固|封堵|关闭|查处|处罚|劝离|整改|"
    r"回填|填平|移除|粉刷|约谈|调解|退还|发放|补发|张贴|铺设|绿化|修剪|砍伐|移栽|抽排|消杀|取缔|没收|扣押|立案|"
    r"责令|下达|签订|办结|复工|通水|通电|供气|亮灯)"
)
PUNCT = re.compile(r"[\s\W_]+")


@dataclass
class ReplyResult:
    score: float
    flagged: bool
    reasons: list[str]
    features: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"score": round(self.score, 3), "flagged": self.flagged, "reasons": self.reasons,
                "features": self.features, "threshold": THRESHOLD}


def features(subject: str | None, appeal: str | None, reply: str | None) -> dict:
    reply_n = normalise(reply)
    content = _BOILER_RE.sub(" ", reply_n)
    content_chars = len(PUNCT.sub("", content))
    subject_words = set(words(subject)) or set(words((appeal or "")[:200]))
    appeal_words = set(words(appeal)) | subject_words
    reply_words = set(words(reply_n))
    subject_overlap = len(subject_words & reply_words) / len(subject_words) if subject_words else 0.0
    appeal_overlap = len(appeal_words & reply_words) / len(appeal_words) if appeal_words else 0.0
    return {
        "chars": len(PUNCT.sub("", reply_n)),
        "content_chars": content_chars,
        "markers": len(_MARKER_RE.findall(content)),
        "results": len(_RESULT_RE.findall(reply_n)),
        "details": len(_DETAIL_RE.findall(content)),
        "subject_overlap": round(subject_overlap, 3),
        "appeal_overlap": round(appeal_overlap, 3),
        "truncated": len(reply or "") > MAX_ANALYSED_CHARS,
    }


def score_features(f: dict) -> tuple[float, list[str]]:
    reasons = []
    # Substance: 0 characters of content is the worst; 150 or more is enough to say something.
    substance = min(f["content_chars"], 150) / 150
    explanation = min(f["markers"], 3) / 3
    detail = min(f["details"], 2) / 2
    overlap = min(1.0, max(f["subject_overlap"], 2 * f["appeal_overlap"]))
    score = 1.0 - (0.45 * substance + 0.25 * explanation + 0.15 * overlap + 0.15 * detail)
    results = f.get("results", 0)
    if f["content_chars"] < 10 and not results:
        reasons.append("boilerplate_only")
        score = max(score, 0.9)
    elif f["content_chars"] < 40 and not results:
        reasons.append("too_short")
    if results:
        # A concrete action done is an explanation, however short the answer.
        score = min(score, RESULT_CAP)
    if f["markers"] == 0:
        reasons.append("no_explanation")
    if overlap == 0:
        reasons.append("off_topic")
    if f["details"] == 0:
        reasons.append("no_details")
    return round(min(1.0, max(0.0, score)), 4), reasons


def check_reply(subject: str | None, appeal: str | None, reply: str | None, *, threshold: float = THRESHOLD) -> ReplyResult:
    """Score an answer against the appeal it answers. Never raises on any strings; an empty answer
    is flagged (it explains nothing)."""
    f = features(subject, appeal, reply)
    score, reasons = score_features(f)
    return ReplyResult(score, score >= threshold, reasons, f)


# Labels for the reasons, translated where they are shown.
REASON_LABELS = {
    "boilerplate_only": N_("Only set phrases (receipt, transfer, thanks); nothing about this appeal"),
    "too_short": N_("Too short to explain anything"),
    "no_explanation": N_("No finding, reason, rule, action or date"),
    "off_topic": N_("Does not mention what the appeal is about"),
    "no_details": N_("No concrete dates, places or numbers"),
}
