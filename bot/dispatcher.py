"""The dispatcher: every inbound update is recorded, handled once, in one transaction, behind one error boundary.

An update is recorded under (channel, platform id) as the first statement of the transaction that
handles it, so the record and the effect commit together: a repeated id finds the record and does
nothing; a crash before the commit leaves neither, and the platform's retry is handled afresh
(at-least-once intake, exactly-once effect). An update that fails is recorded as failed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from bot.locks import KeyedLocks
from bot.messages import Inbound, Outbound
from bot.sanitise import clean_inbound, jsonable
from handlers.core import IDLE, Context, Services, Step, UserError
from handlers.router import route
from storage.conversations import ChatState
from storage.lifecycle import LifecycleError
from storage.models import ChannelAccount, Person
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 4
LAST_SEEN_RESOLUTION = timedelta(minutes=5)
Route = Callable[[Context], Awaitable[Step]]


def utcnow() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)


class Dispatcher:
    """Turns one Inbound into replies: record → lock the conversation → handle → commit."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        services: Services,
        *,
        clock: Callable[[], datetime] = utcnow,
        router: Route = route,
    ) -> None:
        self._session_factory = session_factory
        self._services = services
        self._clock = clock
        self._route = router
        self._locks = KeyedLocks()
        # SQLite has one writer connection: queue for it here, first come first served, instead
        # of in the connection pool, which lets late arrivals overtake and starves a few messages.
        bind = session_factory.kw.get("bind")
        single_writer = bind is not None and bind.dialect.name == "sqlite"
        self._gate: asyncio.Semaphore | None = asyncio.Semaphore(1) if single_writer else None

    async def handle(self, inbound: Inbound) -> list[Outbound]:
        """Handle an update once; a repeated platform id gets no replies and changes nothing."""
        inbound = clean_inbound(inbound)
        # Lock first (FIFO), so one chat's messages are recorded and handled in arrival order.
        async with self._locks.hold((inbound.channel, inbound.chat_id)):
            if self._gate is None:
                return await self._handle_serialised(inbound)
            async with self._gate:
                return await self._handle_serialised(inbound)

    async def _handle_serialised(self, inbound: Inbound) -> list[Outbound]:
        """Handle an update, retrying on write conflicts, behind the error boundary."""
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                return await self._handle_once(inbound)
            except (StaleDataError, IntegrityError):
                log.info("conflict handling %s/%s (attempt %d); retrying", inbound.channel, inbound.platform_id, attempt)
            except UserError as exc:
                return await self._finish(inbound, [Outbound(text=exc.text, buttons=exc.buttons)], "handled")
            except LifecycleError as exc:
                return await self._finish(inbound, [Outbound(text=self._lifecycle_text(exc))], "handled")
            except Exception:
                log.exception(
                    "failed to handle %s update %s from chat %s (%s)",
                    inbound.channel,
                    inbound.platform_id,
                    inbound.chat_id,
                    inbound.kind.value,
                )
                return await self._finish(inbound, [self._apology()], "failed")
        log.error("gave up on %s/%s after %d conflicts", inbound.channel, inbound.platform_id, MAX_ATTEMPTS)
        return await self._finish(inbound, [self._apology()], "failed")

    def _payload(self, inbound: Inbound) -> dict[str, Any]:
        """Return what is stored of an update: its kind, payload and the platform's raw data."""
        return jsonable({"kind": inbound.kind.value, "payload": inbound.payload, "raw": dict(inbound.raw)})

    async def _handle_once(self, inbound: Inbound) -> list[Outbound]:
        """Record the update, run the handler, and commit record, state, domain changes and pushes together."""
        now = self._clock()
        async with UnitOfWork(self._session_factory) as uow:
            if not await uow.inbound.record(inbound.channel, inbound.platform_id, self._payload(inbound), now, status="handled"):
                log.info("duplicate update %s/%s ignored", inbound.channel, inbound.platform_id)
                return []
            person, chat = await self._sender(uow, inbound, now)
            # The state is fresh from the database (decoded JSON), so handlers may change it in place.
            ctx = Context(uow=uow, services=self._services, inbound=inbound, now=now, person=person, state=chat.state, data=chat.data)
            replies: list[Outbound] = []
            if ctx.state != IDLE and chat.expires_at is not None and chat.expires_at <= now:
                replies.append(Outbound(text=ctx.t("flow.timed_out")))
                ctx.state, ctx.data = IDLE, {}
            step = await self._route(ctx)
            expires_at = None if step.state == IDLE else now + self._services.conversation_timeout
            await uow.conversations.save(chat, step.state, step.data, person_id=person.id, expires_at=expires_at, now=now)
            await uow.commit()
            return replies + list(step.replies)

    async def _sender(self, uow: UnitOfWork, inbound: Inbound, now: datetime) -> tuple[Person, ChatState]:
        """Return the sender and the chat's conversation, creating either on first contact."""
        sender = await uow.conversations.sender(inbound.channel, inbound.user_id, inbound.chat_id)
        if sender is None:
            person = await self._new_sender(uow, inbound, now)
            return person, await self._chat_state(uow, inbound, person, now)
        last_seen = sender.last_seen_at
        if sender.account_chat_id != inbound.chat_id or last_seen is None or now - last_seen > LAST_SEEN_RESOLUTION:
            await uow.conversations.seen(sender.account_id, inbound.chat_id, now)
        chat = sender.conversation or await self._chat_state(uow, inbound, sender.person, now)
        return sender.person, chat

    async def _chat_state(self, uow: UnitOfWork, inbound: Inbound, person: Person, now: datetime) -> ChatState:
        """Return the chat's conversation, starting it on the chat's first message (a group chat may have one already)."""
        chat = await uow.conversations.get(inbound.channel, inbound.chat_id)
        return chat or await uow.conversations.start(inbound.channel, inbound.chat_id, person.id, IDLE, now)

    async def _new_sender(self, uow: UnitOfWork, inbound: Inbound, now: datetime) -> Person:
        """Create a resident for a sender seen for the first time."""
        name = inbound.user_name or self._services.texts.t("people.new_resident")
        person = uow.people.add(Person(name=name, created_at=now))
        await uow.flush()
        uow.people.add_account(
            ChannelAccount(
                channel=inbound.channel,
                external_id=inbound.user_id,
                chat_id=inbound.chat_id,
                person_id=person.id,
                last_seen_at=now,
                created_at=now,
            )
        )
        await uow.flush()
        return person

    async def _finish(self, inbound: Inbound, replies: list[Outbound], status: str) -> list[Outbound]:
        """Record the update as done without any other change, and return the replies."""
        async with UnitOfWork(self._session_factory) as uow:
            fresh = await uow.inbound.record(inbound.channel, inbound.platform_id, self._payload(inbound), self._clock(), status=status)
            await uow.commit()
        return replies if fresh else []

    def _apology(self) -> Outbound:
        """Return the fixed apology shown when something unexpected failed."""
        return Outbound(text=self._services.texts.t("errors.apology"))

    def _lifecycle_text(self, exc: LifecycleError) -> str:
        """Translate a lifecycle refusal for the user."""
        key = f"errors.lifecycle.{exc.code}"
        texts = self._services.texts
        return texts.t(key) if texts.has(key) else texts.t("errors.lifecycle.default")
