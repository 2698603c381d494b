"""``civicgrid report monthly``: files named by area and month, a summary, clear refusals."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from .factories import build_crafted
from .test_render import needs_font

pytestmark = pytest.mark.django_db


def test_monthly_writes_both_files_and_a_summary(tmp_path):
    needs_font()
    crafted = build_crafted()
    out, err = io.StringIO(), io.StringIO()
    call_command("report", "monthly", "--area", "370203020000", "--month", crafted.month.code, "--out", str(tmp_path),
                 stdout=out, stderr=err)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [f"report-370203020000-{crafted.month.code}.pdf", f"report-370203020000-{crafted.month.code}.xlsx"]
    text = out.getvalue()
    assert "即墨路街道" in text and "诉求办理分析报告" in text
    assert " 页" in text and "7 个工作表：概览、趋势、分类、三率排名、热点、问题清单、建议清单" in text
    assert "数据查询" in text and "KiB" in text
    assert "报告章节" in err.getvalue()  # the progress bar


def test_only_the_workbook_when_asked(tmp_path):
    crafted = build_crafted()
    call_command("report", "monthly", "--area", "370203000000", "--month", crafted.month.code, "--out", str(tmp_path),
                 "--format", "xlsx", stdout=io.StringIO(), stderr=io.StringIO())
    assert [p.suffix for p in tmp_path.iterdir()] == [".xlsx"]


@pytest.mark.parametrize("args,message", [
    (["--area", "000000000000", "--month", "2026-01"], "没有代码为 000000000000 的区域"),
    (["--area", "370203000000", "--month", "2026/01"], "月份格式应为 YYYY-MM"),
    (["--area", "370203000000", "--month", "2099-12"], "尚未开始"),
    (["--area", "370203000000", "--month", "2026-01", "--format", "docx"], "--format 只能是"),
])
def test_bad_input_is_a_clear_error_and_writes_nothing(tmp_path, args, message):
    build_crafted()
    with pytest.raises(CommandError, match=message):
        call_command("report", "monthly", *args, "--out", str(tmp_path), stdout=io.StringIO(), stderr=io.StringIO())
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_folder_is_a_clear_error(tmp_path):
    crafted = build_crafted()
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(CommandError, match="无法将报告写入"):
        call_command("report", "monthly", "--area", "370203000000", "--month", crafted.month.code,
                     "--out", str(blocker / "sub"), "--format", "xlsx", stdout=io.StringIO(), stderr=io.StringIO())


def test_progress_bars_count_the_report_sections_once_per_file(tmp_path):
    import re

    needs_font()
    crafted = build_crafted()
    err = io.StringIO()
    call_command("report", "monthly", "--area", "370203020000", "--month", crafted.month.code, "--out", str(tmp_path),
                 stdout=io.StringIO(), stderr=err)
    finals = re.findall(r"(PDF|Excel) 报告章节: 100%\|[^|]*\| (\d+/\d+)", err.getvalue())
    assert sorted(set(finals)) == [("Excel", "8/8"), ("PDF", "8/8")]
    assert "/17" not in err.getvalue()
