"""Drive a WeChat channel like WeChat's servers do: recorded callback XML, signed (and encrypted), posted."""

from __future__ import annotations

import itertools
import re
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

from aiohttp.test_utils import TestClient

from bot.channels.wechat.channel import WeChatChannel, signature
from tests.channels.conftest import FIXTURES

_msg_ids = itertools.count(24_601_000_000_000_001)


def callback_xml(name: str, **values: Any) -> str:
    """Load a recorded callback and fill in its {placeholders}."""
    text = (FIXTURES / "wechat" / f"{name}.xml").read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace("{" + key + "}", str(value))
    return text


@dataclass
class Answer:
    """What the channel answered WeChat: HTTP status and the passive reply's text ("" for "success")."""

    status: int
    body: str
    text: str = ""


@dataclass
class WeChatUser:
    """A follower of the account, chatting through WeChat's callbacks."""

    client: TestClient[Any, Any]
    channel: WeChatChannel
    openid: str = "oXyZ3s1QunGongFollower00001"
    path: str = "/wechat"
    last: Answer = field(default_factory=lambda: Answer(0, ""))
    clock: itertools.count[int] = field(default_factory=lambda: itertools.count(int(time.time())))

    def query(self, timestamp: str, nonce: str, *, forged: bool = False, encrypted_xml: str | None = None) -> dict[str, str]:
        """Return the signed query string WeChat adds to a callback."""
        token = "not-the-token" if forged else self.channel.settings.token
        query = {"timestamp": timestamp, "nonce": nonce, "signature": signature(token, timestamp, nonce), "openid": self.openid}
        if encrypted_xml is not None:
            query |= {"encrypt_type": "aes", "msg_signature": _field(encrypted_xml, "MsgSignature")}
        return query

    def signed(self, xml: str, timestamp: str | None = None, *, forged: bool = False) -> tuple[dict[str, str], str]:
        """Return the query and body WeChat would post for XML (encrypted in safe mode), signed at TIMESTAMP (now)."""
        timestamp, nonce = timestamp if timestamp is not None else str(int(time.time())), "1405163714"
        crypto = self.channel.crypto
        body = crypto.encrypt_message(xml, nonce, timestamp) if crypto is not None else xml
        return self.query(timestamp, nonce, forged=forged, encrypted_xml=body if crypto is not None else None), body

    async def post(self, xml: str, *, forged: bool = False, timestamp: str | None = None) -> Answer:
        """Post one callback (encrypted when the channel is in safe mode) and read the answer."""
        return await self.send(*self.signed(xml, timestamp, forged=forged))

    async def send(self, query: dict[str, str], body: str) -> Answer:
        """Post a callback exactly as given (e.g. one captured earlier) and read the answer."""
        response = await self.client.post(self.path, params=query, data=body.encode())
        raw = await response.text()
        self.last = Answer(response.status, raw, self._read(raw) if response.status == 200 else "")
        return self.last

    def _read(self, raw: str) -> str:
        """Return the passive reply's text ("" for "success"), decrypting it in safe mode."""
        if raw == "success" or not raw:
            return ""
        crypto = self.channel.crypto
        if crypto is not None:
            raw = crypto.decrypt_message(raw, _field(raw, "MsgSignature"), _field(raw, "TimeStamp"), _field(raw, "Nonce"))
        assert _field(raw, "ToUserName") == self.openid and _field(raw, "MsgType") == "text"
        return _field(raw, "Content")

    async def say(self, content: str, msg_id: int | None = None) -> Answer:
        """Send a text message."""
        return await self.post(callback_xml("text", openid=self.openid, time=next(self.clock), content=content, msg_id=msg_id or next(_msg_ids)))

    async def image(self) -> Answer:
        """Send the recorded photo."""
        return await self.post(callback_xml("image", openid=self.openid, time=next(self.clock), msg_id=next(_msg_ids)))

    async def event(self, name: str, **values: Any) -> Answer:
        """Send an event (subscribe, click, location)."""
        return await self.post(callback_xml(f"event_{name}", openid=self.openid, time=next(self.clock), **values))

    def number(self, label: str) -> str:
        """Return the menu number of a label in the last reply."""
        match = re.search(rf"^(\d+)\. [^\n]*{re.escape(label)}", self.last.text, re.MULTILINE)
        assert match, f"no {label!r} in the menu of {self.last.text!r}"
        return match.group(1)

    async def choose(self, label: str) -> Answer:
        """Reply with the number of a menu entry."""
        return await self.say(self.number(label))


def _field(xml: str, name: str) -> str:
    """Return one field of a WeChat XML document."""
    node = ET.fromstring(xml).find(name)
    assert node is not None and node.text is not None, f"no {name} in {xml}"
    return node.text
