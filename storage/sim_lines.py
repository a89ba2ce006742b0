"""The simulator's chat transcripts: what each simulated person sent, was answered and was pushed, so that
switching identity or reloading the page shows the chat as it was (read back from the server)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models.chat import OutboxMessage
from storage.models.media import SimLine
from storage.models.people import ChannelAccount

ME, BOT, PUSH = "me", "bot", "push"
HISTORY_LINES = 200


def add_lines(session: AsyncSession, identity: str, side: str, payloads: Sequence[Mapping[str, Any]], now: datetime) -> None:
    """Stage lines of one side of a simulated chat, in order."""
    session.add_all([SimLine(identity=identity, side=side, payload=dict(p), at=now) for p in payloads])


async def history(session: AsyncSession, identity: str, *, after: int = 0, limit: int = HISTORY_LINES) -> list[SimLine]:
    """Return the last LIMIT lines of a simulated chat after line id AFTER, oldest first."""
    query = select(SimLine).where(SimLine.identity == identity, SimLine.id > after).order_by(SimLine.id.desc()).limit(limit)
    return list(reversed((await session.scalars(query)).all()))


async def has_lines(session: AsyncSession, identity: str) -> bool:
    """Tell whether a simulated chat was ever used."""
    return (await session.scalar(select(SimLine.id).where(SimLine.identity == identity).limit(1))) is not None


async def unread_counts(session: AsyncSession, channel: str, identities: Sequence[str], until: datetime, lookahead: timedelta) -> dict[str, int]:
    """Return how many pushes wait for each simulated chat (addressed to it, or to its person on no channel yet)."""
    if not identities:
        return {}
    due = and_(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= until + lookahead)
    addressed = select(OutboxMessage.chat_id, func.count()).where(due, OutboxMessage.channel == channel, OutboxMessage.chat_id.in_(identities)).group_by(OutboxMessage.chat_id)
    counts: dict[str, int] = {str(chat): int(n) for chat, n in (await session.execute(addressed)).all()}
    unrouted = (
        select(ChannelAccount.external_id, func.count())
        .join(OutboxMessage, OutboxMessage.person_id == ChannelAccount.person_id)
        .where(due, OutboxMessage.channel.is_(None), ChannelAccount.channel == channel, ChannelAccount.external_id.in_(identities))
        .group_by(ChannelAccount.external_id)
    )
    for identity, n in (await session.execute(unrouted)).all():
        counts[str(identity)] = counts.get(str(identity), 0) + int(n)
    return {key: n for key, n in counts.items() if n}
