"""Every push reaches its reader: a sender takes only rows of the channels it serves; the simulator's
pushes wait for its inbox; rows nobody serves stay pending (visible in `qungong outbox`), never dead;
dead-letter alerts reach an administrator wherever they are, the simulator included."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import App, build_app
from bot.channels.delivery import PermanentFailure
from bot.cli.main import main
from bot.outbox.rate_limit import Limit, RateLimiter
from bot.outbox.sender import OutboxSender
from bot.outbox.settings import OutboxSection
from bot.web.simulator.api import take_inbox
from handlers.messages import Outbound
from storage.models.chat import OutboxMessage
from storage.models.people import ChannelAccount, Person, RoleBinding, Unit
from tests.databases import copy_sqlite
from tests.settings import config_for

NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)


class Telegram:
    """A Telegram channel that delivers, or refuses every message for good."""

    name = "telegram:main"

    def __init__(self, refuse: bool = False) -> None:
        self.refuse = refuse
        self.sent: list[tuple[str, str]] = []

    async def send(self, chat_id: str, message: Outbound) -> None:
        if self.refuse:
            raise PermanentFailure("bot was blocked by the user")
        self.sent.append((chat_id, message.text))


async def _people(app: App) -> dict[str, int]:
    """An admin in the simulator only, a resident on Telegram, a resident in the simulator, someone with no account."""
    async with app.uow() as uow:
        unit = uow.units.add(Unit(code="u", name="单位", kind="community"))
        ids = {}
        for key in ("admin", "tg", "sim", "nowhere"):
            person = uow.people.add(Person(name=key, created_at=NOW))
            await uow.flush()
            ids[key] = person.id
        uow.session.add(RoleBinding(person_id=ids["admin"], role="admin", unit_id=unit.id, created_at=NOW))
        for key, channel in (("admin", "sim"), ("sim", "sim"), ("tg", "telegram:main")):
            uow.people.add_account(ChannelAccount(channel=channel, external_id=key, chat_id=key, person_id=ids[key], created_at=NOW))
        await uow.commit()
        return ids


async def _queue(app: App, key: str, *, person_id: int | None = None, channel: str | None = None, chat_id: str | None = None) -> None:
    async with app.uow() as uow:
        await uow.outbox.enqueue(key, "notice", {"text": key, "buttons": [], "image": None}, NOW, person_id=person_id, channel=channel, chat_id=chat_id)
        await uow.commit()


async def _statuses(app: App) -> dict[str, str]:
    async with app.uow() as uow:
        return {r.dedupe_key: r.status for r in (await uow.session.scalars(select(OutboxMessage))).all()}


async def test_a_sender_takes_only_what_its_channels_can_deliver(app: App) -> None:
    ids = await _people(app)
    await _queue(app, "to-telegram", person_id=ids["tg"])
    await _queue(app, "to-sim-chat", channel="sim", chat_id="sim")
    await _queue(app, "to-sim-person", person_id=ids["sim"])
    await _queue(app, "to-nobody-yet", person_id=ids["nowhere"])
    await _queue(app, "to-another-worker", channel="wechat", chat_id="openid-1")
    telegram = Telegram()
    sender = OutboxSender(app.session_factory, {"telegram:main": telegram}, OutboxSection(), now=lambda: NOW + timedelta(seconds=1))
    assert await sender.drain_once() == 1
    assert telegram.sent == [("tg", "to-telegram")]
    for _ in range(3):
        await sender.drain_once()
    assert await _statuses(app) == {
        "to-telegram": "sent", "to-sim-chat": "pending", "to-sim-person": "pending", "to-nobody-yet": "pending", "to-another-worker": "pending",
    }
    async with app.uow() as uow:  # the simulator's inbox reads its person's rows, addressed to the chat or to them
        taken = sorted(r.dedupe_key for r in await take_inbox(uow, "sim"))
        await uow.commit()
    assert taken == ["to-sim-chat", "to-sim-person"]


async def test_a_dead_letter_alert_reaches_an_admin_who_uses_the_simulator(app: App) -> None:
    ids = await _people(app)
    await _queue(app, "refused", person_id=ids["tg"], channel="telegram:main", chat_id="tg")
    sender = OutboxSender(app.session_factory, {"telegram:main": Telegram(refuse=True)}, OutboxSection(), now=lambda: NOW + timedelta(seconds=1))
    await sender.drain_once()
    await sender.drain_once()
    statuses = await _statuses(app)
    assert statuses["refused"] == "dead"
    assert [k for k, s in statuses.items() if k.startswith("dead-letter:")] == [f"dead-letter:{next(iter(await _ids(app, 'refused')))}:p{ids['admin']}"]
    async with app.uow() as uow:
        account = await uow.people.account("sim", "admin")
        assert account is not None
        alerts = await take_inbox(uow, "admin")
        await uow.commit()
    assert len(alerts) == 1 and "投递失败" in alerts[0].payload["text"] and "blocked" in alerts[0].payload["text"]


async def _ids(app: App, key: str) -> list[int]:
    async with app.uow() as uow:
        return list((await uow.session.scalars(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key))).all())


def test_qungong_outbox_shows_counts_the_oldest_and_the_dead_and_retries(
    sqlite_template: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db_url = copy_sqlite(sqlite_template, tmp_path)
    async def prepare() -> None:
        built = build_app(config_for(db_url))
        try:
            ids = await _people(built)
            await _queue(built, "waiting", channel="sim", chat_id="sim")
            await _queue(built, "lost", person_id=ids["tg"], channel="telegram:main", chat_id="tg")
            sender = OutboxSender(built.session_factory, {"telegram:main": Telegram(refuse=True)}, OutboxSection(), now=lambda: datetime.now(UTC))
            await sender.drain_once()
        finally:
            await built.close()

    asyncio.run(prepare())
    monkeypatch.setenv("QUNGONG_STORAGE__URL", db_url)
    monkeypatch.setenv("QUNGONG_APP__DEMO", "false")
    monkeypatch.chdir(tmp_path)
    assert main(["outbox"]) == 0
    out = capsys.readouterr().out
    assert "sim " in out and "telegram:main" in out and "(by person)" in out
    assert "oldest pending: #1 notice to sim chat sim" in out
    assert "dead: 1" in out and "#2 notice to telegram:main chat tg, 1 attempts: permanent failure: bot was blocked" in out
    assert main(["outbox", "retry", "2", "1"]) == 0
    out = capsys.readouterr().out
    assert "queued again: #2" in out and "not dead (left as they are): #1" in out
    assert main(["outbox"]) == 0
    assert "dead: 0" in capsys.readouterr().out


async def test_twenty_pushes_to_one_chat_reach_the_platform_in_order(app: App) -> None:
    ids = await _people(app)
    for n in range(20):
        await _queue(app, f"step-{n:02d}", person_id=ids["tg"], channel="telegram:main", chat_id="tg")
    telegram = Telegram()
    one_at_a_time = RateLimiter(lambda channel: (Limit(1000, 1.0), Limit(1, 0.01)), time.monotonic)  # each waits for the last
    sender = OutboxSender(app.session_factory, {"telegram:main": telegram}, OutboxSection(), limiter=one_at_a_time, now=lambda: NOW + timedelta(seconds=1))
    assert await sender.drain_once() == 20
    assert [text for _, text in telegram.sent] == [f"step-{n:02d}" for n in range(20)]
