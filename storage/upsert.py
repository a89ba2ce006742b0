"""Dialect-aware INSERT ... ON CONFLICT, the same on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from sqlalchemy import TextClause, bindparam, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


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
    result = await session.execute(_insert_ignoring(table, tuple(values), tuple(conflict)), dict(values))
    return bool(getattr(result, "rowcount", 0) == 1)


@cache
def _insert_ignoring(table: Any, columns: tuple[str, ...], conflict: tuple[str, ...]) -> TextClause:
    """Build the statement once: `ON CONFLICT (…) DO NOTHING` reads the same on both databases.

    SQLAlchemy cannot cache the dialects' own `insert().on_conflict_do_nothing()` and compiles it
    again on every execution; a typed text statement is compiled once.
    """
    sql = (
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)}) "
        f"ON CONFLICT ({', '.join(conflict)}) DO NOTHING"
    )
    return text(sql).bindparams(*(bindparam(c, type_=table.c[c].type) for c in columns))
