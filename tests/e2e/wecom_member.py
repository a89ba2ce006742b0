"""A WeChat Work member of the running app: callbacks encrypted and posted to its callback URL as WeChat Work
would, and what the application sent read back from the fake WeChat Work API, which runs as a process of its own."""

from __future__ import annotations

import itertools
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wechatpy.enterprise import WeChatCrypto

from tests.channels.wecom_harness import callback_xml, shown
from tests.e2e.process import free_port, get_json

CORP_ID = "ww7c3e1a5b9d2f4a60"
AGENT_ID = 1000002
TOKEN = "QunGongWeComToken2026"
AES_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
_ids = itertools.count(7_309_000_000_000_001)


class FakeWeComApi:
    """The fake WeChat Work API as a process (tests/channels/fake_wecom.py)."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}/cgi-bin/"
        log = (folder / "fake-wecom.log").open("ab")
        command = [sys.executable, "-m", "tests.channels.fake_wecom", "--port", str(self.port)]
        self._process = subprocess.Popen(command, cwd=Path(__file__).resolve().parents[2], stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                self.calls()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the fake WeChat Work API did not start")

    def calls(self, endpoint: str | None = None) -> list[dict[str, Any]]:
        """Return the calls received so far (of one endpoint)."""
        calls = list(get_json(f"http://127.0.0.1:{self.port}/_fake/calls"))  # type: ignore[call-overload]
        return [c for c in calls if endpoint is None or c["endpoint"] == endpoint]

    def sent(self, user: str) -> list[dict[str, Any]]:
        """Return the messages accepted for a member."""
        return [c["body"] for c in self.calls("message/send") if c["answer"].get("errcode") == 0 and c["body"].get("touser") == user]

    def stop(self) -> None:
        """Stop the process."""
        self._process.terminate()
        self._process.wait(10)


@dataclass
class WeComUser:
    """A member talking to the application: posts encrypted callbacks, waits for what the fake API received."""

    app_base: str
    path: str
    fake: FakeWeComApi
    user: str
    crypto: WeChatCrypto = field(default_factory=lambda: WeChatCrypto(TOKEN, AES_KEY, CORP_ID))
    codes: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def post(self, xml: str) -> None:
        """Deliver one callback as WeChat Work does."""
        timestamp, nonce = str(int(time.time())), "1372623149"
        root = ET.fromstring(self.crypto.encrypt_message(xml, nonce, timestamp))
        body = f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><Encrypt><![CDATA[{root.findtext('Encrypt')}]]></Encrypt></xml>"
        query = urllib.parse.urlencode({"msg_signature": root.findtext("MsgSignature"), "timestamp": timestamp, "nonce": nonce})
        request = urllib.request.Request(f"{self.app_base}{self.path}?{query}", data=body.encode(), method="POST")
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - the local test server
            assert response.status == 200

    def say(self, text: str) -> None:
        """Send a text."""
        self.post(callback_xml("text", user=self.user, time=int(time.time()), content=text, msg_id=next(_ids), agent=AGENT_ID))

    def press(self, label: str) -> None:
        """Press a button on the newest card sent to the member that has it."""
        for message in reversed(self.fake.sent(self.user)):
            card = message.get("template_card") or {}
            for button in card.get("button_list", []):
                if label in button["text"]:
                    xml = callback_xml("event_template_card", user=self.user, time=int(time.time()), key=button["key"], task_id=card["task_id"],
                                       response_code=f"E2E-RC-{next(self.codes)}", agent=AGENT_ID)
                    self.post(xml)
                    return
        raise AssertionError(f"no card with {label!r} was sent to {self.user}")

    def wait_for(self, containing: str, *, timeout: float = 20.0) -> dict[str, Any]:
        """Wait until a message showing a text reaches the member (a reply or a push)."""
        deadline = time.monotonic() + timeout
        while True:
            for message in reversed(self.fake.sent(self.user)):
                if containing in shown(message):
                    return message
            if time.monotonic() > deadline:
                raise AssertionError(f"wecom member {self.user}: nothing showing {containing!r} within {timeout} s")
            time.sleep(0.2)
