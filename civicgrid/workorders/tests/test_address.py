"""The address book: exact, prefix, road + number and similar matches; candidates when ambiguous."""

from __future__ import annotations

import pytest

from civicgrid.core.testing import make_building
from civicgrid.workorders.addressbook import match_address, strip_key
from civicgrid.workorders.testing import make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    world = make_world()
    make_building("B1", world.tree.grid1, "青岛市市北区恩县路12号", 120.302, 36.052)
    make_building("B2", world.tree.grid1, "青岛市市北区嘉兴路30号海晶花园1号楼", 120.303, 36.053)
    make_building("B3", world.tree.grid2, "青岛市市北区嘉兴路30号海晶花园2号楼", 120.312, 36.052)
    make_building("B4", world.tree.grid3, "青岛市市北区上海路7号", 120.322, 36.052)
    make_building("B5", world.tree.grid4, "青岛市即墨区通济街道西北关村3号楼", 120.342, 36.052)
    return world


def test_strip_key():
    assert strip_key("山东省青岛市市北区 恩县路１２号 2单元301室") == "恩县路12号"
    assert strip_key("恩县路12号") == "恩县路12号"  # 恩县 is not a county
    assert strip_key("即墨区通济街道西北关村3号楼") == "西北关村3号楼"


@pytest.mark.parametrize("text, code, how", [
    ("青岛市市北区恩县路12号", "B1", "exact"),
    ("恩县路 12号 3单元 502室", "B1", "exact"),
    ("恩县路12号门前", "B1", "prefix"),
    ("市北区上海路7号", "B4", "exact"),
    ("嘉兴路30号海晶花园2号楼", "B3", "exact"),
    ("西北关村3号楼", "B5", "exact"),
    ("上海路七号", None, None),
])
def test_matches(w, text, code, how):
    found = match_address(text)
    assert (found.code or None, found.how or None) == (code, how) or (code is None and not found.found)


def test_ambiguous_gives_ranked_candidates(w):
    found = match_address("嘉兴路30号海晶花园")
    assert (found.found, found.ambiguous, found.how) == (False, True, "prefix")
    assert [c.code for c in found.candidates] == ["B2", "B3"]


def test_road_and_number_rank_the_closer_spelling_first(w):
    found = match_address("青岛市市北区嘉兴路30号海晶花苑1号楼")
    assert (found.how, found.ambiguous) == ("road_number", True)
    assert [c.code for c in found.candidates] == ["B2", "B3"]


def test_similar_address(w):
    found = match_address("青岛市市北区恩县路12号院")
    assert (found.code, found.how) == ("B1", "prefix")
    found = match_address("西北关3号楼")
    assert (found.found, found.how) == (False, "similar")
    assert found.candidates[0].code == "B5"


def test_within_limits_the_search(w):
    found = match_address("嘉兴路30号海晶花园", within=(w.tree.grid2.path,))
    assert (found.code, found.how) == ("B3", "prefix")
    assert not match_address("恩县路12号", within=(w.tree.grid3.path,)).found


def test_nothing_like_it(w):
    found = match_address("香港中路100号")
    assert (found.found, found.ambiguous) == (False, False)
    assert not match_address("").found
