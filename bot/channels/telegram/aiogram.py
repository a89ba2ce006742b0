"""The aiogram (3.x) driver: a `Bot` and a `Dispatcher` used only for polling and webhook parsing.

No router, FSM storage or scene of aiogram holds any state (FSM is disabled): a single outer
middleware on the update observer turns every update back into Bot API JSON and hands it to the
channel, which passes it to QunGong's dispatcher.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, NoReturn

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.types import (
    FSInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    TelegramObject,
    Update,
)

from bot.channels.delivery import DeliveryError, PermanentFailure, TemporaryFailure
from bot.channels.photos import check_size
from bot.channels.settings import TelegramChannel
from bot.channels.telegram.common import Keyboard, Send
from bot.channels.telegram.driver import Receive
from handlers.messages import local_image

log = logging.getLogger(__name__)
NOT_MODIFIED = "message is not modified"

ERRORS: list[tuple[type[TelegramAPIError], Callable[[Any], DeliveryError]]] = [
    (TelegramRetryAfter, lambda e: TemporaryFailure(f"telegram: {e.message}", retry_after=float(e.retry_after))),
    (TelegramForbiddenError, lambda e: PermanentFailure(f"telegram: {e.message}")),  # blocked by the user
    (TelegramMigrateToChat, lambda e: PermanentFailure(f"telegram: chat moved to {e.migrate_to_chat_id}")),
    (TelegramUnauthorizedError, lambda e: PermanentFailure(f"telegram: {e.message}")),
    (TelegramNotFound, lambda e: PermanentFailure(f"telegram: {e.message}")),
    (TelegramBadRequest, lambda e: PermanentFailure(f"telegram: {e.message}")),  # chat not found, refused
    (TelegramAPIError, lambda e: TemporaryFailure(f"telegram: {e.message}")),  # network errors, 5xx
]


def _raise(exc: TelegramAPIError) -> NoReturn:
    """Raise the delivery error that stands for an aiogram error."""
    for kind, build in ERRORS:
        if isinstance(exc, kind):
            raise build(exc) from exc
    raise TemporaryFailure(f"telegram: {exc}") from exc  # pragma: no cover - TelegramAPIError matches all


def _markup(keyboard: Keyboard) -> InlineKeyboardMarkup | None:
    """Return aiogram's inline keyboard for a layout."""
    if not keyboard:
        return None
    rows = [[InlineKeyboardButton(text=b.label, callback_data=b.payload) for b in row] for row in keyboard]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def as_json(update: Update) -> dict[str, Any]:
    """Return an aiogram Update in the Bot API's JSON shape."""
    return update.model_dump(mode="json", exclude_none=True, by_alias=True)


class AiogramDriver:
    """Telegram through aiogram."""

    def __init__(self, settings: TelegramChannel) -> None:
        session = AiohttpSession(api=TelegramAPIServer.from_base(settings.api_base_url.rstrip("/")), timeout=15.0)
        self._bot = Bot(settings.token, session=session)
        self._dispatcher = Dispatcher(disable_fsm=True, name=f"qungong-{settings.name}")
        self._dispatcher.update.outer_middleware(self._middleware)
        self._receive: Receive | None = None
        self._polling: asyncio.Task[None] | None = None
        self._inflight: set[asyncio.Task[Any]] = set()

    async def _middleware(
        self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]], event: TelegramObject, data: dict[str, Any]
    ) -> Any:
        """Hand the update to the channel instead of aiogram's routers."""
        receive = data.get("qungong_receive") or self._receive
        if isinstance(event, Update) and receive is not None:
            task = asyncio.current_task()
            if task is not None:
                self._inflight.add(task)
            try:
                await receive(as_json(event))
            finally:
                if task is not None:
                    self._inflight.discard(task)
        return None

    async def open(self) -> None:
        """Check the token with getMe."""
        try:
            await self._bot.me()
        except TelegramAPIError as exc:
            _raise(exc)

    async def close(self) -> None:
        """Release the HTTP session."""
        await self._bot.session.close()

    async def start_polling(self, receive: Receive, timeout: int, allowed_updates: Sequence[str]) -> None:
        """Delete any webhook and run aiogram's polling loop in the background."""
        self._receive = receive
        try:
            await self._bot.delete_webhook(drop_pending_updates=False)
        except TelegramAPIError as exc:
            _raise(exc)
        polling = self._dispatcher.start_polling(
            self._bot,
            polling_timeout=timeout,
            allowed_updates=list(allowed_updates),
            handle_signals=False,
            close_bot_session=False,
        )
        self._polling = asyncio.create_task(polling, name="telegram-aiogram-polling")

    async def stop_polling(self) -> None:
        """Stop the polling loop and let handed-over updates finish."""
        if self._polling is not None:
            with contextlib.suppress(RuntimeError):  # polling had not started yet
                await self._dispatcher.stop_polling()
            with contextlib.suppress(asyncio.CancelledError):
                await self._polling
            self._polling = None
        if self._inflight:
            await asyncio.gather(*self._inflight, return_exceptions=True)

    async def feed(self, data: dict[str, Any], receive: Receive) -> None:
        """Parse a webhook body with aiogram and hand the update over."""
        try:
            update = Update.model_validate(data, context={"bot": self._bot})
        except ValueError as exc:  # pydantic's ValidationError
            raise ValueError(f"not a Telegram update: {exc}") from exc
        await self._dispatcher.feed_update(self._bot, update, qungong_receive=receive)

    async def set_webhook(self, url: str, secret: str, allowed_updates: Sequence[str]) -> None:
        """Register the webhook with its secret token."""
        try:
            await self._bot.set_webhook(url, secret_token=secret, allowed_updates=list(allowed_updates))
        except TelegramAPIError as exc:
            _raise(exc)

    async def send(self, chat_id: str, send: Send) -> int:
        """Send a text or a photo with its keyboard."""
        try:
            if send.photo:
                local = local_image(send.photo)  # a local chart is uploaded from its file
                photo: str | FSInputFile = FSInputFile(local) if local else send.photo
                message = await self._bot.send_photo(chat_id, photo, caption=send.text or None, reply_markup=_markup(send.keyboard))
            else:
                message = await self._bot.send_message(chat_id, send.text, reply_markup=_markup(send.keyboard))
        except TelegramAPIError as exc:
            _raise(exc)
        return message.message_id

    async def download(self, file_id: str) -> bytes:
        """Return a file's bytes through getFile and the file URL."""
        try:
            file = await self._bot.get_file(file_id)
            check_size(file.file_size)
            if not file.file_path:
                raise PermanentFailure(f"telegram: file {file_id[:40]} has no download path")
            data = await self._bot.download_file(file.file_path)
        except TelegramAPIError as exc:
            _raise(exc)
        if data is None:  # only for a destination on disk, which is not asked for
            raise PermanentFailure(f"telegram: file {file_id[:40]} was not downloaded")
        return data.read()

    async def answer_callback(self, query_id: str) -> None:
        """Answer a callback query."""
        try:
            await self._bot.answer_callback_query(query_id)
        except TelegramAPIError as exc:
            _raise(exc)

    async def clear_keyboard(self, chat_id: str, message_id: int) -> None:
        """Edit a message to drop its keyboard (already without one: nothing to do)."""
        try:
            await self._bot.edit_message_reply_markup(chat_id=chat_id, message_id=message_id, reply_markup=None)
        except TelegramBadRequest as exc:
            if NOT_MODIFIED not in exc.message.lower():
                _raise(exc)
        except TelegramAPIError as exc:
            _raise(exc)
