"""The generic Excel writer: exactly the rows given, bold frozen header, widths that fit."""

import io
from datetime import UTC, datetime

import openpyxl

from civicgrid.core.xlsx import MAX_WIDTH, display_width, write_xlsx


def _open(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data))


def test_rows_come_back_exactly_with_a_bold_frozen_header():
    data = write_xlsx(["编号", "标题", "诉求数"], [["GD1", "路面坑洼", 3], ["GD2", "噪音扰民", None]], title="工单")
    book = _open(data)
    assert book.sheetnames == ["工单"]
    sheet = book["工单"]
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["编号", "标题", "诉求数"], ["GD1", "路面坑洼", 3], ["GD2", "噪音扰民", None]]
    assert [c.font.bold for c in sheet[1]] == [True, True, True]
    assert sheet["A2"].font.bold is False
    assert sheet.freeze_panes == "A2"


def test_widths_count_chinese_characters_double_and_are_capped():
    data = write_xlsx(["a", "标题", "long"], [["x", "道路破损严重", "y" * 500]])
    sheet = _open(data).active
    assert sheet.column_dimensions["A"].width == 6  # the minimum
    assert sheet.column_dimensions["B"].width == 14  # 6 CJK characters = 12, plus 2
    assert sheet.column_dimensions["C"].width == MAX_WIDTH
    assert display_width("道路a") == 5


def test_aware_datetimes_become_local_wall_clock_time():
    utc = datetime(2025, 3, 1, 1, 30, tzinfo=UTC)
    sheet = _open(write_xlsx(["t"], [[utc]])).active
    assert sheet["A2"].value == datetime(2025, 3, 1, 9, 30)  # Asia/Shanghai


def test_notes_go_on_their_own_sheet_and_an_empty_list_is_only_the_header():
    book = _open(write_xlsx(["编号"], [], notes=["只导出了前 2 行"]))
    assert book.sheetnames == ["Sheet1", "notes"]
    assert [[c.value for c in r] for r in book["Sheet1"].iter_rows()] == [["编号"]]
    assert book["notes"]["A1"].value == "只导出了前 2 行"


def test_many_rows_beyond_the_width_sample_are_all_written():
    rows = [[i, f"第{i}行"] for i in range(1000)]
    sheet = _open(write_xlsx(["n", "text"], iter(rows))).active
    assert sheet.max_row == 1001
    assert [sheet.cell(row=1001, column=c).value for c in (1, 2)] == [999, "第999行"]
