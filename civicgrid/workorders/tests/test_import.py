"""civicgrid import-orders: bad rows reported by line while the rest import; a second run creates nothing."""

from __future__ import annotations

import io
import json

import pytest
from django.utils import translation
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from civicgrid.core.testing import make_building
from civicgrid.workorders.models import Appeal, WorkOrder
from civicgrid.workorders.testing import make_world

pytestmark = pytest.mark.django_db

CSV = """工单编号,标题,内容,地址,经度,纬度,分类,来电号码,受理时间
A1,路面坑洼,恩县路12号门前路面有坑,,120.305,36.055,010101,13812345678,2026/11/20 09:30
A2,路灯,路灯不亮,,121.5,37.5,,,2026-11-20 10:00
A3,燃气,楼道燃气味,恩县路12号,,,010102,13812345679,
A4,分类错,内容,,120.305,36.055,999,,
A5,,,,120.305,36.055,,,
"""
MAPPING = "工单编号=external_id,标题=title,内容=text,地址=address,经度=lon,纬度=lat,分类=category_code,来电号码=reporter_phone,受理时间=received_at"


@pytest.fixture
def w():
    world = make_world()
    make_building("B1", world.tree.grid1, "青岛市市北区恩县路12号", 120.302, 36.052)
    return world


def run(*args) -> str:
    """The command's output in English (the summary is translated; Chinese is tested elsewhere)."""
    out = io.StringIO()
    with translation.override("en"):
        call_command("import_orders", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_import_csv_reports_bad_rows_and_reimport_creates_nothing(w, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(CSV, encoding="utf-8")
    with translation.override("en"):
        out = run(str(path), "--mapping", MAPPING, "--source", "12345")
    assert out.splitlines() == [
        "orders.csv: 5 rows; imported 2, skipped as duplicates 0, failed 3",
        "  line 3: location: The place 121.500000, 37.500000 is not inside any grid of this platform.",
        "  line 5: 分类: Unknown category 999.",
        "  line 6: 内容: The description is required.",
    ]
    a1 = Appeal.objects.get(external_id="A1")
    assert (a1.source, a1.channel, a1.order.category.code, a1.reporter_phone) == ("12345", "import", "010101", "13812345678")
    assert a1.received_at.isoformat() == "2026-11-20T01:30:00+00:00"
    assert Appeal.objects.get(external_id="A3").order.building.code == "B1"
    out = run(str(path), "--mapping", MAPPING, "--source", "12345")
    assert out.splitlines()[0] == "orders.csv: 5 rows; imported 0, skipped as duplicates 2, failed 3"
    assert (WorkOrder.objects.count(), Appeal.objects.count()) == (2, 2)


def test_import_xlsx_without_id_column_uses_a_row_hash(w, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["标题", "内容", "经度", "纬度"])
    sheet.append(["井盖", "井盖缺失", 120.305, 36.055])
    sheet.append(["垃圾", "垃圾未清运", 120.315, 36.055])
    path = tmp_path / "orders.xlsx"
    book.save(path)
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"标题": "title", "内容": "text", "经度": "lon", "纬度": "lat"}), encoding="utf-8")
    assert run(str(path), "--mapping", str(mapping)).splitlines() == [
        "orders.xlsx: 2 rows; imported 2, skipped as duplicates 0, failed 0"]
    assert run(str(path), "--mapping", str(mapping)).splitlines() == [
        "orders.xlsx: 2 rows; imported 0, skipped as duplicates 2, failed 0"]
    assert sorted(Appeal.objects.values_list("source", flat=True)) == ["orders", "orders"]
    assert all(a.startswith("h") for a in Appeal.objects.values_list("external_id", flat=True))


def test_dry_run_writes_nothing(w, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(CSV, encoding="utf-8")
    out = run(str(path), "--mapping", MAPPING, "--dry-run")
    assert out.splitlines()[0] == "orders.csv: 5 rows; would import 2, skipped as duplicates 0, failed 3"
    assert WorkOrder.objects.count() == 0


def test_bad_mapping_is_refused(w, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(CSV, encoding="utf-8")
    with pytest.raises(CommandError, match="Unknown field"):
        run(str(path), "--mapping", "标题=headline,内容=text")
    with pytest.raises(CommandError, match="text"):
        run(str(path), "--mapping", "标题=title")
    with pytest.raises(CommandError, match="No such file"):
        run(str(tmp_path / "missing.csv"), "--mapping", MAPPING)
