"""Settings of the jobs: the [calendar], [supervision], [scheduler] and [revisit] sections.

The dataclasses are the config sections themselves (bot/config assembles them from TOML), so the
scheduler reads typed settings without importing the composition root. `SettingsLike` names the
slice of the whole config that the scheduler uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from typing import Protocol
from zoneinfo import ZoneInfo

from storage.cases.workclock import HoursLike
from storage.clock import clock_time_problems

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
    lease_seconds: int = 30  # a dead leader's jobs move to another scheduler process within this and a third more


@dataclass(frozen=True)
class RevisitSection:
    """[revisit]: what happens when a resident does not answer the revisit."""

    reminder_hours: float = 24.0
    phone_hours: float = 72.0


def scheduler_problems(calendar: CalendarSection, supervision: SupervisionSection, scheduler: SchedulerSection, revisit: RevisitSection) -> list[str]:
    """Check the [calendar], [supervision], [scheduler] and [revisit] sections."""
    problems = []
    if calendar.mode not in CALENDAR_MODES:
        problems.append(f"calendar.mode: expected one of {', '.join(CALENDAR_MODES)}, got {calendar.mode!r}")
    problems.extend(clock_time_problems("calendar.work_start", calendar.work_start))
    problems.extend(clock_time_problems("calendar.work_end", calendar.work_end, allow_24=True))
    if calendar.work_start >= calendar.work_end:
        problems.append("calendar: expected work_start before work_end")
    if calendar.warn_days_ahead < 0:
        problems.append("calendar.warn_days_ahead: expected 0 or more")
    if supervision.explanation_hours <= 0:
        problems.append("supervision.explanation_hours: expected more than 0")
    problems.extend(clock_time_problems("supervision.quiet_start", supervision.quiet_start))
    problems.extend(clock_time_problems("supervision.quiet_end", supervision.quiet_end))
    if scheduler.sweep_seconds <= 0 or scheduler.sweep_batch <= 0:
        problems.append("scheduler: expected sweep_seconds and sweep_batch above 0")
    if scheduler.lease_seconds < 3:
        problems.append("scheduler.lease_seconds: expected 3 or more")
    problems.extend(clock_time_problems("scheduler.calendar_check_at", scheduler.calendar_check_at))
    if not 0 < revisit.reminder_hours < revisit.phone_hours:
        problems.append("revisit: expected 0 < reminder_hours < phone_hours")
    return problems


@dataclass(frozen=True)
class SweepSettings:
    """How a sweep behaves: batch size, local time zone, language, explanations, quiet hours."""

    tz: ZoneInfo
    language: str = "zh"
    batch: int = 1000
    explanation_hours: float = 24.0
    quiet_start: time = time(22, 0)
    quiet_end: time = time(7, 0)
    workers: int = 2


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
