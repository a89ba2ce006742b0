"""The red/yellow-light sweep: fire every due light once, record it, and queue its nudges.

Cost grows with the number of cases due, not the number open: due cases are found through the
index on `cases.next_alert_at`, in batches, each batch one transaction. A light fires once per
case and cycle because its row in `lights` has a unique key (case_id, cycle, kind): the insert
is ON CONFLICT DO NOTHING RETURNING, and only the lights this transaction actually inserted get
an event, nudges (outbox rows with natural dedupe keys) and, for red, an explanation task. Two
sweeps at once cannot both win an insert; on PostgreSQL they also skip each other's locked
cases. After downtime the next sweep finds everything that fell due meanwhile, once.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.codec import ButtonData
from handlers.buttons import ExplainTask, StaffCard
from scheduler.quiet import send_at
from scheduler.recipients import Directory, load_directory, unique
from scheduler.texts import summary, text
from storage.lifecycle import Role, Status
from storage.models import Case, CaseEvent, ExplanationTask, Light, OutboxMessage
from storage.supervision import ClockFacts, LightKind, Supervision, due_lights, next_alert_at
from storage.upsert import insert_for

log = logging.getLogger(__name__)
MAX_BATCHES = 10_000  # a guard: each batch advances every case it takes, so this is never reached


@dataclass(frozen=True)
class SweepSettings:
    """How a sweep behaves: batch size, local time zone, language, explanations, quiet hours."""

    tz: ZoneInfo
    language: str = "zh"
    batch: int = 1000
    explanation_hours: float = 24.0
    quiet_start: time = time(22, 0)
    quiet_end: time = time(7, 0)


@dataclass
class SweepResult:
    """What one sweep did."""

    cases: int = 0
    lights: Counter[str] = field(default_factory=Counter)
    messages: int = 0

    def add(self, other: SweepResult) -> None:
        """Add another batch's figures to these."""
        self.cases += other.cases
        self.lights.update(other.lights)
        self.messages += other.messages

    def describe(self) -> str:
        """Return a one-line summary."""
        lights = ", ".join(f"{k} {v}" for k, v in sorted(self.lights.items())) or "no lights"
        return f"{self.cases} due cases: {lights}; {self.messages} messages queued"


@dataclass(frozen=True)
class _Due:
    """A case taken by this batch, with its facts."""

    id: int
    number: str
    text: str
    facts: ClockFacts
    unit_id: int | None
    assignee: int | None


async def sweep_lights(
    session_factory: async_sessionmaker[AsyncSession], supervision: Supervision, settings: SweepSettings, now: datetime
) -> SweepResult:
    """Fire every light due at NOW, batch by batch, until no case is due."""
    total = SweepResult()
    for _ in range(MAX_BATCHES):
        async with session_factory() as session, session.begin():
            result = await _sweep_batch(session, supervision, settings, now)
        total.add(result)
        if result.cases < settings.batch:
            break
    if total.cases:
        log.info("light sweep at %s: %s", now.isoformat(), total.describe())
    return total


async def _take_due(session: AsyncSession, now: datetime, limit: int) -> list[_Due]:
    """Lock and return up to LIMIT due cases (PostgreSQL skips cases another sweep holds)."""
    query = (
        select(
            Case.id, Case.number, Case.text, Case.status, Case.cycle, Case.department_code, Case.dispatched_at,
            Case.sign_deadline, Case.handle_deadline, Case.current_unit_id, Case.assignee_person_id,
        )
        .where(Case.next_alert_at <= now)
        .order_by(Case.next_alert_at, Case.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=Case)
    )
    rows = (await session.execute(query)).all()
    return [
        _Due(
            id=r.id, number=r.number, text=r.text, unit_id=r.current_unit_id, assignee=r.assignee_person_id,
            facts=ClockFacts(
                status=Status(r.status), cycle=r.cycle, department_code=r.department_code,
                dispatched_at=r.dispatched_at, sign_deadline=r.sign_deadline, handle_deadline=r.handle_deadline,
            ),
        )
        for r in rows
    ]


async def _fired(session: AsyncSession, cases: list[_Due]) -> dict[int, set[LightKind]]:
    """Return the lights already fired in each case's current cycle."""
    cycles = {c.id: c.facts.cycle for c in cases}
    query = select(Light.case_id, Light.cycle, Light.kind).where(Light.case_id.in_(list(cycles)))
    fired: dict[int, set[LightKind]] = {}
    for row in (await session.execute(query)).all():
        if cycles[row.case_id] == row.cycle:
            fired.setdefault(row.case_id, set()).add(LightKind(row.kind))
    return fired


async def _sweep_batch(
    session: AsyncSession, supervision: Supervision, settings: SweepSettings, now: datetime
) -> SweepResult:
    """Handle one batch of due cases inside the caller's transaction."""
    cases = await _take_due(session, now, settings.batch)
    if not cases:
        return SweepResult()
    fired = await _fired(session, cases)
    light_rows: list[dict[str, Any]] = []
    next_rows: list[dict[str, Any]] = []
    for case in cases:
        hours = supervision.hours(case.facts)
        done = fired.get(case.id, set())
        due = due_lights(case.facts, now, hours, supervision.clock, done)
        light_rows.extend(
            {"case_id": case.id, "cycle": case.facts.cycle, "kind": kind.value, "unit_id": case.unit_id,
             "assignee_person_id": case.assignee, "due_at": at, "fired_at": now}
            for kind, at in due
        )
        after = done | {kind for kind, _ in due}
        next_rows.append({"b_id": case.id, "b_next": next_alert_at(case.facts, hours, supervision.clock, after)})
    inserted = await _insert_lights(session, light_rows)
    result = SweepResult(cases=len(cases), lights=Counter(kind for _, kind, _ in inserted))
    if inserted:
        result.messages = await _announce(session, supervision, settings, now, cases=cases, inserted=inserted)
    table = cast(Table, Case.__table__)
    stmt = update(table).where(table.c.id == bindparam("b_id")).values(next_alert_at=bindparam("b_next"))
    await session.execute(stmt, next_rows)
    return result


async def _insert_lights(session: AsyncSession, rows: list[dict[str, Any]]) -> list[tuple[int, str, int]]:
    """Insert lights, skipping any that exist; return (case_id, kind, light id) of those inserted."""
    if not rows:
        return []
    table = cast(Table, Light.__table__)
    stmt = insert_for(session, table).on_conflict_do_nothing(index_elements=["case_id", "cycle", "kind"])
    result = await session.execute(stmt.returning(table.c.case_id, table.c.kind, table.c.id), rows)
    return [(r.case_id, r.kind, r.id) for r in result.all()]


async def _announce(
    session: AsyncSession,
    supervision: Supervision,
    settings: SweepSettings,
    now: datetime,
    *,
    cases: list[_Due],
    inserted: list[tuple[int, str, int]],
) -> int:
    """Write each new light's case event, nudges and (for red) explanation task and request."""
    by_id = {c.id: c for c in cases}
    red = [(by_id[case_id], light_id) for case_id, kind, light_id in inserted if kind == LightKind.RED]
    directory = await load_directory(
        session, {c.unit_id for c in cases if c.unit_id is not None}, with_command_center=bool(red)
    )
    explain_due = {case.id: supervision.clock.add(now, settings.explanation_hours) for case, _ in red}
    events: list[dict[str, Any]] = []
    messages: list[dict[str, Any]] = []
    for case_id, kind_name, _ in inserted:
        case, kind = by_id[case_id], LightKind(kind_name)
        params = _params(case, settings, explain_due.get(case_id))
        events.append(_event_row(case, kind, params, settings, now))
        for person in _recipients(directory, case, kind):
            messages.append(_nudge_row(case, kind, person, params, settings=settings, now=now))
    tasks = await _explanation_tasks(session, red, explain_due, now)
    for task_id, case in tasks:
        params = _params(case, settings, explain_due[case.id])
        unit = directory.units.get(case.unit_id) if case.unit_id is not None else None
        for person in unique([*directory.staff_of(case.unit_id), unit.head_person_id if unit else None]):
            messages.append(_explanation_row(task_id, case, person, params, settings=settings, now=now))
    await session.execute(cast(Table, CaseEvent.__table__).insert(), events)
    return await _enqueue(session, messages)


def _params(case: _Due, settings: SweepSettings, explain_due: datetime | None) -> dict[str, str]:
    """Return the values a notice about a case is filled in with."""

    def local(at: datetime | None) -> str:
        return at.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M") if at else "—"

    return {
        "number": case.number,
        "summary": summary(case.text),
        "due": local(case.facts.sign_deadline),
        "deadline": local(case.facts.handle_deadline),
        "explain_due": local(explain_due),
    }


def _recipients(directory: Directory, case: _Due, kind: LightKind) -> list[int]:
    """Return who a light is told to."""
    head = directory.head_for(case.unit_id)
    if kind is LightKind.SIGN_OVERDUE:
        return unique([*directory.staff_of(case.unit_id), head])
    doers = [case.assignee] if case.assignee is not None else directory.staff_of(case.unit_id)
    if kind is LightKind.YELLOW:
        return unique([*doers, head])
    return unique([*doers, head, *directory.command_center])


def _event_row(case: _Due, kind: LightKind, params: dict[str, str], settings: SweepSettings, now: datetime) -> dict[str, Any]:
    """Return the case event that records a light."""
    status = case.facts.status.value
    return {
        "case_id": case.id, "action": f"light_{kind.value}", "actor_person_id": None, "actor_role": Role.SYSTEM.value,
        "from_status": status, "to_status": status, "from_unit_id": case.unit_id, "to_unit_id": case.unit_id,
        "note": text(settings.language, f"event_{kind.value}", **params), "attachments": [], "created_at": now,
    }


def _outbox_row(
    key: str,
    kind: str,
    person: int,
    body: str,
    *,
    meta: dict[str, Any],
    template: dict[str, Any],
    when: datetime,
    now: datetime,
    button: tuple[str, ButtonData] | None = None,
) -> dict[str, Any]:
    """Return an outbox row for a person (delivered on their most recently used channel)."""
    buttons = [{"label": button[0], "payload": button[1].pack()}] if button else []
    payload: dict[str, Any] = {"text": body, "buttons": buttons, "image": None, "meta": meta, "template": template}
    return {
        "dedupe_key": key, "channel": None, "chat_id": None, "person_id": person, "kind": kind, "payload": payload,
        "status": "pending", "attempts": 0, "next_attempt_at": when, "created_at": now,
    }


def _nudge_row(
    case: _Due, kind: LightKind, person: int, params: dict[str, str], *, settings: SweepSettings, now: datetime
) -> dict[str, Any]:
    """Return the nudge about a light for one person; only red ignores quiet hours."""
    when = send_at(now, settings.tz, settings.quiet_start, settings.quiet_end, urgent=kind is LightKind.RED)
    meta = {"case_id": case.id, "cycle": case.facts.cycle, "light": kind.value}
    template = {"id": "case_light", "data": {"number": case.number, "light": kind.value, **params}}
    key = f"light:{case.id}:{case.facts.cycle}:{kind.value}:p{person}"
    body = text(settings.language, kind.value, **params)
    card = (text(settings.language, "open_card"), StaffCard(case.id))
    return _outbox_row(key, f"light_{kind.value}", person, body, meta=meta, template=template, when=when, now=now, button=card)


def _explanation_row(
    task_id: int, case: _Due, person: int, params: dict[str, str], *, settings: SweepSettings, now: datetime
) -> dict[str, Any]:
    """Return the request for a written explanation, sent at once."""
    meta = {"case_id": case.id, "explanation_task_id": task_id}
    request_params = {**params, "due": params["explain_due"]}
    template = {"id": "explanation_request", "data": {"number": case.number, "due": params["explain_due"]}}
    body = text(settings.language, "explanation_request", **request_params)
    submit = (text(settings.language, "explanation_button"), ExplainTask(task_id))
    return _outbox_row(
        f"explain:{task_id}:p{person}",
        "explanation_request",
        person,
        body,
        meta=meta,
        template=template,
        when=now,
        now=now,
        button=submit,
    )


async def _explanation_tasks(
    session: AsyncSession, red: list[tuple[_Due, int]], due: dict[int, datetime], now: datetime
) -> list[tuple[int, _Due]]:
    """Create the explanation task of each new red light; return (task id, case)."""
    rows = [
        {"light_id": light_id, "case_id": case.id, "cycle": case.facts.cycle, "unit_id": case.unit_id,
         "due_at": due[case.id], "created_at": now}
        for case, light_id in red
        if case.unit_id is not None
    ]
    if not rows:
        return []
    table = cast(Table, ExplanationTask.__table__)
    stmt = insert_for(session, table).on_conflict_do_nothing(index_elements=["light_id"])
    result = await session.execute(stmt.returning(table.c.id, table.c.case_id), rows)
    by_id = {case.id: case for case, _ in red}
    return [(r.id, by_id[r.case_id]) for r in result.all()]


async def _enqueue(session: AsyncSession, rows: list[dict[str, Any]]) -> int:
    """Queue outbox rows once per dedupe key; return how many were new."""
    if not rows:
        return 0
    table = cast(Table, OutboxMessage.__table__)
    stmt = insert_for(session, table).on_conflict_do_nothing(index_elements=["dedupe_key"])
    result = await session.execute(stmt.returning(table.c.id), rows)
    return len(result.all())
