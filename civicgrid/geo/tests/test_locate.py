import threading
import time

import pytest

from civicgrid.core.testing import make_area, make_tree, square
from civicgrid.geo import coords, locate, services
from civicgrid.geo.models import Area, GeoIndexState

pytestmark = pytest.mark.django_db

D, S1, C1, C2, G1, G2 = "370203000000", "370203020000", "370203020009", "370203020002", "370203020009001", "370203020009002"


def test_locate_returns_the_grid_and_its_chain_root_first():
    make_tree()
    found = locate.locate(120.305, 36.055)
    assert found.area.code == G1
    assert found.area.name == "恩县路第一网格"
    assert found.codes == [D, S1, C1, G1]
    assert [a.kind for a in found.chain] == ["district", "street", "community", "grid"]
    assert (found.lon, found.lat) == (120.305, 36.055)
    assert isinstance(found.area, Area) and found.area.pk == Area.objects.get(code=G1).pk
    assert found.area.parent.code == C1


def test_a_point_in_a_community_but_in_no_grid_returns_the_community():
    make_tree()
    assert locate.locate(120.335, 36.065).codes == [D, S1, C2]


def test_a_point_outside_every_area_returns_none():
    make_tree()
    assert locate.locate(121.0, 37.0) is None
    assert locate.locate_many([121.0], [37.0]) == [None]


def test_no_areas_at_all_returns_none():
    assert locate.locate(120.305, 36.055) is None
    assert locate.locate_many([120.305], [36.055]) == [None]


@pytest.mark.parametrize("system", ["GCJ02", "gcj-02", "BD09", "bd-09"])
def test_gcj02_and_bd09_inputs_locate_to_the_same_grid_as_wgs84(system):
    make_tree()
    # 120.3095 lies 55 m inside grid 1's east edge; GCJ-02 shifts Qingdao by ~500 m, BD-09 by ~1.2 km,
    # so an unconverted point would land in grid 2 or beyond.
    wgs = (120.3095, 36.055)
    shifted = coords.from_wgs84(*wgs, system)
    assert locate.locate(*wgs).area.code == G1
    assert locate.locate(*shifted, coord_system="WGS84").area.code != G1
    found = locate.locate(*shifted, coord_system=system)
    assert found.area.code == G1
    assert found.lon == pytest.approx(wgs[0], abs=1e-7) and found.lat == pytest.approx(wgs[1], abs=1e-7)
    assert locate.locate_many([shifted[0]], [shifted[1]], system) == [G1]


def test_locate_many_returns_codes_per_point():
    make_tree()
    lons = [120.305, 120.315, 120.325, 120.345, 120.335, 121.0]
    lats = [36.055, 36.055, 36.055, 36.055, 36.065, 37.0]
    assert locate.locate_many(lons, lats) == [G1, G2, "370203020002001", "370203028013001", C2, None]


def test_locate_refuses_unknown_systems_and_bad_numbers():
    make_tree()
    with pytest.raises(coords.UnknownCoordinateSystem):
        locate.locate(120.305, 36.055, "EPSG:3857")
    with pytest.raises(coords.InvalidCoordinate):
        locate.locate(200, 36.055)


def test_a_point_on_a_shared_edge_goes_to_one_grid_deterministically():
    make_tree()
    # x = 120.31 is the edge between grid 1 and grid 2: same depth; the lower code wins on equal area.
    assert locate.locate(120.31, 36.055).area.code == G1
    assert locate.locate_many([120.31], [36.055]) == [G1]


def test_locate_after_a_boundary_update_returns_the_new_answer(settings, django_capture_on_commit_callbacks):
    settings.GEO_INDEX_CHECK_SECONDS = 3600  # only the after-commit invalidation can refresh it
    tree = make_tree()
    assert locate.locate(120.3075, 36.055).area.code == G1
    with django_capture_on_commit_callbacks(execute=True):
        services.update_area_boundary(None, tree.grid1, square(120.30, 36.05, 0.005))
    assert locate.locate(120.3075, 36.055).area.code == C1
    assert locate.locate_many([120.3075, 120.3025], [36.055, 36.0525]) == [C1, G1]
    assert GeoIndexState.objects.get(id=1).version == 1


def test_other_processes_notice_the_version_change_at_their_next_check(settings):
    tree = make_tree()
    settings.GEO_INDEX_CHECK_SECONDS = 3600
    assert locate.locate(120.3075, 36.055).area.code == G1
    # Another process moved the boundary and bumped the version; this one has not been told.
    Area.objects.filter(pk=tree.grid1.pk).update(boundary=square(120.30, 36.05, 0.005))
    GeoIndexState.objects.update_or_create(id=1, defaults={"version": 99})
    assert locate.locate(120.3075, 36.055).area.code == G1  # within the check interval: cached
    settings.GEO_INDEX_CHECK_SECONDS = 0
    assert locate.locate(120.3075, 36.055).area.code == C1


def test_deepest_area_wins_and_areas_without_boundary_still_appear_in_the_chain():
    d = make_area("370203000000", "市北区", "district", None, None)
    s = make_area("370203020000", "即墨路街道", "street", d, square(120.30, 36.05, 0.04))
    c = make_area("370203020009", "恩县路社区", "community", s, None)
    make_area("370203020009001", "第一网格", "grid", c, square(120.30, 36.05, 0.01))
    assert locate.locate(120.305, 36.055).codes == [D, S1, C1, G1]
    assert locate.locate(120.335, 36.055).codes == [D, S1]


def test_concurrent_first_use_builds_the_index_once(monkeypatch):
    calls = []

    class FakeIndex:
        version = 0

    def slow_build():
        calls.append(1)
        time.sleep(0.05)
        return FakeIndex()

    monkeypatch.setattr(locate, "current_version", lambda: 0)
    monkeypatch.setattr(locate.AreaIndex, "from_database", staticmethod(slow_build))
    results = []
    threads = [threading.Thread(target=lambda: results.append(locate.get_index())) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
    assert len({id(r) for r in results}) == 1


def test_index_from_geojson_needs_no_database():
    collection = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"BoroCD": 101}, "geometry": square(-74.02, 40.70, 0.01)},
        {"type": "Feature", "properties": {"BoroCD": 102}, "geometry": square(-74.01, 40.70, 0.01)},
    ]}
    index = locate.AreaIndex.from_geojson(collection, code_property="BoroCD")
    assert index.locate_codes([-74.015, -74.005, 0.0], [40.705, 40.705, 0.0]) == ["101", "102", None]
    assert index.locate(-74.005, 40.705).codes == ["102"]
