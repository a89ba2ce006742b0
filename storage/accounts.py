"""Chat accounts an administrator attaches to a person (e.g. a WeChat Work UserID from the corp's roster), so
that staff need no invite code: the account's messages are then that person's, with their roles."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from storage.models.chat import Conversation
from storage.models.people import ChannelAccount
from storage.uow import UnitOfWork

CREATED, MOVED, UNCHANGED = "created", "moved", "unchanged"


async def attach_account(uow: UnitOfWork, person_id: int, channel: str, external_id: str, now: datetime) -> str:
    """Make (channel, external_id) an account of the person; an account that wrote before is moved over.

    The account counts as used now, so the person's pushes go there from now on. Returns CREATED, MOVED (it
    belonged to someone else, e.g. the resident made at its first message) or UNCHANGED. The caller commits.
    """
    account = await uow.session.scalar(
        select(ChannelAccount).where(ChannelAccount.channel == channel, ChannelAccount.external_id == external_id)
    )
    if account is None:
        uow.people.add_account(
            ChannelAccount(
                channel=channel, external_id=external_id, chat_id=external_id, person_id=person_id, last_seen_at=now, created_at=now
            )
        )
        await uow.flush()
        return CREATED
    if account.person_id == person_id:
        return UNCHANGED
    account.person_id = person_id
    account.last_seen_at = now
    chat_id = account.chat_id or external_id
    await uow.session.execute(
        update(Conversation).where(Conversation.channel == channel, Conversation.chat_id == chat_id).values(person_id=person_id, state="idle", data={}, version=Conversation.version + 1)
    )
    await uow.flush()
    return MOVED
