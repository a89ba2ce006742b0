"""A Telegram user of the running app: updates posted to its webhook as Telegram would, and what the bot
sent read back from the fake Bot API, which runs as a process of its own."""

from __future__ import annotations

import copy
import itertools
import json
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.channels.conftest import FIXTURES
from tests.e2e.process import free_port, get_json

TOKEN = "123456:e2e-token"
SECRET = "e2e-webhook-secret"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_update_ids = itertools.count(900_000_001)


def _fixture(name: str) -> dict[str, Any]:
    """Load a recorded Telegram update."""
    data: dict[str, Any] = json.loads((FIXTURES / "telegram" / f"{name}.json").read_text(encoding="utf-8"))
    return data


class FakeBotApi:
    """The fake Telegram Bot API as a process (tests/channels/fake_telegram.py)."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        log = (folder / "fake-telegram.log").open("ab")
        command = [sys.executable, "-m", "tests.channels.fake_telegram", "--token", TOKEN, "--port", str(self.port)]
        self._process = subprocess.Popen(command, cwd=Path(__file__).resolve().parents[2], stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                self.calls()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the fake Bot API did not start")

    def calls(self) -> list[dict[str, Any]]:
        """Return the Bot API calls received so far."""
        return list(get_json(f"{self.base}/_fake/calls"))  # type: ignore[call-overload]

    def sent(self, chat_id: int) -> list[dict[str, Any]]:
        """Return the messages sent to a chat (sendMessage, sendPhoto)."""
        return [c for c in self.calls() if c["method"] in ("sendMessage", "sendPhoto") and str(c["params"].get("chat_id")) == str(chat_id)]

    def stop(self) -> None:
        """Stop the process."""
        self._process.terminate()
        self._process.wait(10)


@dataclass
class TelegramUser:
    """A private chat with the bot: posts updates to the app's webhook, reads replies and pushes from the fake."""

    app_base: str
    webhook_path: str
    fake: FakeBotApi
    user_id: int = 5123456789
    last: list[dict[str, Any]] = field(default_factory=list)
    _seen: int = 0

    def _post(self, update: dict[str, Any]) -> None:
        """Deliver one update as Telegram does; the webhook answers once the update is handled."""
        body = json.dumps(update, ensure_ascii=False).encode()
        request = urllib.request.Request(self.app_base + self.webhook_path, data=body, method="POST",
                                         headers={"Content-Type": "application/json", SECRET_HEADER: SECRET})
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - the local test server
            assert response.status == 200

    def _new_messages(self) -> list[dict[str, Any]]:
        """Return what the bot sent to this chat since the last look."""
        sent = self.fake.sent(self.user_id)
        fresh, self._seen = sent[self._seen :], len(sent)
        return fresh

    def say(self, text: str) -> list[dict[str, Any]]:
        """Send a text and keep the bot's answers."""
        update = copy.deepcopy(_fixture("text"))
        update["update_id"] = next(_update_ids)
        message = update["message"]
        message["message_id"] = update["update_id"] % 100_000
        message["from"]["id"] = message["chat"]["id"] = self.user_id
        message["text"] = text
        if text.startswith("/"):
            message["entities"] = [{"offset": 0, "length": len(text.split(maxsplit=1)[0]), "type": "bot_command"}]
        self._post(update)
        self.last = self._new_messages()
        return self.last

    def press(self, label: str) -> list[dict[str, Any]]:
        """Press the inline button with this label on the newest message that has it."""
        for call in reversed(self.fake.sent(self.user_id)):
            for row in (call["params"].get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if label in button["text"]:
                        return self._press(call, button["callback_data"])
        raise AssertionError(f"no button {label!r} in the chat")

    def _press(self, call: dict[str, Any], data: str) -> list[dict[str, Any]]:
        update = copy.deepcopy(_fixture("callback_query"))
        update["update_id"] = next(_update_ids)
        query = update["callback_query"]
        query["id"] = f"cq{update['update_id']}"
        query["from"]["id"] = query["message"]["chat"]["id"] = self.user_id
        query["message"]["message_id"] = call["result_id"]
        query["message"]["text"] = call["params"].get("text", "")
        query["message"]["reply_markup"] = call["params"].get("reply_markup")
        query["data"] = data
        self._post(update)
        self.last = self._new_messages()
        return self.last

    def wait_for(self, containing: str, *, pause: float, timeout: float = 20.0) -> dict[str, Any]:
        """Wait for a push containing a text to arrive in this chat (through the outbox sender)."""
        deadline = time.monotonic() + timeout
        while True:
            time.sleep(pause)
            for message in self._new_messages():
                if containing in str(message["params"].get("text") or message["params"].get("caption") or ""):
                    return message
            if time.monotonic() > deadline:
                raise AssertionError(f"telegram chat {self.user_id}: no push containing {containing!r} within {timeout} s")

    @property
    def text(self) -> str:
        """The texts of the last messages, joined."""
        return "\n".join(str(c["params"].get("text") or c["params"].get("caption") or "") for c in self.last)
