"""import-responsibilities: a jurisdiction loads its responsibility list from CSV; re-running the
file changes nothing; a bad file is refused whole with every problem and its line; a dry run
writes nothing."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from civicgrid.core.models import AuditEvent
from civicgrid.workorders.models import Responsibility, WorkOrder
from civicgrid.workorders.testing import make_order, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return make_world()


def run(path, *args) -> str:
    out = io.StringIO()
    with translation.override("en"):
        call_command("import_responsibilities", str(path), *args, stdout=out)
    return out.getvalue().strip()


def rules():
    return sorted(Responsibility.objects.values_list("area__code", "category__code", "unit__code", "level", "note",
                                                     "is_active", "area_path"), key=lambda r: (r[0], r[1] or ""))


def test_import_creates_and_updates_and_is_idempotent(w, tmp_path):
    t = w.tree
    Responsibility.objects.create(category=w.categories["sub"], area=t.district, area_path=t.district.path,
                                  unit=w.units["zj"], level="district")
    waiting = make_order(w, area=t.grid1, suggested_unit=w.units["zj"])
    f = tmp_path / "rules.csv"
    f.write_text("\ufeffarea,category,unit,level,note,is_active\n"
                 f"{t.district.code},0101,D-CG,,城建归城管,1\n"
                 f"{t.street1.code},,S1-OFFICE,街道,,\n"
                 f"{t.community1.code},010101,C1-OFFICE,community,,否\n", encoding="utf-8")
    assert run(f) == ("rules.csv: 2 rule(s) created, 1 changed, 0 unchanged; "
                      "1 order(s) waiting for dispatch now suggest another unit.")
    assert rules() == [
        (t.district.code, "0101", "D-CG", "district", "城建归城管", True, t.district.path),
        (t.street1.code, None, "S1-OFFICE", "street", "", True, t.street1.path),
        (t.community1.code, "010101", "C1-OFFICE", "community", "", False, t.community1.path),
    ]
    assert WorkOrder.objects.get(pk=waiting.pk).suggested_unit.code == "D-CG"
    assert AuditEvent.objects.filter(action="responsibility.create").count() == 2
    update = AuditEvent.objects.get(action="responsibility.update")
    assert update.changes == {"unit": ["D-ZJ", "D-CG"], "note": ["", "城建归城管"],
                              "orders_resuggested": [waiting.number]}
    assert AuditEvent.objects.get(action="responsibility.import").changes == {
        "source": "rules.csv", "created": 2, "updated": 1, "unchanged": 0, "orders_resuggested": 1, "dry_run": False}

    assert run(f).startswith("rules.csv: 0 rule(s) created, 0 changed, 3 unchanged;")
    assert AuditEvent.objects.filter(action__in=["responsibility.create", "responsibility.update"]).count() == 3


def test_a_bad_file_is_refused_whole_with_every_line(w, tmp_path):
    t = w.tree
    w.units["zj"].is_active = False
    w.units["zj"].save()
    before = rules()
    f = tmp_path / "bad.csv"
    f.write_text("area,category,unit,level\n"
                 f"{t.district.code},0101,D-CG,区\n"
                 f"{t.street1.code},,D-ZJ,\n"
                 "999999999999,0101,D-CG,乡镇\n"
                 f"{t.district.code},0101,NOPE,\n"
                 f"{t.street1.code},ZZ,,\n", encoding="utf-8")
    with pytest.raises(CommandError) as info:
        run(f)
    assert str(info.value).split("\n  ") == [
        "Nothing was imported from bad.csv: 4 problem(s).",
        "line 3: the unit 市北区住房和城乡建设局 is not active.",
        "line 4: no area has the code 999999999999; the level 乡镇 is not one of grid, community, street, district "
        "(网格, 社区, 街道, 区).",
        "line 5: no unit has the code NOPE; the same area and category as line 2.",
        "line 6: no category has the code ZZ; the unit code is empty.",
    ]
    assert rules() == before
    assert not AuditEvent.objects.filter(action__startswith="responsibility.").exists()

    missing = tmp_path / "columns.csv"
    missing.write_text("区域,分类,单位\n", encoding="utf-8")
    with pytest.raises(CommandError) as info:
        run(missing)
    assert str(info.value) == "The file lacks the column(s) area, category, unit; its columns are 区域, 分类, 单位."


def test_dry_run_counts_and_writes_nothing(w, tmp_path):
    f = tmp_path / "rules.csv"
    f.write_text(f"area,category,unit\n{w.tree.district.code},01,D-CG\n", encoding="utf-8")
    assert run(f, "--dry-run") == ("Dry run, nothing written: rules.csv: 1 rule(s) to create, 0 to change, 0 unchanged; "
                                   "0 order(s) waiting for dispatch would suggest another unit.")
    assert rules() == []
    assert not AuditEvent.objects.exists()


def test_a_rule_refused_while_saving_names_its_line_and_rolls_back_the_file(w, tmp_path):
    t = w.tree
    f = tmp_path / "rules.csv"
    f.write_text("area,category,unit\n"
                 f"{t.district.code},01,D-CG\n"
                 f"{t.street2.code},0101,S1-OFFICE\n", encoding="utf-8")
    with pytest.raises(CommandError) as info:
        run(f)
    assert str(info.value) == ("line 3: 即墨路街道办事处 serves 即墨路街道, which does not contain 四方街道: it could not be "
                               "given the orders of this rule.")
    assert rules() == []
    assert not AuditEvent.objects.exists()
