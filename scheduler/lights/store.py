"""The light sweep's reads and writes for one batch: due cases, lights already fired, and one statement per table for what a batch adds (executemany; on PostgreSQL, unnest arrays)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy import text as sql
from sqlalchemy.ext.asyncio import AsyncSession

from storage.cases.lifecycle import Role, Status
from storage.cases.supervision import ClockFacts, LightKind
from storage.models.cases import Case, CaseEvent, ExplanationTask, Light
from storage.models.chat import OutboxMessage
from storage.upsert import insert_for


@dataclass(slots=True)
class Due:
    """A case taken by this batch, with its facts."""

    id: int
    number: str
    text: str
    facts: ClockFacts
    unit_id: int | None
    assignee: int | None


@dataclass(slots=True)
class Lit:
    """A light due in this batch: its case, kind, when it fell due and, once inserted, its id."""

    case: Due
    kind: LightKind
    due_at: datetime
    id: int = 0


def in_order(candidates: Sequence[Lit], rows: Iterable[Any]) -> list[Lit]:
    """Return the candidates the database inserted (rows of case_id, kind, id), in candidate order, with their ids."""
    ids = {(r[0], r[1]): r[2] for r in rows}
    inserted = []
    for lit in candidates:
        light_id = ids.get((lit.case.id, lit.kind.value))
        if light_id is not None:
            lit.id = light_id
            inserted.append(lit)
    return inserted


class Store:
    """A batch's reads and writes, with SQLAlchemy statements that work on every backend."""

    def __init__(self, session: AsyncSession, now: datetime) -> None:
        self.session = session
        self.now = now
        self._events: list[dict[str, Any]] = []
        self._notices: list[dict[str, Any]] = []

    async def take_due(self, now: datetime, limit: int) -> list[Due]:
        """Lock and return up to LIMIT due cases, earliest first (PostgreSQL skips cases another sweep holds).

        Ordered by next_alert_at alone, so the index scan stops after LIMIT rows even when many cases
        share one due time (a tie-breaker on id would make it read and sort every due case per batch).
        """
        query = (
            select(*_DUE_COLUMNS)
            .where(Case.next_alert_at <= now)
            .order_by(Case.next_alert_at)
            .limit(limit)
            .with_for_update(skip_locked=True, of=Case)
        )
        return _due((await self.session.execute(query)).all())

    async def fired(self, cases: list[Due]) -> dict[int, set[LightKind]]:
        """Return the lights already fired in each case's current cycle."""
        cycles = {c.id: c.facts.cycle for c in cases}
        query = select(Light.case_id, Light.cycle, Light.kind).where(Light.case_id.in_(list(cycles)))
        return _by_case(cycles, (await self.session.execute(query)).all())

    async def insert_lights(self, lights: list[Lit], now: datetime) -> list[Lit]:
        """Insert lights, skipping any that exist; return those inserted, with their ids."""
        rows = [
            {"case_id": lit.case.id, "cycle": lit.case.facts.cycle, "kind": lit.kind.value, "unit_id": lit.case.unit_id,
             "assignee_person_id": lit.case.assignee, "due_at": lit.due_at, "fired_at": now}
            for lit in lights
        ]
        table = cast(Table, Light.__table__)
        stmt = insert_for(self.session, table).on_conflict_do_nothing(index_elements=["case_id", "cycle", "kind"])
        result = await self.session.execute(stmt.returning(table.c.case_id, table.c.kind, table.c.id), rows)
        return in_order(lights, result.all())

    async def insert_tasks(self, red: list[Lit], due: datetime | None, now: datetime) -> list[tuple[int, Due]]:
        """Create the explanation task of each new red light; return (task id, case)."""
        if not red:
            return []
        rows = [
            {"light_id": lit.id, "case_id": lit.case.id, "cycle": lit.case.facts.cycle, "unit_id": lit.case.unit_id,
             "due_at": due, "created_at": now}
            for lit in red
        ]
        table = cast(Table, ExplanationTask.__table__)
        stmt = insert_for(self.session, table).on_conflict_do_nothing(index_elements=["light_id"])
        result = await self.session.execute(stmt.returning(table.c.id, table.c.case_id), rows)
        by_id = {lit.case.id: lit.case for lit in red}
        return [(r.id, by_id[r.case_id]) for r in result.all()]

    def event(self, case_id: int, action: str, status: str, unit_id: int | None, note: str) -> None:
        """Add the case event that records a light (system actor, no unit move, no attachments)."""
        self._events.append({
            "case_id": case_id, "action": action, "actor_person_id": None, "actor_role": Role.SYSTEM.value,
            "from_status": status, "to_status": status, "from_unit_id": unit_id, "to_unit_id": unit_id,
            "note": note, "attachments": [], "created_at": self.now,
        })

    async def write_events(self, now: datetime) -> None:
        """Append the events added."""
        if self._events:
            await self.session.execute(cast(Table, CaseEvent.__table__).insert(), self._events)

    def notice(self, kind: str, payload: dict[str, Any], when: datetime, copies: list[tuple[str, int]]) -> None:
        """Add one message to several people: a kind, a payload, when to send, and (dedupe key, person) per copy."""
        self._notices.extend(
            {"dedupe_key": key, "channel": None, "chat_id": None, "person_id": person, "kind": kind,
             "payload": payload, "status": "pending", "attempts": 0, "next_attempt_at": when, "created_at": self.now}
            for key, person in copies
        )

    async def write_notices(self, now: datetime) -> int:
        """Queue the messages added, once per dedupe key; return how many were new."""
        if not self._notices:
            return 0
        table = cast(Table, OutboxMessage.__table__)
        stmt = insert_for(self.session, table).on_conflict_do_nothing(index_elements=["dedupe_key"])
        result = await self.session.execute(stmt.returning(table.c.id), self._notices)
        return len(result.all())

    async def set_next_alerts(self, rows: list[tuple[int, datetime | None]]) -> None:
        """Store each case's next alert."""
        table = cast(Table, Case.__table__)
        stmt = update(table).where(table.c.id == bindparam("b_id")).values(next_alert_at=bindparam("b_next"))
        await self.session.execute(stmt, [{"b_id": case_id, "b_next": at} for case_id, at in rows])


_DUE_COLUMNS = (
    Case.id, Case.number, Case.text, Case.status, Case.cycle, Case.department_code, Case.dispatched_at,
    Case.sign_deadline, Case.handle_deadline, Case.current_unit_id, Case.assignee_person_id,
)


def _due(rows: Iterable[Any]) -> list[Due]:
    """Return the due cases of rows of _DUE_COLUMNS."""
    status = {s.value: s for s in Status}
    return [
        Due(case_id, number, body, ClockFacts(status[state], cycle, code, dispatched, sign, handle), unit, assignee)
        for case_id, number, body, state, cycle, code, dispatched, sign, handle, unit, assignee in rows
    ]


def _by_case(cycles: dict[int, int], rows: Iterable[Any]) -> dict[int, set[LightKind]]:
    """Group fired lights (case_id, cycle, kind) by case, keeping each case's current cycle."""
    fired: dict[int, set[LightKind]] = {}
    for row in rows:
        if cycles[row.case_id] == row.cycle:
            fired.setdefault(row.case_id, set()).add(LightKind(row.kind))
    return fired


_PG_DUE = sql(
    "SELECT id, number, text, status, cycle, department_code, dispatched_at, sign_deadline, handle_deadline, "
    "current_unit_id, assignee_person_id FROM cases WHERE next_alert_at <= CAST(:now AS TIMESTAMPTZ) "
    "ORDER BY next_alert_at LIMIT :limit FOR UPDATE OF cases SKIP LOCKED"
)


_PG_FIRED = sql(
    "SELECT case_id, cycle, kind FROM lights WHERE case_id = ANY(CAST(:case_ids AS INTEGER[]))"
)


_PG_LIGHTS = sql(
    "INSERT INTO lights (case_id, cycle, kind, unit_id, assignee_person_id, due_at, fired_at) "
    "SELECT u.case_id, u.cycle, u.kind, u.unit_id, u.assignee, u.due_at, CAST(:now AS TIMESTAMPTZ) "
    "FROM unnest(CAST(:case_ids AS INTEGER[]), CAST(:cycles AS INTEGER[]), CAST(:kinds AS TEXT[]), "
    "CAST(:unit_ids AS INTEGER[]), CAST(:assignees AS INTEGER[]), CAST(:due_ats AS TIMESTAMPTZ[])) "
    "AS u(case_id, cycle, kind, unit_id, assignee, due_at) "
    "ON CONFLICT (case_id, cycle, kind) DO NOTHING RETURNING case_id, kind, id"
)


_PG_TASKS = sql(
    "INSERT INTO explanation_tasks (light_id, case_id, cycle, unit_id, due_at, created_at) "
    "SELECT u.light_id, u.case_id, u.cycle, u.unit_id, CAST(:due AS TIMESTAMPTZ), CAST(:now AS TIMESTAMPTZ) "
    "FROM unnest(CAST(:light_ids AS INTEGER[]), CAST(:case_ids AS INTEGER[]), CAST(:cycles AS INTEGER[]), "
    "CAST(:unit_ids AS INTEGER[])) AS u(light_id, case_id, cycle, unit_id) "
    "ON CONFLICT (light_id) DO NOTHING RETURNING id, case_id"
)


_PG_EVENTS = sql(
    "INSERT INTO case_events (case_id, action, actor_person_id, actor_role, from_status, to_status, "
    "from_unit_id, to_unit_id, note, attachments, created_at) "
    "SELECT u.case_id, u.action, NULL, CAST(:role AS TEXT), u.status, u.status, u.unit_id, u.unit_id, u.note, "
    "CAST('[]' AS JSON), CAST(:now AS TIMESTAMPTZ) "
    "FROM unnest(CAST(:case_ids AS INTEGER[]), CAST(:actions AS TEXT[]), CAST(:statuses AS TEXT[]), "
    "CAST(:unit_ids AS INTEGER[]), CAST(:notes AS TEXT[])) AS u(case_id, action, status, unit_id, note)"
)


# Each payload is sent once and joined to its copies by position (one payload per light, not per person).
_PG_OUTBOX = sql(
    "WITH n AS (SELECT * FROM unnest(CAST(:kinds AS TEXT[]), CAST(:payloads AS TEXT[]), "
    "CAST(:whens AS TIMESTAMPTZ[])) WITH ORDINALITY AS n(kind, payload, at, i)), "
    "c AS (SELECT * FROM unnest(CAST(:notice AS BIGINT[]), CAST(:keys AS TEXT[]), CAST(:people AS INTEGER[])) "
    "WITH ORDINALITY AS c(i, key, person, o)), "
    "ins AS (INSERT INTO outbox (dedupe_key, channel, chat_id, person_id, kind, payload, status, attempts, "
    "next_attempt_at, created_at) "
    "SELECT c.key, NULL, NULL, c.person, n.kind, CAST(n.payload AS JSON), 'pending', 0, n.at, CAST(:now AS TIMESTAMPTZ) "
    "FROM c JOIN n ON n.i = c.i ORDER BY c.o "
    "ON CONFLICT (dedupe_key) DO NOTHING RETURNING 1) "
    "SELECT count(*) FROM ins"
)


_PG_NEXT = sql(
    "UPDATE cases SET next_alert_at = u.next_alert_at "
    "FROM unnest(CAST(:case_ids AS INTEGER[]), CAST(:next_alerts AS TIMESTAMPTZ[])) AS u(id, next_alert_at) "
    "WHERE cases.id = u.id"
)


# Outbox payloads as compact UTF-8 JSON (a third smaller than json.dumps' default; the same when read back).
_COMPACT_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


@dataclass(slots=True)
class _EventColumns:
    """Light events, column by column (the arrays of _PG_EVENTS)."""

    case_ids: list[int] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    unit_ids: list[int | None] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, case_id: int, action: str, status: str, unit_id: int | None, note: str) -> None:
        """Add an event."""
        self.case_ids.append(case_id)
        self.actions.append(action)
        self.statuses.append(status)
        self.unit_ids.append(unit_id)
        self.notes.append(note)

    def params(self) -> dict[str, list[Any]]:
        """Return the statement's array parameters."""
        return {"case_ids": self.case_ids, "actions": self.actions, "statuses": self.statuses,
                "unit_ids": self.unit_ids, "notes": self.notes}


@dataclass(slots=True)
class _NoticeColumns:
    """Messages (kind, JSON payload, when) and their copies (message number, dedupe key, person): _PG_OUTBOX's arrays."""

    kinds: list[str] = field(default_factory=list)
    payloads: list[str] = field(default_factory=list)
    whens: list[datetime] = field(default_factory=list)
    notice: list[int] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    people: list[int] = field(default_factory=list)

    def params(self) -> dict[str, list[Any]]:
        """Return the statement's array parameters."""
        return {"kinds": self.kinds, "payloads": self.payloads, "whens": self.whens, "notice": self.notice,
                "keys": self.keys, "people": self.people}


class PostgresStore(Store):
    """The same reads and writes on PostgreSQL, one statement per table over arrays (unnest)."""

    def __init__(self, session: AsyncSession, now: datetime) -> None:
        super().__init__(session, now)
        self._event_columns = _EventColumns()
        self._notice_columns = _NoticeColumns()

    async def take_due(self, now: datetime, limit: int) -> list[Due]:
        """Lock and return up to LIMIT due cases, earliest first, skipping cases another sweep holds."""
        return _due((await self.session.execute(_PG_DUE, {"now": now, "limit": limit})).all())

    async def fired(self, cases: list[Due]) -> dict[int, set[LightKind]]:
        """Return the lights already fired in each case's current cycle."""
        cycles = {c.id: c.facts.cycle for c in cases}
        return _by_case(cycles, (await self.session.execute(_PG_FIRED, {"case_ids": list(cycles)})).all())

    async def insert_lights(self, lights: list[Lit], now: datetime) -> list[Lit]:
        """Insert lights, skipping any that exist; return those inserted, with their ids."""
        params = {
            "now": now,
            "case_ids": [lit.case.id for lit in lights],
            "cycles": [lit.case.facts.cycle for lit in lights],
            "kinds": [lit.kind.value for lit in lights],
            "unit_ids": [lit.case.unit_id for lit in lights],
            "assignees": [lit.case.assignee for lit in lights],
            "due_ats": [lit.due_at for lit in lights],
        }
        return in_order(lights, (await self.session.execute(_PG_LIGHTS, params)).all())

    async def insert_tasks(self, red: list[Lit], due: datetime | None, now: datetime) -> list[tuple[int, Due]]:
        """Create the explanation task of each new red light; return (task id, case)."""
        if not red:
            return []
        params = {
            "due": due,
            "now": now,
            "light_ids": [lit.id for lit in red],
            "case_ids": [lit.case.id for lit in red],
            "cycles": [lit.case.facts.cycle for lit in red],
            "unit_ids": [lit.case.unit_id for lit in red],
        }
        by_id = {lit.case.id: lit.case for lit in red}
        return [(r.id, by_id[r.case_id]) for r in (await self.session.execute(_PG_TASKS, params)).all()]

    def event(self, case_id: int, action: str, status: str, unit_id: int | None, note: str) -> None:
        """Add the case event that records a light (system actor, no unit move, no attachments)."""
        self._event_columns.add(case_id, action, status, unit_id, note)

    async def write_events(self, now: datetime) -> None:
        """Append the events added."""
        columns = self._event_columns
        if columns.case_ids:
            params = {"role": Role.SYSTEM.value, "now": now, **columns.params()}
            await self.session.execute(_PG_EVENTS, params)

    def notice(self, kind: str, payload: dict[str, Any], when: datetime, copies: list[tuple[str, int]]) -> None:
        """Add one message to several people; its payload is serialised once for all of them."""
        columns = self._notice_columns
        columns.kinds.append(kind)
        columns.payloads.append(_COMPACT_JSON.encode(payload))
        columns.whens.append(when)
        n = len(columns.kinds)
        for key, person in copies:
            columns.notice.append(n)
            columns.keys.append(key)
            columns.people.append(person)

    async def write_notices(self, now: datetime) -> int:
        """Queue the messages added, once per dedupe key; return how many were new."""
        columns = self._notice_columns
        if not columns.keys:
            return 0
        return int((await self.session.execute(_PG_OUTBOX, {"now": now, **columns.params()})).scalar_one())

    async def set_next_alerts(self, rows: list[tuple[int, datetime | None]]) -> None:
        """Store each case's next alert."""
        params = {"case_ids": [case_id for case_id, _ in rows], "next_alerts": [at for _, at in rows]}
        await self.session.execute(_PG_NEXT, params)
