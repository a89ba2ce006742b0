"""The python-telegram-bot (22.x) driver: a bare `telegram.Bot` and `telegram.ext.Updater`, no handlers.

No Application, ConversationHandler or persistence of PTB's holds any state: updates are turned
back into Bot API JSON and handed to the channel, which passes them to QunGong's dispatcher.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any, NoReturn

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import Updater
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from bot.channels.delivery import DeliveryError, PermanentFailure, TemporaryFailure
from bot.channels.photos import check_size
from bot.channels.settings import TelegramChannel
from bot.channels.telegram.common import Keyboard, Send
from bot.channels.telegram.driver import Receive
from handlers.messages import local_image

log = logging.getLogger(__name__)
NOT_MODIFIED = "message is not modified"


def _retry_after(exc: RetryAfter) -> float:
    """Return the wait Telegram asked for, in seconds, through the public property (an int, or a timedelta
    when PTB_TIMEDELTA is set; PTB warns about the int until then, which says nothing to us)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: int | float | timedelta = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


ERRORS: list[tuple[type[TelegramError], Callable[[Any], DeliveryError]]] = [
    (RetryAfter, lambda e: TemporaryFailure(f"telegram: {e}", retry_after=_retry_after(e))),
    (Forbidden, lambda e: PermanentFailure(f"telegram: {e}")),  # blocked by the user, kicked
    (ChatMigrated, lambda e: PermanentFailure(f"telegram: chat moved to {e.new_chat_id}")),
    (InvalidToken, lambda e: PermanentFailure(f"telegram: {e}")),
    (BadRequest, lambda e: PermanentFailure(f"telegram: {e}")),  # chat not found, message refused
    (NetworkError, lambda e: TemporaryFailure(f"telegram: {e}")),  # timeouts, 5xx, connection errors
    (TelegramError, lambda e: TemporaryFailure(f"telegram: {e}")),
]


def _raise(exc: TelegramError) -> NoReturn:
    """Raise the delivery error that stands for a PTB error."""
    for kind, build in ERRORS:
        if isinstance(exc, kind):
            raise build(exc) from exc
    raise TemporaryFailure(f"telegram: {exc}") from exc  # pragma: no cover - TelegramError matches all


def _markup(keyboard: Keyboard) -> InlineKeyboardMarkup | None:
    """Return PTB's inline keyboard for a layout."""
    if not keyboard:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(b.label, callback_data=b.payload) for b in row] for row in keyboard])


class PtbDriver:
    """Telegram through python-telegram-bot."""

    def __init__(self, settings: TelegramChannel) -> None:
        base = settings.api_base_url.rstrip("/")
        self._requests = (
            HTTPXRequest(connection_pool_size=16, read_timeout=15.0),
            HTTPXRequest(read_timeout=settings.poll_timeout_seconds + 10.0),
        )
        self._bot = Bot(
            settings.token,
            base_url=f"{base}/bot",
            base_file_url=f"{base}/file/bot",
            request=self._requests[0],
            get_updates_request=self._requests[1],
        )
        self._updater: Updater | None = None
        self._consumer: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def open(self) -> None:
        """Check the token with getMe."""
        try:
            await self._bot.initialize()
        except TelegramError as exc:
            _raise(exc)

    async def close(self) -> None:
        """Release the HTTP connections (also when open() was never called)."""
        await self._bot.shutdown()
        for request in self._requests:
            await request.shutdown()

    async def start_polling(self, receive: Receive, timeout: int, allowed_updates: Sequence[str]) -> None:
        """Start PTB's Updater and a consumer that hands each update over in its own task."""
        queue: asyncio.Queue[object] = asyncio.Queue()
        self._updater = Updater(self._bot, queue)
        await self._updater.initialize()
        await self._updater.start_polling(timeout=timedelta(seconds=timeout), allowed_updates=list(allowed_updates), bootstrap_retries=-1)
        self._consumer = asyncio.create_task(self._consume(queue, receive), name="telegram-ptb-updates")

    async def _consume(self, queue: asyncio.Queue[object], receive: Receive) -> None:
        """Hand queued updates over in arrival order, each in its own task."""
        while True:
            update = await queue.get()
            if isinstance(update, Update):
                task = asyncio.create_task(receive(update.to_dict()))
                self._tasks.add(task)
                task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        """Forget a handed-over update, logging what it failed with (the update is lost, as Telegram confirmed it)."""
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("telegram update failed", exc_info=task.exception())

    async def stop_polling(self) -> None:
        """Stop the Updater and the consumer, and let handed-over updates finish."""
        if self._updater is not None and self._updater.running:
            await self._updater.stop()
            await self._updater.shutdown()
        if self._consumer is not None:
            self._consumer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._consumer
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def feed(self, data: dict[str, Any], receive: Receive) -> None:
        """Parse a webhook body into a PTB Update and hand it over as JSON."""
        try:
            update = Update.de_json(data, self._bot)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:  # de_json trusts the shape it is given
            raise ValueError(f"not a Telegram update: {type(exc).__name__}: {exc}") from exc
        await receive(update.to_dict())

    async def set_webhook(self, url: str, secret: str, allowed_updates: Sequence[str]) -> None:
        """Register the webhook with its secret token."""
        try:
            await self._bot.set_webhook(url, secret_token=secret, allowed_updates=list(allowed_updates))
        except TelegramError as exc:
            _raise(exc)

    async def send(self, chat_id: str, send: Send) -> int:
        """Send a text or a photo with its keyboard."""
        try:
            if send.photo:
                photo = local_image(send.photo) or send.photo  # a local chart is uploaded from its file
                message = await self._bot.send_photo(chat_id, photo, caption=send.text or None, reply_markup=_markup(send.keyboard))
            else:
                message = await self._bot.send_message(chat_id, send.text, reply_markup=_markup(send.keyboard))
        except TelegramError as exc:
            _raise(exc)
        return message.message_id

    async def download(self, file_id: str) -> bytes:
        """Return a file's bytes through getFile and the file URL."""
        try:
            file = await self._bot.get_file(file_id)
            check_size(file.file_size)
            return bytes(await file.download_as_bytearray())
        except TelegramError as exc:
            _raise(exc)

    async def answer_callback(self, query_id: str) -> None:
        """Answer a callback query."""
        try:
            await self._bot.answer_callback_query(query_id)
        except TelegramError as exc:
            _raise(exc)

    async def clear_keyboard(self, chat_id: str, message_id: int) -> None:
        """Edit a message to drop its keyboard (already without one: nothing to do)."""
        try:
            await self._bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)
        except BadRequest as exc:
            if NOT_MODIFIED not in str(exc).lower():
                _raise(exc)
        except TelegramError as exc:
            _raise(exc)
