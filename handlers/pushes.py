"""Queue messages to people through the outbox, on the channel they last used, in the language they chose."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime

from handlers.messages import Outbound, outbound_to_payload
from handlers.texts import Texts, texts_for
from storage.uow import UnitOfWork

# A message written for its reader: given the copy in the reader's language, it returns the message.
Render = Callable[[Texts], Outbound]


async def push_to_person(
    uow: UnitOfWork,
    person_id: int,
    message: Outbound | Render,
    key: str,
    now: datetime,
    *,
    kind: str = "notice",
    texts: Texts | None = None,
) -> bool:
    """Queue a message for a person once per key; return False when that key was queued before.

    A Render is written in the person's language (TEXTS, the district's copy, when they chose none);
    the message carries that language so the sender and the channel write what they add in it too.
    """
    person = await uow.people.get(person_id)
    language = person.language if person is not None else None
    if callable(message):
        message = message(texts_for(language) if language else (texts or texts_for("")))
    if language and message.language is None:
        message = dataclasses.replace(message, language=language)
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
