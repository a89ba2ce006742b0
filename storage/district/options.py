"""The choices a district import offers, importable without loading the geometry libraries."""

from __future__ import annotations

from storage.geo import (  # what a file's coordinates are in; everything is stored in WGS-84
    DATUMS,
    GCJ02,
    WGS84,
)

__all__ = ["DATUMS", "DEFAULT_INVITE_HOURS", "DEFAULT_TOLERANCE", "GCJ02", "WGS84"]
DEFAULT_TOLERANCE = 100.0  # square metres: slivers this small between digitised boundaries are ignored
DEFAULT_INVITE_HOURS = 24 * 14  # a district hands the roster's codes out over days, not hours
