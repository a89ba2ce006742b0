"""Per-chat conversation state: loaded with its sender in one query, saved with a version check.

This is the dispatcher's path for every message, so its statements are built once and its rows are
plain values, not ORM objects: a saved state is one UPDATE guarded by the row's version, and a
version that moved (another worker handled a message of this chat meanwhile) raises StaleDataError,
which the dispatcher answers by handling the message again on fresh state.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, func, inspect, literal, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.exc import StaleDataError

from storage.hot import Hot, asyncpg_of, sqlite_of
from storage.models.chat import Conversation, InboundUpdate
from storage.models.people import ChannelAccount, Person
from storage.upsert import insert_ignoring


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
# On SQLite the same statements run on the sqlite3 connection (storage/hot.py); the sender's person
# is read as columns there and becomes a Person of the session as if the ORM had loaded it.
_PERSON_MAPPER = inspect(Person)
_PERSON_KEYS = tuple(attribute.key for attribute in _PERSON_MAPPER.column_attrs)
_HOT_SENDER = Hot(
    select(*(getattr(Person, key) for key in _PERSON_KEYS), _accounts.c.id, _accounts.c.chat_id, _accounts.c.last_seen_at, *_state_columns)
    .select_from(_accounts)
    .join(Person, Person.id == _accounts.c.person_id)
    .outerjoin(_conversations, and_(_conversations.c.channel == _accounts.c.channel, _conversations.c.chat_id == bindparam("chat_id")))
    .where(_accounts.c.channel == bindparam("channel"), _accounts.c.external_id == bindparam("external_id"))
)
# PostgreSQL: recording the update and reading the sender in one round trip. The INSERT runs as a
# data-modifying CTE; the query reads from a one-row source so that a row comes back whether or
# not the update was new (`fresh`) and whether or not the sender is known (their columns are NULL).
_inbound = cast(Table, InboundUpdate.__table__)
_recorded = (
    postgresql.insert(_inbound)
    .values(
        channel=bindparam("channel"),
        platform_id=bindparam("platform_id"),
        payload=bindparam("payload"),
        status=bindparam("status"),
        received_at=bindparam("received_at"),
        handled_at=bindparam("handled_at"),
    )
    .on_conflict_do_nothing(index_elements=["channel", "platform_id"])
    .returning(_inbound.c.id)
    .cte("recorded")
)
_one = select(literal(1).label("one")).subquery("one")
_RECORD_AND_SENDER = (
    select(select(func.count()).select_from(_recorded).scalar_subquery().label("fresh"), Person, _accounts.c.id, _accounts.c.chat_id, _accounts.c.last_seen_at, *_state_columns)
    .select_from(_one)
    .outerjoin(
        _accounts.join(Person, Person.id == _accounts.c.person_id),
        and_(_accounts.c.channel == bindparam("channel"), _accounts.c.external_id == bindparam("external_id")),
    )
    .outerjoin(_conversations, and_(_conversations.c.channel == _accounts.c.channel, _conversations.c.chat_id == bindparam("chat_id")))
)
_HOT_SAVE = Hot(_SAVE)
_HOT_SEEN = Hot(_SEEN)


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
        raw = await sqlite_of(self.session)
        if raw is not None:
            values = _HOT_SENDER.first(raw, params)
            if values is None:
                return None
            person = self._loaded(values[: len(_PERSON_KEYS)])
            account_id, account_chat_id, last_seen_at, *conversation = values[len(_PERSON_KEYS) :]
            return Sender(person, account_id, account_chat_id, last_seen_at, _state(*conversation))
        row = (await self.session.execute(_SENDER, params)).first()
        if row is None:
            return None
        person, account_id, account_chat_id, last_seen_at, *conversation = row
        return Sender(person, account_id, account_chat_id, last_seen_at, _state(*conversation))

    async def record_and_sender(self, record: Mapping[str, Any], external_id: str, chat_id: str) -> tuple[bool, Sender | None]:
        """Record an update (RECORD: the row of InboundRepository.record) and return whether it was new, with its sender.

        One round trip on PostgreSQL; on SQLite, where a statement costs no round trip, the two
        statements of InboundRepository.record and sender().
        """
        if self.session.get_bind().dialect.name != "postgresql":
            fresh = await insert_ignoring(self.session, _inbound, record, ("channel", "platform_id"))
            return fresh, (await self.sender(record["channel"], external_id, chat_id) if fresh else None)
        params = {**record, "external_id": external_id, "chat_id": chat_id}
        fresh, person, account_id, account_chat_id, last_seen_at, *conversation = (await self.session.execute(_RECORD_AND_SENDER, params)).one()
        if not fresh or person is None:
            return bool(fresh), None
        return True, Sender(person, account_id, account_chat_id, last_seen_at, _state(*conversation))

    def _loaded(self, values: Sequence[Any]) -> Person:
        """Return the person of these column values as a Person of the session, unchanged, as if loaded by a query."""
        person = self.session.sync_session.identity_map.get(_PERSON_MAPPER.identity_key_from_primary_key((values[0],)))
        if isinstance(person, Person):
            return person
        # As the ORM's loading does: a new instance whose attributes are set in its dict, not through
        # the constructor's change tracking; then its values become its loaded state.
        person = _PERSON_MAPPER.class_manager.new_instance()
        person.__dict__.update(zip(_PERSON_KEYS, values, strict=True))
        make_transient_to_detached(person)
        self.session.add(person)
        return person

    async def get(self, channel: str, chat_id: str) -> ChatState | None:
        """Return a chat's conversation (a group chat has one, whoever writes in it)."""
        row = (await self.session.execute(_STATE, {"channel": channel, "chat_id": chat_id})).first()
        return None if row is None else _state(*row)

    async def seen(self, account_id: int, chat_id: str, now: datetime) -> None:
        """Record when and in which chat an account was last seen."""
        params = {"row_id": account_id, "chat_id": chat_id, "last_seen_at": now}
        raw = await sqlite_of(self.session)
        if raw is not None:
            _HOT_SEEN.run(raw, params)
            return
        await self.session.execute(_SEEN, params)

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
        raw = await sqlite_of(self.session)
        pg = await asyncpg_of(self.session) if raw is None else None
        if raw is not None:
            saved = _HOT_SAVE.rowcount(raw, params)
        elif pg is not None:
            saved = await _HOT_SAVE.pg_rowcount(pg, params)
        else:
            saved = getattr(await self.session.execute(_SAVE, params), "rowcount", 0)
        if saved != 1:
            raise StaleDataError(f"conversation {chat.id} was saved by someone else (version {chat.version} is gone)")
