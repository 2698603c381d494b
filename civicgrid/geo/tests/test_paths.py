"""Materialised paths: the ancestors of a path."""

from civicgrid.geo.paths import ancestor_paths, depth_of, path_for


def test_ancestor_paths_from_the_root_to_the_area_itself():
    street = path_for("370203020000", path_for("370203000000", None))
    assert ancestor_paths(street) == ["370203000000/", "370203000000/370203020000/"]
    assert ancestor_paths("a/b/c/") == ["a/", "a/b/", "a/b/c/"]
    assert ancestor_paths("") == []
    assert depth_of(street) == 1
