"""Bringing any appeal text to the form the classifier learns from.

The public training data (teddy_train.csv) is mostly *segmented*: jieba words separated by spaces,
with a long generic stop-word list and all punctuation removed. Real traffic arrives *raw*: a
subject line and free text with punctuation, greetings and function words. A model fitted on one
form and fed the other loses several points of F1, so both forms go through the same steps here:

1. ``core.text.normalise`` (NFKC, lower case) and the cap at ``core.text.MAX_ANALYSED_CHARS``;
2. ``core.text.words`` (jieba, punctuation and the core stop words removed) — re-cutting an already
   segmented text gives back (nearly) the same words, so both forms meet in the middle;
3. the fuller stop-word list below, which removes what the segmented form no longer has (pronouns,
   particles, degree adverbs, letter boilerplate) and that core.text keeps on purpose because
   urgency and reply checks need words like 不 and 没有.

Character n-grams are then taken from the words joined *without* spaces, so they do not depend on
where jieba put the boundaries.
"""

from __future__ import annotations

from dataclasses import dataclass

from civicgrid.core import text as core_text

MAX_CHARS = core_text.MAX_ANALYSED_CHARS
# Below this share of Chinese characters among the letters a text is "non-Chinese": the models
# are trained on Chinese, and their guess on an English or Pinyin text means nothing.
MIN_HAN_SHARE = 0.2

# Generic function words of written Chinese (the kind of list the segmented data was filtered
# with); topic words are never here.
EXTRA_STOP_WORDS = frozenset("""
    啊 阿 哎 哎呀 哎哟 唉 俺 俺们 按 按照 吧 吧哒 罢了 本 本着 比 比方 比如 鄙人 彼 彼此 边 别 别的 别说 并 并且
    不比 不成 不单 不但 不独 不管 不光 不过 不仅 不拘 不论 不怕 不然 不如 不特 不惟 不问 不只 朝 朝着 趁 趁着 乘
    冲 除 除此之外 除非 除了 此 此间 此外 从 从而 打 待 但 当 当着 到 得 的话 等等 地 第 叮咚 对于 多 多少 而 而况
    而且 而是 而外 而言 而已 尔后 反过来 反过来说 反之 非但 非徒 否则 嘎 嘎登 该 赶 个 各 各个 各位 各种 各自 根据
    跟 故 故此 固然 关于 管 归 果然 果真 过 哈 哈哈 呵 和 何 何处 何况 何时 嘿 哼 哼唷 呼哧 乎 哗 还是 还有 换句话说
    换言之 或 或是 或者 极了 及 及其 及至 即 即便 即或 即令 即若 即使 几 几时 己 既 既然 既是 继而 加之 假如 假若
    假使 鉴于 将 较 较之 叫 接着 结果 借 紧接着 进而 尽 尽管 经 经过 就是 就是说 据 具体地说 具体说来 开始 开外
    靠 咳 可 可见 可是 况且 啦 来 来着 离 例如 哩 连 连同 两者 了 临 另 另外 另一方面 论 嘛 吗 慢说 漫说 冒 么 每
    每当 们 莫若 某 某个 某些 拿 哪 哪边 哪儿 哪个 哪里 哪年 哪怕 哪天 哪些 哪样 那 那边 那儿 那个 那会儿 那里
    那么 那么些 那么样 那时 那些 那样 乃 乃至 呢 能 你 你们 您 宁 宁可 宁肯 宁愿 哦 呕 啪达 旁人 呸 凭 凭借 其 其次
    其二 其他 其它 其一 其余 其中 起 起见 岂但 恰恰相反 前后 前者 且 然而 然后 然则 让 人家 任 任何 任凭 如 如此
    如果 如何 如其 如若 如上所述 若 若非 若是 啥 上下 尚且 设若 设使 甚而 甚么 甚至 省得 时候 什么 什么样 使得 是
    是的 首先 谁 谁知 顺 顺着 似的 虽 虽然 虽说 虽则 随 随着 所 所以 他 他们 他人 它 它们 她 她们 倘 倘或 倘然 倘若
    倘使 腾 替 通过 同 同时 哇 万一 往 望 为 为何 为了 为什么 为着 喂 嗡嗡 我 我们 呜 呜呼 乌乎 无论 无宁 毋宁 嘻
    吓 相对而言 像 向 向着 嘘 呀 焉 沿 沿着 要 要不 要不然 要不是 要么 要是 也 也罢 也好 一 一般 一旦 一方面 一来
    一切 一样 一则 依 依照 矣 以 以便 以及 以免 以至 以至于 以致 抑或 因 因此 因而 因为 哟 用 由 由此可见 由于 有的
    有关 有些 又 于 于是 于是乎 与 与此同时 与否 与其 越是 云云 哉 再说 再者 在 在下 咱 咱们 则 怎 怎么 怎么办
    怎么样 怎样 咋 照 照着 者 这 这边 这儿 这个 这会儿 这就是说 这里 这么 这么点儿 这么些 这么样 这时 这些 这样
    正如 吱 之 之类 之所以 之一 只是 只限 只要 只有 至 至于 诸位 着 着呢 自 自从 自个儿 自各儿 自己 自家 自身
    综上所述 总的来看 总的来说 总的说来 总而言之 总之 纵 纵令 纵然 纵使 遵照 作为 兮 呃 呗 咚 咦 喏 啐 喔唷 嗬 嗯
    嗳 很 非常 十分 特别 比较 更 最 太 挺 真 真的 一定 肯定 可能 应该 应当 必须 需要 还 就 都 才 再 也许 大概 尽快
    马上 立即 及时 尽早 早日 务必 恳请 请问 请求 麻烦 敬请 烦请 盼望 期望 期待 感谢您 谢谢您 此致 敬礼 您好 你好
    大家好 各位领导 尊敬的 领导 们好 亲爱的 网友 楼主 本人 我家 我们家 大家 有人 个人 什么时候 为啥 是否 有没有
    能否 可否 是不是 会不会 多久 何时 怎么回事 没 没有 不 不是 不能 不会 不要 不用 已 曾 曾经 正在 将要 之前
    之后 以后 以前 以来 当时 后来 今天 昨天 明天 今年 去年 每天 每年 一年 一天 年 月 日 号 时 分 多年 很多 许多
    不少 一点 一下 一些 一点儿 所有 全部 整个 各类 一系列 等 等等 种 些 个 位 次 件 条 家 名 人 事 东西
""".split())


@dataclass(frozen=True)
class Prepared:
    words: str  # words joined by spaces: the word features
    chars: str  # the same words joined without spaces: the character n-gram features
    capped: bool  # the text was cut at MAX_CHARS before analysis
    han_share: float


def prepare(text: str | None) -> Prepared:
    text = text or ""
    capped = len(text) > MAX_CHARS
    kept = [w for w in core_text.words(text) if w not in EXTRA_STOP_WORDS]
    return Prepared(" ".join(kept), "".join(kept), capped, core_text.han_share(text[: MAX_CHARS * 2]))


def analysed(text: str | None) -> str:
    """The one string the feature extractors see: words separated by spaces."""
    return prepare(text).words


def is_chinese(text: str | None) -> bool:
    return core_text.han_share(text) >= MIN_HAN_SHARE
