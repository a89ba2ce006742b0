"""Map datums. QunGong keeps every point and polygon in WGS-84 (GPS, Telegram, browsers, most GIS exports);
a point that arrives in GCJ-02 (China's "Mars" datum: WeChat's shared locations, Chinese map apps) is
converted once, at the edge where it arrives, with the prcoords library — some 500 m in a Chinese city,
enough to put a case in the neighbouring grid otherwise.
"""

from __future__ import annotations

import prcoords

WGS84, GCJ02 = "wgs84", "gcj02"
DATUMS = (WGS84, GCJ02)
STORED = WGS84


def _in_china(lat: float, lon: float) -> bool:
    """Tell whether GCJ-02 applies to a point (outside mainland China it equals WGS-84)."""
    return bool(prcoords.sanity_in_china_p(prcoords.Coords(lat, lon)))


def to_stored(lat: float, lon: float, datum: str) -> tuple[float, float]:
    """Return a (lat, lon) given in DATUM in the datum QunGong stores (WGS-84)."""
    if datum == GCJ02 and _in_china(lat, lon):
        point = prcoords.gcj_wgs_bored(prcoords.Coords(lat, lon))
        return float(point.lat), float(point.lon)
    if datum != WGS84:
        raise ValueError(f"unknown datum {datum!r}; expected one of {', '.join(DATUMS)}")
    return lat, lon


def from_stored(lat: float, lon: float, datum: str) -> tuple[float, float]:
    """Return a stored (WGS-84) point in DATUM (for tests and for clients that show GCJ-02 maps)."""
    if datum == GCJ02 and _in_china(lat, lon):
        point = prcoords.wgs_gcj(prcoords.Coords(lat, lon))
        return float(point.lat), float(point.lon)
    return lat, lon
