"""A Telegram bot as a QunGong channel: updates in, replies and pushes out, through either driver.

Direct replies are paced by the process-wide rate limiter (the [outbox.rate] limits: about 30 a
second per bot, one a second per chat) and retried after Telegram's retry_after; the outbox
sender paces and retries its own pushes and calls `send`. A photo is fetched once (getFile and its
download) into the media store before it is handled, so the case keeps our copy, not Telegram's file id.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from typing import Any

from aiohttp import web

from bot.app import App
from bot.channels.delivery import DeliveryError, PermanentFailure, TemporaryFailure
from bot.channels.media import with_local_images
from bot.channels.photos import keep_photo
from bot.channels.settings import TelegramChannel as TelegramSettings
from bot.channels.telegram.common import ALLOWED_UPDATES, pressed_message, render, to_inbound
from bot.channels.telegram.driver import TelegramDriver
from bot.dispatcher import Busy
from bot.locks import KeyedLocks
from bot.outbox.rate_limit import RateLimiter
from bot.web.guard import BadBody, read_json_object
from handlers.messages import Outbound

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
REPLY_ATTEMPTS = 4
MAX_UPDATE_BYTES = 1024 * 1024  # an update with a long message, its entities and a reply is far smaller
MAX_UPDATE_DEPTH = 32
MAX_RETRY_WAIT = 60.0  # a direct reply waits at most this long for Telegram's retry_after


def make_driver(settings: TelegramSettings) -> TelegramDriver:
    """Build the driver the config names (its library is imported only then)."""
    if settings.driver == "aiogram":
        from bot.channels.telegram.aiogram import AiogramDriver  # noqa: PLC0415 - load a library only when configured

        return AiogramDriver(settings)
    from bot.channels.telegram.ptb import PtbDriver  # noqa: PLC0415 - load a library only when configured

    return PtbDriver(settings)


class TelegramChannel:
    """One Telegram bot: a ChannelAdapter for pushes and a receiver for updates."""

    def __init__(self, settings: TelegramSettings, app: App, limiter: RateLimiter, driver: TelegramDriver | None = None) -> None:
        self.name = settings.name
        self.settings = settings
        self._app = app
        self._limiter = limiter
        self._driver = driver or make_driver(settings)
        self._chats = KeyedLocks()
        self._receiving = False

    def add_routes(self, web_app: web.Application) -> None:
        """Mount the webhook route (webhook mode only)."""
        if self.settings.mode == "webhook":
            web_app.router.add_post(self.settings.webhook_path, self._webhook)

    async def start(self, receive: bool = True) -> None:
        """Check the token, then (when this process receives) start polling or register the webhook."""
        await self._driver.open()
        self._receiving = receive
        if not receive:
            log.info("telegram channel %s ready to send (%s)", self.name, self.settings.driver)
            return
        if self.settings.mode == "webhook":
            await self._driver.set_webhook(self.settings.webhook_url, self.settings.webhook_secret, ALLOWED_UPDATES)
        else:
            await self._driver.start_polling(self.receive, self.settings.poll_timeout_seconds, ALLOWED_UPDATES)
        log.info("telegram channel %s started (%s, %s)", self.name, self.settings.driver, self.settings.mode)

    async def stop(self) -> None:
        """Stop polling and close the connections (the webhook stays registered for other workers)."""
        if self.settings.mode == "polling" and self._receiving:
            await self._driver.stop_polling()
        await self._driver.close()

    async def _webhook(self, request: web.Request) -> web.Response:
        """Take one update from Telegram: refuse a wrong secret token, handle the update, answer 200."""
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.settings.webhook_secret.encode()):
            log.warning("telegram channel %s: webhook call with a wrong secret token refused", self.name)
            return web.Response(status=403, text="forbidden")
        try:
            data = await read_json_object(request, max_bytes=MAX_UPDATE_BYTES, max_depth=MAX_UPDATE_DEPTH)
            await self._driver.feed(data, self.receive)
        except BadBody as exc:
            log.warning("telegram channel %s: webhook body refused: %s", self.name, exc.reason)
            return web.Response(status=exc.status, text="bad request")
        except ValueError as exc:
            log.warning("telegram channel %s: malformed webhook body: %s", self.name, exc)
            return web.Response(status=400, text="bad request")
        except Busy:
            return web.Response(status=503, text="busy, deliver again", headers={"Retry-After": "1"})
        return web.Response(text="ok")

    async def receive(self, update: dict[str, Any]) -> None:
        """Handle one update: answer a button press, run the dispatcher, show the replies in order."""
        try:
            inbound = to_inbound(self.name, update, self.settings.location_datum)
            pressed = pressed_message(update)
        except ValueError as exc:
            log.warning("telegram channel %s: update %r ignored: %s", self.name, str(update.get("update_id"))[:20], exc)
            return
        if inbound is None:
            log.debug("telegram channel %s: update %s ignored", self.name, update.get("update_id"))
            if pressed is not None:  # a press that is not ours still must not spin forever
                with contextlib.suppress(DeliveryError):
                    await self._driver.answer_callback(pressed[0])
            return
        async with self._chats.hold(inbound.chat_id):  # one chat's updates are answered in order
            if pressed is not None:
                with contextlib.suppress(DeliveryError):
                    await self._driver.answer_callback(pressed[0])
            inbound = await keep_photo(self._app.session_factory, inbound, self._driver.download)
            replies = await self._app.running_dispatcher().handle(inbound)
            if pressed is not None and replies and pressed[2]:
                with contextlib.suppress(DeliveryError):  # the answered question loses its buttons
                    await self._driver.clear_keyboard(pressed[1], pressed[2])
            for reply in replies:
                await self._reply(inbound.chat_id, await with_local_images(self._app.session_factory, reply))

    async def _reply(self, chat_id: str, message: Outbound) -> None:
        """Show a reply, paced by the rate limiter and retried after temporary failures."""
        for send in render(message):
            for attempt in range(1, REPLY_ATTEMPTS + 1):
                try:
                    async with self._limiter.pace(self.name, chat_id):
                        await self._driver.send(chat_id, send)
                    break
                except TemporaryFailure as exc:
                    if attempt == REPLY_ATTEMPTS:
                        log.error("telegram channel %s: reply to chat %s dropped: %s", self.name, chat_id, exc)
                        return
                    wait = min(exc.retry_after if exc.retry_after is not None else 0.5 * 2**attempt, MAX_RETRY_WAIT)
                    if exc.retry_after is not None:
                        await self._limiter.pause(self.name, wait)
                    log.info("telegram channel %s: reply to chat %s retried in %.1f s: %s", self.name, chat_id, wait, exc)
                    await asyncio.sleep(wait)
                except PermanentFailure as exc:
                    log.warning("telegram channel %s: reply to chat %s refused: %s", self.name, chat_id, exc)
                    return

    async def send(self, chat_id: str, message: Outbound) -> None:
        """Deliver a push from the outbox; failures are raised for the sender to retry or dead-letter."""
        for send in render(message):
            await self._driver.send(chat_id, send)
