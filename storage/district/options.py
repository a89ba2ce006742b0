"""The choices a district import offers, importable without loading the geometry libraries."""

from __future__ import annotations

WGS84, GCJ02 = "wgs84", "gcj02"
DATUMS = (WGS84, GCJ02)  # what a file's coordinates are in; everything is stored in WGS-84
DEFAULT_TOLERANCE = 100.0  # square metres: slivers this small between digitised boundaries are ignored
DEFAULT_INVITE_HOURS = 24 * 14  # a district hands the roster's codes out over days, not hours
