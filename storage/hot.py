"""Statements of every message, run without SQLAlchemy's per-statement machinery.

The dispatcher runs a few fixed statements for every message (record the update, read the sender
and the conversation, save it; an outbox row or two). Through SQLAlchemy each costs ~75 µs of CPU
on SQLite (compiled cache lookup, execution context, result set-up, a greenlet switch); the
statement itself ~15 µs. A `Hot` statement is compiled once per dialect by SQLAlchemy, with
SQLAlchemy's own bind and result processors for its column types (so values are stored and read
exactly as through the ORM), and runs directly on the driver connection of the session's
transaction: `sqlite_of` gives the `sqlite3` connection on SQLite's in-loop driver, `asyncpg_of`
the asyncpg connection on PostgreSQL once SQLAlchemy has begun the transaction there. Where
neither applies (the threaded SQLite driver, a transaction not begun yet) they return None and
the callers execute the statement through the session.

Nothing else changes: the statement runs inside the session's transaction (BEGIN IMMEDIATE on
SQLite has been issued when the session took its connection), and the session has no autoflush.
What it costs to read: two ways to run the same statement, and one private attribute of
SQLAlchemy's asyncpg adapter (checked defensively). What it buys: on SQLite the echo path went
from ~700 to ~420 µs CPU per message; on PostgreSQL ~80 µs per statement.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter

Processor = Callable[[Any], Any] | None
_KEPT = "qungong_sqlite3"  # session.info key: (the transaction, its Raw)


@dataclass(frozen=True)
class Raw:
    """The sqlite3 connection of a session's transaction, and the dialect its statements are compiled for."""

    connection: sqlite3.Connection
    dialect: Dialect


async def sqlite_of(session: AsyncSession) -> Raw | None:
    """Return the sqlite3 connection of the session's transaction on the in-loop driver; None elsewhere.

    It is kept in `session.info` for as long as that transaction lasts (asking the session for its
    connection costs more than a statement), and looked up afresh in the next one.
    """
    if session.bind is not None and session.bind.dialect.driver != "inloop":
        return None
    transaction = session.sync_session.get_transaction()
    kept = session.info.get(_KEPT)
    if kept is not None and transaction is not None and kept[0] is transaction:
        return cast(Raw, kept[1])
    connection = await session.connection()
    if connection.dialect.driver != "inloop":
        return None
    driver = connection.sync_connection.connection.driver_connection  # type: ignore[union-attr]
    assert isinstance(driver, sqlite3.Connection)
    raw = Raw(driver, connection.dialect)
    session.info[_KEPT] = (session.sync_session.get_transaction(), raw)
    return raw


@dataclass(frozen=True)
class Pg:
    """The asyncpg connection of a session's open transaction, and the dialect its statements are compiled for."""

    connection: Any  # asyncpg.Connection
    dialect: Dialect


async def asyncpg_of(session: AsyncSession) -> Pg | None:
    """Return the asyncpg connection of the session's transaction once SQLAlchemy has begun it there; None otherwise.

    SQLAlchemy's asyncpg adapter sends BEGIN with the transaction's first statement, so a statement
    sent past it before that would run outside the transaction: until then (and on any other
    driver, or if the adapter's bookkeeping is not what is expected) the caller goes through the session.
    """
    if session.bind is None or session.bind.dialect.driver != "asyncpg" or not session.in_transaction():
        return None
    connection = await session.connection()
    pooled = connection.sync_connection.connection  # type: ignore[union-attr]
    if getattr(pooled.dbapi_connection, "_transaction", None) is None:
        return None
    return Pg(pooled.driver_connection, connection.dialect)


class Hot:
    """A statement compiled once for SQLite's dialect, run with SQLAlchemy's processors on a sqlite3 connection."""

    def __init__(self, statement: ClauseElement, column_keys: Sequence[str] | None = None) -> None:
        self.statement = statement
        self._column_keys = list(column_keys) if column_keys is not None else None
        self._sql = ""
        self._binds: list[tuple[str, Processor, BindParameter[Any]]] = []
        self._results: list[Processor] = []
        self._compiled_for: Dialect | None = None

    def _compile(self, dialect: Dialect) -> None:
        """Compile the statement and look up its processors (once)."""
        compiled = cast(SQLCompiler, self.statement.compile(dialect=dialect, column_keys=self._column_keys))
        self._sql = compiled.string
        # The dialect's own implementation of each type (e.g. SQLite's DATETIME under UTCDateTime), as SQLAlchemy uses.
        # A parameter not given by name takes the statement's own value (a literal such as `last=1`).
        self._binds = [
            (name, compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect), compiled.binds[name])
            for name in compiled.positiontup or ()
        ]
        columns = getattr(self.statement, "exported_columns", ())  # a query's columns, or what an INSERT returns
        self._results = [column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns]
        self._compiled_for = dialect

    def _parameters(self, values: Mapping[str, Any]) -> list[Any]:
        """Return the positional parameters, each through its type's bind processor."""
        parameters = []
        for name, process, bind in self._binds:
            if name in values:
                value = values[name]
            elif bind.required:
                raise KeyError(f"no value for the parameter {name!r}")
            else:
                value = bind.effective_value
            parameters.append(value if process is None else process(value))
        return parameters

    def run(self, raw: Raw, values: Mapping[str, Any]) -> sqlite3.Cursor:
        """Execute the statement on RAW with VALUES (by bind name); return the cursor."""
        if self._compiled_for is not raw.dialect:
            self._compile(raw.dialect)
        return raw.connection.execute(self._sql, self._parameters(values))

    async def pg_rowcount(self, pg: Pg, values: Mapping[str, Any]) -> int:
        """Execute a write on PostgreSQL's connection and return how many rows it changed."""
        if self._compiled_for is not pg.dialect:
            self._compile(pg.dialect)
        status: str = await pg.connection.execute(self._sql, *self._parameters(values))
        return int(status.rsplit(" ", 1)[1]) if status[-1:].isdigit() else 0

    def rowcount(self, raw: Raw, values: Mapping[str, Any]) -> int:
        """Execute a write and return how many rows it changed."""
        return self.run(raw, values).rowcount

    def first(self, raw: Raw, values: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """Execute a query and return its first row, each value through its type's result processor."""
        row = self.run(raw, values).fetchone()
        return None if row is None else self._processed(row)

    def all(self, raw: Raw, values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Execute a query and return all its rows, each value through its type's result processor."""
        return [self._processed(row) for row in self.run(raw, values).fetchall()]

    def _processed(self, row: Sequence[Any]) -> tuple[Any, ...]:
        """Return a row's values through their types' result processors."""
        return tuple(value if process is None else process(value) for process, value in zip(self._results, row, strict=True))
