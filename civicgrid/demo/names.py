"""Generated personal data for the demo: Chinese names, mobile numbers, ID numbers, addresses keys.

Everything is drawn from a ``random.Random`` passed in by the caller, so a seed gives the same people
every time. None of it belongs to a real person: the phone numbers and ID numbers are random (the ID
numbers carry a valid GB 11643 checksum so that validators accept them).
"""

from __future__ import annotations

import random
from datetime import date, timedelta

# Common surnames in Shandong with rough weights (王张李刘 lead there as everywhere in the north).
SURNAMES = [
    ("王", 90), ("张", 80), ("李", 75), ("刘", 65), ("孙", 35), ("杨", 30), ("赵", 28), ("陈", 26),
    ("于", 25), ("高", 22), ("徐", 20), ("周", 18), ("马", 18), ("宋", 16), ("姜", 16), ("林", 14),
    ("郭", 13), ("曲", 12), ("崔", 12), ("董", 11), ("吕", 10), ("胡", 10), ("韩", 10), ("朱", 9),
    ("邵", 8), ("范", 8), ("隋", 7), ("栾", 6), ("毕", 6), ("薛", 6), ("臧", 5), ("黄", 5), ("吴", 5),
    ("修", 4), ("纪", 4), ("迟", 4), ("宫", 3), ("欧阳", 1), ("司马", 1),
]
_SURNAME_LIST = [s for s, _ in SURNAMES]
_SURNAME_CUM = []
_total = 0
for _, w in SURNAMES:
    _total += w
    _SURNAME_CUM.append(_total)

GIVEN = {
    # (generation, gender) → whole given names typical of the time.
    ("old", "m"): "建国 国庆 德胜 志刚 福生 永林 树林 传宝 洪海 玉山 振华 宝林 希信 维忠 世昌 守义 兴旺 长顺 连福 庆祥".split(),
    ("old", "f"): "秀英 桂兰 玉兰 淑珍 秀兰 凤英 桂英 玉珍 翠花 淑芬 春梅 素珍 玉梅 桂芝 秀芳 淑兰 秀云 爱华 凤兰 玉芳".split(),
    ("mid", "m"): "伟 勇 军 强 磊 涛 斌 刚 海波 建华 立新 志强 晓东 红军 永强 海涛 立军 建军 卫东 明亮".split(),
    ("mid", "f"): "丽 艳 红 娜 敏 静 丽娟 海燕 晓燕 红霞 秀丽 春燕 丽华 晓梅 艳玲 丽萍 彩霞 美玲 晓红 雪梅".split(),
    ("young", "m"): "浩 鹏 超 宇航 子豪 浩然 俊杰 一鸣 博文 天宇 晨阳 梓轩 明轩 昊天 嘉豪 泽宇 文博 思远 子健 皓轩".split(),
    ("young", "f"): "婷 雪 佳怡 欣怡 梦琪 雨涵 诗雨 思琪 晓雯 嘉欣 子涵 雨桐 可馨 梓萱 若曦 佳琪 语嫣 一诺 诗涵 心怡".split(),
}
GIVEN_CHARS = {
    "m": "志建国海明永文立庆振德俊宏家晓成新学春洪兴世金光军伟华强平涛峰鹏辉刚林东",
    "f": "秀丽美玉芳红英兰凤艳敏静娟霞婷雪梅燕琳莉萍慧晶佳欣怡思雨",
}

# Mobile prefixes in use in mainland China (all of the form 1[3-9]x).
PHONE_PREFIXES = (
    "130 131 132 133 134 135 136 137 138 139 150 151 152 153 155 156 157 158 159 "
    "166 173 175 176 177 178 180 181 182 183 184 185 186 187 188 189 191 198 199"
).split()

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"

# Where people's ID numbers were issued (户籍所在地) in each district: mostly local, some from
# the old districts the present ones were merged from (四方区 370205, 即墨市 370282), some from
# elsewhere in Shandong.
ID_REGIONS = {
    "370203": ["370203"] * 8 + ["370205"] * 4 + ["370202", "370211", "370212", "370213", "370282",
                                                  "370283", "370781", "371302", "370102", "370687"],
    "370215": ["370282"] * 8 + ["370215"] * 4 + ["370203", "370211", "370214", "370283", "370785",
                                                  "370781", "371302", "370687"],
}

REFERENCE_DATE = date(2025, 1, 1)  # ages are computed against a fixed day so builds do not drift


def surname(rng: random.Random) -> str:
    x = rng.random() * _total
    lo, hi = 0, len(_SURNAME_CUM) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if _SURNAME_CUM[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return _SURNAME_LIST[lo]


def person_name(rng: random.Random, gender: str, birth_year: int) -> str:
    generation = "old" if birth_year <= 1960 else ("mid" if birth_year <= 1985 else "young")
    if rng.random() < 0.65:
        given = rng.choice(GIVEN[(generation, gender)])
    else:
        chars = GIVEN_CHARS[gender]
        given = rng.choice(chars) + (rng.choice(chars) if rng.random() < 0.8 else "")
    return surname(rng) + given


class PhoneBook:
    """Unique mobile numbers (1[3-9] followed by 9 digits) for one build."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()

    def new(self) -> str:
        while True:
            number = self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randrange(100_000_000):08d}"
            if number not in self.used:
                self.used.add(number)
                return number


def id_checksum(first17: str) -> str:
    return ID_CHECK[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS)) % 11]


def id_number(rng: random.Random, district: str, birth: date, gender: str) -> str:
    """An 18-digit resident ID number (GB 11643-1999) with a valid check character."""
    region = rng.choice(ID_REGIONS.get(district[:6], [district[:6]]))
    seq = rng.randrange(0, 500) * 2 + (1 if gender == "m" else 0)  # odd: male, even: female
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    return first17 + id_checksum(first17)


def birth_date(rng: random.Random, age: int) -> date:
    return REFERENCE_DATE - timedelta(days=age * 365 + rng.randrange(365))


