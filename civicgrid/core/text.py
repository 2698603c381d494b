"""Shared handling of residents' Chinese text: normalisation and word segmentation.

Every text feature (classifier, urgency, duplicates, hot topics, reply checks) starts from the same
normalised string and the same words, so a text means the same thing to each of them.
jieba is loaded lazily and once per process: its dictionary costs about a second the first time.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata

# Longer texts are cut here before any analysis: a 12345 appeal runs to a few hundred characters,
# a pasted document to tens of thousands, and the tail adds cost, not meaning.
MAX_ANALYSED_CHARS = 5000

_SPACE = re.compile(r"\s+")
_WORD_CHAR = re.compile(r"[\w\u4e00-\u9fff]")
_HAN = re.compile(r"[\u4e00-\u9fff]")

# Function words and boilerplate of appeals that carry no topic; kept short on purpose (a long
# generic list removes words like 不 that urgency and reply checks need).
STOP_WORDS = frozenset(
    "的 了 和 是 在 我 我们 你 你们 他 她 它 他们 这 那 这个 那个 有 也 都 就 还 又 与 及 或 对 把 被 给 让 "
    "着 过 吧 呢 啊 吗 么 嘛 请 您 您好 你好 谢谢 感谢 一下 一个 一些 一直 已经 现在 目前 希望 能够 可以 "
    "相关 有关 部门 领导 问题 情况 反映 关于 尊敬 市长 书记 同志 进行 予以 以及 因为 所以 但是 如果 "
    "A市 A B C 等".split()
)

_jieba_lock = threading.Lock()
_jieba = None


def _tokenizer():
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                _jieba = jieba
    return _jieba


def normalise(text: str | None, *, max_chars: int = MAX_ANALYSED_CHARS) -> str:
    """NFKC (full-width letters and digits become ASCII), one space for any run of whitespace,
    lower case for Latin letters, cut at ``max_chars``."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", str(text))[: max_chars * 2]
    return _SPACE.sub(" ", text).strip().lower()[:max_chars]


def words(text: str | None, *, keep_stop_words: bool = False) -> list[str]:
    """jieba words of the normalised text, without punctuation, spaces and (unless asked) stop words."""
    text = normalise(text)
    if not text:
        return []
    out = []
    for word in _tokenizer().lcut(text):
        word = word.strip()
        if not word or not _WORD_CHAR.search(word):
            continue
        if not keep_stop_words and word in STOP_WORDS:
            continue
        out.append(word)
    return out


def han_share(text: str | None) -> float:
    """Share of Chinese characters among the letters of a text (0 for an empty or all-Latin text)."""
    text = normalise(text)
    letters = [c for c in text if c.isalnum()]
    if not letters:
        return 0.0
    return sum(1 for c in letters if _HAN.match(c)) / len(letters)
