"""Settings the supervision jobs need, filled from the [calendar], [supervision] and [scheduler] sections.

The dataclasses are the config sections themselves (bot/config.py builds them from TOML), so the
scheduler reads typed settings without importing the composition root. `SettingsLike` names the
slice of the whole config that the scheduler uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from typing import Protocol
from zoneinfo import ZoneInfo

from storage.cases.workclock import HoursLike

CALENDAR_MODES = ("natural", "working")


@dataclass(frozen=True)
class CalendarSection:
    """[calendar]: which hours count towards the light clock."""

    mode: str = "natural"
    work_start: str = "00:00"
    work_end: str = "24:00"
    warn_days_ahead: int = 45


@dataclass(frozen=True)
class SupervisionSection:
    """[supervision]: written explanations and quiet hours for non-urgent nudges."""

    explanation_hours: float = 24.0
    quiet_start: str = "22:00"
    quiet_end: str = "07:00"


@dataclass(frozen=True)
class SchedulerSection:
    """[scheduler]: whether `qungong run` runs the jobs, and how often the light sweep runs."""

    enabled: bool = True
    sweep_seconds: int = 60
    sweep_batch: int = 1000
    calendar_check_at: str = "09:00"


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


class SlaLike(Protocol):
    """The [sla] section: hours per department."""

    def for_department(self, code: str | None) -> HoursLike:
        """Return the limits that apply to a department."""


class AppLike(Protocol):
    """The [app] section."""

    @property
    def language(self) -> str:
        """The language of user-facing text."""


class StorageLike(Protocol):
    """The [storage] section."""

    @property
    def url(self) -> str:
        """The database URL."""

    @property
    def echo(self) -> bool:
        """Whether to log SQL."""


class RevisitLike(Protocol):
    """The [revisit] settings the follow-up job reads."""

    @property
    def reminder_hours(self) -> float:
        """Hours after completion before the one reminder."""

    @property
    def phone_hours(self) -> float:
        """Hours after completion before the phone-revisit task."""


class SettingsLike(Protocol):
    """The parts of the whole configuration that the scheduler and its jobs read."""

    @property
    def tz(self) -> ZoneInfo:
        """The configured time zone."""

    @property
    def app(self) -> AppLike:
        """The [app] section."""

    @property
    def storage(self) -> StorageLike:
        """The [storage] section."""

    @property
    def sla(self) -> SlaLike:
        """The [sla] section."""

    @property
    def calendar(self) -> CalendarSection:
        """The [calendar] section."""

    @property
    def revisit(self) -> RevisitLike:
        """The [revisit] section."""

    @property
    def supervision(self) -> SupervisionSection:
        """The [supervision] section."""

    @property
    def scheduler(self) -> SchedulerSection:
        """The [scheduler] section."""
