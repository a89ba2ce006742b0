"""Warn loudly when the working-day calendar does not know the current or the coming year."""

from __future__ import annotations

import logging
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from scheduler.lights.recipients import admins, chosen_languages
from scheduler.texts import text
from storage.cases.supervision import calendar_overrides
from storage.cases.workclock import missing_calendar_years
from storage.repositories import OutboxRepository

log = logging.getLogger(__name__)


def years_to_check(now: datetime, tz: ZoneInfo, warn_days_ahead: int) -> list[int]:
    """Return this year and, within WARN_DAYS_AHEAD days of New Year, the next one."""
    today = now.astimezone(tz).date()
    years = [today.year]
    if (date(today.year + 1, 1, 1) - today).days <= warn_days_ahead:
        years.append(today.year + 1)
    return years


async def check_calendar(
    session_factory: async_sessionmaker[AsyncSession], tz: ZoneInfo, warn_days_ahead: int, language: str, now: datetime
) -> list[int]:
    """Log and tell every administrator (once per year and person, in their language; LANGUAGE: the district's) about unknown calendar years."""
    async with session_factory() as session, session.begin():
        overrides = await calendar_overrides(session)
        missing = missing_calendar_years(years_to_check(now, tz, warn_days_ahead), overrides)
        if not missing:
            return []
        people = await admins(session)
        chosen = await chosen_languages(session, set(people))
        outbox = OutboxRepository(session)
        for year in missing:
            log.warning(
                "WORKING-DAY CALENDAR DOES NOT KNOW %d: lights count Monday to Friday for it; "
                "upgrade chinesecalendar or fill calendar_overrides (%d administrators told)",
                year,
                len(people),
            )
            for person in people:
                body = text(chosen.get(person, language), "calendar_missing", year=year)
                payload: dict[str, object] = {"text": body, "buttons": [], "image": None, "meta": {"calendar_year": year}}
                if person in chosen:
                    payload["language"] = chosen[person]
                await outbox.enqueue(f"calendar-missing:{year}:p{person}", "calendar_missing", payload, now, person_id=person)
    return missing
