"""The default urgency lexicon: hazard phrases with weights, and the context cues around them.

This is data, not code: the data migration loads it into ``UrgencyTerm`` rows that administrators
edit in the admin; the detector reads the rows (or, with no rows at all, this list). Each row is
(phrase, kind, weight, group, language). Phrases are matched on ``core.text.normalise``d text
(NFKC, lower case), so full-width punctuation is already ASCII here.

Weights of hazards: 1.0 names a danger that is urgent by itself when it is happening (燃气泄漏,
有人被困); 0.6–0.8 is a danger that needs one more sign that it is happening now (冒烟 alone can be
a barbecue; with 正在/很大/整栋楼 it is a fire). The detector flags at a score ≥ 1.0 (see urgency.py).
"""

from __future__ import annotations

HAZARD = "hazard"
NEGATION = "negation"
PAST = "past"
RESOLVED = "resolved"
HYPOTHETICAL = "hypothetical"
LATENT = "latent"
PRESENT = "present"
AFTERMATH = "aftermath"
BENIGN = "benign"
EXCLUDE = "exclude"
CUE_KINDS = (NEGATION, PAST, RESOLVED, AFTERMATH, HYPOTHETICAL, LATENT, PRESENT, BENIGN, EXCLUDE)

ZH, EN = "zh", "en"

_HAZARDS_ZH = {
    "gas": [
        ("燃气泄漏", 1.0), ("燃气泄露", 1.0), ("煤气泄漏", 1.0), ("煤气泄露", 1.0), ("天然气泄漏", 1.0),
        ("天然气泄露", 1.0), ("液化气泄漏", 1.0), ("液化气泄露", 1.0), ("漏气", 0.8), ("煤气味", 1.0),
        ("燃气味", 1.0), ("天然气味", 1.0), ("液化气味", 1.0), ("闻到煤气", 1.0), ("闻到燃气", 1.0),
        ("闻到天然气", 1.0), ("燃气管道破裂", 1.0), ("燃气管被挖断", 1.0), ("燃气管道被挖断", 1.0),
        ("气管被挖断", 1.0), ("燃气管道被挖破", 1.0),
        ("燃气管漏气", 1.0), ("燃气管道漏气", 1.0), ("燃气表漏气", 1.0), ("煤气管漏气", 1.0), ("煤气罐漏气", 1.0),
        ("液化气罐漏气", 1.0), ("燃气阀门漏气", 1.0), ("燃气管道挖断", 1.0), ("燃气管挖断", 1.0), ("挖断燃气", 1.0),
        ("冒气", 0.7), ("臭鸡蛋味", 1.0), ("冒白气", 0.8), ("燃气软管", 0.7), ("燃气井冒", 1.0), ("一氧化碳中毒", 1.0), ("煤气中毒", 1.0),
    ],
    "fire": [
        ("着火", 1.0), ("起火", 1.0), ("失火", 1.0), ("火灾", 0.8), ("发生火灾", 1.0), ("大火", 1.0), ("火势", 1.0), ("浓烟", 0.9), ("冒出浓烟", 1.0), ("黑烟滚滚", 0.9),
        ("冒烟", 0.7), ("冒黑烟", 0.7), ("烧起来", 1.0), ("火苗", 0.8), ("明火", 0.8), ("燃烧", 0.6),
        ("爆炸", 1.0), ("电瓶车自燃", 1.0), ("自燃", 0.9),
    ],
    "collapse": [
        ("坍塌", 1.0), ("倒塌", 1.0), ("塌方", 1.0), ("塌陷", 0.9), ("垮塌", 1.0), ("墙体开裂", 0.7),
        ("欲坠", 1.0), ("摇摇欲坠", 1.0), ("随时可能倒", 1.0), ("随时会倒", 1.0), ("随时倒塌", 1.0),
        ("掉落", 0.6), ("砸伤", 1.0), ("砸到人", 1.0), ("路面塌", 0.9), ("大树倒", 0.9), ("树倒了", 0.9),
        ("脚手架倒", 1.0), ("广告牌掉", 1.0), ("外墙脱落", 0.8), ("外墙皮脱落", 0.8), ("瓷砖脱落", 0.6),
    ],
    "electric": [
        ("电线裸露", 1.0), ("裸露的电线", 1.0), ("漏电", 1.0), ("电线掉落", 1.0), ("电线掉在地上", 1.0),
        ("电线断了", 1.0), ("电线断落", 1.0), ("高压线断", 1.0), ("高压线掉", 1.0), ("高压线刮断", 1.0), ("电线刮断", 1.0),
        ("电线掉在", 1.0), ("电线杆倒", 1.0),
        ("电杆倒", 1.0), ("触电", 1.0), ("电线起火", 1.0), ("电线冒火花", 1.0), ("冒火花", 1.0),
        ("电箱冒烟", 1.0), ("变压器冒烟", 1.0), ("变压器着火", 1.0), ("电线短路", 0.8), ("配电箱冒烟", 1.0),
    ],
    "water": [
        ("爆管", 1.0), ("水管爆裂", 1.0), ("水管爆了", 1.0), ("水管破裂", 0.9), ("自来水管爆", 1.0),
        ("供水管爆", 1.0), ("大量冒水", 1.0), ("水往外喷", 1.0), ("喷水", 0.7), ("水漫", 1.0),
        ("水管爆", 1.0), ("水管又爆", 1.0), ("管道爆", 1.0), ("管子爆", 1.0),
        ("水淹", 0.9), ("被淹", 0.9), ("积水漫进", 0.9), ("倒灌", 0.9), ("污水漫", 0.7),
    ],
    "person": [
        ("有人被困", 1.0), ("被困在", 1.0), ("被困", 0.8), ("被埋", 1.0), ("困在", 0.7), ("落水", 1.0), ("溺水", 1.0), ("掉进河", 1.0),
        ("掉进水", 1.0), ("晕倒", 1.0), ("昏倒", 1.0), ("昏迷", 1.0), ("倒地不起", 1.0), ("没有呼吸", 1.0),
        ("轻生", 1.0), ("跳楼", 1.0), ("自杀", 1.0), ("要跳河", 1.0), ("割腕", 1.0), ("受伤流血", 1.0),
        ("老人摔倒", 1.0), ("孩子走失", 1.0), ("小孩走失", 1.0), ("老人走失", 1.0), ("被打伤", 1.0),
        ("打人", 0.6), ("持刀", 1.0), ("拿刀", 0.9), ("有生命危险", 1.0), ("危及生命", 1.0), ("中毒", 0.9),
    ],
    "elevator": [
        ("困在电梯", 1.0), ("被困电梯", 1.0), ("电梯困人", 1.0), ("电梯里被困", 1.0), ("关在电梯", 1.0),
        ("电梯坠落", 1.0), ("电梯下坠", 1.0), ("电梯突然下滑", 1.0), ("电梯溜梯", 1.0), ("电梯冲顶", 1.0),
    ],
    "manhole": [
        ("井盖丢失", 1.0), ("井盖被盗", 1.0), ("井盖不见", 1.0), ("没有井盖", 1.0), ("井盖丢了", 1.0),
        ("井盖没了", 1.0), ("井盖缺失", 1.0), ("井盖破损", 0.7), ("井盖塌陷", 1.0), ("掉进井", 1.0),
        ("掉进下水道", 1.0), ("窨井", 0.5), ("路面大坑", 0.6), ("深坑", 0.6),
    ],
}

_HAZARDS_EN = {
    "gas": [("gas leak", 1.0), ("smell gas", 1.0), ("smell of gas", 1.0), ("carbon monoxide", 1.0)],
    "fire": [("fire", 0.8), ("on fire", 1.0), ("smoke", 0.7), ("burning", 0.8), ("explosion", 1.0)],
    "collapse": [("collapse", 1.0), ("collapsed", 1.0), ("collapsing", 1.0), ("sinkhole", 1.0)],
    "electric": [("live wire", 1.0), ("exposed wire", 1.0), ("downed wire", 1.0), ("power line down", 1.0),
                 ("electrocut", 1.0), ("sparking", 1.0)],
    "water": [("burst pipe", 1.0), ("water main break", 1.0), ("water main", 0.7), ("flooding", 0.8)],
    "person": [("trapped", 0.9), ("drowning", 1.0), ("unconscious", 1.0), ("suicide", 1.0), ("collapsed on", 1.0)],
    "elevator": [("stuck in the elevator", 1.0), ("stuck in elevator", 1.0), ("trapped in the lift", 1.0)],
    "manhole": [("missing manhole", 1.0), ("open manhole", 1.0), ("manhole cover missing", 1.0)],
}

# Cues: they change what a hazard phrase in the same clause means (see urgency.py for scopes).
_CUES_ZH = {
    NEGATION: "没有 没 不是 并非 并没有 并未 未见 未发现 未闻到 没闻到 不存在 排除 否认 不会 没发现 不像 没看到 "
              "从未 从没 从来没",
    PAST: "去年 前年 以前 之前 曾经 上次 上回 前几年 前些年 前段时间 前阵子 当年 多年前 几年前 过去 上个月 "
          "上月 历史上 那次 往年 年前 小时候 昨天 前天 上周 上星期 年初 月初 过火 过水 个月前 天前 周前 星期前 险些 差点 差一点",
    AFTERMATH: "赔偿 补偿 理赔 保险 投保 责任认定 追责 感谢 表扬 锦旗 善后 损失",
    RESOLVED: "已修好 已经修好 修好了 已修复 已经修复 修复了 已处理 已经处理 处理好了 已解决 已经解决 解决了 已排除 "
              "已经排除 已扑灭 已经扑灭 扑灭了 灭了 已灭 已恢复 已经恢复 恢复了 没事了 已更换 已经更换 换好了 "
              "已经换了 已维修 已经维修 已救出 已经救出 救出来了 已送医 已得到处理 已整改 已经整改 已关闭 关掉了 已关 "
              "已撤离 已经撤离 已经处置 已处置 已抢修 抢修好 已经补上 已补上 已盖上 已经盖上 已回填 已经好了 修好",
    HYPOTHETICAL: "如果 假如 假设 万一 要是 一旦 怎么办 是否 会不会 能不能 能否 有没有 是不是 怎样 如何 "
                  "预防 防范 演练 培训 宣传 知识 科普 应急预案 咨询 请问 吗 ? 难道 预警 模拟 若 倘若 以免 防止 避免 "
                  "规定 政策 标准 新闻 报道 网上说",
    LATENT: "隐患 担心 担忧 害怕 怕 恐 可能 容易 易引发 易发生 极易 随时可能 迟早 存在风险 风险 老化 安全隐患 "
            "潜在 经常 多次 屡次 每年 每到 每逢 下雨天 雨季 冬季 夏季",
    PRESENT: "正在 现在 此刻 目前 刚刚 刚才 马上 赶紧 赶快 快来 速来 紧急 十万火急 救命 快点 立即 立刻 "
             "很大 越来越大 浓烈 很浓 非常浓 整栋楼 满楼道 请速 派人 危险 人命 已经有人 还在 仍在 一直 至今 "
             "到现在 又 再次 突然 今天 今晚 今早 今天早上 刚 好大 越来越 到处都是 满屋",
    BENIGN: "烧烤 油烟 做饭 炒菜 烧纸 祭祀 焚烧 秸秆 烧垃圾 排放 污染 工厂 烟囱 锅炉 炊烟 熏 蚊香 香烟 吸烟 抽烟 "
            "烟花 鞭炮 轮胎 自行车 电动车充电桩 暖气片 水龙头 马桶 水箱",
    EXCLUDE: "打不着火 点不着火 打不着 点不着 着火点 燃点 防火 消防 灭火器 燃烧室 燃烧器 漏电保护 漏电开关 报警器 泄漏报警器 泄露报警器 喷水池 油烟机 "
             "起火原因 火灾险 火灾保险 被困扰 困扰 没想到 不停 不断 不少 不知道 不知 没多久 不久 不一会 不到 "
             "不管 没人管 无人管 不作为 没人理 没反应 没用 没效果 不处理 没处理 没有人管 防触电 火灾事故调查",
}
_CUES_EN = {
    NEGATION: "no not never isn't wasn't don't didn't without",
    PAST: "last year last month previously used to ago before",
    RESOLVED: "fixed repaired resolved extinguished put out restored",
    HYPOTHETICAL: "if what if whether could ? how to prevent drill safety tips",
    LATENT: "risk hazard worried afraid might may",
    PRESENT: "now right now urgent emergency help immediately currently",
}


def default_terms() -> list[dict]:
    """Rows for ``UrgencyTerm``; the data migration loads exactly these."""
    rows = []
    for lang, hazards in ((ZH, _HAZARDS_ZH), (EN, _HAZARDS_EN)):
        for group, phrases in hazards.items():
            for phrase, weight in phrases:
                rows.append({"phrase": phrase, "kind": HAZARD, "weight": weight, "group": group, "language": lang})
    for lang, cues in ((ZH, _CUES_ZH), (EN, _CUES_EN)):
        for kind, text in cues.items():
            phrases = _split_en(text) if lang == EN else text.split()
            for phrase in phrases:
                rows.append({"phrase": phrase, "kind": kind, "weight": 1.0, "group": "", "language": lang})
    return rows


def _split_en(text: str) -> list[str]:
    # English cues of several words ("what if", "right now", "put out", "last year") stay whole.
    multi = ["what if", "right now", "put out", "last year", "last month", "used to", "how to", "safety tips"]
    rest = text
    found = []
    for m in multi:
        if m in rest:
            found.append(m)
            rest = rest.replace(m, " ")
    return found + rest.split()
