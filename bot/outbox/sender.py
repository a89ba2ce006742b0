"""The outbox sender: drain due outbox rows through the channel adapters, reliably and politely.

Each round claims a batch (storage.outbox.claim: no two senders get the same row), then sends the
rows concurrently (at most `concurrency` in flight), each after the rate limiter grants a slot for
its channel and chat. Outcomes:

- delivered → `sent`;
- TemporaryFailure (timeouts, 5xx, 429) → retried after an exponential backoff with jitter, never
  sooner than the platform's `retry_after` (which also pauses the whole channel), dead-lettered
  after `max_attempts`;
- OutsideServiceWindow (WeChat's 48-hour window) → the row's `payload["template"]` is sent through
  the adapter's optional `send_template`, else dead-lettered;
- PermanentFailure → dead-lettered at once.

A sender only claims rows of the channels it serves (see storage.outbox.claim); a row whose chat
could not be resolved after all (the person's account went away meanwhile) is given back untried.

A dead-lettered row queues an alert to every administrator (deduplicated per row).

Where delivery can still be doubled: the platform accepts a message, and the sender dies (or
loses the database) before `mark_sent` commits. The row is still `pending` with a lease; when the
lease (`claim_seconds`) runs out another sender claims it and sends it again. The window is the
time between the platform's answer and the commit of one single-row UPDATE — normally a few
milliseconds. A send that times out on our side (`send_timeout_seconds`) but was in fact accepted
by the platform is also retried, so a slow platform can double a message too. Nothing else
doubles: claims are exclusive, and a sender that lost its lease cannot record anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.delivery import (
    ChannelAdapter,
    OutsideServiceWindow,
    PermanentFailure,
    TemporaryFailure,
)
from bot.channels.media import with_local_images
from bot.outbox.rate_limit import Limit, RateLimiter
from bot.outbox.settings import OutboxSection
from handlers.messages import Target, outbound_from_payload
from scheduler.texts import text
from storage.outbox import Claimed, claim, mark_dead, mark_retry, mark_sent, release

log = logging.getLogger(__name__)


@runtime_checkable
class TemplateAdapter(Protocol):
    """An adapter that can also send a platform template message (WeChat outside its 48-hour window)."""

    async def send_template(self, chat_id: str, template: Mapping[str, Any]) -> None:
        """Deliver a template message, or raise a DeliveryError."""


def backoff(attempt: int, base: float, ceiling: float, retry_after: float | None, rng: Callable[[], float]) -> float:
    """Return the delay before retry number ATTEMPT: exponential, jittered, never below retry_after."""
    delay = min(ceiling, base * 2.0 ** max(0, attempt - 1))
    jittered = delay * (0.5 + rng() / 2)
    return max(jittered, float(retry_after)) if retry_after is not None else jittered


def limits_from(settings: OutboxSection) -> Callable[[str], tuple[Limit, Limit]]:
    """Return the (whole bot, one chat) limits of a channel from the [outbox] section."""
    margin = settings.window_margin_ms / 1000

    def limits(channel: str) -> tuple[Limit, Limit]:
        rate = settings.limit_for(channel)
        return Limit.per_second(rate.per_second, margin, rate.burst), Limit.per_second(rate.per_chat_per_second, margin, rate.per_chat_burst)

    return limits


class OutboxSender:
    """Sends due outbox rows through the channel adapters."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        adapters: Mapping[str, ChannelAdapter],
        settings: OutboxSection,
        *,
        language: str = "zh",
        worker_id: str | None = None,
        limiter: RateLimiter | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.session_factory = session_factory
        self.adapters = dict(adapters)
        self.settings = settings
        self.language = language
        self.worker_id = worker_id or f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"
        self.limiter = limiter or RateLimiter(limits_from(settings), time.monotonic)
        self.now = now
        self.rng = rng

    async def drain_once(self) -> int:
        """Claim one batch of due rows and handle every one of them; return how many were claimed."""
        rows = await claim(
            self.session_factory,
            self.worker_id,
            self.now(),
            lease=timedelta(seconds=self.settings.claim_seconds),
            limit=self.settings.batch,
            channels=list(self.adapters),
        )
        gate = asyncio.Semaphore(self.settings.concurrency)

        async def one(row: Claimed) -> None:
            async with gate:
                await self.deliver(row)

        await asyncio.gather(*(one(row) for row in rows))
        return len(rows)

    async def run(self, stop: asyncio.Event) -> None:
        """Drain the outbox until STOP is set, polling when it is empty."""
        while not stop.is_set():
            try:
                claimed = await self.drain_once()
            except Exception:  # keep the sender alive through database hiccups
                log.exception("outbox sender %s: round failed", self.worker_id)
                claimed = 0
            if claimed < self.settings.batch:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=self.settings.poll_seconds)

    async def deliver(self, row: Claimed) -> None:
        """Send one claimed row and record the outcome."""
        adapter = self.adapters.get(row.channel or "")
        if adapter is None or row.channel is None or row.chat_id is None:
            later = self.now() + timedelta(seconds=self.settings.poll_seconds)
            await release(self.session_factory, row.id, self.worker_id, later, f"no chat on {sorted(self.adapters)} for person {row.person_id}")
            return
        channel, chat_id = row.channel, row.chat_id
        message = await with_local_images(self.session_factory, outbound_from_payload(row.payload, Target(channel, chat_id)))
        slot = await self.limiter.acquire(channel, chat_id)

        async def send() -> None:
            try:
                await adapter.send(chat_id, message)
            finally:
                await self.limiter.sent(slot)

        await self._attempt(row, send, adapter)

    async def _attempt(self, row: Claimed, send: Callable[[], Awaitable[None]], adapter: ChannelAdapter) -> None:
        """Run one send and turn its outcome into sent, retry or dead."""
        try:
            await asyncio.wait_for(send(), timeout=self.settings.send_timeout_seconds)
        except OutsideServiceWindow as exc:
            await self._template_fallback(row, adapter, exc)
        except PermanentFailure as exc:
            await self._dead(row, f"permanent failure: {exc}")
        except TemporaryFailure as exc:
            await self._retry(row, f"temporary failure: {exc}", exc.retry_after)
        except TimeoutError:
            await self._retry(row, f"no answer within {self.settings.send_timeout_seconds} s", None)
        except Exception as exc:
            log.exception("outbox row %d: adapter %s failed unexpectedly", row.id, adapter.name)
            await self._retry(row, f"unexpected error: {type(exc).__name__}", None)
        else:
            if not await mark_sent(self.session_factory, row.id, self.worker_id, self.now()):
                log.warning("outbox row %d was sent after its claim expired: it may be sent twice", row.id)

    async def _template_fallback(self, row: Claimed, adapter: ChannelAdapter, exc: OutsideServiceWindow) -> None:
        """Send the row's template instead, when it has one and the adapter can."""
        template = row.payload.get("template")
        if not template or not isinstance(adapter, TemplateAdapter) or row.chat_id is None:
            await self._dead(row, f"outside the service window and no template fallback: {exc}")
            return
        chat_id = row.chat_id
        await self._attempt(row, lambda: adapter.send_template(chat_id, template), _NoTemplate(adapter))

    async def _retry(self, row: Claimed, error: str, retry_after: float | None) -> None:
        """Schedule another attempt, or dead-letter the row after max_attempts."""
        attempt = row.attempts + 1
        if attempt >= self.settings.max_attempts:
            await self._dead(row, f"gave up after {attempt} attempts; last: {error}")
            return
        if retry_after is not None and row.channel is not None:
            await self.limiter.pause(row.channel, retry_after)
        delay = backoff(attempt, self.settings.backoff_base_seconds, self.settings.backoff_max_seconds, retry_after, self.rng)
        await mark_retry(self.session_factory, row.id, self.worker_id, self.now() + timedelta(seconds=delay), error)

    async def _dead(self, row: Claimed, error: str) -> None:
        """Dead-letter the row and alert the administrators."""
        log.error("outbox row %d (%s) dead-lettered: %s", row.id, row.kind, error)

        def alert(language: str | None) -> dict[str, Any]:
            body = text(language or self.language, "dead_letter", id=row.id, kind=row.kind, attempts=row.attempts + 1, error=error[:200])
            written: dict[str, Any] = {"text": body, "buttons": [], "image": None, "meta": {"outbox_id": row.id}}
            return {**written, "language": language} if language else written

        await mark_dead(self.session_factory, row, self.worker_id, self.now(), error=error, alert=alert)


class _NoTemplate:
    """An adapter seen as unable to send templates, so a template send that fails is not retried as one."""

    def __init__(self, adapter: ChannelAdapter) -> None:
        self.name = adapter.name
        self._adapter = adapter

    async def send(self, chat_id: str, message: Any) -> None:
        """Delegate to the wrapped adapter."""
        await self._adapter.send(chat_id, message)
