"""Report periods: half-open [start, end) spans of local time, their labels and the period before."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

KINDS = ("day", "week", "month", "year", "range")


class PeriodError(ValueError):
    """A period that cannot be parsed; the message says what is expected."""


@dataclass(frozen=True)
class Period:
    """A half-open span [start, end) of aware datetimes, with its kind and a stable key."""

    kind: str
    start: datetime
    end: datetime
    key: str
    partial: bool = False  # a week, month or year still under way, cut at the time of the report

    @property
    def length(self) -> timedelta:
        """Return how long the period is."""
        return self.end - self.start

    def previous(self, tz: ZoneInfo) -> Period:
        """Return the period before: the previous calendar week, month or year, else the same length."""
        first = self.start.astimezone(tz).date()
        if self.partial:
            return Period(self.kind, self.start - self.length, self.start, f"{self.key}-previous", partial=True)
        if self.kind == "day":
            return day_of(first - timedelta(days=1), tz)
        if self.kind == "week":
            return week_of(first - timedelta(days=7), tz)
        if self.kind == "month":
            return month_of((first.replace(day=1) - timedelta(days=1)), tz)
        if self.kind == "year":
            return year_of(first.year - 1, tz)
        start = self.start - self.length
        return Period("range", start, self.start, range_key(start, self.start, tz))

    def local_days(self, tz: ZoneInfo) -> list[date]:
        """Return the local days the period touches, in order."""
        first = self.start.astimezone(tz).date()
        last = (self.end - timedelta(microseconds=1)).astimezone(tz).date()
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    """Return local midnight at the start of a day."""
    return datetime.combine(day, time(0, 0), tz)


def day_of(day: date, tz: ZoneInfo) -> Period:
    """Return one local day."""
    return Period("day", _midnight(day, tz), _midnight(day + timedelta(days=1), tz), day.isoformat())


def week_of(day: date, tz: ZoneInfo) -> Period:
    """Return the ISO week (Monday to Sunday, local time) containing DAY."""
    monday = day - timedelta(days=day.weekday())
    year, week, _ = monday.isocalendar()
    return Period("week", _midnight(monday, tz), _midnight(monday + timedelta(days=7), tz), f"{year}-W{week:02d}")


def month_of(day: date, tz: ZoneInfo) -> Period:
    """Return the calendar month (local time) containing DAY."""
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return Period("month", _midnight(first, tz), _midnight(following, tz), f"{first:%Y-%m}")


def year_of(year: int, tz: ZoneInfo) -> Period:
    """Return a calendar year (local time)."""
    return Period("year", _midnight(date(year, 1, 1), tz), _midnight(date(year + 1, 1, 1), tz), str(year))


def range_key(start: datetime, end: datetime, tz: ZoneInfo) -> str:
    """Return a key like 2026-11-01..2026-12-01 (times shown only when not local midnight)."""

    def show(moment: datetime) -> str:
        local = moment.astimezone(tz)
        return local.date().isoformat() if local.time() == time(0, 0) else local.isoformat(timespec="minutes")

    return f"{show(start)}..{show(end)}"


def last_complete(kind: str, now: datetime, tz: ZoneInfo) -> Period:
    """Return the last complete week, month or year before NOW (the one a pushed report covers)."""
    today = now.astimezone(tz).date()
    if kind == "week":
        return week_of(today - timedelta(days=today.weekday() + 7), tz)
    if kind == "month":
        return month_of(today.replace(day=1) - timedelta(days=1), tz)
    if kind == "year":
        return year_of(today.year - 1, tz)
    raise PeriodError(f"expected week, month or year, got {kind!r}")


def _moment(text: str, tz: ZoneInfo) -> datetime:
    """Parse a date or date-time; without an offset it is local time."""
    try:
        parsed = datetime.fromisoformat(text) if "T" in text or " " in text else _midnight(date.fromisoformat(text), tz)
    except ValueError as exc:
        raise PeriodError(f"expected a date such as 2026-11-01, got {text!r}") from exc
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=tz)


def parse_period(text: str, now: datetime, tz: ZoneInfo) -> Period:
    """Parse today|week|month|year (the current one, to date), yesterday|last-week|last-month|last-year or FROM..TO."""
    raw = text.strip()
    value = raw.lower()  # the keywords in any case; dates and times as given (2026-11-01T08:00 keeps its T)
    today = now.astimezone(tz).date()
    if value == "yesterday":
        return day_of(today - timedelta(days=1), tz)
    current = {"today": day_of(today, tz), "week": week_of(today, tz), "month": month_of(today, tz), "year": year_of(today.year, tz)}
    if value in current:
        found = current[value]
        return replace(found, end=now, partial=True) if now < found.end else found
    if value.startswith("last-") and value[5:] in current:
        return last_complete(value[5:], now, tz)
    start_text, sep, end_text = raw.partition("..")
    if not sep:
        raise PeriodError(f"expected today, week, month, year, yesterday, last-week, last-month, last-year or FROM..TO, got {text!r}")
    start, end = _moment(start_text, tz), _moment(end_text, tz)
    if end <= start:
        raise PeriodError(f"the period {text!r} ends before it starts (TO is exclusive: 2026-11-01..2026-12-01 is November)")
    return Period("range", start, end, range_key(start, end, tz))
