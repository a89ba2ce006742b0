"""The light sweep's writes on SQLite: one statement per table and batch, with parameters made once per batch.

SQLAlchemy's executemany converts every parameter of every row through its type (a UTC time, a JSON
payload per copy of a message), which was most of a SQLite sweep's time. Here each time and payload is
converted once with the column's own bind processor (so the stored text is what SQLAlchemy stores) and
the rows go to sqlite3 as tuples: lights in multi-row INSERT … RETURNING statements, events, messages and
next alerts with the driver's executemany.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from scheduler.lights.store import Lit, Store, in_order
from storage.cases.lifecycle import Role
from storage.models.cases import Light
from storage.models.chat import OutboxMessage

ROWS_PER_INSERT = 500  # lights per multi-row INSERT (7 parameters each, far below SQLite's 32,766)
_LIGHT_COLUMNS = "case_id, cycle, kind, unit_id, assignee_person_id, due_at, fired_at"
_LIGHTS = "INSERT INTO lights ({columns}) VALUES {values} ON CONFLICT (case_id, cycle, kind) DO NOTHING RETURNING case_id, kind, id"
_EVENTS = (
    "INSERT INTO case_events (case_id, action, actor_person_id, actor_role, from_status, to_status, from_unit_id, "
    "to_unit_id, note, attachments, created_at) VALUES (?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_OUTBOX = (
    "INSERT INTO outbox (dedupe_key, channel, chat_id, person_id, kind, payload, status, attempts, next_attempt_at, "
    "created_at) VALUES (?, NULL, NULL, ?, ?, ?, 'pending', 0, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING"
)
_NEXT = "UPDATE cases SET next_alert_at = ? WHERE id = ?"


def _processor(table: Any, column: str, session: AsyncSession) -> Callable[[Any], Any]:
    """Return the column type's bind processor on the session's dialect (identity when it has none)."""
    found = cast(Table, table).c[column].type.bind_processor(session.get_bind().dialect)
    return found if found is not None else (lambda value: value)


class SqliteStore(Store):
    """A batch's writes on SQLite, each table in one go, each value converted once."""

    def __init__(self, session: AsyncSession, now: datetime) -> None:
        super().__init__(session, now)
        self._time = _processor(Light.__table__, "fired_at", session)
        self._json = _processor(OutboxMessage.__table__, "payload", session)
        self._now = self._time(now)
        self._no_attachments = self._json([])
        self._event_rows: list[tuple[Any, ...]] = []
        self._notice_rows: list[tuple[Any, ...]] = []

    async def _driver(self, statement: str, params: Sequence[Any]) -> Any:
        """Run one statement with positional parameters (a list of tuples: executemany)."""
        connection = await self.session.connection()
        return await connection.exec_driver_sql(statement, params)

    async def insert_lights(self, lights: list[Lit], now: datetime) -> list[Lit]:
        """Insert lights, skipping any that exist; return those inserted, with their ids."""
        stamp, fired = self._time, self._time(now)
        found: list[Any] = []
        for start in range(0, len(lights), ROWS_PER_INSERT):
            chunk = lights[start : start + ROWS_PER_INSERT]
            params: list[Any] = []
            for lit in chunk:
                case = lit.case
                params += (case.id, case.facts.cycle, lit.kind.value, case.unit_id, case.assignee, stamp(lit.due_at), fired)
            values = ", ".join(["(?, ?, ?, ?, ?, ?, ?)"] * len(chunk))
            found += (await self._driver(_LIGHTS.format(columns=_LIGHT_COLUMNS, values=values), tuple(params))).all()
        return in_order(lights, found)

    def event(self, case_id: int, action: str, status: str, unit_id: int | None, note: str) -> None:
        """Add the case event that records a light (system actor, no unit move, no attachments)."""
        self._event_rows.append((case_id, action, Role.SYSTEM.value, status, status, unit_id, unit_id, note, self._no_attachments, self._now))

    async def write_events(self, now: datetime) -> None:
        """Append the events added."""
        if self._event_rows:
            await self._driver(_EVENTS, self._event_rows)

    def notice(self, kind: str, payload: dict[str, Any], when: datetime, copies: list[tuple[str, int]]) -> None:
        """Add one message to several people; its payload is serialised once for all of them."""
        body, at = self._json(payload), self._time(when)
        self._notice_rows.extend((key, person, kind, body, at, self._now) for key, person in copies)

    async def write_notices(self, now: datetime) -> int:
        """Queue the messages added, once per dedupe key; return how many were new."""
        if not self._notice_rows:
            return 0
        return int((await self._driver(_OUTBOX, self._notice_rows)).rowcount)

    async def set_next_alerts(self, rows: list[tuple[int, datetime | None]]) -> None:
        """Store each case's next alert."""
        stamp = self._time
        await self._driver(_NEXT, [(stamp(at) if at is not None else None, case_id) for case_id, at in rows])
