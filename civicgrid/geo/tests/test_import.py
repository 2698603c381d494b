import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from civicgrid.core.models import AuditEvent
from civicgrid.core.testing import make_tree, square
from civicgrid.geo import locate, services
from civicgrid.geo.models import Area, GeoIndexState

pytestmark = pytest.mark.django_db
C1 = "370203020009"


def feature(props, geometry):
    return {"type": "Feature", "properties": props, "geometry": geometry}


def write(tmp_path, features, name="grids.geojson"):
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def new_grids(tmp_path):
    # Two more grids in community 1's free northern half.
    return write(tmp_path, [
        feature({"GRID": "003", "NAME": "第三网格"}, square(120.30, 36.06, 0.01)),
        feature({"GRID": "004", "NAME": "第四网格"}, square(120.31, 36.06, 0.01)),
    ])


def rejected(call, *args, **kwargs) -> list[str]:
    before = (Area.objects.count(), AuditEvent.objects.count(), GeoIndexState.objects.count())
    with pytest.raises(services.ImportRejected) as info:
        call(*args, **kwargs)
    assert (Area.objects.count(), AuditEvent.objects.count(), GeoIndexState.objects.count()) == before
    return info.value.messages


def test_geojson_import_under_one_parent(tmp_path, django_capture_on_commit_callbacks):
    make_tree()
    with django_capture_on_commit_callbacks(execute=True):
        summary = services.import_areas_geojson(None, new_grids(tmp_path), kind="grid", code_property="GRID",
                                                name_property="NAME", parent_code=C1, code_prefix=C1)
    assert (summary.created, summary.with_boundary, summary.codes) == (2, 2, ["370203020009003", "370203020009004"])
    g3 = Area.objects.get(code="370203020009003")
    assert (g3.name, g3.kind, g3.parent.code, g3.depth) == ("第三网格", "grid", C1, 3)
    assert g3.path == "370203000000/370203020000/370203020009/370203020009003/"
    assert locate.locate(120.315, 36.065).area.code == "370203020009004"
    event = AuditEvent.objects.get()
    assert (event.action, event.object_id, event.changes["created"]) == ("area.import", str(g3.parent.pk), 2)
    assert event.changes["codes"] == ["370203020009003", "370203020009004"]


def test_geojson_import_without_name_property_uses_the_code_and_parent_property(tmp_path):
    make_tree()
    path = write(tmp_path, [
        feature({"id": 9, "parent": "370203020009"}, square(120.30, 36.06, 0.01)),
        feature({"id": 9.0, "parent": "370203020002"}, square(120.32, 36.06, 0.01)),
    ])
    messages = rejected(services.import_areas_geojson, None, path, kind="grid", code_property="id",
                        parent_property="parent")
    assert messages[1:] == ["features[1] (code 9): code 9 appears twice in the file (also at features[0] (code 9))."]
    path = write(tmp_path, [
        feature({"id": 9, "parent": "370203020009"}, square(120.30, 36.06, 0.01)),
        feature({"id": 10, "parent": "370203020002"}, square(120.32, 36.06, 0.01)),
    ])
    summary = services.import_areas_geojson(None, path, kind="grid", code_property="id", parent_property="parent")
    assert summary.parents == {"370203020009": 1, "370203020002": 1}
    assert list(Area.objects.filter(code__in=["9", "10"]).values_list("code", "name", "parent__code")) == [
        ("10", "10", "370203020002"), ("9", "9", "370203020009")]


def test_root_districts_import_like_nyc_community_districts(tmp_path):
    path = write(tmp_path, [
        feature({"BoroCD": 101, "Shape_Area": 1.0}, square(-74.02, 40.70, 0.01)),
        feature({"BoroCD": 102, "Shape_Area": 1.0}, square(-74.01, 40.70, 0.01)),
    ])
    summary = services.import_areas_geojson(None, path, kind="district", code_property="BoroCD", code_prefix="NYC-")
    assert summary.codes == ["NYC-101", "NYC-102"]
    assert list(Area.objects.values_list("code", "path", "depth")) == [("NYC-101", "NYC-101/", 0), ("NYC-102", "NYC-102/", 0)]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "is not valid JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)."),
        ('{"type": "Feature", "properties": {}, "geometry": null}', "is not a GeoJSON FeatureCollection."),
        ('{"type": "FeatureCollection", "features": []}', "has no features."),
    ],
)
def test_malformed_files_are_rejected(tmp_path, content, expected):
    make_tree()
    path = tmp_path / "bad.geojson"
    path.write_text(content, encoding="utf-8")
    assert rejected(services.import_areas_geojson, None, path, kind="grid", code_property="GRID",
                    parent_code=C1) == [f"Nothing was imported from {path}: 1 problem(s).", f"{path} {expected}"]


def test_every_bad_feature_is_listed_and_nothing_is_imported(tmp_path):
    make_tree()
    bowtie = {"type": "Polygon", "coordinates": [[[120.30, 36.06], [120.305, 36.065], [120.305, 36.06],
                                                   [120.30, 36.065], [120.30, 36.06]]]}
    path = write(tmp_path, [
        feature({"GRID": "003", "NAME": "好"}, square(120.30, 36.06, 0.005)),  # fine on its own
        feature({"NAME": "无编号"}, square(120.31, 36.06, 0.005)),  # 1: no code
        feature({"GRID": "005"}, square(120.31, 36.065, 0.005)),  # 2: no name
        feature({"GRID": "006", "NAME": "自交"}, bowtie),  # 3: self-intersection
        feature({"GRID": "007", "NAME": "越界"}, square(120.315, 36.065, 0.01)),  # 4: outside parent
        feature({"GRID": "008", "NAME": "重叠"}, square(120.3025, 36.0625, 0.005)),  # 5: overlaps 0
        feature({"GRID": "001", "NAME": "已有"}, square(120.305, 36.06, 0.004)),  # 6: code exists
        feature({"GRID": "003", "NAME": "重复"}, {"type": "Point", "coordinates": [120.3, 36.0]}),  # 7: dup + point
    ])
    messages = rejected(services.import_areas_geojson, None, path, kind="grid", code_property="GRID",
                        name_property="NAME", parent_code=C1, code_prefix=C1)
    assert messages[0] == f"Nothing was imported from {path}: 9 problem(s)."
    body = messages[1:]
    assert body[:6] == [
        "features[1] has no 'GRID' property.",
        "features[2] (code 370203020009005) has no 'NAME' property.",
        "features[3] (code 370203020009006): the polygon is invalid: Self-intersection[120.3025 36.0625].",
        "features[7] (code 370203020009003): geometry type 'Point' is not allowed; use Polygon or MultiPolygon.",
        "features[7] (code 370203020009003): code 370203020009003 appears twice in the file (also at "
        "features[0] (code 370203020009003)).",
        "features[6] (code 370203020009001): an area with code 370203020009001 already exists.",
    ]
    assert body[6].startswith("features[4] (code 370203020009007) is not inside its parent area 370203020009 (恩县路社区): ")
    assert body[7].startswith("features[0] (code 370203020009003) overlaps features[5] (code 370203020009008) by ")
    assert body[8].startswith("features[5] (code 370203020009008) overlaps features[6] (code 370203020009001) by ")


def test_overlap_with_an_existing_sibling_is_refused_unless_allowed(tmp_path):
    make_tree()
    path = write(tmp_path, [feature({"GRID": "009"}, square(120.305, 36.05, 0.003))])
    messages = rejected(services.import_areas_geojson, None, path, kind="grid", code_property="GRID",
                        parent_code=C1, code_prefix=C1)
    assert messages[1].startswith("features[0] (code 370203020009009) overlaps area 370203020009001 (恩县路第一网格) by ")
    summary = services.import_areas_geojson(None, path, kind="grid", code_property="GRID", parent_code=C1,
                                            code_prefix=C1, allow_overlap=True)
    assert summary.created == 1 and summary.overlaps_allowed == messages[1:]
    assert AuditEvent.objects.get().changes["overlaps_allowed"] == messages[1:]


def test_repair_is_opt_in(tmp_path):
    make_tree()
    bowtie = {"type": "Polygon", "coordinates": [[[120.30, 36.06], [120.305, 36.065], [120.305, 36.06],
                                                   [120.30, 36.065], [120.30, 36.06]]]}
    path = write(tmp_path, [feature({"GRID": "006"}, bowtie)])
    rejected(services.import_areas_geojson, None, path, kind="grid", code_property="GRID", parent_code=C1)
    summary = services.import_areas_geojson(None, path, kind="grid", code_property="GRID", parent_code=C1, repair=True)
    assert summary.repaired == ["features[0] (code 006)"]
    assert Area.objects.get(code="006").boundary["type"] == "MultiPolygon"


def test_parent_must_exist_and_be_of_the_right_kind(tmp_path):
    make_tree()
    path = new_grids(tmp_path)
    assert rejected(services.import_areas_geojson, None, path, kind="grid", code_property="GRID",
                    parent_code="370203020000")[1:] == [
        "Areas of kind grid cannot go under 370203020000, which is a street."]
    assert rejected(services.import_areas_geojson, None, path, kind="grid", code_property="GRID",
                    parent_code="999")[1:] == ["Parent area 999 does not exist."]
    assert rejected(services.import_areas_geojson, None, path, kind="grid", code_property="GRID")[1:] == [
        "Areas of kind grid need a parent: give a parent code or a parent property."]


# --- CSV divisions -------------------------------------------------------------------------------
DISTRICTS = 'code,name,cityCode,provinceCode\n370202,"市南区",3702,37\n370203,"市北区",3702,37\n'
STREETS = 'code,name,areaCode,provinceCode,cityCode\n370203005,"辽宁路街道",370203,37,3702\n370202001,"香港中路街道",370202,37,3702\n'
VILLAGES = ('code,name,streetCode,provinceCode,cityCode,areaCode\n'
            '370203005001,"科技街社区居委会",370203005,37,3702,370203\n'
            '370202001001,"云霄路社区",370202001,37,3702,370202\n')


def csv_file(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_division_csvs_pad_codes_to_12_digits_and_keep_official_names(tmp_path):
    services.import_divisions_csv(None, csv_file(tmp_path, "a.csv", DISTRICTS), kind="district")
    services.import_divisions_csv(None, csv_file(tmp_path, "s.csv", STREETS), kind="street", parent_column="areaCode")
    summary = services.import_divisions_csv(None, csv_file(tmp_path, "v.csv", VILLAGES), kind="community",
                                            parent_column="streetCode", code_startswith="370203")
    assert (summary.created, summary.skipped) == (1, 1)
    village = Area.objects.get(code="370203005001")
    assert (village.name, village.path) == ("科技街社区居委会", "370203000000/370203005000/370203005001/")
    assert services.short_area_name(village.name) == "科技街社区"
    assert list(Area.objects.order_by("code").values_list("code", "kind", "boundary")) == [
        ("370202000000", "district", None), ("370202001000", "street", None), ("370203000000", "district", None),
        ("370203005000", "street", None), ("370203005001", "community", None)]
    assert [e.changes["created"] for e in AuditEvent.objects.order_by("id")] == [2, 2, 1]


def test_division_csv_problems_name_rows_and_import_nothing(tmp_path):
    services.import_divisions_csv(None, csv_file(tmp_path, "a.csv", DISTRICTS), kind="district")
    bad = ('code,name,areaCode\n370203005,"辽宁路街道",370203\n37020300A,"坏",370203\n'
           '370203008,"",370203\n370299001,"无上级",370299\n370203005,"重复",370203\n')
    path = csv_file(tmp_path, "s.csv", bad)
    assert rejected(services.import_divisions_csv, None, path, kind="street", parent_column="areaCode") == [
        f"Nothing was imported from {path}: 4 problem(s).",
        "row 3: code '37020300A' is not a 6-, 9- or 12-digit division code.",
        "row 4 (code 370203008000): the name is empty.",
        "row 6 (code 370203005000): code 370203005000 appears twice in the file (also at row 2 (code 370203005000)).",
        "row 5 (code 370299001000): parent 370299000000 does not exist.",
    ]
    assert rejected(services.import_divisions_csv, None, path, kind="street", parent_column="streetCode")[1:] == [
        f"{path} has no column streetCode; its columns are code, name, areaCode."]


# --- commands -----------------------------------------------------------------------------------
def test_import_areas_command_prints_a_summary(tmp_path):
    make_tree()
    out = StringIO()
    call_command("import_areas", str(new_grids(tmp_path)), "--kind", "grid", "--code-property", "GRID",
                 "--name-property", "NAME", "--parent", C1, "--code-prefix", C1, "--no-progress", stdout=out)
    assert out.getvalue().splitlines() == [
        f"Imported 2 grid area(s) from {tmp_path / 'grids.geojson'} (2 with a boundary).",
        f"  under {C1}: 2",
    ]


def test_import_areas_command_fails_with_every_problem_and_imports_nothing(tmp_path):
    make_tree()
    path = write(tmp_path, [feature({"NAME": "x"}, square(120.30, 36.06, 0.01))])
    with pytest.raises(CommandError) as info:
        call_command("import_areas", str(path), "--kind", "grid", "--code-property", "GRID", "--parent", C1,
                     "--no-progress")
    assert str(info.value) == f"Nothing was imported from {path}: 1 problem(s).\n  features[0] has no 'GRID' property."
    assert Area.objects.count() == 10


def test_import_divisions_command(tmp_path):
    out = StringIO()
    call_command("import_divisions", str(csv_file(tmp_path, "a.csv", DISTRICTS)), "--kind", "district",
                 "--no-progress", stdout=out)
    assert out.getvalue().splitlines()[0] == f"Imported 2 district area(s) from {tmp_path / 'a.csv'} (0 with a boundary)."
    with pytest.raises(CommandError):
        call_command("import_divisions", str(csv_file(tmp_path, "s.csv", STREETS)), "--kind", "street", "--no-progress")
    assert Area.objects.count() == 2


def test_update_boundaries_gives_imported_divisions_their_boundaries(tmp_path):
    t = make_tree()
    divisions = tmp_path / "communities.csv"
    divisions.write_text(f"code,name,parent\n370203020050,新港社区居委会,{t.street1.code}\n", encoding="utf-8")
    services.import_divisions_csv(None, divisions, kind="community", parent_column="parent")
    path = write(tmp_path, [
        feature({"CODE": "370203020050", "NAME": "新港社区"}, square(120.30, 36.07, 0.02)),
        feature({"CODE": "370203020051", "NAME": "北岭社区"}, square(120.32, 36.07, 0.02)),
    ], name="communities.geojson")
    args = dict(kind="community", code_property="CODE", name_property="NAME", parent_code=t.street1.code)
    assert rejected(services.import_areas_geojson, None, path, **args)[1:] == [
        "features[0] (code 370203020050): an area with code 370203020050 already exists."]

    out = StringIO()
    call_command("import_areas", str(path), "--kind", "community", "--code-property", "CODE", "--name-property", "NAME",
                 "--parent", t.street1.code, "--update-boundaries", "--no-progress", stdout=out)
    assert out.getvalue().splitlines() == [
        f"Imported 1 community area(s) from {path} (1 with a boundary).",
        f"  under {t.street1.code}: 1",
        "  boundaries set on existing areas (1): 370203020050",
    ]
    updated = Area.objects.get(code="370203020050")
    assert (updated.name, updated.boundary, updated.centroid_lon, updated.centroid_lat) == (
        "新港社区居委会", square(120.30, 36.07, 0.02), 120.31, 36.08)
    assert locate.locate(120.305, 36.085).area.code == "370203020050"
    event = AuditEvent.objects.filter(action="area.import").latest("id")
    assert (event.changes["codes"], event.changes["boundaries_updated"], event.changes["boundaries_replaced"]) == (
        ["370203020051"], ["370203020050"], {})


def test_update_boundaries_checks_children_and_parents_and_changes_nothing_when_refused(tmp_path):
    t = make_tree()
    before = {a.code: a.boundary for a in Area.objects.all()}
    # 恩县路社区 shrunk to half: its second grid would lie outside; 上四方社区 is not under 即墨路街道.
    path = write(tmp_path, [
        feature({"CODE": t.community1.code}, square(120.30, 36.05, 0.01)),
        feature({"CODE": "370203028013"}, square(120.30, 36.07, 0.01)),
    ], name="communities.geojson")
    problems = rejected(services.import_areas_geojson, None, path, kind="community", code_property="CODE",
                        parent_code=t.street1.code, update_boundaries=True)
    assert problems[1:] == [
        "area 370203020009002 (恩县路第二网格) is not inside its parent features[0] (code 370203020009): "
        "1001846 m² (100.00% of it) lies outside.",
        f"features[1] (code 370203028013): area 370203028013 lies under 370203028000, not under {t.street1.code}; "
        "an import does not move areas.",
    ]
    assert {a.code: a.boundary for a in Area.objects.all()} == before
