"""Quiet hours: when a non-urgent nudge that falls due at night may be sent instead."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo


def quiet_until(now: datetime, tz: ZoneInfo, start: time, end: time) -> datetime | None:
    """Return the end of the quiet hours NOW falls in (local START to END), or None outside them."""
    if start == end:
        return None
    local = now.astimezone(tz)
    clock = local.timetz().replace(tzinfo=None)
    if start < end:
        inside = start <= clock < end
        day = local.date()
    else:  # the quiet hours span midnight, e.g. 22:00-07:00
        inside = clock >= start or clock < end
        day = local.date() + timedelta(days=1) if clock >= start else local.date()
    return datetime.combine(day, end, tz) if inside else None


def send_at(now: datetime, tz: ZoneInfo, start: time, end: time, *, urgent: bool) -> datetime:
    """Return when a nudge queued at NOW should go: at once if urgent or outside quiet hours."""
    if urgent:
        return now
    return quiet_until(now, tz, start, end) or now
