import pytest

from civicgrid.core.testing import square
from civicgrid.geo import validation


def problems(geometry, label="features[0] (code X)"):
    return validation.geometry_problems(geometry, label)[1]


def test_valid_polygon_and_multipolygon_have_no_problems():
    assert problems(square(120.30, 36.05, 0.01)) == []
    multi = {"type": "MultiPolygon", "coordinates": [square(120.30, 36.05, 0.01)["coordinates"],
                                                      square(120.32, 36.05, 0.01)["coordinates"]]}
    geom, found = validation.geometry_problems(multi, "x")
    assert found == [] and geom.geom_type == "MultiPolygon"


@pytest.mark.parametrize(
    ("geometry", "expected"),
    [
        (None, "features[0] (code X): the geometry is missing or not a JSON object."),
        ({"type": "Point", "coordinates": [120, 36]},
         "features[0] (code X): geometry type 'Point' is not allowed; use Polygon or MultiPolygon."),
        ({"type": "Polygon", "coordinates": []}, "features[0] (code X): has no rings."),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]},
         "features[0] (code X): outer ring is not closed: it starts at [0, 0] and ends at [0, 1]."),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]},
         "features[0] (code X): outer ring has 3 positions; a ring needs at least 4."),
        ({"type": "Polygon", "coordinates": [[[0, 0], [200, 0], [1, 1], [0, 0]]]},
         "features[0] (code X): outer ring position 1 has longitude 200 outside -180..180."),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 95], [1, 1], [0, 0]]]},
         "features[0] (code X): outer ring position 1 has latitude 95 outside -90..90."),
        ({"type": "Polygon", "coordinates": [[[0, 0], ["a", 0], [1, 1], [0, 0]]]},
         "features[0] (code X): outer ring position 1 has a non-numeric coordinate: ['a', 0]."),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},
         "features[0] (code X): the polygon is invalid: Self-intersection[0.5 0.5]."),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [2, 0], [0, 0]]]},
         "features[0] (code X): the polygon is invalid: Self-intersection[1 0]."),
    ],
)
def test_bad_geometries_are_reported_with_the_feature_label(geometry, expected):
    assert problems(geometry) == [expected]


def test_containment_allows_a_1e7_buffer_and_reports_more():
    parent = validation.geometry_problems(square(120.30, 36.05, 0.02), "p")[0]
    inside = validation.geometry_problems(square(120.30 - 5e-8, 36.05, 0.01), "c")[0]
    assert validation.containment_problems(inside, parent, "grid G", "community C") == []
    half_out = validation.geometry_problems(square(120.295, 36.05, 0.01), "c")[0]
    (message,) = validation.containment_problems(half_out, parent, "grid G", "community C")
    assert message.startswith("grid G is not inside its parent community C: ")
    assert message.endswith("m² (50.00% of it) lies outside.")


def test_overlap_beyond_the_sliver_tolerance_is_reported():
    a = validation.geometry_problems(square(120.30, 36.05, 0.01), "a")[0]
    touching = validation.geometry_problems(square(120.31, 36.05, 0.01), "b")[0]
    sliver = validation.geometry_problems(square(120.31 - 1e-8, 36.05, 0.01), "b")[0]  # 1e-10 deg²
    overlapping = validation.geometry_problems(square(120.305, 36.05, 0.01), "b")[0]
    assert validation.overlap_problems(a, "A", [("B", touching), ("B2", sliver)]) == []
    (message,) = validation.overlap_problems(a, "A", [("B", overlapping)])
    assert message.startswith("A overlaps B by ") and message.endswith(" m².")
    assert validation.pairwise_overlaps(["A", "B", "C"], [a, touching, overlapping]) == [
        validation.overlap_problems(a, "A", [("C", overlapping)])[0],
        validation.overlap_problems(touching, "B", [("C", overlapping)])[0],
    ]


def test_repair_is_explicit_and_returns_polygons():
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    geom = validation.geometry_problems(bowtie, "x")[0]
    fixed = validation.repaired(geom)
    assert fixed.is_valid and fixed.geom_type == "MultiPolygon" and fixed.area == pytest.approx(0.5)
