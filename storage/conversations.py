"""Per-chat conversation state: loaded with its sender in one query, saved with a version check.

This is the dispatcher's path for every message, so its statements are built once and its rows are
plain values, not ORM objects: a saved state is one UPDATE guarded by the row's version, and a
version that moved (another worker handled a message of this chat meanwhile) raises StaleDataError,
which the dispatcher answers by handling the message again on fresh state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from storage.models.chat import Conversation
from storage.models.people import ChannelAccount, Person


@dataclass(frozen=True)
class ChatState:
    """A chat's stored conversation as the dispatcher sees it."""

    id: int
    state: str
    data: dict[str, Any]
    expires_at: datetime | None
    version: int


@dataclass(frozen=True)
class Sender:
    """A known sender: their person, their account on the channel, and the chat's conversation if any."""

    person: Person
    account_id: int
    account_chat_id: str | None
    last_seen_at: datetime | None
    conversation: ChatState | None


_accounts = cast(Table, ChannelAccount.__table__)
_conversations = cast(Table, Conversation.__table__)
_state_columns = (_conversations.c.id, _conversations.c.state, _conversations.c.data, _conversations.c.expires_at, _conversations.c.version)

# Built once: the statements are the same for every message, only their parameters change.
_SENDER = (
    select(Person, _accounts.c.id, _accounts.c.chat_id, _accounts.c.last_seen_at, *_state_columns)
    .select_from(_accounts)
    .join(Person, Person.id == _accounts.c.person_id)
    .outerjoin(_conversations, and_(_conversations.c.channel == _accounts.c.channel, _conversations.c.chat_id == bindparam("chat_id")))
    .where(_accounts.c.channel == bindparam("channel"), _accounts.c.external_id == bindparam("external_id"))
)
_STATE = select(*_state_columns).where(_conversations.c.channel == bindparam("channel"), _conversations.c.chat_id == bindparam("chat_id"))
_SAVE = (
    update(_conversations)
    .where(_conversations.c.id == bindparam("row_id"), _conversations.c.version == bindparam("seen_version"))
    .values(
        state=bindparam("state"),
        data=bindparam("data"),
        person_id=bindparam("person_id"),
        expires_at=bindparam("expires_at"),
        updated_at=bindparam("updated_at"),
        version=bindparam("next_version"),
    )
)
_SEEN = update(_accounts).where(_accounts.c.id == bindparam("row_id")).values(chat_id=bindparam("chat_id"), last_seen_at=bindparam("last_seen_at"))


def _state(row_id: int | None, state: str, data: dict[str, Any] | None, expires_at: datetime | None, version: int) -> ChatState | None:
    """Return the state of a (possibly outer-joined, absent) conversation row."""
    return None if row_id is None else ChatState(row_id, state, data or {}, expires_at, version)


class ConversationRepository:
    """Per-chat conversation state."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def sender(self, channel: str, external_id: str, chat_id: str) -> Sender | None:
        """Return a known sender with the chat's conversation, in one query; None for a first contact."""
        params = {"channel": channel, "external_id": external_id, "chat_id": chat_id}
        row = (await self.session.execute(_SENDER, params)).first()
        if row is None:
            return None
        person, account_id, account_chat_id, last_seen_at, *conversation = row
        return Sender(person, account_id, account_chat_id, last_seen_at, _state(*conversation))

    async def get(self, channel: str, chat_id: str) -> ChatState | None:
        """Return a chat's conversation (a group chat has one, whoever writes in it)."""
        row = (await self.session.execute(_STATE, {"channel": channel, "chat_id": chat_id})).first()
        return None if row is None else _state(*row)

    async def seen(self, account_id: int, chat_id: str, now: datetime) -> None:
        """Record when and in which chat an account was last seen."""
        await self.session.execute(_SEEN, {"row_id": account_id, "chat_id": chat_id, "last_seen_at": now})

    async def start(self, channel: str, chat_id: str, person_id: int, state: str, now: datetime) -> ChatState:
        """Create a chat's conversation on first contact."""
        row = Conversation(channel=channel, chat_id=chat_id, person_id=person_id, state=state, data={}, updated_at=now)
        self.session.add(row)
        await self.session.flush()
        return ChatState(row.id, row.state, {}, None, row.version)

    async def save(
        self, chat: ChatState, state: str, data: Mapping[str, Any], *, person_id: int, expires_at: datetime | None, now: datetime
    ) -> None:
        """Store a conversation's next state; raise StaleDataError when someone else saved it first."""
        params = {
            "row_id": chat.id,
            "seen_version": chat.version,
            "next_version": chat.version + 1,
            "state": state,
            "data": dict(data),
            "person_id": person_id,
            "expires_at": expires_at,
            "updated_at": now,
        }
        result = await self.session.execute(_SAVE, params)
        if getattr(result, "rowcount", 0) != 1:
            raise StaleDataError(f"conversation {chat.id} was saved by someone else (version {chat.version} is gone)")
