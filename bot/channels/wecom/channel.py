"""A WeChat Work self-built application as a QunGong channel, on the app's own HTTP server.

    GET  <path>   URL verification: `msg_signature` checked, the encrypted `echostr` decrypted and echoed
    POST <path>   a message or event, always encrypted: `msg_signature` over the envelope checked (403
                  otherwise), `timestamp` within `replay_window_seconds` (403), decrypted, handled; a plain
                  short answer ready within `reply_budget_seconds` goes back as a passive reply, anything
                  else (cards, images, long or slow answers, answers to card presses) gets an empty 200 at
                  once and is pushed through `message/send`, paced and retried.

A press on a template card is checked against the card as sent (its member and its buttons: 403 / 400
otherwise, logged); once handled, the card is updated (`update_template_card`) to show what was done and
by whom. A photo (e.g. a completion photo) is downloaded once by its MediaId (media/get, within the reply
budget) into the media store before it is handled; the PicUrl stays when that fails. Pushes from the outbox
go through `send`; wechatpy is synchronous, so every call runs in a thread.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import re
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from typing import Any

from aiohttp import web
from wechatpy.enterprise import WeChatCrypto
from wechatpy.replies import TextReply

from bot.app import App
from bot.channels.delivery import DeliveryError, PermanentFailure, TemporaryFailure
from bot.channels.media import local_copy
from bot.channels.photos import keep_photo
from bot.channels.settings import WeComChannel as WeComSettings
from bot.channels.wecom.api import UnknownMedia, WeComApi
from bot.channels.wecom.cards import mark_acted, member_name, remember_card, sent_card
from bot.channels.wecom.inbound import card_press, to_inbound
from bot.channels.wecom.render import Card, Image, Part, Text, card_json, render, shorten
from bot.dispatcher import Busy, utcnow
from bot.locks import KeyedLocks
from bot.outbox.rate_limit import RateLimiter
from bot.web.guard import BadBody, read_body
from handlers.buttons import StaffMenu
from handlers.messages import Inbound, InboundKind, Outbound, local_image

log = logging.getLogger(__name__)
TIMESTAMP = re.compile(r"[0-9]{1,12}")
STALE = "forbidden: timestamp outside the replay window"
MAX_CALLBACK_BYTES = 64 * 1024  # a callback is one small encrypted XML message
PASSIVE_BYTES = 2000  # a passive text reply takes at most 2048 bytes
REPLY_ATTEMPTS = 4
MAX_RETRY_WAIT = 60.0
ACTED_CHARS = 16  # a card's replacement button text
MENU = (("tasks", "tasks"), ("work", "menu"))  # (text key, staff menu item) of the application menu's first buttons
COCKPIT = ("report_week", "report_month")


def signature(*parts: str) -> str:
    """Return WeChat Work's msg_signature: SHA-1 of the sorted parts joined."""
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()  # noqa: S324 - WeChat Work's protocol


class Refused(Exception):
    """A callback refused with an HTTP status (the reason is logged)."""

    def __init__(self, status: int, reason: str, body: str = "forbidden") -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.body = body


class WeComChannel:
    """One WeChat Work application: a ChannelAdapter for pushes and the callback routes."""

    def __init__(
        self, settings: WeComSettings, app: App, limiter: RateLimiter, *, api: WeComApi | None = None, now: Callable[[], float] = time.time,
    ) -> None:
        self.name = settings.name
        self.settings = settings
        self._app = app
        self._limiter = limiter
        self.api = api or WeComApi(settings, app.session_factory)
        self.crypto = WeChatCrypto(settings.token, settings.aes_key, settings.corp_id)
        self._now = now
        self._chats = KeyedLocks()
        self._background: set[asyncio.Task[None]] = set()

    def add_routes(self, web_app: web.Application) -> None:
        """Mount the callback URL."""
        web_app.router.add_get(self.settings.path, self._verify)
        web_app.router.add_post(self.settings.path, self._callback)

    async def start(self, receive: bool = True) -> None:
        """Nothing to start: WeChat Work calls us."""
        log.info("wecom channel %s ready on %s (corp %s, agent %d)", self.name, self.settings.path, self.settings.corp_id, self.settings.agent_id)

    async def stop(self) -> None:
        """Let answers still being pushed finish (at most a few seconds)."""
        await self.idle(timeout=10)

    async def idle(self, timeout: float = 10) -> None:
        """Wait until the answers being pushed are out (or TIMEOUT seconds have passed)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self._background and loop.time() < deadline:
            await asyncio.wait(set(self._background), timeout=deadline - loop.time())

    # -- the callback URL --------------------------------------------------------------------------------

    def _check(self, request: web.Request, encrypted: str) -> None:
        """Refuse a wrong msg_signature or a timestamp outside the replay window."""
        query = request.query
        expected = signature(self.settings.token, query.get("timestamp", ""), query.get("nonce", ""), encrypted)
        if not hmac.compare_digest(expected.encode(), query.get("msg_signature", "").encode("utf-8", "replace")):
            raise Refused(403, f"{request.method} with a wrong msg_signature")
        timestamp = query.get("timestamp", "")
        if not TIMESTAMP.fullmatch(timestamp):
            raise Refused(403, f"{request.method} with a non-numeric timestamp {timestamp[:32]!r}", STALE)
        skew = int(timestamp) - self._now()
        if abs(skew) > self.settings.replay_window_seconds:
            raise Refused(403, f"{request.method} with a timestamp {skew:+.0f} s from now (replay window {self.settings.replay_window_seconds} s)", STALE)

    def _refusal(self, exc: Refused) -> web.Response:
        """Log a refusal and answer it."""
        log.warning("wecom channel %s: %s refused", self.name, exc.reason)
        return web.Response(status=exc.status, text=exc.body)

    async def _verify(self, request: web.Request) -> web.Response:
        """Answer WeChat Work's URL verification with the decrypted echostr."""
        echo = request.query.get("echostr", "")
        try:
            self._check(request, echo)
            plain = self.crypto.check_signature(request.query.get("msg_signature", ""), request.query.get("timestamp", ""), request.query.get("nonce", ""), echo)
        except Refused as exc:
            return self._refusal(exc)
        except Exception as exc:  # noqa: BLE001 - whatever a forged echostr makes the decryption raise
            return self._refusal(Refused(400, f"URL verification with an echostr that does not decrypt ({type(exc).__name__})", "bad request"))
        return web.Response(text=str(plain))

    async def _read(self, request: web.Request) -> Inbound | None:
        """Read, check and decrypt one callback (None: a kind we do not use), or raise Refused."""
        try:
            body = (await read_body(request, MAX_CALLBACK_BYTES)).decode("utf-8")
            encrypted = ET.fromstring(body).findtext("Encrypt")  # noqa: S314 - the envelope of a bounded body; its content is checked next
            if not encrypted:
                raise ValueError("no <Encrypt>")
        except BadBody as exc:
            raise Refused(exc.status, f"callback: {exc.reason}", "bad request") from exc
        except Exception as exc:  # noqa: BLE001 - UnicodeDecodeError, ExpatError, a missing or odd <Encrypt>
            raise Refused(400, f"callback without an encrypted envelope ({type(exc).__name__})", "bad request") from exc
        self._check(request, encrypted)
        try:
            xml = self.crypto.decrypt_message({"Encrypt": encrypted}, request.query["msg_signature"], request.query["timestamp"], request.query.get("nonce", ""))
            inbound = to_inbound(self.name, str(xml), self.settings.location_datum)
        except ValueError as exc:
            raise Refused(400, f"unreadable callback: {exc}", "bad request") from exc
        except Exception as exc:  # noqa: BLE001 - a forged envelope: InvalidCorpIdException, binascii.Error, ...
            raise Refused(400, f"callback that does not decrypt ({type(exc).__name__})", "bad request") from exc
        agent = str(inbound.raw.get("AgentID") or self.settings.agent_id) if inbound is not None else ""
        if inbound is not None and agent != str(self.settings.agent_id):
            log.warning("wecom channel %s: a callback for agent %r, not %d, ignored", self.name, agent[:16], self.settings.agent_id)
            return None
        return inbound

    async def _check_press(self, inbound: Inbound, task_id: str) -> None:
        """Refuse a press that does not match its card: another member's card, or a key the card never had."""
        card = await sent_card(self._app.session_factory, self.name, task_id)
        if card is None:
            return  # forgotten (or sent before a restore): the handlers check the payload like any button
        if card.user_id != inbound.user_id:
            raise Refused(403, f"a press by {inbound.user_id} on a card sent to {card.user_id}")
        if card.label_of(inbound.payload) is None:
            raise Refused(400, f"a press with key {inbound.payload[:64]!r} that card {task_id[:40]} never had", "bad request")

    async def _callback(self, request: web.Request) -> web.Response:
        """Take one message or event and answer within the budget."""
        try:
            inbound = await self._read(request)
            press = card_press(inbound) if inbound is not None else None
            if inbound is not None and press is not None:
                await self._check_press(inbound, press[0])
        except Refused as exc:
            return self._refusal(exc)
        if inbound is None:
            return web.Response(text="")
        return await self._answer(request, inbound, press)

    async def _handle(self, inbound: Inbound) -> list[Outbound]:
        """Keep a photo's copy in the media store (WeChat Work expires its media), then run the dispatcher."""
        media_id = str(inbound.raw.get("MediaId") or "")
        if inbound.kind is InboundKind.PHOTO and media_id:
            inbound = await keep_photo(self._app.session_factory, inbound, self.api.download, reference=media_id)
        return await self._app.running_dispatcher().handle(inbound)

    async def _answer(self, request: web.Request, inbound: Inbound, press: tuple[str, str] | None) -> web.Response:
        """Handle the update: a passive reply when one short text is ready in time, else an empty 200 and pushes."""
        task = asyncio.create_task(self._handle(inbound))
        done, _ = await asyncio.wait({task}, timeout=self.settings.reply_budget_seconds)
        if not done:
            log.info("wecom channel %s: update %s takes longer than %.1f s; answering later", self.name, inbound.platform_id, self.settings.reply_budget_seconds)
            self._in_background(self._answer_later(task, inbound, press))
            return web.Response(text="")
        try:
            replies = task.result()  # a failure other than Busy: HTTP 500, WeChat Work retries, the dispatcher deduplicates
        except Busy:
            return web.Response(status=503, text="busy")
        if not replies:  # a retry of an update already handled
            return web.Response(text="")
        passive = self._passive(replies) if press is None else None
        if passive is not None:
            return web.Response(text=self._passive_reply(request, inbound, passive), content_type="application/xml")
        self._in_background(self._deliver(inbound, replies, press))
        return web.Response(text="")

    def _passive(self, replies: Sequence[Outbound]) -> str | None:
        """Return the text of an answer that can go back as a passive reply (one short text), else None."""
        if len(replies) != 1:
            return None
        parts = render(replies[0], self._app.config.app.language)
        if len(parts) == 1 and isinstance(parts[0], Text) and len(parts[0].content.encode()) <= PASSIVE_BYTES:
            return parts[0].content
        return None

    def _passive_reply(self, request: web.Request, inbound: Inbound, text: str) -> str:
        """Return the encrypted passive text reply."""
        now = str(int(self._now()))
        reply = TextReply(source=self.settings.corp_id, target=inbound.chat_id, content=text, time=int(now)).render()
        return str(self.crypto.encrypt_message(reply, request.query.get("nonce", ""), now))

    def _in_background(self, work: Any) -> None:
        """Run a push after the HTTP answer, keeping a reference until it ends."""
        task = asyncio.create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _answer_later(self, handling: asyncio.Task[list[Outbound]], inbound: Inbound, press: tuple[str, str] | None) -> None:
        """Wait for a slow dispatcher and push its replies."""
        try:
            replies = await handling
        except Busy:
            log.warning("wecom channel %s: a slow update from %s stayed busy and was dropped", self.name, inbound.chat_id)
            return
        except Exception:
            log.exception("wecom channel %s: a slow answer to %s failed", self.name, inbound.chat_id)
            return
        if replies:
            await self._deliver(inbound, replies, press)

    async def _deliver(self, inbound: Inbound, replies: Sequence[Outbound], press: tuple[str, str] | None) -> None:
        """Update a pressed card, then push the replies in order (paced, temporary failures retried)."""
        async with self._chats.hold(inbound.chat_id):
            try:
                if press is not None:
                    await self._update_card(inbound, *press)
                for reply in replies:
                    for part in render(reply, self._app.config.app.language):
                        await self._reply(inbound.chat_id, part)
            except Exception:
                log.exception("wecom channel %s: the answer to %s failed", self.name, inbound.chat_id)

    async def _reply(self, chat_id: str, part: Part) -> None:
        """Push one part of a direct answer, paced and retried after temporary failures."""
        for attempt in range(1, REPLY_ATTEMPTS + 1):
            try:
                async with self._limiter.pace(self.name, chat_id):
                    await self._send_part(chat_id, part)
                return
            except TemporaryFailure as exc:
                if attempt == REPLY_ATTEMPTS:
                    log.error("wecom channel %s: reply to %s dropped: %s", self.name, chat_id, exc)
                    return
                wait = min(exc.retry_after if exc.retry_after is not None else 0.5 * 2**attempt, MAX_RETRY_WAIT)
                if exc.retry_after is not None:
                    await self._limiter.pause(self.name, wait)
                log.info("wecom channel %s: reply to %s retried in %.1f s: %s", self.name, chat_id, wait, exc)
                await asyncio.sleep(wait)
            except PermanentFailure as exc:
                log.warning("wecom channel %s: reply to %s refused: %s", self.name, chat_id, exc)
                return

    async def _update_card(self, inbound: Inbound, task_id: str, response_code: str) -> None:
        """Show on a pressed card what was done and by whom (once per card)."""
        if not response_code:
            return
        sessions = self._app.session_factory
        card = await sent_card(sessions, self.name, task_id)
        if card is not None and not await mark_acted(sessions, task_id, inbound.payload, utcnow()):
            return
        texts = self._app.texts
        label = (card.label_of(inbound.payload) if card else None) or texts.t("channels.wecom.done")
        name = await member_name(sessions, self.name, inbound.user_id) or inbound.user_id
        try:
            await self.api.update_card(inbound.user_id, response_code, shorten(texts.t("channels.wecom.acted", label=label, name=name), ACTED_CHARS))
        except DeliveryError as exc:
            log.warning("wecom channel %s: card %s not updated: %s", self.name, task_id[:40], exc)

    # -- pushes ------------------------------------------------------------------------------------------

    async def _send_part(self, chat_id: str, part: Part) -> None:
        """Send one text, image or card to a member."""
        if isinstance(part, Text):
            await self.api.send(chat_id, {"msgtype": "text", "text": {"content": part.content}})
        elif isinstance(part, Image):
            await self._send_image(chat_id, part.image)
        elif isinstance(part, Card):
            task_id = f"qg{uuid.uuid4().hex}"
            await remember_card(self._app.session_factory, self.name, chat_id, task_id, part.buttons, now=utcnow())
            await self.api.send(chat_id, {"msgtype": "template_card", "template_card": card_json(part, task_id)})

    async def _send_image(self, chat_id: str, image: str) -> None:
        """Send an image: a local file (a report chart) or a stored image is uploaded first; an id WeChat Work does not know is skipped."""
        path = local_image(await local_copy(self._app.session_factory, image) or image)
        media_id = await self.api.upload_image(path) if path is not None else image
        try:
            await self.api.send(chat_id, {"msgtype": "image", "image": {"media_id": media_id}})
        except UnknownMedia as exc:
            log.warning("wecom channel %s: an image %s…, not a WeChat Work media id, left out: %s", self.name, image[:16], exc)

    async def send(self, chat_id: str, message: Outbound) -> None:
        """Deliver a push from the outbox: its texts, images and cards; failures are raised for the sender."""
        for part in render(message, self._app.config.app.language):
            await self._send_part(chat_id, part)

    # -- the application menu ----------------------------------------------------------------------------

    def menu_definition(self) -> dict[str, Any]:
        """Return the application menu: 我的任务, 工作菜单, and 驾驶舱 with this week's and month's report."""
        t = self._app.texts.t
        buttons: list[dict[str, Any]] = [{"type": "click", "name": t(f"channels.wecom.menu.{key}"), "key": StaffMenu(item).pack()} for key, item in MENU]
        cockpit = [{"type": "click", "name": t(f"staff.menu.{item}"), "key": StaffMenu(item).pack()} for item in COCKPIT]
        buttons.append({"name": t("channels.wecom.menu.cockpit"), "sub_button": cockpit})
        return {"button": buttons}

    async def install_menu(self) -> dict[str, Any]:
        """Install the application menu through the API and return what was installed."""
        menu = self.menu_definition()
        await self.api.create_menu(menu)
        return menu
