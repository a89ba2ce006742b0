"""SQL the report figures need that SQLite and PostgreSQL spell differently: hours between two times, and the local day of a time.

The figures are counted by the database (GROUP BY), so a year of cases is a few hundred grouped rows, not a
hundred thousand fetched ones.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, Float, cast, func, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from storage.stats.period import Period

DayOf = Callable[[Any], date]


class hours_between(FunctionElement[float]):  # noqa: N801 - an SQL function, named like one
    """The hours from one timestamp column to another (end - start), as a float."""

    type = Float()
    inherit_cache = True
    name = "hours_between"


@compiles(hours_between, "sqlite")
def _hours_sqlite(element: hours_between, compiler: SQLCompiler, **kw: Any) -> str:
    """SQLite stores times as text: julianday() turns them into days."""
    start, end = list(element.clauses)
    return f"((julianday({compiler.process(end, **kw)}) - julianday({compiler.process(start, **kw)})) * 24.0)"


@compiles(hours_between, "postgresql")
def _hours_postgresql(element: hours_between, compiler: SQLCompiler, **kw: Any) -> str:
    """PostgreSQL: the interval's seconds over 3600."""
    start, end = list(element.clauses)
    return f"(EXTRACT(EPOCH FROM ({compiler.process(end, **kw)} - {compiler.process(start, **kw)})) / 3600.0)"


def _offsets(period: Period, tz: ZoneInfo) -> set[timedelta]:
    """Return the UTC offsets the time zone has over a period (one per local day is enough: they change at night)."""
    found: set[timedelta] = set()
    moment = period.start
    while moment < period.end + timedelta(days=1):
        offset = moment.astimezone(tz).utcoffset()
        if offset is not None:
            found.add(offset)
        moment += timedelta(hours=12)
    return found


def _from_bucket(tz: ZoneInfo) -> DayOf:
    """Return how a UTC 'YYYY-MM-DD HH[:MM]' bucket becomes a local day."""

    def day(value: Any) -> date:
        text = str(value)
        moment = datetime.strptime(text, "%Y-%m-%d %H:%M" if len(text) > 13 else "%Y-%m-%d %H").replace(tzinfo=UTC)
        return moment.astimezone(tz).date()

    return day


def local_day(column: Any, period: Period, tz: ZoneInfo, dialect: str) -> tuple[ColumnElement[Any], DayOf]:
    """Return an expression that groups a time column by local day, and how to turn its values into dates.

    PostgreSQL converts to the zone itself. SQLite has no zones: with one offset over the period
    (no daylight saving change, as in China) the offset is added; otherwise the rows are grouped by
    UTC hour (or minute, for zones a half hour off) and each bucket is converted here.
    """
    if dialect == "postgresql":
        return cast(func.timezone(tz.key, column), Date), lambda value: value if isinstance(value, date) else date.fromisoformat(str(value))
    offsets = _offsets(period, tz)
    if len(offsets) == 1:
        minutes = int(next(iter(offsets)).total_seconds() // 60)
        return func.date(column, f"{minutes:+d} minutes"), lambda value: date.fromisoformat(str(value))
    whole_hours = all(o.total_seconds() % 3600 == 0 for o in offsets)
    return func.strftime("%Y-%m-%d %H" if whole_hours else "%Y-%m-%d %H:%M", column), _from_bucket(tz)


REPORT_WORK_MEM = "64MB"


async def tune_for_reports(session: AsyncSession) -> None:
    """Set up the session's transaction for a report's few big aggregates (PostgreSQL: no JIT, sorts in memory).

    A report's queries each read a year of cases once; PostgreSQL's JIT compiles each of them for a
    fraction of a second first (its cost estimate says so), and 4 MB of work_mem makes the sorts of a
    million rows spill to disk. SET LOCAL ends with the transaction. Nothing to do on SQLite.
    """
    bind = session.bind
    if bind is not None and bind.dialect.name == "postgresql":
        await session.execute(text("SET LOCAL jit = off"))
        await session.execute(text(f"SET LOCAL work_mem = '{REPORT_WORK_MEM}'"))
