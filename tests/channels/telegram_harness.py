"""Drive a Telegram channel like a user would: recorded update JSON in, the fake Bot API's calls out."""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bot.channels.telegram.channel import TelegramChannel
from tests.channels.conftest import FIXTURES
from tests.channels.fake_telegram import Call, FakeTelegram

Deliver = Callable[[dict[str, Any]], Awaitable[None]]


def update_fixture(name: str) -> dict[str, Any]:
    """Load a recorded Telegram update."""
    data: dict[str, Any] = json.loads((FIXTURES / "telegram" / f"{name}.json").read_text(encoding="utf-8"))
    return data


def track(channel: TelegramChannel) -> dict[int, asyncio.Event]:
    """Wrap the channel's receive so a test can wait until an update has been answered."""
    done: dict[int, asyncio.Event] = {}
    original = channel.receive

    async def receive(update: dict[str, Any]) -> None:
        try:
            await original(update)
        finally:
            done.setdefault(int(update["update_id"]), asyncio.Event()).set()

    channel.receive = receive  # type: ignore[method-assign]
    return done


@dataclass
class TelegramUser:
    """A private chat with the bot, as the recorded user 李晓明."""

    fake: FakeTelegram
    deliver: Deliver
    done: dict[int, asyncio.Event]
    user_id: int = 5123456789
    last: list[Call] = field(default_factory=list)
    presses: int = 0

    def _message(self, **content: Any) -> dict[str, Any]:
        update = update_fixture("text")
        update["update_id"] = self.fake.next_update_id()
        message = update["message"]
        del message["text"]
        message["message_id"] = update["update_id"] % 100_000
        message["from"]["id"] = message["chat"]["id"] = self.user_id
        message.update(content)
        return update

    async def send(self, update: dict[str, Any]) -> list[Call]:
        """Deliver an update, wait until it is answered, and keep the bot's messages to this chat."""
        before = len(self.fake.sent(self.user_id))
        self.done.setdefault(update["update_id"], asyncio.Event())
        await self.deliver(update)
        await asyncio.wait_for(self.done[update["update_id"]].wait(), timeout=15)
        self.last = self.fake.sent(self.user_id)[before:]
        return self.last

    async def say(self, text: str) -> list[Call]:
        """Send a text (a command when it starts with /)."""
        entities = [{"offset": 0, "length": len(text.split(maxsplit=1)[0]), "type": "bot_command"}] if text.startswith("/") else None
        return await self.send(self._message(text=text, **({"entities": entities} if entities else {})))

    async def photo(self) -> list[Call]:
        """Send the recorded photo (three sizes)."""
        return await self.send(self._message(photo=update_fixture("photo")["message"]["photo"]))

    async def location(self, lat: float, lon: float) -> list[Call]:
        """Share a location."""
        return await self.send(self._message(location={"latitude": lat, "longitude": lon}))

    async def contact(self, phone: str) -> list[Call]:
        """Share one's own contact."""
        return await self.send(self._message(contact={"phone_number": phone, "first_name": "晓明", "user_id": self.user_id}))

    async def press(self, label: str) -> list[Call]:
        """Press the inline button with this label (part of it) on the newest message that has it."""
        for call in reversed(self.fake.sent(self.user_id)):
            for row in (call.params.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if label in button["text"]:
                        return await self._press(call, button["callback_data"])
        raise AssertionError(f"no button {label!r} in {self.buttons}")

    async def _press(self, call: Call, data: str) -> list[Call]:
        update = copy.deepcopy(update_fixture("callback_query"))
        update["update_id"] = self.fake.next_update_id()
        query = update["callback_query"]
        query["id"] = f"cq{update['update_id']}"
        query["from"]["id"] = query["message"]["chat"]["id"] = self.user_id
        query["message"]["message_id"] = call.result_id
        query["message"]["text"] = call.params.get("text", "")
        query["message"]["reply_markup"] = call.params.get("reply_markup")
        query["data"] = data
        self.presses += 1
        return await self.send(update)

    @property
    def buttons(self) -> list[str]:
        """The labels of the buttons on the last messages."""
        return [b["text"] for c in self.last for row in (c.params.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]

    @property
    def text(self) -> str:
        """The texts (and captions) of the last messages, joined."""
        return "\n".join(str(c.params.get("text") or c.params.get("caption") or "") for c in self.last)
