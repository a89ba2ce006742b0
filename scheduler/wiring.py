"""Build what the jobs need from the configuration: the light clock, the supervision policy, settings."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, time

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from scheduler.settings import CalendarSection, SettingsLike, SlaLike, SweepSettings
from storage.cases.supervision import Supervision, calendar_overrides, department_limits
from storage.cases.workclock import (
    Hours,
    HoursLike,
    NaturalClock,
    WorkClock,
    WorkingClock,
    WorkingDays,
)
from storage.clock import parse_clock_time


@dataclass(frozen=True)
class JobDeps:
    """What every job receives: the database (with sessions for long reads) and the configuration."""

    session_factory: async_sessionmaker[AsyncSession]
    settings: SettingsLike
    read_session_factory: async_sessionmaker[AsyncSession] | None = None  # None: long reads use session_factory

    @property
    def reads(self) -> async_sessionmaker[AsyncSession]:
        """Return the session factory for long reads (their own connection on SQLite)."""
        return self.session_factory if self.read_session_factory is None else self.read_session_factory


def _time(text: str) -> time:
    """Parse a validated HH:MM setting (24:00 is not allowed here)."""
    parsed = parse_clock_time(text)
    return parsed if parsed is not None else time(0, 0)


def build_clock(settings: SettingsLike, overrides: dict[date, bool]) -> WorkClock:
    """Return the light clock the [calendar] section asks for."""
    calendar: CalendarSection = settings.calendar
    if calendar.mode != "working":
        return NaturalClock()
    return WorkingClock(
        tz=settings.tz,
        days=WorkingDays(overrides=overrides),
        work_start=_time(calendar.work_start),
        work_end=parse_clock_time(calendar.work_end),
    )


def with_district_limits(sla: SlaLike, limits: Mapping[str, float]) -> Callable[[str | None], HoursLike]:
    """Return the hours per department: [sla.department.CODE] first, then the district's own limit (the red
    light; yellow as far before it as the [sla] defaults have it, sign-for as the default but at most half),
    then the [sla] defaults."""
    configured = getattr(sla, "department", {})

    def hours_for(code: str | None) -> HoursLike:
        if code is None or code not in limits or code in configured:
            return sla.for_department(code)
        default = sla.for_department(None)
        red = limits[code]
        return Hours(sign_hours=min(default.sign_hours, red / 2), yellow_hours=red * default.yellow_hours / default.red_hours, red_hours=red)

    return hours_for


def build_supervision(settings: SettingsLike, overrides: dict[date, bool] | None = None, limits: Mapping[str, float] | None = None) -> Supervision:
    """Return the supervision policy: per-department hours (LIMITS: the district's own) on the configured clock."""
    hours_for = with_district_limits(settings.sla, limits) if limits else settings.sla.for_department
    return Supervision(hours_for=hours_for, clock=build_clock(settings, overrides or {}))


async def load_supervision(session_factory: async_sessionmaker[AsyncSession], settings: SettingsLike) -> Supervision:
    """Return the supervision policy with the department limits and calendar overrides stored in the database."""
    async with session_factory() as session:
        limits = await department_limits(session)
        overrides = await calendar_overrides(session) if settings.calendar.mode == "working" else {}
    return build_supervision(settings, overrides, limits)


def sweep_settings(settings: SettingsLike) -> SweepSettings:
    """Return the sweep's settings from the configuration."""
    return SweepSettings(
        tz=settings.tz,
        language=settings.app.language,
        batch=settings.scheduler.sweep_batch,
        explanation_hours=settings.supervision.explanation_hours,
        quiet_start=_time(settings.supervision.quiet_start),
        quiet_end=_time(settings.supervision.quiet_end),
    )
