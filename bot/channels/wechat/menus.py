"""The last numbered menu per chat, kept in the database so any worker can map "1" back to a payload."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models.chat import ChannelMenu
from storage.upsert import insert_for


async def save_menu(
    session_factory: async_sessionmaker[AsyncSession], channel: str, chat_id: str, payloads: list[str], now: datetime
) -> None:
    """Remember the menu just shown in a chat (an empty list forgets it)."""
    async with session_factory() as session, session.begin():
        if not payloads:
            await session.execute(delete(ChannelMenu).where(ChannelMenu.channel == channel, ChannelMenu.chat_id == chat_id))
            return
        insert = insert_for(session, ChannelMenu.__table__).values(
            channel=channel, chat_id=chat_id, payloads=payloads, updated_at=now
        )
        await session.execute(
            insert.on_conflict_do_update(
                index_elements=["channel", "chat_id"], set_={"payloads": payloads, "updated_at": now}
            )
        )


async def menu_choice(session_factory: async_sessionmaker[AsyncSession], channel: str, chat_id: str, number: int) -> str | None:
    """Return the payload behind menu entry NUMBER (1-based) in a chat, or None."""
    async with session_factory() as session:
        payloads = await session.scalar(
            select(ChannelMenu.payloads).where(ChannelMenu.channel == channel, ChannelMenu.chat_id == chat_id)
        )
    if not payloads or not 1 <= number <= len(payloads):
        return None
    return str(payloads[number - 1])
