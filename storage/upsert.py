"""Dialect-aware INSERT ... ON CONFLICT, the same on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.hot import Hot, asyncpg_of, sqlite_of


def insert_for(session: AsyncSession, table: Any) -> Any:
    """Return an INSERT for the session's dialect that supports on_conflict_do_*()."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"QunGong supports SQLite and PostgreSQL, not {dialect}")


async def insert_ignoring(session: AsyncSession, table: Any, values: Mapping[str, Any], conflict: Sequence[str]) -> bool:
    """INSERT one row unless it would break the unique key `conflict`; return True when it was inserted."""
    dialect = session.get_bind().dialect.name
    hot = _hot_insert_ignoring(dialect, table, tuple(conflict), tuple(values))
    if hot is not None:  # the outbox and the intake log: a row or two per message (storage/hot.py)
        raw = await sqlite_of(session)
        if raw is not None:
            return hot.rowcount(raw, values) == 1
        pg = await asyncpg_of(session)
        if pg is not None:
            return await hot.pg_rowcount(pg, values) == 1
    statement = _insert_ignoring(dialect, table, tuple(conflict))
    result = await session.execute(statement, dict(values))
    return bool(getattr(result, "rowcount", 0) == 1)


@cache
def _insert_ignoring(dialect: str, table: Any, conflict: tuple[str, ...]) -> Any:
    """Build the dialect's `INSERT … ON CONFLICT (…) DO NOTHING` once per table (SQLAlchemy 2.1 caches its compiled form)."""
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(table).on_conflict_do_nothing(index_elements=list(conflict))


@cache
def _hot_insert_ignoring(dialect: str, table: Any, conflict: tuple[str, ...], keys: tuple[str, ...]) -> Hot | None:
    """Return the dialect's `INSERT … ON CONFLICT DO NOTHING` of these columns as a Hot statement; None when a column left out has a default."""
    if any(column.default is not None and column.key not in keys for column in table.c):
        return None  # SQLAlchemy fills that default in; the Hot statement would not
    return Hot(_insert_ignoring(dialect, table, conflict), keys)
