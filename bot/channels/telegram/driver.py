"""The small surface a Telegram library must offer QunGong; python-telegram-bot and aiogram implement it.

A driver speaks to the Bot API and hands updates over as Bot API JSON (dicts). Every call that
talks to Telegram raises a `bot.channels.delivery.DeliveryError` subclass when it fails, never the
library's own exceptions, so the channel above it does not know which library runs.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from typing import Any, Protocol

from bot.channels.telegram.common import Send

Receive = Callable[[dict[str, Any]], Coroutine[Any, Any, None]]


class TelegramDriver(Protocol):
    """One Telegram library, wrapped."""

    async def open(self) -> None:
        """Get ready to call the Bot API (checks the token with getMe)."""

    async def close(self) -> None:
        """Release the library's connections."""

    async def start_polling(self, receive: Receive, timeout: int, allowed_updates: Sequence[str]) -> None:
        """Delete any webhook and start long polling in the background, handing updates to RECEIVE."""

    async def stop_polling(self) -> None:
        """Stop long polling (updates already handed over finish on their own)."""

    async def feed(self, data: dict[str, Any], receive: Receive) -> None:
        """Parse a webhook body with the library and hand the update to RECEIVE; ValueError if malformed."""

    async def set_webhook(self, url: str, secret: str, allowed_updates: Sequence[str]) -> None:
        """Ask Telegram to post updates to URL with the secret token header."""

    async def send(self, chat_id: str, send: Send) -> int:
        """Send a text or photo (with its keyboard) and return the new message's id."""

    async def download(self, file_id: str) -> bytes:
        """Return a file's bytes (getFile, then its download URL); too large a file raises TooLarge unread."""

    async def answer_callback(self, query_id: str) -> None:
        """Answer a button press so the client stops its progress indicator."""

    async def clear_keyboard(self, chat_id: str, message_id: int) -> None:
        """Remove the inline keyboard from a message the user already answered."""
