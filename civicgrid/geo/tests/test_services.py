import pytest
from django.core.exceptions import ValidationError

from civicgrid.core.models import AuditEvent
from civicgrid.core.testing import make_building, make_tree, square
from civicgrid.geo import coords, services
from civicgrid.geo.models import Area, Building, GeoIndexState, Household

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    return make_tree()


@pytest.fixture
def admin(django_user_model):
    return django_user_model.objects.create_user("geoadmin", password="x")


def refused(call, *args, **kwargs) -> list[str]:
    counts = (Area.objects.count(), Building.objects.count(), Household.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError) as info:
        call(*args, **kwargs)
    assert (Area.objects.count(), Building.objects.count(), Household.objects.count(),
            AuditEvent.objects.count()) == counts
    return info.value.messages


def test_create_area_saves_path_depth_centroid_bumps_version_and_audits(tree, admin):
    grid = services.create_area(admin, code="370203020009003", name="恩县路第三网格", kind="grid",
                                parent=tree.community1, boundary=square(120.30, 36.06, 0.01))
    grid.refresh_from_db()
    assert grid.path == "370203000000/370203020000/370203020009/370203020009003/"
    assert grid.depth == 3
    assert (grid.centroid_lon, grid.centroid_lat) == (120.305, 36.065)
    assert grid.boundary == square(120.30, 36.06, 0.01)
    assert GeoIndexState.objects.get(id=1).version == 1
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.object_id) == ("area.create", admin, str(grid.pk))
    assert event.changes == {"code": "370203020009003", "name": "恩县路第三网格", "kind": "grid",
                             "parent": "370203020009", "boundary": True}


def test_create_area_without_boundary_leaves_the_index_version(tree):
    services.create_area(None, code="370203020010", name="新社区", kind="community", parent=tree.street1)
    assert not GeoIndexState.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"kind": "grid", "parent": "street1"},
         ["area X (新): the parent of a grid must be a community, but 370203020000 is a street."]),
        ({"kind": "street", "parent": None}, ["area X (新): a street needs a parent district."]),
        ({"kind": "district", "parent": "district"},
         ["area X (新): a district is the root of the tree and cannot have a parent (got 370203000000)."]),
        ({"kind": "block", "parent": None}, ["area X (新): kind 'block' is not one of district, street, community, grid."]),
        ({"code": "370203020009001", "kind": "grid", "parent": "community1"},
         ["area 370203020009001 (新): an area with this code already exists."]),
        ({"name": " ", "kind": "grid", "parent": "community1"}, ["area X: the name is empty."]),
    ],
)
def test_create_area_refuses_bad_kind_order_duplicate_codes_and_empty_names(tree, kwargs, expected):
    args = {"code": "X", "name": "新", "boundary": None, **kwargs}
    args["parent"] = getattr(tree, args["parent"]) if args["parent"] else None
    assert refused(services.create_area, None, **args) == expected


def test_create_area_refuses_a_self_intersecting_boundary(tree):
    bowtie = {"type": "Polygon", "coordinates": [[[120.30, 36.06], [120.31, 36.07], [120.31, 36.06],
                                                   [120.30, 36.07], [120.30, 36.06]]]}
    assert refused(services.create_area, None, code="G9", name="九", kind="grid", parent=tree.community1,
                   boundary=bowtie) == ["area G9 (九): the polygon is invalid: Self-intersection[120.305 36.065]."]


def test_create_area_refuses_a_boundary_outside_its_parent_or_over_a_sibling(tree):
    (outside,) = refused(services.create_area, None, code="G9", name="九", kind="grid", parent=tree.community1,
                         boundary=square(120.30, 36.065, 0.01))
    assert outside.startswith("area G9 (九) is not inside its parent area 370203020009 (恩县路社区): ")
    assert outside.endswith("(50.00% of it) lies outside.")
    (overlap,) = refused(services.create_area, None, code="G9", name="九", kind="grid", parent=tree.community1,
                         boundary=square(120.305, 36.05, 0.005))
    assert overlap.startswith("area G9 (九) overlaps area 370203020009001 (恩县路第一网格) by ")


def test_create_area_accepts_an_explicit_overlap_and_records_it(tree):
    area = services.create_area(None, code="G9", name="九", kind="grid", parent=tree.community1,
                                boundary=square(120.305, 36.05, 0.01), allow_overlap=True)
    (event,) = AuditEvent.objects.filter(object_id=str(area.pk))
    assert event.changes["overlaps_allowed"][0].startswith("area G9 (九) overlaps area 370203020009001")


def test_update_area_boundary_saves_and_audits_old_and_new(tree, admin):
    old = tree.grid1.boundary
    services.update_area_boundary(admin, tree.grid1, square(120.30, 36.05, 0.005))
    tree.grid1.refresh_from_db()
    assert tree.grid1.boundary == square(120.30, 36.05, 0.005)
    assert (tree.grid1.centroid_lon, tree.grid1.centroid_lat) == (120.3025, 36.0525)
    event = AuditEvent.objects.get()
    assert event.action == "area.boundary.update"
    assert event.changes == {"boundary": [old, square(120.30, 36.05, 0.005)]}
    assert GeoIndexState.objects.get(id=1).version == 1


def test_update_area_boundary_with_the_same_boundary_writes_nothing(tree):
    services.update_area_boundary(None, tree.grid1, square(120.30, 36.05, 0.01))
    assert not AuditEvent.objects.exists()
    assert not GeoIndexState.objects.exists()


def test_update_area_boundary_refuses_to_leave_a_child_outside(tree):
    (message,) = refused(services.update_area_boundary, None, tree.community1, square(120.30, 36.05, 0.015))
    assert message.startswith("area 370203020009002 (恩县路第二网格) is not inside its parent area 370203020009 (恩县路社区): ")
    tree.community1.refresh_from_db()
    assert tree.community1.boundary == square(120.30, 36.05, 0.02)


def test_update_area_boundary_refuses_overlap_with_a_sibling(tree):
    (message,) = refused(services.update_area_boundary, None, tree.grid1, square(120.30, 36.05, 0.015))
    assert message.startswith("area 370203020009001 (恩县路第一网格) overlaps area 370203020009002 (恩县路第二网格) by ")


def test_update_area_changes_only_what_changed(tree, admin):
    services.update_area(admin, tree.grid1, name="恩县路一网格", description="")
    event = AuditEvent.objects.get()
    assert event.changes == {"name": ["恩县路第一网格", "恩县路一网格"]}
    services.update_area(admin, tree.grid1, name="恩县路一网格")
    assert AuditEvent.objects.count() == 1


@pytest.mark.parametrize(
    ("official", "short"),
    [("恩县路社区居委会", "恩县路社区"), ("普吉社区居民委员会", "普吉社区"), ("东村村民委员会", "东村"),
     ("王家庄村委会", "王家庄村"), ("云霄路社区", "云霄路社区"), ("永平路居委会", "永平路社区")],
)
def test_short_area_name(official, short):
    assert services.short_area_name(official) == short


# --- buildings and households -------------------------------------------------------------------
def test_address_key_folds_full_width_and_strips_punctuation():
    assert services.address_key("市北区 恩县路１２号（Ａ座）") == "市北区恩县路12号a座"
    assert services.address_key("恩县路12号-A座，3单元") == "恩县路12号a座3单元"


def test_create_building_takes_area_path_from_its_grid_and_audits(tree, admin):
    b = services.create_building(admin, code="B1", address="恩县路１２号", lon=120.305, lat=36.055, grid=tree.grid1)
    assert (b.address_key, b.area_path) == ("恩县路12号", tree.grid1.path)
    event = AuditEvent.objects.get()
    assert event.action == "building.create"
    assert event.changes == {"code": "B1", "address": "恩县路１２号", "grid": "370203020009001", "lon": 120.305, "lat": 36.055}


def test_create_building_converts_gcj02_to_wgs84(tree):
    gcj = coords.from_wgs84(120.305, 36.055, "GCJ02")
    b = services.create_building(None, code="B1", address="恩县路12号", lon=gcj[0], lat=gcj[1], grid=tree.grid1,
                                 coord_system="GCJ02")
    assert b.lon == pytest.approx(120.305, abs=1e-7) and b.lat == pytest.approx(36.055, abs=1e-7)


def test_create_building_refusals(tree):
    assert refused(services.create_building, None, code="B1", address="恩县路12号", lon=120.325, lat=36.055,
                   grid=tree.grid1) == ["building B1: the point 120.325000, 36.055000 lies outside grid 370203020009001."]
    assert refused(services.create_building, None, code="B1", address=" ， ", lon=120.305, lat=36.055,
                   grid=tree.community1) == ["building B1: the address is empty.",
                                             "building B1: 恩县路社区 (370203020009) is not a grid."]
    assert refused(services.create_building, None, code="B1", address="x", lon=120.305, lat=36.055,
                   grid=tree.grid1, coord_system="mars") == [
        "building B1: Unknown coordinate system 'mars'; accepted: WGS84 (WGS-84), GCJ02 (GCJ-02), BD09 (BD-09)."]
    make_building("B1", tree.grid1, "恩县路1号", 120.305, 36.055)
    assert refused(services.create_building, None, code="B1", address="x", lon=120.305, lat=36.055,
                   grid=tree.grid1) == ["building B1: a building with this code already exists."]


def test_update_building_to_another_grid_moves_its_households(tree, admin):
    b = make_building("B1", tree.grid1, "恩县路1号", 120.3095, 36.055, households=2)
    services.update_building(admin, b, grid=tree.grid2, lon=120.3105)
    assert set(Household.objects.values_list("area_path", flat=True)) == {tree.grid2.path}
    b.refresh_from_db()
    assert (b.area_path, b.lon) == (tree.grid2.path, 120.3105)
    event = AuditEvent.objects.get()
    assert event.changes == {"lon": [120.3095, 120.3105], "grid": ["370203020009001", "370203020009002"],
                             "area_path": [tree.grid1.path, tree.grid2.path]}


def test_update_building_refuses_unknown_fields_and_a_point_outside(tree):
    b = make_building("B1", tree.grid1, "恩县路1号", 120.305, 36.055)
    assert refused(services.update_building, None, b, code="B2") == ["building B1: cannot change code."]
    assert refused(services.update_building, None, b, grid=tree.grid3) == [
        "building B1: the point 120.305000, 36.055000 lies outside grid 370203020002001."]


def test_create_household_inherits_area_path_and_masks_personal_data_in_the_audit(tree, admin):
    b = make_building("B1", tree.grid1, "恩县路1号", 120.305, 36.055)
    h = services.create_household(admin, building=b, room="301", entrance=2, size=3, head_name="欧阳娜娜",
                                  head_phone="13812345678", head_id_number="37020319800101123x", tags=["elderly_alone"])
    assert (h.area_path, h.head_id_number, h.tags) == (tree.grid1.path, "37020319800101123X", ["elderly_alone"])
    event = AuditEvent.objects.get()
    assert event.changes == {"building": [None, "B1"], "entrance": [None, 2], "room": [None, "301"],
                             "head_name": ["", "欧阳**"], "head_phone": ["", "138****5678"],
                             "head_id_number": ["", "370203********123X"]}


def test_household_refusals(tree):
    b = make_building("B1", tree.grid1, "恩县路1号", 120.305, 36.055, households=1)  # room 101, entrance 1
    assert refused(services.create_household, None, building=b, room="101") == [
        "household 恩县路1号 1-101 already exists."]
    assert refused(services.create_household, None, building=b, room="102", size=0, tags=["vip"],
                   head_id_number="123") == [
        "household 恩县路1号 1-102: size must be a whole number ≥ 1, got 0.",
        "household 恩县路1号 1-102: unknown care tag(s) vip; allowed: elderly_alone, low_income, disabled, "
        "elderly_party_member, military_family, rented.",
        "household 恩县路1号 1-102: the ID number must be 18 characters (17 digits and a digit or X).",
    ]


def test_update_household_changes_only_what_changed_masked(tree, admin):
    b = make_building("B1", tree.grid1, "恩县路1号", 120.305, 36.055, households=1)
    h = Household.objects.get()
    services.update_household(admin, h, head_phone="13900001111", size=2)
    event = AuditEvent.objects.get()
    assert event.changes == {"head_phone": ["138****0000", "139****1111"]}
    other = make_building("B2", tree.grid2, "恩县路2号", 120.315, 36.055)
    services.update_household(admin, h, building=other)
    h.refresh_from_db()
    assert h.area_path == tree.grid2.path
    assert refused(services.update_household, None, h, room="") == ["恩县路2号 1单元101室: the room is empty."]
    assert b.households.count() == 0
