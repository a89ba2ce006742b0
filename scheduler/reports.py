"""Pushed reports: the weekly and monthly report to every leader, once per leader and period; and the
reports leaders ask for in chat, answered within seconds.

District leaders get the district's report, a leader bound to a street (or a community) gets that
unit's. Each push goes through the outbox with the key report:KIND:PERIOD:pPERSON (a requested one
report:request:ID:pPERSON), so running a job twice, or in several processes, still sends each once.
The report itself is built by handlers.reports.leader, the same for the push and the request.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.pushes import push_to_person
from handlers.reports.build import Keywords
from handlers.reports.leader import ReportMessage, load_keywords, report_message, report_scope
from handlers.reports.settings import reports_of
from scheduler.lights.recipients import chosen_languages
from scheduler.settings import SettingsLike
from scheduler.wiring import JobDeps
from storage.clock import parse_clock_time
from storage.models.chat import OutboxMessage
from storage.models.people import RoleBinding, Unit
from storage.models.reports import ReportRequest
from storage.stats.period import Period, last_complete, parse_period
from storage.uow import UnitOfWork

LEADER_ROLE = "leader"
SCOPED_KINDS = ("street", "community")
REPORT_KIND = "report"
REQUEST_BATCH = 20


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


def by_language(people: tuple[int, ...], chosen: dict[int, str], district: str) -> dict[str, list[int]]:
    """Group people by the language their report is written in (the district's for those who chose none)."""
    groups: dict[str, list[int]] = defaultdict(list)
    for person in people:
        groups[chosen.get(person, district)].append(person)
    return dict(groups)


async def push_reports(deps: JobDeps, now: datetime, kind: str) -> str:
    """Push the last complete KIND (week or month) report to every leader who has not had it, in their language."""
    period = last_complete(kind, now, deps.settings.tz)
    # Reads go to the read sessions (on SQLite their own connection, off the loop and the write
    # lock); only the outbox rows are written, each audience's in one short transaction.
    async with deps.reads() as session:
        groups = await audiences(session)
        keys = [report_key(kind, period, p) for g in groups for p in g.people]
        done = await already_queued(session, keys) if keys else set()
        chosen = await chosen_languages(session, {p for g in groups for p in g.people})
    pending = [
        (group.unit_code, language, people)
        for group in groups
        for language, people in by_language(group.people, chosen, deps.settings.app.language).items()
        if any(report_key(kind, period, p) not in done for p in people)
    ]
    if not pending:
        return f"{kind} {period.key}: {len(keys)} leaders, nothing to send"
    keywords = await load_keywords(deps.settings)
    sent = 0
    for unit_code, language, people in pending:
        message = await _message(deps, period, unit_code, now=now, keywords=keywords, language=language)
        keyed = {person: report_key(kind, period, person) for person in people}
        sent += await queue_report(deps, message, keyed, now)
    return f"{kind} {period.key}: {sent} reports queued for {len(keys)} leaders"


async def _message(deps: JobDeps, period: Period, unit_code: str | None, *, now: datetime, keywords: Keywords, language: str) -> ReportMessage:
    """Build one unit's report message in LANGUAGE, and its chart, on a read session."""
    section = reports_of(deps.settings)
    async with deps.reads() as session:
        return await report_message(
            session,
            period,
            unit_code,
            now=now,
            tz=deps.settings.tz,
            section=section,
            language=language,
            keywords=keywords,
        )


async def requested_reports(deps: JobDeps, now: datetime) -> str:
    """Answer the reports leaders asked for in chat (本周报告 / 本月报告): this week or month, to date."""
    async with deps.reads() as session:
        query = select(ReportRequest).where(ReportRequest.done_at.is_(None)).order_by(ReportRequest.id).limit(REQUEST_BATCH)
        requests = list((await session.scalars(query)).all())
        scopes = {r.person_id: await report_scope(session, r.person_id) for r in requests}
        chosen = await chosen_languages(session, set(scopes))
    if not requests:
        return "no reports asked for"
    keywords = await load_keywords(deps.settings)
    sent = 0
    for request in requests:
        allowed, unit_code = scopes[request.person_id]
        message = None
        if allowed:
            period = parse_period(request.kind, now, deps.settings.tz)
            language = chosen.get(request.person_id, deps.settings.app.language)
            message = await _message(deps, period, unit_code, now=now, keywords=keywords, language=language)
        sent += await _answer(deps, request, message, now)
    return f"{sent} asked-for reports queued"


async def _answer(deps: JobDeps, request: ReportRequest, message: ReportMessage | None, now: datetime) -> int:
    """Queue the report and its chart (none when the person may no longer have one) and mark the request done, together."""
    async with UnitOfWork(deps.session_factory) as uow:
        done = await uow.session.execute(
            update(ReportRequest)
            .where(ReportRequest.id == request.id, ReportRequest.done_at.is_(None))
            .values(done_at=now, outcome="queued" if message else "not a leader any more")
        )
        sent = 0
        if getattr(done, "rowcount", 0) == 1 and message is not None:
            shown = await message.stored(uow.session, now)
            sent = int(await push_to_person(uow, request.person_id, shown, f"report:request:{request.id}:p{request.person_id}", now, kind=REPORT_KIND))
        await uow.commit()
    return sent


async def queue_report(deps: JobDeps, message: ReportMessage, keys: dict[int, str], now: datetime) -> int:
    """Keep the chart and queue the message to each person under their key, in one write transaction; return how many were new."""
    sent = 0
    async with UnitOfWork(deps.session_factory) as uow:
        shown = await message.stored(uow.session, now)
        for person, key in keys.items():
            sent += await push_to_person(uow, person, shown, key, now, kind=REPORT_KIND)
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
