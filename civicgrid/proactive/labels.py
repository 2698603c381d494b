"""Readable labels of hot topics: 2–4 words a commander understands at a glance.

A topic's centroid ranks every word its members use; the top of that ranking on appeals is full of
words that are frequent in one story without naming it: numbers and house numbers (59, 12号),
single characters (桶, 味, 路), time and quantity words (两天, 一周, 半个), places relative to
something (楼前, 路上, 家里), adverbs and adjectives (经常, 尽快, 很大) and everyday verbs (来, 存在,
检查一下). The label keeps nouns first and drops the rest; jieba's own dictionary gives the part of
speech of a word (``jieba.posseg``'s table, a dictionary lookup per candidate, no re-segmentation).
Words jieba does not know (丽发新城, 彩钢房) are kept: they are usually the name of the story.
"""

from __future__ import annotations

import re
import threading

# Parts of speech (jieba / ICTCLAS tags) that never name a problem: numerals and quantifiers,
# time, pronouns, prepositions, conjunctions, particles, adverbs, locality and place-relative
# words, interjections, onomatopoeia, adjectives, idiomatic phrases.
DROP_TAGS = frozenset("m mq q t tg r rr rz p c u ud ug uj ul uv uz d dg f s e y o a ad ag an z zg l".split())
# Verbs name an action, not the problem; they may fill a label that lacks nouns.
VERB_TAGS = frozenset("v vd vg vi vq".split())
VERB_WEIGHT = 0.5
# Place names (长春, 大沽路's 大沽) often come from the members' addresses, not from the story: they
# fill a label after the nouns. Two-character words jieba does not know are often fragments of a
# longer word (下区, 县东); longer unknown words are usually names (丽发新城, 彩钢房) and count fully.
PLACE_TAGS = frozenset("ns nt".split())
# Person names (nr): jieba tags street names so (嘉善 of 嘉善路), but also some nouns (井盖); they
# keep their rank and may open a label, never complete one.
NAME_TAGS = frozenset("nr nrfg nrt".split())
NAME_WEIGHT = 0.9
PLACE_WEIGHT = 0.4
FRAGMENT_WEIGHT = 0.45
# Frequent in appeals of every kind and not caught by the tags (jieba files them as nouns or
# verbs, or does not know them).
GENERIC = frozenset(
    "检查一下 处理一下 解决一下 看一下 一下 作为 存在 出现 发现 导致 造成 要求 解决 处理 影响 严重 "
    "没人修 没人管 没有人 没人 差点 很多 非常 特别 经常 总是 多次 多天 好几天 几天 半个月 一个月 "
    "漆黑一片 一大片 大片 一片 附近 周边 旁边 门口 楼下 楼上 对面 这边 那边 地方 位置 时候 时间 "
    "居民 群众 市民 业主 住户 小区 社区 街道 单位 师傅 工作人员 有人 大家 家里 情况 问题 事情 "
    "反映 投诉 举报 希望 请求 麻烦 谢谢 感谢 您好 你好 尽快 及时 马上 立即 赶紧 至今 仍然 依然 "
    "号楼 号院 楼号 门牌 看看 没有 开始 结果 何时 何时能 什么时候 能否 是否 为何 为什么 怎么 怎么办 如何 到底 究竟".split())
_NUMBERISH = re.compile(r"^[\d.,:%/-]+$|\d|^[一二三四五六七八九十百千万零两几半]+[号栋幢楼层室户座排期单元个天周月年次米]*$")

# Street and county names taken from addresses (华阳路, 李村路, 冠县 of 冠县路), whatever jieba tags them.
_ADDRESS = re.compile(r"^[\u4e00-\u9fff]{2,}[路街巷弄]$|^[\u4e00-\u9fff]+[县镇]$")

_tags = None
_lock = threading.Lock()


def _tag_table() -> dict:
    global _tags
    if _tags is None:
        with _lock:
            if _tags is None:
                import logging

                import jieba
                import jieba.posseg

                jieba.setLogLevel(logging.WARNING)
                _tags = jieba.posseg.dt.word_tag_tab
    return _tags


def word_weight(word: str, tags: dict | None = None) -> float:
    """How much a word may name a topic: 0 (never), ``VERB_WEIGHT`` (a verb) or 1."""
    word = word.strip()
    if len(word) < 2 or word in GENERIC or _NUMBERISH.search(word):
        return 0.0
    if not re.search(r"[\u4e00-\u9fff]", word):
        # Latin words are kept only when they look like a name (wifi, 5g would be digits anyway).
        return 1.0 if re.fullmatch(r"[a-z][a-z_]+[a-z0-9_]*", word) else 0.0
    if _ADDRESS.match(word):
        return PLACE_WEIGHT
    tag = (tags if tags is not None else _tag_table()).get(word)
    if tag is None:
        # 区丽发, 县泉塘: an address's 区/县 glued to the next name by the segmenter.
        return FRAGMENT_WEIGHT if len(word) == 2 or word[0] in "区县市镇路号" else 1.0
    if tag in DROP_TAGS:
        return 0.0
    if tag in VERB_TAGS:
        return VERB_WEIGHT
    if tag in PLACE_TAGS:
        return PLACE_WEIGHT
    if tag in NAME_TAGS:
        return NAME_WEIGHT
    return 1.0


def label_words(candidates, scores, *, size: int = 4) -> tuple[str, ...]:
    """Up to ``size`` words out of ``candidates`` (ranked by ``scores``, e.g. the centroid's
    weights), nouns first, no word that contains or is contained in one already chosen, in order of
    the adjusted score (fewer, maybe none, when the candidates are all noise)."""
    tags = _tag_table() if any(re.search(r"[\u4e00-\u9fff]", str(w)) for w in candidates) else {}
    weighted = [(float(s) * word_weight(str(w), tags), word_weight(str(w), tags), i, str(w))
                for i, (w, s) in enumerate(zip(candidates, scores))]
    ranked = sorted(weighted, key=lambda t: (-t[0], t[2]))
    chosen: list[str] = []
    for score, weight, _i, word in ranked:
        if score <= 0 or len(chosen) >= size:
            break
        # A place or a fragment may complete a short label, never pad a long one (长春路's 长春
        # after 燃气、管道、楼道 says where the members live, not what they complain about).
        if ((weight == NAME_WEIGHT and len(chosen) >= 1) or (weight == PLACE_WEIGHT and len(chosen) >= 2)
                or (weight == FRAGMENT_WEIGHT and len(chosen) >= 3)):
            continue
        if any(word in c or c in word for c in chosen):
            continue
        chosen.append(word)
    return tuple(chosen)
