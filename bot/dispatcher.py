"""The dispatcher: every inbound update is recorded, handled once, in one transaction, behind one error boundary.

An update is recorded under (channel, platform id) as the first statement of the transaction that
handles it, so the record and the effect commit together: a repeated id finds the record and does
nothing; a crash before the commit leaves neither, and the platform's retry is handled afresh
(at-least-once intake, exactly-once effect). An update that fails is recorded as failed.

Another worker may save the same chat's conversation first (a version conflict) or insert the same
unique row first. The dispatcher then waits a little (jittered, growing) and handles the update again
on fresh state, for up to CONFLICT_DEADLINE seconds. An update that still could not be handled is not
recorded: `Busy` tells the channel to answer so that the platform delivers it again, and that
redelivery is handled like a new update.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from bot.locks import KeyedLocks
from bot.outbox.rate_limit import Limit, MemoryWindows
from bot.sanitise import clean_inbound, jsonable
from handlers.core import IDLE, Context, Services, Step, UserError
from handlers.messages import Inbound, Outbound
from handlers.router import route
from handlers.texts import texts_for
from storage.bans import is_banned
from storage.cases.lifecycle import LifecycleError
from storage.conversations import ChatState, Sender
from storage.models.people import ChannelAccount, Person
from storage.repositories import inbound_row
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)
T = TypeVar("T")
CONFLICT_DEADLINE = 10.0  # seconds of retrying conflicts before asking for a redelivery
SLOW_DOWN_EVERY = 60.0  # seconds between two "please slow down" answers to one chat
MAX_TOLD = 10_000
MAX_UNIQUE_CLASHES = 5  # a unique-key clash that repeats this often is not a race
FIRST_BACKOFF, MAX_BACKOFF = 0.005, 0.25  # seconds: the wait after the first conflict, and the longest
LAST_SEEN_RESOLUTION = timedelta(minutes=5)
Route = Callable[[Context], Awaitable[Step]]


class Busy(Exception):
    """The update could not be handled now (its chat kept changing under it); nothing was recorded.

    Channels answer so that the platform delivers the update again: HTTP 503 to a webhook or the
    simulator, no answer to WeChat (which retries).
    """


def conflict_backoff(attempt: int, rng: Callable[[], float] = random.random) -> float:
    """Return the wait after conflict number ATTEMPT: exponential from FIRST_BACKOFF, capped, full jitter."""
    return min(MAX_BACKOFF, FIRST_BACKOFF * 2.0 ** (attempt - 1)) * (0.5 + rng() / 2)


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
        # Intake limits hold per process (a flood through several workers is cut at N times the rate).
        self._intake = MemoryWindows(time.monotonic)
        self._intake_limit = Limit(services.abuse.messages_per_minute, 60.0)
        self._told_to_slow: dict[tuple[str, str], float] = {}
        # SQLite has one writer connection: queue for it here, first come first served, instead
        # of in the connection pool, which lets late arrivals overtake and starves a few messages.
        bind = session_factory.kw.get("bind")
        single_writer = bind is not None and bind.dialect.name == "sqlite"
        self._gate: asyncio.Semaphore | None = asyncio.Semaphore(1) if single_writer else None

    @property
    def services(self) -> Services:
        """Return the long-lived collaborators the handlers use (the place finder, the texts …)."""
        return self._services

    async def handle(self, inbound: Inbound) -> list[Outbound]:
        """Handle an update once; a repeated platform id gets no replies and changes nothing.

        Raises Busy when conflicts with other workers went on for CONFLICT_DEADLINE seconds.
        """
        inbound = clean_inbound(inbound)
        if await self._intake.take(f"{inbound.channel}:{inbound.chat_id}", self._intake_limit) > 0:
            return await self._slow_down(inbound)
        loop = asyncio.get_running_loop()
        # Lock first (FIFO), so one chat's messages are recorded and handled in arrival order.
        async with self._locks.hold((inbound.channel, inbound.chat_id)):
            deadline = loop.time() + CONFLICT_DEADLINE
            clashes = 0
            for attempt in itertools.count(1):
                try:
                    async with self._writer():
                        return await self._handle_guarded(inbound, last_try=clashes + 1 >= MAX_UNIQUE_CLASHES)
                except StaleDataError:
                    if loop.time() >= deadline:
                        break
                    log.info("conflict handling %s/%s (attempt %d); retrying", inbound.channel, inbound.platform_id, attempt)
                except IntegrityError:
                    clashes += 1
                    log.info("unique-key clash handling %s/%s (attempt %d); retrying", inbound.channel, inbound.platform_id, attempt)
                except DBAPIError:  # only a lost connection comes this far: the pool has replaced it
                    clashes += 1
                    log.warning("lost the database connection handling %s/%s (attempt %d); retrying", inbound.channel, inbound.platform_id, attempt)
                # Wait outside the writer gate, so other chats go on meanwhile.
                await asyncio.sleep(conflict_backoff(attempt))
        log.warning("%s update %s: still conflicting after %.0f s; left for the platform to deliver again", inbound.channel, inbound.platform_id, CONFLICT_DEADLINE)
        raise Busy(f"{inbound.channel}/{inbound.platform_id}")

    async def write(self, work: Callable[[UnitOfWork, datetime], Awaitable[T]]) -> T:
        """Run a write that is not a chat message (an API request) in one committed unit of work, behind the same
        writer gate, retrying conflicts and unique-key clashes as a message's handling does."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + CONFLICT_DEADLINE
        for attempt in itertools.count(1):
            try:
                async with self._writer(), UnitOfWork(self._session_factory) as uow:
                    result = await work(uow, self._clock())
                    await uow.commit()
                    return result
            except (StaleDataError, IntegrityError):
                if loop.time() >= deadline or attempt >= MAX_UNIQUE_CLASHES * 4:
                    raise
                log.info("conflict in a write (attempt %d); retrying", attempt)
            await asyncio.sleep(conflict_backoff(attempt))
        raise AssertionError("unreachable")

    async def _slow_down(self, inbound: Inbound) -> list[Outbound]:
        """Answer a chat over its intake limit: politely, once a minute; its messages meanwhile are not handled."""
        key, now = (inbound.channel, inbound.chat_id), time.monotonic()
        if now - self._told_to_slow.get(key, -SLOW_DOWN_EVERY) < SLOW_DOWN_EVERY:
            return []
        if len(self._told_to_slow) > MAX_TOLD:
            self._told_to_slow = {k: t for k, t in self._told_to_slow.items() if now - t < SLOW_DOWN_EVERY}
        self._told_to_slow[key] = now
        log.warning("%s chat %s sends more than %d messages a minute; told to slow down", inbound.channel, inbound.chat_id, self._intake_limit.count)
        return [await self._system(inbound, "errors.slow_down")]

    @contextlib.asynccontextmanager
    async def _writer(self) -> AsyncIterator[None]:
        """Hold SQLite's single-writer gate (first come, first served); nothing to hold on PostgreSQL."""
        if self._gate is None:
            yield
            return
        async with self._gate:
            yield

    async def _handle_guarded(self, inbound: Inbound, *, last_try: bool = False) -> list[Outbound]:
        """Handle an update behind the error boundary; write conflicts are raised for handle() to retry.

        A unique-key clash is a race that the next try resolves (the other worker's row is there
        then); one that repeats MAX_UNIQUE_CLASHES times is a fault like any other. So is a lost
        database connection (pooled connections are pinged only after sitting idle): the next
        try gets a fresh one.
        """
        try:
            return await self._handle_once(inbound)
        except StaleDataError:
            raise
        except IntegrityError:
            if not last_try:
                raise
            log.exception("%s update %s: the same unique-key clash %d times", inbound.channel, inbound.platform_id, MAX_UNIQUE_CLASHES)
            return await self._finish(inbound, [await self._system(inbound, "errors.apology")], "failed")
        except DBAPIError as exc:
            if exc.connection_invalidated and not last_try:
                raise
            return await self._failed(inbound)
        except UserError as exc:
            return await self._finish(inbound, [Outbound(text=exc.text, buttons=exc.buttons)], "handled")
        except LifecycleError as exc:
            key = f"errors.lifecycle.{exc.code}"
            return await self._finish(inbound, [await self._system(inbound, key, fallback="errors.lifecycle.default")], "handled")
        except Exception:
            return await self._failed(inbound)

    async def _failed(self, inbound: Inbound) -> list[Outbound]:
        """Log the exception being handled, record the update as failed and apologise."""
        log.exception(
            "failed to handle %s update %s from chat %s (%s)",
            inbound.channel,
            inbound.platform_id,
            inbound.chat_id,
            inbound.kind.value,
        )
        return await self._finish(inbound, [await self._system(inbound, "errors.apology")], "failed")

    def _payload(self, inbound: Inbound) -> dict[str, Any]:
        """Return what is stored of an update: its kind, payload and the platform's raw data."""
        return jsonable({"kind": inbound.kind.value, "payload": inbound.payload, "chat_id": inbound.chat_id, "user_id": inbound.user_id, "raw": dict(inbound.raw)})

    async def _handle_once(self, inbound: Inbound) -> list[Outbound]:
        """Record the update, run the handler, and commit record, state, domain changes and pushes together."""
        now = self._clock()
        async with UnitOfWork(self._session_factory) as uow:
            record = inbound_row(inbound.channel, inbound.platform_id, self._payload(inbound), now, "handled")
            fresh, sender = await uow.conversations.record_and_sender(record, inbound.user_id, inbound.chat_id)
            if not fresh:
                log.info("duplicate update %s/%s ignored", inbound.channel, inbound.platform_id)
                return []
            person, chat = await self._sender(uow, inbound, now, sender)
            if is_banned(person, now):
                return await self._banned(uow, inbound, person, now)
            # The state is fresh from the database (decoded JSON), so handlers may change it in place.
            ctx = Context(uow=uow, services=self._services, inbound=inbound, now=now, person=person, state=chat.state, data=chat.data)
            replies: list[Outbound] = []
            if ctx.state != IDLE and chat.expires_at is not None and chat.expires_at <= now:
                replies.append(Outbound(text=ctx.t("flow.timed_out")))
                ctx.state, ctx.data = IDLE, {}
            step = await self._route(ctx)
            expires_at = None if step.state == IDLE else max(now + self._services.conversation_timeout, step.keep_until or now)
            await uow.conversations.save(chat, step.state, step.data, person_id=person.id, expires_at=expires_at, now=now)
            await uow.commit()
            language = person.language
            return [dataclasses.replace(r, language=language) if language and r.language is None else r for r in replies + list(step.replies)]

    async def _sender(self, uow: UnitOfWork, inbound: Inbound, now: datetime, sender: Sender | None) -> tuple[Person, ChatState]:
        """Return the sender (None: a first contact) and the chat's conversation, creating either on first contact."""
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

    async def _banned(self, uow: UnitOfWork, inbound: Inbound, person: Person, now: datetime) -> list[Outbound]:
        """Record a banned person's message without handling it; tell them once per ban."""
        await uow.inbound.set_status(inbound.channel, inbound.platform_id, "banned")
        replies: list[Outbound] = []
        if person.ban_told_at is None:
            person.ban_told_at = now
            until = person.banned_until.astimezone(self._services.tz) if person.banned_until else now
            copy = texts_for(person.language) if person.language else self._services.texts
            replies.append(Outbound(text=copy.t("errors.banned", until=until.strftime("%Y-%m-%d %H:%M")), language=person.language))
        await uow.commit()
        return replies

    async def _finish(self, inbound: Inbound, replies: list[Outbound], status: str) -> list[Outbound]:
        """Record the update as done without any other change, and return the replies."""
        async with UnitOfWork(self._session_factory) as uow:
            fresh = await uow.inbound.record(inbound.channel, inbound.platform_id, self._payload(inbound), self._clock(), status=status)
            await uow.commit()
        return replies if fresh else []

    async def _system(self, inbound: Inbound, key: str, *, fallback: str | None = None) -> Outbound:
        """Return a message of the dispatcher's own (an apology, a refusal) in the sender's language.

        KEY falls back to FALLBACK when the catalogue has no such text (a lifecycle refusal without its own)."""
        language = await self._language_of(inbound)
        texts = texts_for(language) if language else self._services.texts
        text = texts.t(key) if fallback is None or texts.has(key) else texts.t(fallback)
        return Outbound(text=text, language=language)

    async def _language_of(self, inbound: Inbound) -> str | None:
        """Return the language the sender chose (None: none, a first contact, or the database did not answer)."""
        try:
            async with UnitOfWork(self._session_factory) as uow:
                sender = await uow.conversations.sender(inbound.channel, inbound.user_id, inbound.chat_id)
        except (SQLAlchemyError, OSError):
            log.warning("%s chat %s: the sender's language could not be read; answered in the district's", inbound.channel, inbound.chat_id)
            return None
        return sender.person.language if sender is not None else None
