"""A fake channel for transcript tests: it drives the real dispatcher and reads the real outbox."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.app import App
from bot.web.simulator.api import take_inbox
from handlers.messages import Button, Inbound, InboundKind, Outbound
from storage.models.cases import Case
from storage.models.chat import OutboxMessage

_ids = itertools.count(1)


@dataclass
class Clock:
    """A settable clock for the dispatcher."""

    now: datetime = field(default_factory=lambda: datetime(2026, 11, 23, 1, 0, tzinfo=UTC))  # Mon 09:00 Shanghai

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Move the clock forward."""
        self.now += timedelta(**delta)


@dataclass
class Chat:
    """One person's chat with QunGong on the simulator channel."""

    app: App
    who: str
    channel: str = "sim"
    last: list[Outbound] = field(default_factory=list)

    async def send(self, kind: InboundKind, payload: str = "", *, platform_id: str | None = None, **extra: object) -> list[Outbound]:
        """Send one inbound message and keep the replies."""
        inbound = Inbound(self.channel, self.who, self.who, kind, payload, platform_id or f"t{next(_ids)}", **extra)  # type: ignore[arg-type]
        self.last = await self.app.running_dispatcher().handle(inbound)
        return self.last

    async def say(self, text: str, **kw: object) -> list[Outbound]:
        """Send a text."""
        return await self.send(InboundKind.TEXT, text, **kw)

    async def press(self, label: str) -> list[Outbound]:
        """Press the button with this label among the last replies."""
        return await self.send(InboundKind.BUTTON, self.button(label).payload)

    def button(self, label: str) -> Button:
        """Find a button by (part of) its label in the last replies."""
        for message in reversed(self.last):
            for candidate in message.buttons:
                if label in candidate.label:
                    return candidate
        raise AssertionError(f"no button {label!r} in {[b.label for m in self.last for b in m.buttons]}")

    async def send_raw(self, payload: str) -> list[Outbound]:
        """Press a button by its payload (as a replayed or forged button would)."""
        return await self.send(InboundKind.BUTTON, payload)

    async def send_button_of(self, case: Case) -> list[Outbound]:
        """Open a case's staff card (the button a staff list shows)."""
        return await self.send_raw(f"sc:{case.id}")

    async def photo(self, name: str) -> list[Outbound]:
        """Send a photo."""
        return await self.send(InboundKind.PHOTO, photo=name)

    async def location(self, lat: float, lon: float) -> list[Outbound]:
        """Share a location."""
        return await self.send(InboundKind.LOCATION, f"{lat},{lon}", location=(lat, lon))

    @property
    def text(self) -> str:
        """All texts of the last replies, joined."""
        return "\n".join(m.text for m in self.last)

    async def inbox(self) -> list[OutboxMessage]:
        """Take the messages pushed to this chat (as the simulator's inbox does)."""
        async with self.app.uow() as uow:
            rows = await take_inbox(uow, self.who)
            await uow.commit()
        return rows


async def report(chat: Chat, text: str, *, place: str = "桂香苑7栋", contact: str = "使用登记电话") -> Case:
    """Walk the report flow with defaults and return the case it opened."""
    await chat.say("我要反映")
    await chat.press("投诉")
    await chat.say(text)
    await chat.press("说完了")
    await chat.say(place)
    await chat.press("确认")
    await chat.press(contact)
    await chat.press("提交")
    assert "已受理" in chat.text, chat.text
    return await latest_case(chat.app)


async def latest_case(app: App) -> Case:
    """Return the newest case."""
    async with app.uow() as uow:
        case = (await uow.session.scalars(select(Case).order_by(Case.id.desc()).limit(1))).first()
        assert case is not None
        return case
