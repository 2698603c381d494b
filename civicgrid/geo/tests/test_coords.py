import numpy as np
import pytest

from civicgrid.geo import coords

# Published vectors: googollee/eviltransform (wgs2gcj) and wandergis/coordtransform (116.404, 39.915).
WGS_GCJ = [
    ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),  # Shanghai
    ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),  # Shenzhen
    ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),  # Beijing
    ((116.404, 39.915), (116.41024449916938, 39.91640428150164)),
]


@pytest.mark.parametrize(("wgs", "gcj"), WGS_GCJ)
def test_wgs84_to_gcj02_matches_published_values(wgs, gcj):
    assert coords.from_wgs84(*wgs, "GCJ02") == pytest.approx(gcj, abs=1e-9)


@pytest.mark.parametrize(("wgs", "gcj"), WGS_GCJ)
def test_gcj02_to_wgs84_inverts_to_within_1e7(wgs, gcj):
    lon, lat = coords.to_wgs84(*gcj, "gcj-02")
    assert abs(lon - wgs[0]) < 1e-7 and abs(lat - wgs[1]) < 1e-7


def test_bd09_forward_matches_published_value_and_inverse_round_trips():
    # coordtransform: gcj02tobd09(116.404, 39.915) = (116.41036949371029, 39.92133699351021)
    wgs = coords.to_wgs84(116.404, 39.915, "GCJ02")
    assert coords.from_wgs84(*wgs, "BD09") == pytest.approx((116.41036949371029, 39.92133699351021), abs=1e-9)
    assert coords.to_wgs84(116.41036949371029, 39.92133699351021, "bd-09") == pytest.approx(wgs, abs=1e-7)


def test_bd09_inverse_is_close_to_the_published_closed_form():
    # coordtransform's closed-form bd09togcj02(116.404, 39.915) = (116.39762729119315, 39.90865673957631) is
    # approximate; the iterative inverse differs from it by less than a metre.
    gcj = coords.from_wgs84(*coords.to_wgs84(116.404, 39.915, "BD09"), "GCJ02")
    assert gcj == pytest.approx((116.39762729119315, 39.90865673957631), abs=1e-5)


@pytest.mark.parametrize("system", ["GCJ02", "BD09"])
def test_round_trip_over_china_vectorised(system):
    rng = np.random.default_rng(7)
    lon, lat = rng.uniform(73.0, 135.0, 2000), rng.uniform(18.0, 53.0, 2000)
    back = coords.to_wgs84_array(*coords.from_wgs84_array(lon, lat, system), system)
    assert np.abs(back[0] - lon).max() < 1e-7
    assert np.abs(back[1] - lat).max() < 1e-7


def test_scalar_and_vector_agree():
    lons, lats = [120.31, 121.5, -74.0], [36.06, 31.2, 40.7]
    vec = coords.to_wgs84_array(lons, lats, "BD09")
    for i in range(3):
        # The vector iteration stops when its slowest point converges: equal to 1e-10, not bitwise.
        assert coords.to_wgs84(lons[i], lats[i], "BD09") == pytest.approx((vec[0][i], vec[1][i]), abs=1e-10)


def test_gcj02_passes_through_outside_china():
    assert coords.to_wgs84(-74.0060, 40.7128, "GCJ02") == (-74.0060, 40.7128)
    assert coords.from_wgs84(2.3522, 48.8566, "GCJ02") == (2.3522, 48.8566)
    out = coords.to_wgs84_array([-74.0060, 2.3522], [40.7128, 48.8566], "gcj02")
    assert out[0].tolist() == [-74.0060, 2.3522] and out[1].tolist() == [40.7128, 48.8566]
    assert coords.in_china(120.3, 36.1) is True
    assert coords.in_china(-74.0, 40.7) is False


@pytest.mark.parametrize("name", ["WGS84", "wgs-84", "wgs84", "GCJ02", "gcj-02", "BD09", "bd-09", " Bd_09 "])
def test_names_are_accepted_in_any_case_with_or_without_dash(name):
    assert coords.normalise_system(name) in coords.SYSTEMS


def test_wgs84_is_identity():
    assert coords.to_wgs84(120.3, 36.06, "wgs-84") == (120.3, 36.06)


@pytest.mark.parametrize("name", ["EPSG:4326", "", None, "gcj"])
def test_unknown_system_is_refused_with_the_accepted_names(name):
    with pytest.raises(coords.UnknownCoordinateSystem) as info:
        coords.to_wgs84(120.3, 36.06, name)
    assert isinstance(info.value, ValueError)
    assert "WGS84 (WGS-84), GCJ02 (GCJ-02), BD09 (BD-09)" in str(info.value)


@pytest.mark.parametrize(
    ("lon", "lat", "message"),
    [
        (181, 36, "Longitude 181 is outside -180..180."),
        (120, -90.5, "Latitude -90.5 is outside -90..90."),
        (float("nan"), 36, "Longitude nan is outside -180..180."),
        ("east", 36, "Longitude and latitude must be numbers, got 'east', 36."),
    ],
)
def test_invalid_ranges_are_refused(lon, lat, message):
    with pytest.raises(coords.InvalidCoordinate) as info:
        coords.to_wgs84(lon, lat, "GCJ02")
    assert str(info.value) == message


def test_invalid_ranges_are_refused_in_arrays_with_the_index():
    with pytest.raises(coords.InvalidCoordinate) as info:
        coords.to_wgs84_array([120.0, 120.0], [36.0, 91.0], "WGS84")
    assert str(info.value) == "Latitude 91.0 at index 1 is outside -90..90."
    with pytest.raises(coords.InvalidCoordinate):
        coords.to_wgs84_array([120.0], [36.0, 37.0], "WGS84")
