"""The red/yellow-light sweep: fire every due light once, record it, and queue its nudges.

Cost grows with the number of cases due, not the number open: due cases are found through the
index on `cases.next_alert_at`, in batches, each batch one transaction. A light fires once per
case and cycle because its row in `lights` has a unique key (case_id, cycle, kind): the insert
is ON CONFLICT DO NOTHING RETURNING, and only the lights this transaction actually inserted get
an event, nudges (outbox rows with natural dedupe keys) and, for red, an explanation task. Two
sweeps at once cannot both win an insert; on PostgreSQL they also skip each other's locked
cases. After downtime the next sweep finds everything that fell due meanwhile, once.

Performance. A batch's rows are worked out once in Python (texts once per case, payloads once per
light, recipients once per unit, assignee and kind; button payloads without ButtonData.pack(),
which re-reads type hints per call) and written with one statement per table: on PostgreSQL
`INSERT … SELECT FROM unnest(arrays) ON CONFLICT DO NOTHING RETURNING …` and one
`UPDATE … FROM unnest(…)` for next_alert_at (`_PostgresStore`), on SQLite SQLAlchemy executemany
(`_Store`). On PostgreSQL two batches run at once (`SweepSettings.workers`). One sweep over
1,000,000 open cases of which 10,000 fall yellow-due (batch 1,000; 10,000 lights, 10,000 events,
20,000 outbox rows), PostgreSQL 15 and SQLite on one 2-CPU host:

    .venv/bin/python bench/sweep_bench.py --url postgresql+asyncpg://postgres@127.0.0.1:5432/postgres --open 1000000
    .venv/bin/python bench/sweep_bench.py --url sqlite --open 1000000

PostgreSQL 0.87 s (median of 0.86, 0.87, 0.93; 1.19 s with --workers 1; 3.33 s before), SQLite
1.3-1.5 s (2.0 s before). What remains on PostgreSQL is mostly the server's own work: the
non-HOT update of 10,000 cases (eight indexes), index and foreign-key checks of the inserts, and
commits. Profile with --profile FILE (cProfile).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy import text as sql
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.buttons import ExplainTask, StaffCard
from handlers.codec import SEPARATOR, ButtonData
from handlers.texts import texts_for
from scheduler.lights.quiet import send_at
from scheduler.lights.recipients import Directory, load_directory, unique
from scheduler.texts import summary
from storage.cases.lifecycle import Role, Status
from storage.cases.supervision import ClockFacts, LightKind, Supervision, due_and_next
from storage.cases.workclock import HoursLike
from storage.models.cases import Case, CaseEvent, ExplanationTask, Light
from storage.models.chat import OutboxMessage
from storage.upsert import insert_for

log = logging.getLogger(__name__)
MAX_BATCHES = 10_000  # a guard: each batch advances every case it takes, so this is never reached
# SQLite runs in the event loop's thread: a batch holds the loop while it runs (~25 ms for 200 cases),
# and waiting chats go between batches.
SQLITE_BATCH = 200
_NONE_FIRED: frozenset[LightKind] = frozenset()


@dataclass(frozen=True)
class SweepSettings:
    """How a sweep behaves: batch size, local time zone, language, explanations, quiet hours."""

    tz: ZoneInfo
    language: str = "zh"
    batch: int = 1000
    explanation_hours: float = 24.0
    quiet_start: time = time(22, 0)
    quiet_end: time = time(7, 0)
    workers: int = 2


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


@dataclass(slots=True)
class _Due:
    """A case taken by this batch, with its facts."""

    id: int
    number: str
    text: str
    facts: ClockFacts
    unit_id: int | None
    assignee: int | None


@dataclass(slots=True)
class _Lit:
    """A light due in this batch: its case, kind, when it fell due and, once inserted, its id."""

    case: _Due
    kind: LightKind
    due_at: datetime
    id: int = 0


def _id_button_prefix(sample: ButtonData) -> str:
    """Return the packed prefix of a one-integer payload type (e.g. "sc:"), checked against the codec.

    ButtonData.pack() re-reads the type hints on every call (~30 µs); a sweep packs one button per
    light, so it packs database ids (whole numbers ≥ 0, always valid) as prefix + str(id).
    """
    values = dataclasses.astuple(sample)
    packed = sample.pack()
    prefix = f"{sample.prefix}{SEPARATOR}"
    if values != (1,) or packed != f"{prefix}1":
        raise TypeError(f"{type(sample).__name__} is not a one-integer payload packed as {prefix}<id>")
    return prefix


_CARD = _id_button_prefix(StaffCard(1))
_EXPLAIN = _id_button_prefix(ExplainTask(1))


async def sweep_lights(
    session_factory: async_sessionmaker[AsyncSession], supervision: Supervision, settings: SweepSettings, now: datetime
) -> SweepResult:
    """Fire every light due at NOW, batch by batch, until no case is due.

    On PostgreSQL `settings.workers` batches run at once, each in its own transaction on its own
    connection (they skip each other's locked cases), so one batch's statements overlap another's
    Python work; SQLite has one writer, so there batches run one after another.
    """
    bind = session_factory.kw.get("bind")
    workers = settings.workers if bind is not None and bind.dialect.name == "postgresql" else 1
    if bind is not None and bind.dialect.name == "sqlite" and settings.batch > SQLITE_BATCH:
        settings = dataclasses.replace(settings, batch=SQLITE_BATCH)
    total = SweepResult()
    for result in await asyncio.gather(*(_work(session_factory, supervision, settings, now) for _ in range(max(workers, 1)))):
        total.add(result)
    if total.cases:
        log.info("light sweep at %s: %s", now.isoformat(), total.describe())
    return total


async def _work(
    session_factory: async_sessionmaker[AsyncSession], supervision: Supervision, settings: SweepSettings, now: datetime
) -> SweepResult:
    """Sweep batch after batch until a batch comes up short (nothing more is due that nobody holds)."""
    total = SweepResult()
    for _ in range(MAX_BATCHES):
        async with session_factory() as session, session.begin():
            result = await _sweep_batch(session, supervision, settings, now)
        total.add(result)
        if result.cases < settings.batch:
            break
        await asyncio.sleep(0)  # chats waiting for the database go between batches (SQLite runs in the loop)
    return total


async def _sweep_batch(
    session: AsyncSession, supervision: Supervision, settings: SweepSettings, now: datetime
) -> SweepResult:
    """Handle one batch of due cases inside the caller's transaction."""
    store = _PostgresStore(session, now) if session.get_bind().dialect.name == "postgresql" else _Store(session, now)
    cases = await store.take_due(now, settings.batch)
    if not cases:
        return SweepResult()
    fired = await store.fired(cases)
    hours_by_code: dict[str | None, HoursLike] = {}
    candidates: list[_Lit] = []
    next_alerts: list[tuple[int, datetime | None]] = []
    for case in cases:
        code = case.facts.department_code
        hours = hours_by_code.get(code)
        if hours is None:
            hours = hours_by_code[code] = supervision.hours(case.facts)
        due, later = due_and_next(case.facts, now, hours, supervision.clock, fired.get(case.id, _NONE_FIRED))
        for kind, at in due:
            candidates.append(_Lit(case, kind, at))
        next_alerts.append((case.id, later))
    inserted = await store.insert_lights(candidates, now) if candidates else []
    result = SweepResult(cases=len(cases), lights=Counter(lit.kind.value for lit in inserted))
    if inserted:
        result.messages = await _announce(session, store, supervision, settings, now, inserted=inserted)
    await store.set_next_alerts(next_alerts)
    return result


class _Words:
    """A batch's wording: texts filled once per case, local times formatted once per moment."""

    def __init__(self, settings: SweepSettings, explain_due: datetime | None) -> None:
        self.templates = texts_for(settings.language).catalogue
        self.tz = settings.tz
        self.explain_due = explain_due
        self.open_card = self.text("open_card", {})
        self.explain_button = self.text("explanation_button", {})
        self._local: dict[datetime | None, str] = {None: "—"}
        self._params: dict[int, dict[str, str]] = {}

    def local(self, at: datetime | None) -> str:
        """Return a moment in local time, as the notices show it."""
        shown = self._local.get(at)
        if shown is None:
            assert at is not None
            shown = self._local[at] = at.astimezone(self.tz).strftime("%Y-%m-%d %H:%M")
        return shown

    def params(self, case: _Due, explained: bool) -> dict[str, str]:
        """Return the values a notice about a case is filled in with (the same for all its lights)."""
        params = self._params.get(case.id)
        if params is None:
            params = self._params[case.id] = {
                "number": case.number,
                "summary": summary(case.text),
                "due": self.local(case.facts.sign_deadline),
                "deadline": self.local(case.facts.handle_deadline),
                "explain_due": self.local(self.explain_due if explained else None),
            }
        return params

    def text(self, key: str, params: dict[str, str]) -> str:
        """Return a [scheduler] text filled in (scheduler.texts.text, without copying PARAMS per call)."""
        return self.templates[f"scheduler.{key}"].format_map(params)


async def _announce(
    session: AsyncSession,
    store: _Store,
    supervision: Supervision,
    settings: SweepSettings,
    now: datetime,
    *,
    inserted: list[_Lit],
) -> int:
    """Write each new light's case event, nudges and (for red) explanation task and request."""
    red = [lit for lit in inserted if lit.kind is LightKind.RED]
    directory = await load_directory(
        session, {lit.case.unit_id for lit in inserted if lit.case.unit_id is not None}, with_command_center=bool(red)
    )
    explain_due = supervision.clock.add(now, settings.explanation_hours) if red else None
    explained = {lit.case.id for lit in red}
    words = _Words(settings, explain_due)
    quiet = send_at(now, settings.tz, settings.quiet_start, settings.quiet_end, urgent=False)
    people_for: dict[tuple[int | None, int | None, LightKind], list[int]] = {}
    for lit in inserted:
        case, kind = lit.case, lit.kind
        params = words.params(case, case.id in explained)
        store.event(case.id, f"light_{kind}", case.facts.status.value, case.unit_id, words.text(f"event_{kind}", params))
        people = people_for.get((case.unit_id, case.assignee, kind))
        if people is None:
            people = people_for[(case.unit_id, case.assignee, kind)] = _recipients(directory, case, kind)
        if people:
            _nudge(store, case, kind, people, params, words=words, when=now if kind is LightKind.RED else quiet)
    tasks = await store.insert_tasks([lit for lit in red if lit.case.unit_id is not None], explain_due, now) if red else []
    for task_id, case in tasks:
        unit = directory.units.get(case.unit_id) if case.unit_id is not None else None
        people = unique([*directory.staff_of(case.unit_id), unit.head_person_id if unit else None])
        if people:
            _explanation(store, task_id, case, people, words.params(case, True), words=words, now=now)
    await store.write_events(now)
    return await store.write_notices(now)


def _recipients(directory: Directory, case: _Due, kind: LightKind) -> list[int]:
    """Return who a light is told to."""
    head = directory.head_for(case.unit_id)
    if kind is LightKind.SIGN_OVERDUE:
        return unique([*directory.staff_of(case.unit_id), head])
    doers = [case.assignee] if case.assignee is not None else directory.staff_of(case.unit_id)
    if kind is LightKind.YELLOW:
        return unique([*doers, head])
    return unique([*doers, head, *directory.command_center])


def _payload(body: str, button: tuple[str, str], meta: dict[str, Any], template: dict[str, Any]) -> dict[str, Any]:
    """Return an outbox payload with one button (delivered on the person's most recently used channel)."""
    buttons = [{"label": button[0], "payload": button[1]}]
    return {"text": body, "buttons": buttons, "image": None, "meta": meta, "template": template}


def _nudge(
    store: _Store, case: _Due, kind: LightKind, people: list[int], params: dict[str, str], *, words: _Words, when: datetime
) -> None:
    """Return the nudge about a light for its people; only red ignores quiet hours (WHEN)."""
    light = str(kind)
    meta = {"case_id": case.id, "cycle": case.facts.cycle, "light": light}
    template = {"id": "case_light", "data": {"number": case.number, "light": light, **params}}
    payload = _payload(words.text(light, params), (words.open_card, f"{_CARD}{case.id}"), meta, template)
    key = f"light:{case.id}:{case.facts.cycle}:{light}:p"
    store.notice(f"light_{light}", payload, when, [(f"{key}{person}", person) for person in people])


def _explanation(
    store: _Store, task_id: int, case: _Due, people: list[int], params: dict[str, str], *, words: _Words, now: datetime
) -> None:
    """Return the request for a written explanation, sent at once."""
    meta = {"case_id": case.id, "explanation_task_id": task_id}
    template = {"id": "explanation_request", "data": {"number": case.number, "due": params["explain_due"]}}
    body = words.text("explanation_request", {**params, "due": params["explain_due"]})
    payload = _payload(body, (words.explain_button, f"{_EXPLAIN}{task_id}"), meta, template)
    store.notice("explanation_request", payload, now, [(f"explain:{task_id}:p{person}", person) for person in people])


def _in_order(candidates: Sequence[_Lit], rows: Iterable[Any]) -> list[_Lit]:
    """Return the candidates the database inserted (rows of case_id, kind, id), in candidate order, with their ids."""
    ids = {(r[0], r[1]): r[2] for r in rows}
    inserted = []
    for lit in candidates:
        light_id = ids.get((lit.case.id, lit.kind.value))
        if light_id is not None:
            lit.id = light_id
            inserted.append(lit)
    return inserted


class _Store:
    """A batch's reads and writes, with SQLAlchemy statements that work on every backend."""

    def __init__(self, session: AsyncSession, now: datetime) -> None:
        self.session = session
        self.now = now
        self._events: list[dict[str, Any]] = []
        self._notices: list[dict[str, Any]] = []

    async def take_due(self, now: datetime, limit: int) -> list[_Due]:
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

    async def fired(self, cases: list[_Due]) -> dict[int, set[LightKind]]:
        """Return the lights already fired in each case's current cycle."""
        cycles = {c.id: c.facts.cycle for c in cases}
        query = select(Light.case_id, Light.cycle, Light.kind).where(Light.case_id.in_(list(cycles)))
        return _by_case(cycles, (await self.session.execute(query)).all())

    async def insert_lights(self, lights: list[_Lit], now: datetime) -> list[_Lit]:
        """Insert lights, skipping any that exist; return those inserted, with their ids."""
        rows = [
            {"case_id": lit.case.id, "cycle": lit.case.facts.cycle, "kind": lit.kind.value, "unit_id": lit.case.unit_id,
             "assignee_person_id": lit.case.assignee, "due_at": lit.due_at, "fired_at": now}
            for lit in lights
        ]
        table = cast(Table, Light.__table__)
        stmt = insert_for(self.session, table).on_conflict_do_nothing(index_elements=["case_id", "cycle", "kind"])
        result = await self.session.execute(stmt.returning(table.c.case_id, table.c.kind, table.c.id), rows)
        return _in_order(lights, result.all())

    async def insert_tasks(self, red: list[_Lit], due: datetime | None, now: datetime) -> list[tuple[int, _Due]]:
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


def _due(rows: Iterable[Any]) -> list[_Due]:
    """Return the due cases of rows of _DUE_COLUMNS."""
    status = {s.value: s for s in Status}
    return [
        _Due(case_id, number, body, ClockFacts(status[state], cycle, code, dispatched, sign, handle), unit, assignee)
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


class _PostgresStore(_Store):
    """The same reads and writes on PostgreSQL, one statement per table over arrays (unnest)."""

    def __init__(self, session: AsyncSession, now: datetime) -> None:
        super().__init__(session, now)
        self._event_columns = _EventColumns()
        self._notice_columns = _NoticeColumns()

    async def take_due(self, now: datetime, limit: int) -> list[_Due]:
        """Lock and return up to LIMIT due cases, earliest first, skipping cases another sweep holds."""
        return _due((await self.session.execute(_PG_DUE, {"now": now, "limit": limit})).all())

    async def fired(self, cases: list[_Due]) -> dict[int, set[LightKind]]:
        """Return the lights already fired in each case's current cycle."""
        cycles = {c.id: c.facts.cycle for c in cases}
        return _by_case(cycles, (await self.session.execute(_PG_FIRED, {"case_ids": list(cycles)})).all())

    async def insert_lights(self, lights: list[_Lit], now: datetime) -> list[_Lit]:
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
        return _in_order(lights, (await self.session.execute(_PG_LIGHTS, params)).all())

    async def insert_tasks(self, red: list[_Lit], due: datetime | None, now: datetime) -> list[tuple[int, _Due]]:
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
