"""The files: the workbook's sheets and cells (read back with openpyxl), the PDF's pages, text and
embedded font (read back with pypdf)."""

from __future__ import annotations

import pytest
from django.utils import translation
from openpyxl import load_workbook

from civicgrid.people.jurisdiction import Jurisdiction
from civicgrid.reports import fonts, render, selectors

from .factories import build_crafted

pytestmark = pytest.mark.django_db
OPERATOR = Jurisdiction(user_id=None, is_global=True)
SHEETS = ["概览", "趋势", "分类", "三率排名", "热点", "问题清单", "建议清单"]


def needs_font():
    try:
        fonts.find_font()
    except fonts.FontMissing as exc:
        pytest.skip(f"no CJK font on this machine ({exc}); `make install` installs one")


@pytest.fixture
def report(tmp_path):
    crafted = build_crafted()
    with translation.override("zh-hans"):
        data = selectors.build_report(OPERATOR, crafted.world.tree.district, crafted.month)
    return crafted, data


def written(data, tmp_path, formats):
    with translation.override("zh-hans"):
        return {f["format"]: f for f in render.write_files(data, tmp_path, formats)}


def test_workbook_sheets_cells_formats_and_charts(report, tmp_path):
    crafted, data = report
    files = written(data, tmp_path, ("xlsx",))
    path = files["xlsx"]["path"]
    assert path.name == f"report-370203000000-{crafted.month.code}.xlsx"
    assert files["xlsx"]["sheets"] == SHEETS
    book = load_workbook(path)
    assert book.sheetnames == SHEETS
    overview = book["概览"]
    assert overview["A1"].value == data.title and "市北区" in overview["A1"].value
    rows = {overview.cell(row=r, column=1).value: r for r in range(1, overview.max_row + 1)}
    r = rows["受理诉求"]
    assert [overview.cell(row=r, column=c).value for c in (2, 3, 4)] == [4, 1, 3.0]
    r = rows["响应率"]
    assert overview.cell(row=r, column=2).value == 0.75 and overview.cell(row=r, column=2).number_format == "0.0%"
    assert overview.cell(row=rows["三率综合得分"], column=2).value == 66.17
    trend = book["趋势"]
    assert trend.freeze_panes == "A2"
    assert [c.value for c in trend[1]] == ["日期", "受理诉求", "新建工单", "结案工单"]
    assert trend.max_row == len(data.daily) + 1
    assert len(trend._charts) == 1 and len(book["分类"]._charts) == 1
    assert [book["分类"].cell(row=2, column=c).value for c in (1, 2, 4)] == ["城乡建设", 4, 1]
    problems = book["问题清单"]
    assert [problems.cell(row=2, column=c).value for c in range(2, 9)] == [
        "恩县路社区 / 恩县路第一网格", "市政管理 / 道路破损", "重复发生、超期、不满意、重办", 3, 1, 1, 1]
    recs = book["建议清单"]
    assert recs["A2"].value == "市北区城市管理局" and recs["E2"].value == "解决率" and recs["F2"].number_format == "0.0%"
    assert "1. 响应率为 66.7%" in recs["J2"].value
    assert book["三率排名"].column_dimensions["B"].width >= 10


def test_pdf_pages_text_and_embedded_font(report, tmp_path):
    needs_font()
    from pypdf import PdfReader

    crafted, data = report
    files = written(data, tmp_path, ("pdf",))
    pdf = PdfReader(files["pdf"]["path"])
    assert 6 <= len(pdf.pages) == files["pdf"]["pages"] <= 14
    # Table cells wrap long names over lines: compare without the line breaks.
    text = "".join("".join(page.extract_text().split()) for page in pdf.pages)
    for words in ("市北区", "诉求办理分析报告", "总体情况", "三率排名", "问题清单", "各单位建议清单", "恩县路第一网格",
                  "市北区城市管理局", "指标说明"):
        assert words in text, words
    embedded, names = set(), set()
    for page in pdf.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            names.add(str(font["/BaseFont"]))
            descriptor = font.get("/FontDescriptor")
            if descriptor is not None and "/FontFile2" in descriptor.get_object():
                embedded.add(str(font["/BaseFont"]))
    assert names and names == embedded  # every font on every page is embedded (no Helvetica)


def test_a_month_without_data_gives_a_pdf_that_says_so(report, tmp_path):
    needs_font()
    from pypdf import PdfReader

    crafted, _data = report
    with translation.override("zh-hans"):
        empty = selectors.build_report(OPERATOR, crafted.world.tree.district, crafted.month.previous.previous)
    files = written(empty, tmp_path, ("pdf", "xlsx"))
    pages = PdfReader(files["pdf"]["path"]).pages
    assert len(pages) <= 3  # "no data" once, not a page per empty section
    text = "".join(p.extract_text() for p in pages)
    assert "没有诉求和工单记录" in text.replace("\n", "")
    book = load_workbook(files["xlsx"]["path"])
    assert "没有诉求和工单记录" in book["概览"]["A3"].value
    assert book["问题清单"].max_row == 1


def test_rankings_sheet_has_the_streets_then_the_units(report, tmp_path):
    crafted, data = report
    ws = load_workbook(written(data, tmp_path, ("xlsx",))["xlsx"]["path"])["三率排名"]
    column = [ws.cell(row=r, column=2).value for r in range(1, ws.max_row + 1)]
    assert column == ["名称", "四方街道", "即墨路街道", None, "名称", "市北区住房和城乡建设局", "市北区城市管理局"]
    assert ws.cell(row=6, column=11).value == "政府职能部门" and ws.cell(row=2, column=6).value == 96.0


def test_pdf_problem_list_keeps_each_order_number_on_one_line(report, tmp_path):
    """Real order numbers are 16 characters (GD + date + sequence); the sample column was too narrow
    for them and cut each over two lines ("GD202612030005" / "25"), which nobody can look up."""
    needs_font()
    from pypdf import PdfReader

    crafted, data = report
    numbers = ["GD20261203000525", "GD20261203001096"]
    for r in data.problems:
        r["samples"] = numbers
    files = written(data, tmp_path, ("pdf",))
    lines = [line.strip() for page in PdfReader(files["pdf"]["path"]).pages for line in page.extract_text().splitlines()]
    assert {n: lines.count(n) for n in numbers} == {n: len(data.problems) for n in numbers}
    assert len(data.problems) >= 1


def test_a_unit_meeting_every_target_is_not_given_a_weakest_rate(report, tmp_path):
    needs_font()
    from pypdf import PdfReader

    crafted, data = report
    files = written(data, tmp_path, ("pdf", "xlsx"))
    recs = load_workbook(files["xlsx"]["path"])["建议清单"]
    assert [recs.cell(row=3, column=c).value for c in (1, 5, 6)] == ["市北区住房和城乡建设局", "均达到目标", None]
    text = "".join("".join(page.extract_text().split()) for page in PdfReader(files["pdf"]["path"]).pages)
    assert "市北区住房和城乡建设局（政府职能部门）：综合得分96.00，三率均达到目标，超期0件" in text
    assert "最弱指标满意率" not in text


def test_hotspot_baseline_is_headed_as_such_and_formatted_alike_in_both_files(tmp_path, monkeypatch):
    needs_font()
    from datetime import date
    from types import SimpleNamespace

    from pypdf import PdfReader

    from civicgrid.reports import hotspots

    def finding(title, count, expected):
        return SimpleNamespace(kind="spike", title=title, area_name="恩县路第一网格", category_name="道路破损",
                               count=count, expected=expected, p_value=0.01, sample_orders=(),
                               period_start=date(2026, 1, 1))

    module = SimpleNamespace(findings_for=lambda *a, **k: [finding("甲突增", 6, 1.2), finding("乙突增", 4, 2.0)],
                             monthly_top_problem=lambda area, month: None)
    monkeypatch.setattr(hotspots, "_proactive", lambda: module)
    crafted = build_crafted()
    with translation.override("zh-hans"):
        data = selectors.build_report(OPERATOR, crafted.world.tree.district, crafted.month)
    files = written(data, tmp_path, ("pdf", "xlsx"))
    ws = load_workbook(files["xlsx"]["path"])["热点"]
    assert [c.value for c in ws[1]][4:7] == ["诉求", "基线（预期）", "较基线"]
    assert [(ws.cell(row=r, column=6).value, ws.cell(row=r, column=6).number_format, ws.cell(row=r, column=7).value)
            for r in (2, 3)] == [(1.2, "0.0", 4.0), (2.0, "0.0", 1.0)]
    assert ws.cell(row=6, column=1).value.startswith("基线：检测模块根据以往同期")
    text = "".join("".join(page.extract_text().split()) for page in PdfReader(files["pdf"]["path"]).pages)
    assert "诉求基线（预期）较基线" in text and "上期" not in text
    assert "甲突增恩县路第一网格道路破损61.2+400.0%" in text
    assert "乙突增恩县路第一网格道路破损42.0+100.0%" in text


def test_fallback_hotspot_baseline_is_the_previous_month_with_one_decimal(report, tmp_path, monkeypatch):
    from civicgrid.reports import hotspots

    monkeypatch.setattr(hotspots, "_proactive", lambda: None)
    crafted, _data = report
    with translation.override("zh-hans"):
        data = selectors.build_report(OPERATOR, crafted.world.tree.district, crafted.month)
    ws = load_workbook(written(data, tmp_path, ("xlsx",))["xlsx"]["path"])["热点"]
    assert [ws.cell(row=2, column=c).value for c in (5, 6, 7)] == [3, 1.0, 2.0]
    assert ws.cell(row=2, column=6).number_format == "0.0"
    assert ws.cell(row=5, column=1).value == "基线：该网格该类别上月的工单数；变化按基线计算。"
