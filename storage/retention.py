"""Personal data kept no longer than the district says ([retention]): each rule removes, in batches, what has
aged past its limit, and the job records how many rows each rule touched (counts, never content).

The facts the statistics need stay: a closed case keeps its department, place, times, status and rating;
a recorded update keeps its platform id (so a late redelivery is still recognised), only its raw payload goes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models.cases import Case
from storage.models.chat import Conversation, InboundUpdate
from storage.models.runtime import RetentionRun
from storage.models.wishes import Wish
from storage.settings import RetentionSection

FINISHED_CASES = ("closed", "withdrawn")
FINISHED_WISHES = ("fulfilled", "rejected")


@dataclass(frozen=True)
class Rule:
    """One kind of personal data: which rows hold it past the limit, and what to set them to."""

    kind: str
    model: Any
    days: Callable[[RetentionSection], int]
    aged: Callable[[datetime], Any]
    values: dict[str, Any]


RULES: tuple[Rule, ...] = (
    Rule("case_contacts", Case, lambda s: s.contact_days,
         lambda before: and_(Case.status.in_(FINISHED_CASES), Case.closed_at < before, Case.contact_phone.is_not(None)),
         {"contact_phone": None}),
    Rule("wish_contacts", Wish, lambda s: s.contact_days,
         lambda before: and_(Wish.status.in_(FINISHED_WISHES), Wish.updated_at < before, Wish.contact != ""),
         {"contact": ""}),
    Rule("case_photos", Case, lambda s: s.photo_days,
         lambda before: and_(Case.status.in_(FINISHED_CASES), Case.closed_at < before, func.json_array_length(Case.photos) > 0),
         {"photos": []}),
    Rule("wish_photos", Wish, lambda s: s.photo_days,
         lambda before: and_(Wish.status.in_(FINISHED_WISHES), Wish.updated_at < before,
                             or_(func.json_array_length(Wish.photos) > 0, func.json_array_length(Wish.fulfil_photos) > 0)),
         {"photos": [], "fulfil_photos": []}),
    Rule("raw_payloads", InboundUpdate, lambda s: s.raw_payload_days,
         lambda before: and_(InboundUpdate.received_at < before, InboundUpdate.handled_at.is_not(None), InboundUpdate.status != "forgotten"),
         {"payload": {}, "status": "forgotten"}),
    Rule("idle_conversations", Conversation, lambda s: s.idle_conversation_days,
         lambda before: and_(Conversation.updated_at < before, or_(Conversation.state != "idle", Conversation.expires_at.is_not(None))),
         {"state": "idle", "data": {}, "expires_at": None}),
)


async def _apply(session_factory: async_sessionmaker[AsyncSession], rule: Rule, before: datetime, batch: int) -> int:
    """Apply one rule in batches (one transaction each, so no lock is held long); return the rows changed."""
    total = 0
    while True:
        async with session_factory() as session, session.begin():
            ids = (await session.scalars(select(rule.model.id).where(rule.aged(before)).limit(batch))).all()
            if ids:
                await session.execute(update(rule.model).where(rule.model.id.in_(ids)).values(**rule.values))
        total += len(ids)
        if len(ids) < batch:
            return total


async def apply_retention(
    session_factory: async_sessionmaker[AsyncSession], section: RetentionSection, now: datetime,
    apply: Callable[[async_sessionmaker[AsyncSession], Rule, datetime, int], Awaitable[int]] = _apply,
) -> dict[str, int]:
    """Remove what each rule's limit has passed, record the counts, and return them."""
    counts = {rule.kind: await apply(session_factory, rule, now - timedelta(days=rule.days(section)), section.batch) for rule in RULES}
    async with session_factory() as session, session.begin():
        session.add_all(RetentionRun(ran_at=now, kind=kind, count=count) for kind, count in counts.items())
    return counts
