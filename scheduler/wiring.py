"""Build what the jobs need from the configuration: the light clock, the supervision policy, settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from scheduler.settings import CalendarSection, SettingsLike, SweepSettings
from storage.cases.supervision import Supervision, calendar_overrides
from storage.cases.workclock import NaturalClock, WorkClock, WorkingClock, WorkingDays
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


def build_supervision(settings: SettingsLike, overrides: dict[date, bool] | None = None) -> Supervision:
    """Return the supervision policy: per-department hours on the configured clock."""
    return Supervision(hours_for=settings.sla.for_department, clock=build_clock(settings, overrides or {}))


async def load_supervision(session_factory: async_sessionmaker[AsyncSession], settings: SettingsLike) -> Supervision:
    """Return the supervision policy with the calendar overrides stored in the database."""
    if settings.calendar.mode != "working":
        return build_supervision(settings)
    async with session_factory() as session:
        overrides = await calendar_overrides(session)
    return build_supervision(settings, overrides)


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
