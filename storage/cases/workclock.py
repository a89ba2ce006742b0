"""The light clock: natural hours, or working hours on working days (with 调休 make-up workdays).

`WorkClock.add(start, hours)` answers "when have HOURS of counted time passed since START?" and
`subtract(end, hours)` the reverse. The natural clock counts every hour. The working clock counts
only the part of each working day between `work_start` and `work_end` (local time); whether a day
is a working day comes from an override table first, then the `chinesecalendar` package (weekends,
public holidays and make-up workdays), and for a year the package does not know, Monday to Friday
(such years are remembered in `missing_years` so that they can be warned about).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

import chinese_calendar

MAX_DAYS = 3660  # refuse to walk more than ten years of calendar for one deadline


class HoursLike(Protocol):
    """Time limits in hours, counted from dispatch (the [sla] section's shape)."""

    @property
    def sign_hours(self) -> float:
        """Hours to sign for a case."""

    @property
    def yellow_hours(self) -> float:
        """Hours until a yellow light."""

    @property
    def red_hours(self) -> float:
        """Hours until a red light (the handling deadline)."""


@dataclass(frozen=True)
class Hours:
    """Plain time limits (sign-for, yellow, red), in hours."""

    sign_hours: float = 4.0
    yellow_hours: float = 24.0
    red_hours: float = 48.0


class WorkClock(Protocol):
    """Counts time towards deadlines."""

    def add(self, start: datetime, hours: float) -> datetime:
        """Return the moment HOURS of counted time after START."""

    def subtract(self, end: datetime, hours: float) -> datetime:
        """Return the moment HOURS of counted time before END."""


class NaturalClock:
    """Every hour counts."""

    def add(self, start: datetime, hours: float) -> datetime:
        """Return START plus HOURS."""
        return start + timedelta(hours=hours)

    def subtract(self, end: datetime, hours: float) -> datetime:
        """Return END minus HOURS."""
        return end - timedelta(hours=hours)


def library_knows(year: int) -> bool:
    """Tell whether the installed chinesecalendar package has data for a year."""
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


@dataclass
class WorkingDays:
    """Whether a date is a working day: overrides, then the official calendar, then Mon-Fri."""

    overrides: Mapping[date, bool] = field(default_factory=dict)
    missing_years: set[int] = field(default_factory=set)

    def is_workday(self, day: date) -> bool:
        """Return True when DAY is a working day."""
        if day in self.overrides:
            return self.overrides[day]
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            self.missing_years.add(day.year)
            return day.weekday() < 5


@dataclass
class WorkingClock:
    """Only working hours on working days count (local time of `tz`)."""

    tz: ZoneInfo
    days: WorkingDays
    work_start: time = time(0, 0)
    work_end: time | None = None  # None: midnight at the end of the day

    def _span(self, day: date) -> tuple[datetime, datetime] | None:
        """Return the counted span of a day in UTC, or None when the day does not count."""
        if not self.days.is_workday(day):
            return None
        begin = datetime.combine(day, self.work_start, self.tz)
        if self.work_end is None:
            end = datetime.combine(day + timedelta(days=1), time(0, 0), self.tz)
        else:
            end = datetime.combine(day, self.work_end, self.tz)
        return begin.astimezone(UTC), end.astimezone(UTC)

    def add(self, start: datetime, hours: float) -> datetime:
        """Return the moment HOURS of working time after START."""
        remaining = timedelta(hours=hours)
        day = start.astimezone(self.tz).date()
        for _ in range(MAX_DAYS):
            span = self._span(day)
            if span is not None and start < span[1]:
                begin = max(start, span[0])
                if remaining <= span[1] - begin:
                    return begin + remaining
                remaining -= span[1] - begin
            day += timedelta(days=1)
        raise ValueError(f"no {hours} working hours within {MAX_DAYS} days of {start.isoformat()}")

    def subtract(self, end: datetime, hours: float) -> datetime:
        """Return the moment HOURS of working time before END."""
        remaining = timedelta(hours=hours)
        day = end.astimezone(self.tz).date()
        for _ in range(MAX_DAYS):
            span = self._span(day)
            if span is not None and end > span[0]:
                finish = min(end, span[1])
                if remaining <= finish - span[0]:
                    return finish - remaining
                remaining -= finish - span[0]
            day -= timedelta(days=1)
        raise ValueError(f"no {hours} working hours within {MAX_DAYS} days before {end.isoformat()}")


def missing_calendar_years(years: list[int], overrides: Mapping[date, bool]) -> list[int]:
    """Return the years the package does not know and no override row covers."""
    covered = {day.year for day in overrides}
    return [y for y in years if not library_knows(y) and y not in covered]
