"""The template cards sent to members, kept in the database so that any worker can check a press against its
card (its member, its buttons) and say on the card who acted. Cards older than RETENTION are forgotten (a
card's response code only works for 72 hours anyway); a press on a forgotten card is still routed, and the
handlers check it like any button."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.messages import Button
from storage.models.people import ChannelAccount, Person
from storage.models.wecom import WeComCard

RETENTION = timedelta(days=30)


@dataclass(frozen=True)
class SentCard:
    """A card as it was sent: to whom, with which buttons, and whether someone acted on it."""

    task_id: str
    user_id: str
    buttons: tuple[Button, ...]
    acted_at: datetime | None

    def label_of(self, payload: str) -> str | None:
        """Return the label of the button carrying PAYLOAD, or None when the card has no such button."""
        return next((b.label for b in self.buttons if b.payload == payload), None)


async def remember_card(
    session_factory: async_sessionmaker[AsyncSession], channel: str, user_id: str, task_id: str, buttons: Sequence[Button], *, now: datetime
) -> None:
    """Record a card about to be sent (and forget cards past RETENTION)."""
    async with session_factory() as session, session.begin():
        await session.execute(delete(WeComCard).where(WeComCard.created_at < now - RETENTION))
        session.add(
            WeComCard(
                task_id=task_id,
                channel=channel,
                user_id=user_id,
                buttons=[{"label": b.label, "payload": b.payload} for b in buttons],
                created_at=now,
            )
        )


async def sent_card(session_factory: async_sessionmaker[AsyncSession], channel: str, task_id: str) -> SentCard | None:
    """Return the card with this task id on this channel, or None when it is unknown (or forgotten)."""
    async with session_factory() as session:
        row = await session.scalar(select(WeComCard).where(WeComCard.task_id == task_id[:128], WeComCard.channel == channel))
    if row is None:
        return None
    buttons = tuple(Button(str(b.get("label", "")), str(b.get("payload", ""))) for b in row.buttons)
    return SentCard(row.task_id, row.user_id, buttons, row.acted_at)


async def mark_acted(session_factory: async_sessionmaker[AsyncSession], task_id: str, key: str, now: datetime) -> bool:
    """Record the first press on a card; False when someone acted on it before."""
    stmt = update(WeComCard).where(WeComCard.task_id == task_id, WeComCard.acted_at.is_(None)).values(acted_at=now, acted_key=key[:128])
    async with session_factory() as session, session.begin():
        return bool(getattr(await session.execute(stmt), "rowcount", 0) == 1)


async def member_name(session_factory: async_sessionmaker[AsyncSession], channel: str, user_id: str) -> str | None:
    """Return the name of the person behind a member's account on the channel."""
    query = (
        select(Person.name)
        .join(ChannelAccount, ChannelAccount.person_id == Person.id)
        .where(ChannelAccount.channel == channel, ChannelAccount.external_id == user_id)
    )
    async with session_factory() as session:
        name = await session.scalar(query)
    return None if name is None else str(name)
