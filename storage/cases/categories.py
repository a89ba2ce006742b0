"""Give a problem category to the cases that have none yet (cases from before categories existed, bulk-loaded history).

New cases get theirs when they are registered (handlers.casework); the categoriser itself is nlp's,
passed in, since storage does not import nlp.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models.cases import Case

Categorise = Callable[[str, str | None], str]
BATCH = 2000


async def fill_categories(session: AsyncSession, categorise: Categorise, *, batch: int = BATCH) -> int:
    """Categorise up to BATCH uncategorised cases by their text and department; return how many (the caller commits)."""
    query = select(Case.id, Case.text, Case.department_code).where(Case.category.is_(None)).order_by(Case.id).limit(batch)
    rows = (await session.execute(query)).all()
    if not rows:
        return 0
    values = [{"case_id": row.id, "value": categorise(row.text, row.department_code)} for row in rows]
    table = cast(Table, Case.__table__)
    stmt = update(table).where(table.c.id == bindparam("case_id")).values(category=bindparam("value"))
    await session.execute(stmt, values)
    return len(values)
