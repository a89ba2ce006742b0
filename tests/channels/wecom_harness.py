"""Drive a WeChat Work channel as WeChat Work's servers do: recorded callback XML, encrypted and signed, posted;
what the member sees read back from the passive reply and from the fake API's message/send calls."""

from __future__ import annotations

import itertools
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

from aiohttp.test_utils import TestClient

from bot.channels.wecom.channel import WeComChannel
from tests.channels.conftest import FIXTURES
from tests.channels.fake_wecom import FakeWeCom

_msg_ids = itertools.count(7_301_000_000_000_001)
_codes = itertools.count(1)
NONCE = "1372623149"


def callback_xml(name: str, **values: Any) -> str:
    """Load a recorded callback and fill in its {placeholders}."""
    text = (FIXTURES / "wecom" / f"{name}.xml").read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace("{" + key + "}", str(value))
    return text


def envelope(channel: WeComChannel, xml: str, timestamp: str, nonce: str = NONCE) -> tuple[str, str]:
    """Return (body, msg_signature) as WeChat Work posts XML: encrypted inside <Encrypt>, signed."""
    encrypted = channel.crypto.encrypt_message(xml, nonce, timestamp)
    root = ET.fromstring(encrypted)
    body = (
        f"<xml><ToUserName><![CDATA[{channel.settings.corp_id}]]></ToUserName><AgentID><![CDATA[{channel.settings.agent_id}]]></AgentID>"
        f"<Encrypt><![CDATA[{root.findtext('Encrypt')}]]></Encrypt></xml>"
    )
    return body, str(root.findtext("MsgSignature"))


def shown(message: dict[str, Any]) -> str:
    """Return what a member reads of a sent message: a text, or a card's title, subtitle and buttons."""
    if message["msgtype"] == "text":
        return str(message["text"]["content"])
    if message["msgtype"] == "template_card":
        card = message["template_card"]
        buttons = " ".join(f"[{b['text']}]" for b in card["button_list"])
        return "\n".join(filter(None, [card["main_title"].get("title"), card.get("sub_title_text"), buttons]))
    return f"<{message['msgtype']}>"


@dataclass
class Answer:
    """What the channel answered: HTTP status, body, and the passive reply's text ("" for none)."""

    status: int
    body: str
    text: str = ""


@dataclass
class WeComMember:
    """A member of the corp using the application: callbacks in, the passive reply and pushes read back."""

    client: TestClient[Any, Any]
    channel: WeComChannel
    fake: FakeWeCom
    user: str = "WangWangge"
    path: str = "/wecom"
    last: Answer = field(default_factory=lambda: Answer(0, ""))
    seen: int = 0
    messages: list[dict[str, Any]] = field(default_factory=list)
    clock: itertools.count[int] = field(default_factory=lambda: itertools.count(int(time.time())))

    def signed(self, xml: str, timestamp: str | None = None, *, forged: bool = False) -> tuple[dict[str, str], str]:
        """Return the query and body WeChat Work would post for XML, signed at TIMESTAMP (now)."""
        timestamp = timestamp if timestamp is not None else str(int(time.time()))
        body, msg_signature = envelope(self.channel, xml, timestamp)
        query = {"msg_signature": "0" * 40 if forged else msg_signature, "timestamp": timestamp, "nonce": NONCE}
        return query, body

    async def send(self, query: dict[str, str], body: str) -> Answer:
        """Post a callback exactly as given, wait for the pushes it causes, and read the answer."""
        response = await self.client.post(self.path, params=query, data=body.encode())
        raw = await response.text()
        await self.channel.idle()
        self.last = Answer(response.status, raw, self._read(raw) if response.status == 200 else "")
        self.messages = self.inbox()
        return self.last

    async def post(self, xml: str, *, forged: bool = False, timestamp: str | None = None) -> Answer:
        """Post one callback, encrypted and signed."""
        return await self.send(*self.signed(xml, timestamp, forged=forged))

    def _read(self, raw: str) -> str:
        """Return the passive reply's text ("" for none), decrypting it."""
        if not raw:
            return ""
        root = ET.fromstring(raw)
        xml = self.channel.crypto.decrypt_message(raw, root.findtext("MsgSignature"), root.findtext("TimeStamp"), root.findtext("Nonce"))
        reply = ET.fromstring(xml)
        assert reply.findtext("ToUserName") == self.user and reply.findtext("MsgType") == "text", xml
        return str(reply.findtext("Content"))

    def inbox(self) -> list[dict[str, Any]]:
        """Return the messages sent to this member since the last look."""
        sent = self.fake.sent(self.user)
        fresh, self.seen = sent[self.seen :], len(sent)
        return fresh

    @property
    def text(self) -> str:
        """Everything the last exchange showed: the passive reply and the pushed messages."""
        return "\n".join(filter(None, [self.last.text, *(shown(m) for m in self.messages)]))

    async def say(self, content: str, msg_id: int | None = None) -> Answer:
        """Send a text message."""
        xml = callback_xml("text", user=self.user, time=next(self.clock), content=content, msg_id=msg_id or next(_msg_ids), agent=self.channel.settings.agent_id)
        return await self.post(xml)

    async def event(self, name: str, **values: Any) -> Answer:
        """Send an event (enter_agent, click, location)."""
        return await self.post(callback_xml(f"event_{name}", user=self.user, time=next(self.clock), agent=self.channel.settings.agent_id, **values))

    async def image(self) -> Answer:
        """Send the recorded photo."""
        return await self.post(callback_xml("image", user=self.user, time=next(self.clock), msg_id=next(_msg_ids), agent=self.channel.settings.agent_id))

    def card_with(self, label: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """Return (card, button) of the newest card sent to this member with a button whose text has LABEL."""
        for message in reversed(self.fake.sent(self.user)):
            if message["msgtype"] != "template_card":
                continue
            for button in message["template_card"]["button_list"]:
                if label in button["text"]:
                    return message["template_card"], button
        raise AssertionError(f"no card with a button {label!r} was sent to {self.user}")

    def press_xml(self, label: str, *, key: str | None = None, task_id: str | None = None) -> str:
        """Return the template_card_event for pressing a button (its key and task id may be overridden)."""
        card, button = self.card_with(label)
        return callback_xml(
            "event_template_card", user=self.user, time=next(self.clock), key=key or button["key"], task_id=task_id or card["task_id"],
            response_code=f"RC-{next(_codes):06d}", agent=self.channel.settings.agent_id,
        )

    async def press(self, label: str) -> Answer:
        """Press a button on the newest card that has it."""
        return await self.post(self.press_xml(label))
