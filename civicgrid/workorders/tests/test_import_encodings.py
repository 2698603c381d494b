"""Every import reads the CSV that Excel on a Chinese Windows saves (GBK) as well as UTF-8, and a
file in neither encoding is refused with a clear reason instead of a traceback."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from civicgrid.geo.models import Area
from civicgrid.workorders.models import Appeal, Category, Responsibility
from civicgrid.workorders.testing import make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return make_world()


def gbk(tmp_path, name, text):
    path = tmp_path / name
    path.write_bytes(text.encode("gbk"))
    return path


def command(*args) -> str:
    out = io.StringIO()
    with translation.override("en"):
        call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_gbk_files_import(w, tmp_path):
    t = w.tree
    divisions = gbk(tmp_path, "communities.csv", f"code,name,parent\n370203020099,新港社区居委会,{t.street1.code}\n")
    command("import_divisions", str(divisions), "--kind", "community", "--parent-column", "parent", "--no-progress")
    assert Area.objects.get(code="370203020099").name == "新港社区居委会"

    catalogue = gbk(tmp_path, "catalogue.csv", "code,name,parent,keywords\n010104,井盖缺失,0101,井盖 窨井\n")
    command("load_catalogue", str(catalogue))
    assert Category.objects.filter(code="010104").values_list("name", "keywords").get() == ("井盖缺失", "井盖\n窨井")

    rules = gbk(tmp_path, "rules.csv", f"area,category,unit,level,note\n{t.district.code},0101,D-CG,区,市政归城管\n")
    command("import_responsibilities", str(rules))
    assert Responsibility.objects.values_list("unit__code", "level", "note").get() == ("D-CG", "district", "市政归城管")

    orders = gbk(tmp_path, "orders.csv", "编号,标题,内容,经度,纬度\nG1,路面坑洼,恩县路路面有坑,120.305,36.055\n")
    out = command("import_orders", str(orders), "--mapping", "编号=external_id,标题=title,内容=text,经度=lon,纬度=lat")
    assert out.splitlines()[0] == "orders.csv: 1 rows; imported 1, skipped as duplicates 0, failed 0"
    assert Appeal.objects.values_list("title", "text").get() == ("路面坑洼", "恩县路路面有坑")


def test_a_file_in_no_known_encoding_is_refused_and_changes_nothing(w, tmp_path):
    junk = tmp_path / "junk.csv"
    junk.write_bytes(b"code,name\n\xff\xfe\xff\n")
    areas, rules = Area.objects.count(), Responsibility.objects.count()
    reason = "the file is neither UTF-8 nor GBK/GB18030 text; save it as CSV UTF-8 and try again"
    for args, expected in [
        (("import_divisions", str(junk), "--kind", "district", "--no-progress"),
         f"Nothing was imported from {junk}: 1 problem(s).\n  {junk} cannot be read: {reason}."),
        (("load_catalogue", str(junk)), f"Cannot read {junk}: {reason}"),
        (("import_responsibilities", str(junk)), f"Cannot read {junk}: {reason}"),
        (("import_orders", str(junk), "--mapping", "name=text"), f"Cannot read {junk}: {reason}"),
    ]:
        with pytest.raises(CommandError) as info:
            command(*args)
        assert str(info.value) == expected
    assert (Area.objects.count(), Responsibility.objects.count(), Appeal.objects.count()) == (areas, rules, 0)


def test_import_summaries_speak_chinese_and_name_the_files_columns(w, tmp_path):
    t = w.tree
    orders = tmp_path / "orders.csv"
    orders.write_text("编号,标题,内容,经度,纬度,分类\nG1,路面坑洼,恩县路路面有坑,120.305,36.055,999\n"
                      "G2,路灯,路灯不亮,120.305,36.055,\n", encoding="utf-8")
    out = io.StringIO()
    with translation.override("zh-hans"):
        call_command("import_orders", str(orders), "--dry-run", "--mapping",
                     "编号=external_id,标题=title,内容=text,经度=lon,纬度=lat,分类=category_code",
                     stdout=out, stderr=io.StringIO())
    assert out.getvalue().splitlines() == [
        "orders.csv：共 2 行；可导入 1 行，重复跳过 0 行，失败 1 行（试运行，未写入）",
        "  第 2 行：分类: 未知的事项分类 999。",
    ]
    communities = tmp_path / "communities.csv"
    communities.write_text(f"code,name,parent\n370203020098,新港社区居委会,{t.street1.code}\n", encoding="utf-8")
    out = io.StringIO()
    with translation.override("zh-hans"):
        call_command("import_divisions", str(communities), "--kind", "community", "--parent-column", "parent",
                     "--no-progress", stdout=out)
    assert out.getvalue().splitlines() == [
        f"已从 {communities} 导入 1 个社区（其中 0 个带有边界）。", f"  {t.street1.code} 下：1"]
    assert Appeal.objects.count() == 0
