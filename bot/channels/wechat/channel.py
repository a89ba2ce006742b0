"""A WeChat official account as a QunGong channel, on the app's own HTTP server.

    GET  <path>   URL verification: echo `echostr` when the signature is right
    POST <path>   a message or event: signature checked (403 otherwise), decrypted in safe mode,
                  handled; the answer goes back as a passive reply when the dispatcher finishes
                  within `reply_budget_seconds` and fits in one message, otherwise "success" now
                  and the answer through the customer-service API when it is ready.

Both also refuse (403) a `timestamp` that is not a whole number or lies more than
`replay_window_seconds` from the channel's clock, past or future: a captured signed request cannot be
replayed later (the dispatcher only deduplicates messages and events it has seen, not old ones).

Buttons become a numbered menu stored in the database (`channel_menus`), so a reply "1" reaches
whichever worker and becomes the same button payload. Pushes use the customer-service API;
outside the 48-hour window WeChat refuses them (45015) and `send` raises OutsideServiceWindow, so
the outbox sender falls back to `send_template`. A photo is downloaded once by its MediaId (media/get,
within the reply budget) into the media store before it is handled; WeChat's PicUrl stays when that
fails. wechatpy is synchronous: every API call runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import hmac
import logging
import re
import time
from collections.abc import Callable, Mapping
from typing import Any, NoReturn

import requests
from aiohttp import web
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException, WeChatClientException, WeChatException
from wechatpy.replies import TextReply

from bot.app import App
from bot.channels.delivery import (
    DeliveryError,
    OutsideServiceWindow,
    PermanentFailure,
    TemporaryFailure,
)
from bot.channels.media import local_copy
from bot.channels.photos import keep_photo
from bot.channels.settings import WeChatChannel as WeChatSettings
from bot.channels.wechat.inbound import menu_number, to_inbound
from bot.channels.wechat.menus import menu_choice, save_menu
from bot.channels.wechat.render import Rendered, render
from bot.channels.wechat.token import StableTokenClient
from bot.dispatcher import Busy, utcnow
from bot.outbox.rate_limit import RateLimiter
from bot.web.guard import BadBody, read_body
from handlers.buttons import MenuItem
from handlers.menu import ACCOUNT_MENU_ITEMS
from handlers.messages import Inbound, InboundKind, Outbound, local_image

log = logging.getLogger(__name__)
SUCCESS = "success"  # what WeChat wants when there is no passive reply
TIMESTAMP = re.compile(r"[0-9]{1,12}")  # WeChat's timestamp: Unix seconds
STALE = "forbidden: timestamp outside the replay window"
MAX_CALLBACK_BYTES = 64 * 1024  # a callback is one small XML message

# WeChat error codes → what they mean for delivery.
OUTSIDE_WINDOW = {45015, 45047}  # 48-hour window over; too many messages in the window
TEMPORARY = {-1, 45009, 45011, 40001, 40014, 42001}  # busy, rate limits, token trouble
PERMANENT_HINTS = {43004: "the user unfollowed the account", 40003: "unknown openid", 40037: "unknown template id"}


def signature(*parts: str) -> str:
    """Return WeChat's signature: SHA-1 of the sorted parts joined."""
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()  # noqa: S324 - WeChat's protocol


def _raise(exc: Exception) -> NoReturn:
    """Raise the delivery error that stands for a wechatpy or requests error."""
    if isinstance(exc, requests.RequestException):
        raise TemporaryFailure(f"wechat: {type(exc).__name__}") from exc
    code = getattr(exc, "errcode", None)
    message = f"wechat: {code} {getattr(exc, 'errmsg', '')}".strip()
    if code in OUTSIDE_WINDOW:
        raise OutsideServiceWindow(message) from exc
    if code is None or code in TEMPORARY:  # code None: HTTP error (5xx) before any errcode
        raise TemporaryFailure(message) from exc
    raise PermanentFailure(f"{message} ({PERMANENT_HINTS.get(code, 'refused')})") from exc


class WeChatChannel:
    """One official account: a ChannelAdapter (plus send_template) and the callback routes."""

    def __init__(
        self,
        settings: WeChatSettings,
        app: App,
        limiter: RateLimiter,
        *,
        client: StableTokenClient | None = None,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.name = settings.name
        self.settings = settings
        self._app = app
        self._limiter = limiter
        self._client = client or StableTokenClient(settings.app_id, settings.app_secret, settings.api_base_url)
        self._crypto = WeChatCrypto(settings.token, settings.aes_key, settings.app_id) if settings.aes_key else None
        self._now = now
        self._background: set[asyncio.Task[None]] = set()

    @property
    def crypto(self) -> WeChatCrypto | None:
        """Return the safe-mode crypto (None in plain mode)."""
        return self._crypto

    def add_routes(self, web_app: web.Application) -> None:
        """Mount the callback URL."""
        web_app.router.add_get(self.settings.path, self._verify)
        web_app.router.add_post(self.settings.path, self._callback)

    async def start(self, receive: bool = True) -> None:
        """Nothing to start: WeChat calls us (and pushes need only the token, fetched on first use)."""
        log.info("wechat channel %s ready on %s (%s mode)", self.name, self.settings.path, "safe" if self._crypto else "plain")

    async def stop(self) -> None:
        """Let answers still being pushed finish (at most a few seconds)."""
        if self._background:
            await asyncio.wait(self._background, timeout=10)

    def _signed(self, request: web.Request) -> bool:
        """Tell whether the request carries WeChat's signature for our token."""
        query = request.query
        expected = signature(self.settings.token, query.get("timestamp", ""), query.get("nonce", ""))
        return hmac.compare_digest(expected, query.get("signature", ""))

    def _refusal(self, request: web.Request) -> web.Response | None:
        """Return the 403 for a request with a wrong signature or outside the replay window, else None."""
        if not self._signed(request):
            log.warning("wechat channel %s: %s with a wrong signature refused", self.name, request.method)
            return web.Response(status=403, text="forbidden")
        if not self._fresh(request):
            return web.Response(status=403, text=STALE)
        return None

    def _fresh(self, request: web.Request) -> bool:
        """Tell whether the request's timestamp is within the replay window of our clock (a refusal is logged)."""
        timestamp = request.query.get("timestamp", "")
        if not TIMESTAMP.fullmatch(timestamp):
            log.warning("wechat channel %s: %s with a non-numeric timestamp %r refused", self.name, request.method, timestamp[:32])
            return False
        skew = int(timestamp) - self._now()
        if abs(skew) > self.settings.replay_window_seconds:
            log.warning(
                "wechat channel %s: %s with a timestamp %+.0f s from now refused (replay window %d s)",
                self.name, request.method, skew, self.settings.replay_window_seconds,
            )
            return False
        return True

    async def _verify(self, request: web.Request) -> web.Response:
        """Answer WeChat's URL verification."""
        refusal = self._refusal(request)
        if refusal is not None:
            return refusal
        return web.Response(text=request.query.get("echostr", ""))

    async def _callback(self, request: web.Request) -> web.Response:
        """Take one message or event and answer within the budget."""
        refusal = self._refusal(request)
        if refusal is not None:
            return refusal
        encrypted = request.query.get("encrypt_type") == "aes"
        inbound = await self._read(request, encrypted)
        if isinstance(inbound, web.Response):
            return inbound
        if inbound is None:
            return web.Response(text=SUCCESS)
        try:
            answer = await self._answer(await self._with_menu(inbound))
        except Busy:
            return web.Response(status=503, text="busy")  # WeChat calls again, and the retry is handled afresh
        if answer is None:
            return web.Response(text=SUCCESS)
        reply = TextReply(source=inbound.raw.get("ToUserName", ""), target=inbound.chat_id, content=answer, time=int(self._now())).render()
        if encrypted and self._crypto is not None:
            reply = self._crypto.encrypt_message(reply, request.query.get("nonce", ""), str(int(self._now())))
        return web.Response(text=reply, content_type="application/xml")

    async def _read(self, request: web.Request, encrypted: bool) -> Inbound | None | web.Response:
        """Read the callback's message (None: a kind we do not use), or the 4xx refusing it (logged)."""
        try:
            body = (await read_body(request, MAX_CALLBACK_BYTES)).decode("utf-8")
            return to_inbound(self.name, self._decrypt(request, body) if encrypted else body, self.settings.location_datum)
        except InvalidSignatureException:
            log.warning("wechat channel %s: safe-mode message with a wrong msg_signature refused", self.name)
            return web.Response(status=403, text="forbidden")
        except BadBody as exc:
            log.warning("wechat channel %s: callback refused: %s", self.name, exc.reason)
            return web.Response(status=exc.status, text="bad request")
        except (ValueError, WeChatException) as exc:  # UnicodeDecodeError is a ValueError
            log.warning("wechat channel %s: unreadable callback: %s", self.name, exc)
            return web.Response(status=400, text="bad request")

    def _decrypt(self, request: web.Request, body: str) -> str:
        """Decrypt a safe-mode message (its msg_signature is checked too)."""
        if self._crypto is None:
            raise ValueError("an encrypted message, but no aes_key is configured")
        query = request.query
        try:
            return str(self._crypto.decrypt_message(body, query.get("msg_signature", ""), query.get("timestamp", ""), query.get("nonce", "")))
        except InvalidSignatureException:
            raise
        except (KeyError, TypeError, AttributeError) as exc:  # no <Encrypt> element: a plain body in safe mode
            raise ValueError(f"safe mode, but the body has no encrypted message ({type(exc).__name__})") from exc
        except Exception as exc:  # noqa: BLE001 - whatever else a forged envelope makes the decryption raise (ExpatError, binascii.Error, ...)
            raise ValueError(f"safe mode, but the message does not decrypt ({type(exc).__name__})") from exc

    async def _with_menu(self, inbound: Inbound) -> Inbound:
        """Turn a bare number into the button it stands for in the chat's last menu."""
        number = menu_number(inbound.payload) if inbound.kind is InboundKind.TEXT else None
        if number is None:
            return inbound
        payload = await menu_choice(self._app.session_factory, self.name, inbound.chat_id, number)
        return inbound if payload is None else dataclasses.replace(inbound, kind=InboundKind.BUTTON, payload=payload)

    async def _handle(self, inbound: Inbound) -> list[Outbound]:
        """Keep a photo's copy in the media store (WeChat expires its media), then run the dispatcher."""
        media_id = str(inbound.raw.get("MediaId") or "")
        if inbound.kind is InboundKind.PHOTO and media_id:
            inbound = await keep_photo(self._app.session_factory, inbound, self._download, reference=media_id)
        return await self._app.running_dispatcher().handle(inbound)

    async def _download(self, media_id: str) -> bytes:
        """Return a temporary media's bytes (media/get); a JSON answer is WeChat's error."""
        response = await self._call(self._client.media.download, media_id)
        content = getattr(response, "content", None)
        if not isinstance(content, bytes):
            raise PermanentFailure(f"wechat: media {media_id[:40]} answered {str(response)[:80]}")
        return content

    async def _answer(self, inbound: Inbound) -> str | None:
        """Handle the update (within the reply budget, a photo's fetch included); return the passive reply text,
        or None when the answer is pushed instead."""
        task = asyncio.create_task(self._handle(inbound))
        done, _ = await asyncio.wait({task}, timeout=self.settings.reply_budget_seconds)
        if not done:
            log.info("wechat channel %s: update %s takes longer than %.1f s; answering later", self.name, inbound.platform_id, self.settings.reply_budget_seconds)
            self._in_background(self._push_when_done(task, inbound.chat_id))
            return None
        # task.result() re-raises a failure: HTTP 500, WeChat retries, the dispatcher deduplicates the retry
        replies = task.result()
        if not replies:  # a retry of a message already handled: its answer went out, and its menu stands
            return None
        rendered = render(replies, self._app.config.app.language)
        await save_menu(self._app.session_factory, self.name, inbound.chat_id, list(rendered.payloads), utcnow())
        if rendered.fits_one_message():
            return rendered.texts[0]
        if rendered.texts or rendered.images:
            self._in_background(self._push(inbound.chat_id, rendered))
        return None

    def _in_background(self, work: Any) -> None:
        """Run a push after the HTTP answer, keeping a reference until it ends."""
        task = asyncio.create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _push_when_done(self, handling: asyncio.Task[list[Outbound]], chat_id: str) -> None:
        """Wait for a slow dispatcher and push its replies through the customer-service API."""
        try:
            replies = await handling
            if not replies:  # a retry of a message already handled
                return
            rendered = render(replies, self._app.config.app.language)
            await save_menu(self._app.session_factory, self.name, chat_id, list(rendered.payloads), utcnow())
            await self._push(chat_id, rendered, paced=True)
        except DeliveryError as exc:
            log.error("wechat channel %s: answer to %s could not be pushed: %s", self.name, chat_id, exc)
        except Busy:
            log.warning("wechat channel %s: a slow update from %s stayed busy; WeChat's retry will be handled afresh", self.name, chat_id)
        except Exception:
            log.exception("wechat channel %s: a slow answer to %s failed", self.name, chat_id)

    async def _push(self, chat_id: str, rendered: Rendered, paced: bool = True) -> None:
        """Send texts, then images, through the customer-service API."""
        for text in rendered.texts:
            async with self._paced(chat_id, paced):
                await self._call(self._client.message.send_text, chat_id, text)
        for image in rendered.images:
            media_id = await self._media_id(image)
            async with self._paced(chat_id, paced):
                await self._call(self._client.message.send_image, chat_id, media_id)

    def _paced(self, chat_id: str, paced: bool) -> contextlib.AbstractAsyncContextManager[None]:
        """Return a block that holds a rate-limit slot to CHAT_ID (or nothing, for a reply that is not paced)."""
        return self._limiter.pace(self.name, chat_id) if paced else contextlib.nullcontext()

    async def _media_id(self, image: str) -> str:
        """Return a media id: a local file (e.g. a report chart) or a stored image is uploaded as temporary media first."""
        path = local_image(await local_copy(self._app.session_factory, image) or image)
        if path is None:
            return image
        with path.open("rb") as fh:
            uploaded = await self._call(self._client.media.upload, "image", fh)
        return str(uploaded["media_id"])

    async def _call(self, method: Callable[..., Any], *args: Any) -> Any:
        """Call a wechatpy API off the event loop, mapping its errors to delivery errors."""
        try:
            return await asyncio.to_thread(method, *args)
        except (WeChatClientException, requests.RequestException) as exc:
            _raise(exc)

    async def send(self, chat_id: str, message: Outbound) -> None:
        """Deliver a push from the outbox through the customer-service API (OutsideServiceWindow after 48 h)."""
        rendered = render([message], self._app.config.app.language)
        await self._push(chat_id, rendered, paced=False)
        if rendered.payloads:
            await save_menu(self._app.session_factory, self.name, chat_id, list(rendered.payloads), utcnow())

    async def send_template(self, chat_id: str, template: Mapping[str, Any]) -> None:
        """Deliver a notice as a template message: {"id": notice kind, "data": {field: value}}."""
        kind = str(template.get("id", ""))
        template_id = self.settings.templates.get(kind)
        if not template_id:
            raise PermanentFailure(f"wechat: no template id configured for notice kind {kind!r} (channels.{self.name}.templates)")
        data = {str(key): {"value": str(value)} for key, value in dict(template.get("data") or {}).items()}
        await self._call(self._client.message.send_template, chat_id, template_id, data)

    def menu_definition(self) -> dict[str, Any]:
        """Return the account menu: the start-menu items, as CLICK buttons carrying their payloads."""
        buttons = [{"type": "click", "name": self._app.texts.t(f"menu.{item}"), "key": MenuItem(item).pack()} for item in ACCOUNT_MENU_ITEMS]
        return {"button": buttons}

    async def install_menu(self) -> dict[str, Any]:
        """Install the account menu through the API and return what was installed."""
        menu = self.menu_definition()
        await self._call(self._client.menu.create, menu)
        return menu
