"""Coordinate systems that Chinese map pickers send, converted to the WGS-84 we store.

- WGS-84: GPS, OpenStreetMap, every foreign map.
- GCJ-02 ("Mars coordinates"): AMap/Gaode, Tencent, Google Maps inside China. It is a deliberate
  obfuscation, not a geodetic datum, so PROJ has no definition for it; the published forward formula
  (WGS-84 -> GCJ-02, Krasovsky 1940 ellipsoid constants) is written out by hand below. It has no
  closed-form inverse, so GCJ-02 -> WGS-84 is solved by fixed-point iteration. Outside China's
  bounding box GCJ-02 equals WGS-84.
- BD-09: Baidu Maps, a further offset applied to GCJ-02 (everywhere, not only in China), inverted
  iteratively as well so that the published approximate inverse's ~1e-6° error does not creep in.

Scalar functions take and return floats; the ``*_array`` functions take anything numpy can turn
into float arrays and convert whole columns at once.
"""

from __future__ import annotations

import math
import re

import numpy as np
from django.utils.translation import gettext

WGS84 = "WGS84"
GCJ02 = "GCJ02"
BD09 = "BD09"
SYSTEMS = (WGS84, GCJ02, BD09)

# Accurate to well below 1e-7° (about 1 cm); the iteration converges in 3-6 steps in practice.
INVERSE_TOLERANCE = 1e-10
MAX_ITERATIONS = 50

# Constants of the published GCJ-02 formula (Krasovsky 1940 semi-major axis and eccentricity²).
_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = math.pi * 3000.0 / 180.0


class CoordinateError(ValueError):
    """Base class: bad coordinates or an unknown coordinate system."""


class UnknownCoordinateSystem(CoordinateError):
    pass


class InvalidCoordinate(CoordinateError):
    """``field`` is the axis at fault ("lon" or "lat"), or "" when both or neither."""

    def __init__(self, message, field: str = ""):
        super().__init__(message)
        self.field = field


def normalise_system(name: str | None) -> str:
    """"wgs-84", "GCJ02", "bd_09" ... -> one of SYSTEMS; anything else is refused."""
    key = re.sub(r"[\s_\-]", "", str(name or "")).upper()
    if key in SYSTEMS:
        return key
    raise UnknownCoordinateSystem(
        gettext("Unknown coordinate system %(name)r; accepted: %(accepted)s.")
        % {"name": name, "accepted": "WGS84 (WGS-84), GCJ02 (GCJ-02), BD09 (BD-09)"}
    )


def check_lon_lat(lon: float, lat: float) -> tuple[float, float]:
    try:
        lon_f, lat_f = float(lon), float(lat)
    except (TypeError, ValueError):
        raise InvalidCoordinate(
            gettext("Longitude and latitude must be numbers, got %(lon)r, %(lat)r.") % {"lon": lon, "lat": lat}
        ) from None
    if not (math.isfinite(lon_f) and -180.0 <= lon_f <= 180.0):
        raise InvalidCoordinate(gettext("Longitude %(lon)s is outside -180..180.") % {"lon": lon}, field="lon")
    if not (math.isfinite(lat_f) and -90.0 <= lat_f <= 90.0):
        raise InvalidCoordinate(gettext("Latitude %(lat)s is outside -90..90.") % {"lat": lat}, field="lat")
    return lon_f, lat_f


def _check_arrays(lons, lats) -> tuple[np.ndarray, np.ndarray]:
    lon = np.asarray(lons, dtype=float)
    lat = np.asarray(lats, dtype=float)
    if lon.shape != lat.shape:
        raise InvalidCoordinate(
            gettext("Got %(n_lon)d longitudes but %(n_lat)d latitudes.") % {"n_lon": lon.size, "n_lat": lat.size}
        )
    bad_lon = ~(np.isfinite(lon) & (lon >= -180.0) & (lon <= 180.0))
    bad_lat = ~(np.isfinite(lat) & (lat >= -90.0) & (lat <= 90.0))
    if bad_lon.any():
        i = int(np.flatnonzero(bad_lon)[0])
        raise InvalidCoordinate(
            gettext("Longitude %(lon)s at index %(index)d is outside -180..180.") % {"lon": lon.flat[i], "index": i}
        )
    if bad_lat.any():
        i = int(np.flatnonzero(bad_lat)[0])
        raise InvalidCoordinate(
            gettext("Latitude %(lat)s at index %(index)d is outside -90..90.") % {"lat": lat.flat[i], "index": i}
        )
    return lon, lat


# --- GCJ-02 (numpy throughout: the scalar functions call these on 0-d arrays) ------------------
def _in_china(lon, lat):
    # The rectangle every published implementation uses; GCJ-02 is the identity outside it.
    return (lon >= 72.004) & (lon <= 137.8347) & (lat >= 0.8293) & (lat <= 55.8271)


def _gcj_delta(lon, lat):
    x = lon - 105.0
    y = lat - 35.0
    d_lat = (
        -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
        + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
        + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
        + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    )
    d_lon = (
        300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
        + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
        + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
        + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    )
    rad_lat = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    d_lon = (d_lon * 180.0) / (_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    inside = _in_china(lon, lat)
    return np.where(inside, d_lon, 0.0), np.where(inside, d_lat, 0.0)


def _wgs_to_gcj(lon, lat):
    d_lon, d_lat = _gcj_delta(lon, lat)
    return lon + d_lon, lat + d_lat


def _gcj_to_wgs(lon, lat):
    # Fixed point of w = g - delta(w): delta varies slowly (|d delta/dw| << 1), so each step
    # gains several digits.
    w_lon, w_lat = lon.copy(), lat.copy()
    for _ in range(MAX_ITERATIONS):
        f_lon, f_lat = _wgs_to_gcj(w_lon, w_lat)
        e_lon, e_lat = f_lon - lon, f_lat - lat
        w_lon = w_lon - e_lon
        w_lat = w_lat - e_lat
        if np.all(np.abs(e_lon) < INVERSE_TOLERANCE) and np.all(np.abs(e_lat) < INVERSE_TOLERANCE):
            break
    return w_lon, w_lat


# --- BD-09 --------------------------------------------------------------------------------------
def _gcj_to_bd(lon, lat):
    z = np.sqrt(lon * lon + lat * lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def _bd_to_gcj(lon, lat):
    x, y = lon - 0.0065, lat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    g_lon, g_lat = z * np.cos(theta), z * np.sin(theta)
    # The closed form above is only approximate; refine it against the exact forward formula.
    for _ in range(MAX_ITERATIONS):
        f_lon, f_lat = _gcj_to_bd(g_lon, g_lat)
        e_lon, e_lat = f_lon - lon, f_lat - lat
        g_lon = g_lon - e_lon
        g_lat = g_lat - e_lat
        if np.all(np.abs(e_lon) < INVERSE_TOLERANCE) and np.all(np.abs(e_lat) < INVERSE_TOLERANCE):
            break
    return g_lon, g_lat


def _to_wgs84(lon, lat, system):
    if system == WGS84:
        return lon, lat
    if system == BD09:
        lon, lat = _bd_to_gcj(lon, lat)
    return _gcj_to_wgs(lon, lat)


def _from_wgs84(lon, lat, system):
    if system == WGS84:
        return lon, lat
    lon, lat = _wgs_to_gcj(lon, lat)
    if system == BD09:
        lon, lat = _gcj_to_bd(lon, lat)
    return lon, lat


# --- public API ---------------------------------------------------------------------------------
def to_wgs84(lon: float, lat: float, system: str = WGS84) -> tuple[float, float]:
    """One point in ``system`` -> (lon, lat) in WGS-84."""
    system = normalise_system(system)
    lon_f, lat_f = check_lon_lat(lon, lat)
    out_lon, out_lat = _to_wgs84(np.float64(lon_f), np.float64(lat_f), system)
    return float(out_lon), float(out_lat)


def from_wgs84(lon: float, lat: float, system: str) -> tuple[float, float]:
    """One WGS-84 point -> (lon, lat) in ``system`` (for maps that draw in GCJ-02 or BD-09)."""
    system = normalise_system(system)
    lon_f, lat_f = check_lon_lat(lon, lat)
    out_lon, out_lat = _from_wgs84(np.float64(lon_f), np.float64(lat_f), system)
    return float(out_lon), float(out_lat)


def to_wgs84_array(lons, lats, system: str = WGS84) -> tuple[np.ndarray, np.ndarray]:
    """Columns of points in ``system`` -> two float arrays in WGS-84."""
    system = normalise_system(system)
    lon, lat = _check_arrays(lons, lats)
    out_lon, out_lat = _to_wgs84(lon, lat, system)
    return np.array(out_lon, dtype=float), np.array(out_lat, dtype=float)


def from_wgs84_array(lons, lats, system: str) -> tuple[np.ndarray, np.ndarray]:
    system = normalise_system(system)
    lon, lat = _check_arrays(lons, lats)
    out_lon, out_lat = _from_wgs84(lon, lat, system)
    return np.array(out_lon, dtype=float), np.array(out_lat, dtype=float)


def in_china(lon: float, lat: float) -> bool:
    """Whether GCJ-02 shifts this point (the published bounding rectangle, not the border)."""
    return bool(_in_china(lon, lat))
