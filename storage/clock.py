"""Clock times as the configuration gives them (HH:MM, local time), and the check of one such setting."""

from __future__ import annotations

from datetime import time


def parse_clock_time(text: str) -> time | None:
    """Parse HH:MM (24:00 allowed, meaning the end of the day: returns None); raise ValueError."""
    hours, sep, minutes = text.strip().partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        raise ValueError(f"expected HH:MM, got {text!r}")
    if (int(hours), int(minutes)) == (24, 0):
        return None
    return time(int(hours), int(minutes))


def clock_time_problems(where: str, text: str, *, allow_24: bool = False) -> list[str]:
    """Return the problems of one HH:MM setting (empty when it is fine)."""
    try:
        parsed = parse_clock_time(text)
    except ValueError:
        return [f"{where}: expected a time HH:MM (00:00-23:59), got {text!r}"]
    if parsed is None and not allow_24:
        return [f"{where}: expected a time HH:MM (00:00-23:59), got {text!r}"]
    return []
