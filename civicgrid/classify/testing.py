"""A small synthetic Chinese data set for the tests (the suite never needs the shared data):
appeals generated from templates for four first-level categories of the default catalogue."""

from __future__ import annotations

import csv
import random
from pathlib import Path

PLACES = ["恩县路", "上海路", "辽宁路", "延安路", "海泊河", "华阳路", "鞍山二路", "洛阳路", "长春路", "四流中路"]
OPENERS = ["您好，", "尊敬的领导：", "", "我是附近居民，", "反映一个问题：", "请问，"]
CLOSERS = ["希望尽快处理。", "请有关部门管一管。", "谢谢！", "", "盼回复。", "已经反映多次了。"]
TOPICS = {
    "城乡建设": ["{p}路面坑洼不平，下雨积水严重", "{p}小区楼道墙皮脱落，存在安全隐患", "{p}工地夜间施工，围挡倒塌占道",
             "{p}违章建筑私搭乱建，影响采光", "{p}老旧小区改造进度缓慢，下水管道堵塞", "{p}井盖破损，路灯不亮"],
    "环境保护": ["{p}附近工厂排放废气，气味刺鼻", "{p}河道污水直排，水体发黑发臭", "{p}饭店油烟扰民，噪音很大",
             "{p}垃圾焚烧冒黑烟，空气污染", "{p}养殖场粪便污染环境", "{p}建材厂粉尘污染，树叶全是灰"],
    "教育文体": ["{p}小学乱收补课费，老师强制学生报班", "{p}幼儿园学位紧张，孩子入学难", "{p}中学教师工资拖欠",
             "{p}学校食堂卫生差，学生家长担心", "{p}体育馆长期不对外开放", "{p}学区划分不合理，孩子上学远"],
    "交通运输": ["{p}公交车班次太少，等车一个小时", "{p}出租车拒载绕路，乱收费", "{p}公交站牌信息错误，线路调整没有通知",
             "{p}货车超载，道路运输管理混乱", "{p}网约车平台乘客投诉无人处理", "{p}长途客运站售票窗口太少"],
}


def synthetic_rows(per_class: int = 30, seed: int = 0) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    rows = []
    for label, topics in TOPICS.items():
        for i in range(per_class):
            topic = topics[i % len(topics)].format(p=rng.choice(PLACES))
            extra = topics[rng.randrange(len(topics))].format(p=rng.choice(PLACES))
            text = f"{topic}\n{rng.choice(OPENERS)}{topic}，{extra}。{rng.choice(CLOSERS)}"
            rows.append((text, label))
    rng.shuffle(rows)
    return rows


def write_csv(path: Path, rows, *, text_col: str = "text", label_col: str = "label") -> Path:
    with Path(path).open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([text_col, label_col])
        writer.writerows(rows)
    return Path(path)


_trained: dict = {}


def trained_model(per_class: int = 30):
    """A classifier fitted on the synthetic rows, once per test process (labels are category names
    of the default catalogue's first level)."""
    from .engine import TextClassifier

    if per_class not in _trained:
        rows = synthetic_rows(per_class)
        _trained[per_class] = TextClassifier().fit([t for t, _l in rows], [lbl for _t, lbl in rows])
    return _trained[per_class]


def make_version(*, area=None, number: int = 1, active: bool = False, model=None, level: int = 1, **extra):
    """A stored model version holding ``model`` (default: the synthetic one), written directly."""
    import sklearn

    from .engine import FORMAT_VERSION
    from .models import ModelVersion

    blob = (model or trained_model()).to_bytes()
    fields = {"number": number, "scope_area": area, "scope_path": area.path if area else "", "level": level,
              "rows": 120, "labels": [{"label": k, "name": k, "rows": 30} for k in TOPICS],
              "metrics": {"macro_f1": 0.9, "macro_f1_std": 0.01, "accuracy": 0.9, "folds": 5},
              "format_version": FORMAT_VERSION, "sklearn_version": sklearn.__version__, "model_data": blob,
              "size_bytes": len(blob), "is_active": active, **extra}
    return ModelVersion.objects.create(**fields)
