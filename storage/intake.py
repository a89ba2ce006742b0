"""What the Open311 API reads and writes besides the case: which key filed a case, its idempotency key, the searches."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.cases.lifecycle import OPEN_STATES
from storage.models.cases import Case, CaseEvent
from storage.models.intake import Open311Request

OPEN_VALUES = tuple(sorted(s.value for s in OPEN_STATES))


@dataclass(frozen=True)
class Search:
    """A GET requests search: by numbers, or by service codes, open/closed and a time window; one page."""

    numbers: tuple[str, ...] = ()
    service_codes: tuple[str, ...] = ()
    status: str | None = None  # "open" or "closed"
    start: datetime | None = None
    end: datetime | None = None
    api_key_id: int | None = None  # only the cases this key filed
    page: int = 1
    page_size: int = 50


async def filed_before(session: AsyncSession, api_key_id: int, idempotency_key: str) -> Case | None:
    """Return the case a key filed earlier under the same idempotency key, if any."""
    query = (
        select(Case)
        .join(Open311Request, Open311Request.case_id == Case.id)
        .where(Open311Request.api_key_id == api_key_id, Open311Request.idempotency_key == idempotency_key)
    )
    return await session.scalar(query)


async def search(session: AsyncSession, wanted: Search) -> Sequence[tuple[Case, Open311Request]]:
    """Return the cases filed through the API that match a search, newest first, one page."""
    query = select(Case, Open311Request).join(Open311Request, Open311Request.case_id == Case.id)
    if wanted.api_key_id is not None:
        query = query.where(Open311Request.api_key_id == wanted.api_key_id)
    if wanted.numbers:
        query = query.where(Case.number.in_(wanted.numbers))
    else:
        if wanted.service_codes:
            query = query.where(Case.department_code.in_(wanted.service_codes))
        if wanted.status == "open":
            query = query.where(Case.status.in_(OPEN_VALUES))
        elif wanted.status == "closed":
            query = query.where(Case.status.not_in(OPEN_VALUES))
        if wanted.start is not None:
            query = query.where(Case.created_at >= wanted.start)
        if wanted.end is not None:
            query = query.where(Case.created_at <= wanted.end)
    query = query.order_by(Case.created_at.desc(), Case.id.desc())
    query = query.offset((wanted.page - 1) * wanted.page_size).limit(wanted.page_size)
    return [(row[0], row[1]) for row in (await session.execute(query)).all()]


async def latest_note(session: AsyncSession, case_id: int, actions: tuple[str, ...]) -> str | None:
    """Return the note of a case's latest event among ACTIONS that has one."""
    query = (
        select(CaseEvent.note)
        .where(CaseEvent.case_id == case_id, CaseEvent.action.in_(actions), CaseEvent.note.is_not(None))
        .order_by(CaseEvent.id.desc())
        .limit(1)
    )
    return await session.scalar(query)
