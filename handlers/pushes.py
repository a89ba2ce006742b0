"""Queue messages to people through the outbox, on the channel they last used."""

from __future__ import annotations

from datetime import datetime

from handlers.messages import Outbound, outbound_to_payload
from storage.uow import UnitOfWork


async def push_to_person(
    uow: UnitOfWork, person_id: int, message: Outbound, key: str, now: datetime, *, kind: str = "notice"
) -> bool:
    """Queue a message for a person once per key; return False when that key was queued before."""
    accounts = await uow.people.accounts_of(person_id)
    account = accounts[0] if accounts else None
    return await uow.outbox.enqueue(
        key,
        kind,
        outbound_to_payload(message),
        now,
        person_id=person_id,
        channel=account.channel if account else None,
        chat_id=(account.chat_id or account.external_id) if account else None,
    )
