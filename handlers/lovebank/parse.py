"""Reading what organisers type: a local date and time, a number of hours, a whole number, a date."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta, tzinfo

# 2026-12-06 09:00 · 2026年12月6日 9点30 · 12-06 9:00 · 12月6日9点 · 12/6 09:30
TYPED_TIME = re.compile(
    r"(?:(\d{4})\s*[-/.年]\s*)?(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?\s*(\d{1,2})\s*(?:[:：点时]\s*(\d{1,2})?)?"
)
# 今天 15:00 · 明天9点 · 后天 8:30
RELATIVE_TIME = re.compile(r"(今天|明天|后天)\s*(\d{1,2})\s*(?:[:：点时]\s*(\d{1,2})?)?")
RELATIVE_DAYS = {"今天": 0, "明天": 1, "后天": 2}
TYPED_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
NUMBER = re.compile(r"\d+(?:\.\d+)?")
LOOKBACK_DAYS = 7  # a date without a year more than this many days ago means next year


def fold(text: str) -> str:
    """Fold full-width digits and punctuation to ASCII (NFKC) and trim."""
    return unicodedata.normalize("NFKC", text).strip()


def _clock(hour: str, minute: str | None) -> time | None:
    """Return a time of day, or None when it is not one."""
    h, m = int(hour), int(minute or 0)
    return time(h, m) if 0 <= h <= 23 and 0 <= m <= 59 else None


def parse_local_time(text: str, now: datetime, tz: tzinfo) -> datetime | None:
    """Return the moment a typed local date and time names (aware, UTC), or None when it names none."""
    folded = fold(text)
    today = now.astimezone(tz).date()
    relative = RELATIVE_TIME.search(folded)
    if relative is not None:
        day = today + timedelta(days=RELATIVE_DAYS[relative.group(1)])
        at = _clock(relative.group(2), relative.group(3))
    else:
        match = TYPED_TIME.search(folded)
        if match is None:
            return None
        year, month, day_of_month, hour, minute = match.groups()
        try:
            day = date(int(year) if year else today.year, int(month), int(day_of_month))
        except ValueError:
            return None
        if not year and day < today - timedelta(days=LOOKBACK_DAYS):
            try:
                day = day.replace(year=day.year + 1)
            except ValueError:
                return None
        at = _clock(hour, minute)
    if at is None:
        return None
    return datetime.combine(day, at, tzinfo=tz).astimezone(now.tzinfo)


def _lone_number(text: str, units: tuple[str, ...] = ()) -> str | None:
    """Return the one number in a text (a unit word after it allowed), or None when there is none or more."""
    folded = fold(text).lower()
    for unit in units:
        folded = folded.removesuffix(unit).rstrip()
    match = NUMBER.search(folded)
    if match is None:
        return None
    rest = folded[: match.start()] + folded[match.end() :]
    return None if any(ch.isascii() and ch.isalnum() for ch in rest) else match.group()


def parse_hours(text: str) -> float | None:
    """Return a typed number of hours (2, 2.5, 2小时, 2 h), or None."""
    number = _lone_number(text, ("hours", "hour", "h"))
    return float(number) if number is not None and len(number) <= 9 else None


def parse_whole(text: str) -> int | None:
    """Return a typed whole number (maybe with a unit word after it, e.g. 5人), or None."""
    number = _lone_number(text)
    if number is None or "." in number or len(number) > 9:
        return None
    return int(number)


def parse_date(text: str) -> date | None:
    """Return a typed date (YYYY-MM-DD, YYYY年M月D日), or None."""
    match = TYPED_DATE.search(fold(text))
    if match is None:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None
