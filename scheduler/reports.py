"""Pushed reports: the weekly and monthly report to every leader, once per leader and period.

District leaders get the district's report, a leader bound to a street (or a community) gets that
unit's. Each push goes through the outbox with the key report:KIND:PERIOD:pPERSON, so running a
job twice, or in several processes, still sends one report per leader and period.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.messages import Outbound
from handlers.pushes import push_to_person
from handlers.reports.build import Keywords, build_report
from handlers.reports.chart import render_chart
from handlers.reports.settings import ReportsSection, reports_of
from handlers.reports.text import push_text
from nlp.hotspots import load_keyword_tokenizer
from nlp.settings import NlpSettings
from scheduler.settings import SettingsLike
from scheduler.wiring import JobDeps
from storage.clock import parse_clock_time
from storage.models.chat import OutboxMessage
from storage.models.people import RoleBinding, Unit
from storage.stats.period import Period, last_complete
from storage.uow import UnitOfWork

LEADER_ROLE = "leader"
SCOPED_KINDS = ("street", "community")
REPORT_KIND = "report"


@dataclass(frozen=True)
class Audience:
    """The leaders who get one unit's report (unit None: the district's)."""

    unit_code: str | None
    people: tuple[int, ...]


def report_key(kind: str, period: Period, person_id: int) -> str:
    """Return the outbox key of one leader's report, e.g. report:week:2026-W47:p12."""
    return f"report:{kind}:{period.key}:p{person_id}"


async def audiences(session: AsyncSession) -> list[Audience]:
    """Return the leaders grouped by the report they get."""
    query = (
        select(RoleBinding.person_id, Unit.kind, Unit.code)
        .join(Unit, Unit.id == RoleBinding.unit_id)
        .where(RoleBinding.role == LEADER_ROLE)
        .order_by(RoleBinding.id)
    )
    groups: dict[str | None, list[int]] = defaultdict(list)
    for person_id, kind, code in (await session.execute(query)).all():
        scope = code if kind in SCOPED_KINDS else None
        if person_id not in groups[scope]:
            groups[scope].append(person_id)
    return [Audience(code, tuple(people)) for code, people in groups.items()]


async def already_queued(session: AsyncSession, keys: list[str]) -> set[str]:
    """Return which of the keys are in the outbox already."""
    found = await session.scalars(select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(keys)))
    return set(found.all())


def nlp_settings_of(settings: object) -> NlpSettings:
    """Return the configured routing settings (for the tokenizer), or the packaged defaults."""
    method = getattr(settings, "nlp_settings", None)
    found = method() if callable(method) else None
    return found if isinstance(found, NlpSettings) else NlpSettings()


async def load_keywords(settings: object) -> Keywords:
    """Load the project's jieba tokenizer and stop words off the event loop."""
    tokenizer, stopwords = await asyncio.to_thread(load_keyword_tokenizer, nlp_settings_of(settings))
    return Keywords(tokenizer, stopwords)


def chart_path(section: ReportsSection, kind: str, period: Period, unit_code: str | None) -> Path:
    """Return where a report's chart is written."""
    return (section.path / f"{kind}-{period.key}-{unit_code or 'district'}.png").resolve()


async def push_reports(deps: JobDeps, now: datetime, kind: str) -> str:
    """Push the last complete KIND (week or month) report to every leader who has not had it."""
    section = reports_of(deps.settings)
    period = last_complete(kind, now, deps.settings.tz)
    # Reads go to the read sessions (on SQLite their own connection, off the loop and the write
    # lock); only the outbox rows are written, each audience's in one short transaction.
    async with deps.reads() as session:
        groups = await audiences(session)
        keys = [report_key(kind, period, p) for g in groups for p in g.people]
        done = await already_queued(session, keys) if keys else set()
    pending = [g for g in groups if any(report_key(kind, period, p) not in done for p in g.people)]
    if not pending:
        return f"{kind} {period.key}: {len(keys)} leaders, nothing to send"
    keywords = await load_keywords(deps.settings)
    sent = 0
    for group in pending:
        chart = chart_path(section, kind, period, group.unit_code)
        message = await report_message(deps, period, group.unit_code, now=now, keywords=keywords, chart=chart)
        keyed = {person: report_key(kind, period, person) for person in group.people}
        sent += await queue_report(deps, message, keyed, now)
    return f"{kind} {period.key}: {sent} reports queued for {len(keys)} leaders"


async def report_message(
    deps: JobDeps, period: Period, unit_code: str | None, *, now: datetime, keywords: Keywords, chart: Path
) -> Outbound:
    """Build one unit's report on a read session, and render its text and its chart (to CHART)."""
    section, tz = reports_of(deps.settings), deps.settings.tz
    async with deps.reads() as session:
        report = await build_report(
            session,
            period,
            unit_code=unit_code,
            tz=tz,
            now=now,
            settings=section,
            keywords=keywords,
            language=deps.settings.app.language,
        )
    image = await asyncio.to_thread(render_chart, report, chart)
    return Outbound(text=push_text(report, tz, section.min_volume), image=str(image))


async def queue_report(deps: JobDeps, message: Outbound, keys: dict[int, str], now: datetime) -> int:
    """Queue the message to each person under their key, in one write transaction; return how many were new."""
    sent = 0
    async with UnitOfWork(deps.session_factory) as uow:
        for person, key in keys.items():
            sent += await push_to_person(uow, person, message, key, now, kind=REPORT_KIND)
        await uow.commit()
    return sent


async def weekly_report(deps: JobDeps, now: datetime) -> str:
    """Push last week's report to every leader once (Monday morning)."""
    if not reports_of(deps.settings).weekly:
        return "weekly reports are off ([reports] weekly = false)"
    return await push_reports(deps, now, "week")


async def monthly_report(deps: JobDeps, now: datetime) -> str:
    """Push last month's report to every leader once (on the 1st)."""
    if not reports_of(deps.settings).monthly:
        return "monthly reports are off ([reports] monthly = false)"
    return await push_reports(deps, now, "month")



def _send_time(settings: SettingsLike) -> tuple[int, int]:
    """Return the configured local hour and minute reports go out."""
    at = parse_clock_time(reports_of(settings).send_at)
    return (at.hour, at.minute) if at else (8, 0)


def weekly_trigger(settings: SettingsLike) -> BaseTrigger:
    """Return the weekly report's trigger: Mondays at [reports] send_at, local time."""
    hour, minute = _send_time(settings)
    return CronTrigger(day_of_week="mon", hour=hour, minute=minute, timezone=settings.tz)


def monthly_trigger(settings: SettingsLike) -> BaseTrigger:
    """Return the monthly report's trigger: the 1st at [reports] send_at, local time."""
    hour, minute = _send_time(settings)
    return CronTrigger(day=1, hour=hour, minute=minute, timezone=settings.tz)
