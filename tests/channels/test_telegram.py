"""Telegram through the real python-telegram-bot and aiogram clients against a local fake Bot API."""

from __future__ import annotations

import io
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from PIL import Image
from sqlalchemy import func, select

from bot.app import App
from bot.channels.delivery import PermanentFailure, TemporaryFailure
from bot.channels.registry import add_channel_routes
from bot.channels.settings import TelegramChannel as TelegramSettings
from bot.channels.telegram.channel import SECRET_HEADER, TelegramChannel
from bot.web.server import build_web_app
from bot.web.simulator.shown import picture
from handlers.messages import Button, Outbound
from storage.media.store import get_media, media_hash
from storage.models.cases import Case
from storage.models.chat import InboundUpdate
from tests.bot.test_sim_front_door import jpeg_with_gps
from tests.channels.conftest import OpenApp, fast_limiter
from tests.channels.fake_telegram import FakeTelegram
from tests.channels.telegram_harness import TelegramUser, track, update_fixture
from tests.handlers.chat import Chat

TOKEN = "123456789:AAFakeTokenForTests_0123456789abcdef"
SECRET = "s3cret-Token_for-tests"
DRIVERS = ["ptb", "aiogram"]


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    """A fake Bot API on a random local port."""
    server = FakeTelegram(TOKEN)
    await server.start()
    yield server
    await server.close()


def settings(fake: FakeTelegram, driver: str, mode: str) -> TelegramSettings:
    """Return a Telegram channel's settings pointing at the fake."""
    return TelegramSettings(
        name="telegram:test",
        driver=driver,
        token=TOKEN,
        mode=mode,
        api_base_url=fake.base_url,
        poll_timeout_seconds=1,
        webhook_url="https://qungong.example/telegram/test",
        webhook_path="/telegram/test",
        webhook_secret=SECRET,
    )


@asynccontextmanager
async def connected(app: App, fake: FakeTelegram, driver: str, mode: str) -> AsyncIterator[tuple[TelegramChannel, TelegramUser, TestClient[Any, Any]]]:
    """Start a channel on the app (polling, or webhook on the app's own web server) and a user on it."""
    channel = TelegramChannel(settings(fake, driver, mode), app, fast_limiter())
    done = track(channel)
    web_app = build_web_app(app)
    add_channel_routes(web_app, [channel])
    client: TestClient[Any, Any] = TestClient(TestServer(web_app))
    await client.start_server()

    async def deliver(update: dict[str, Any]) -> None:
        if mode == "polling":
            fake.push(update)
            return
        response = await client.post("/telegram/test", json=update, headers={SECRET_HEADER: SECRET})
        assert response.status == 200, await response.text()

    await channel.start()
    try:
        yield channel, TelegramUser(fake, deliver, done), client
    finally:
        await channel.stop()
        await client.close()


async def report_transcript(user: TelegramUser) -> None:
    """The whole report conversation, as a Telegram user sees it."""
    await user.say("/start")
    assert "晓明 李，您好" in user.text and "我要反映" in user.buttons
    await user.press("我要反映")
    assert "哪一类" in user.text
    await user.press("投诉")
    await user.say("桂香苑7栋门口的井盖松动了，晚上有人踩空差点摔倒")
    await user.photo()
    assert "共 1 张" in user.text
    await user.press("说完了")
    assert "发生在哪里" in user.text
    await user.say("桂香苑7栋")
    assert "将转交" in user.text
    await user.press("确认")
    await user.contact("+8613912345678")
    assert "139****5678" in user.text
    await user.press("提交")
    assert "已受理！编号 QG-20261123-0001" in user.text


LARGE_PHOTO = "AgACAgUAAxkBAAIBZ2c-large"


async def _assert_kept(app: App, photos: list[str], fake: FakeTelegram) -> None:
    """The case's photo is our copy: fetched once from the platform, stored without EXIF, shown on the staff card."""
    assert len(photos) == 1 and photos[0].startswith("media:"), photos
    assert fake.downloads == [f"photos/{LARGE_PHOTO}.jpg"]  # the largest size, once
    sha = media_hash(photos[0])
    assert sha is not None
    async with app.uow() as uow:
        stored = await get_media(uow.session, sha)
    assert stored is not None and stored.mime == "image/jpeg" and stored.origin == f"telegram:test:{LARGE_PHOTO}"
    assert dict(Image.open(io.BytesIO(stored.data)).getexif()) == {}  # the GPS position is gone
    card = await Chat(app, "dept-shizheng").send_raw(f"sc:{(await _only_case(app)).id}")
    assert card[0].image == photos[0]
    assert picture(app, card[0].image) == {"src": f"/sim/media/{sha}", "thumb": f"/sim/media/{sha}/thumb"}


async def _only_case(app: App) -> Case:
    async with app.uow() as uow:
        return (await uow.session.scalars(select(Case))).one()


def visible(fake: FakeTelegram) -> list[tuple[str, str, Any]]:
    """What the user saw: each message's kind, text and keyboard."""
    return [(c.method, str(c.params.get("text") or c.params.get("caption") or ""), c.params.get("reply_markup")) for c in fake.sent()]


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_report_conversation_is_the_same_on_both_drivers(open_app: OpenApp, mode: str) -> None:
    seen: dict[str, list[tuple[str, str, Any]]] = {}
    for driver in DRIVERS:
        server = FakeTelegram(TOKEN)
        await server.start()
        try:
            server.files[LARGE_PHOTO] = jpeg_with_gps()
            async with open_app(driver) as app, connected(app, server, driver, mode) as (_, user, _client):
                await report_transcript(user)
                async with app.uow() as uow:
                    case = (await uow.session.scalars(select(Case))).one()
                await _assert_kept(app, case.photos, server)
                assert case.contact_phone == "13912345678"
                assert case.department_code == "shizheng" and case.text.startswith("桂香苑7栋门口的井盖")
                # every button press was answered, and its question lost its buttons
                assert len(server.called("answerCallbackQuery")) == user.presses == 5
                assert len(server.called("editMessageReplyMarkup")) == 5
                setup = "setWebhook" if mode == "webhook" else "deleteWebhook"
                assert server.called(setup), [c.method for c in server.calls]
                if mode == "webhook":
                    assert server.called("setWebhook")[0].params["secret_token"] == SECRET
                seen[driver] = visible(server)
        finally:
            await server.close()
    assert seen["ptb"] == seen["aiogram"]


@pytest.mark.parametrize("driver", DRIVERS)
async def test_wrong_webhook_secret_is_refused(open_app: OpenApp, fake: FakeTelegram, driver: str) -> None:
    async with open_app() as app, connected(app, fake, driver, "webhook") as (_, _user, client):
        update = update_fixture("command_start")
        for headers in ({SECRET_HEADER: "guess"}, {}):
            response = await client.post("/telegram/test", json=update, headers=headers)
            assert response.status == 403
        response = await client.post("/telegram/test", data=b"not json", headers={SECRET_HEADER: SECRET})
        assert response.status == 400
        async with app.uow() as uow:
            assert await uow.session.scalar(select(func.count()).select_from(InboundUpdate)) == 0
        assert fake.sent() == []


@pytest.mark.parametrize("driver", DRIVERS)
async def test_a_repeated_webhook_update_is_answered_once(open_app: OpenApp, fake: FakeTelegram, driver: str) -> None:
    async with open_app() as app, connected(app, fake, driver, "webhook") as (_, _user, client):
        update = update_fixture("command_start")
        for _ in range(3):
            response = await client.post("/telegram/test", json=update, headers={SECRET_HEADER: SECRET})
            assert response.status == 200
        assert len(fake.sent(5123456789)) == 1


@pytest.mark.parametrize("driver", DRIVERS)
async def test_send_maps_telegram_errors(open_app: OpenApp, fake: FakeTelegram, driver: str) -> None:
    async with open_app() as app:
        channel = TelegramChannel(settings(fake, driver, "polling"), app, fast_limiter())
        try:
            message = Outbound("【新派单】QG-20261123-0001", buttons=(Button("签收", "m:cases"),))
            fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 3", retry_after=3)
            with pytest.raises(TemporaryFailure) as caught:
                await channel.send("5123456789", message)
            assert caught.value.retry_after == 3.0
            fake.fail_next("sendMessage", 502, "Bad Gateway")
            with pytest.raises(TemporaryFailure):
                await channel.send("5123456789", message)
            fake.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
            with pytest.raises(PermanentFailure):
                await channel.send("5123456789", message)
            fake.fail_next("sendMessage", 400, "Bad Request: chat not found")
            with pytest.raises(PermanentFailure):
                await channel.send("5123456789", message)
            await channel.send("5123456789", message)
            sent = fake.sent(5123456789)[-1].params
            assert sent["text"] == message.text
            assert sent["reply_markup"] == {"inline_keyboard": [[{"text": "签收", "callback_data": "m:cases"}]]}
        finally:
            await channel.stop()


@pytest.mark.parametrize("driver", DRIVERS)
async def test_a_direct_reply_waits_for_retry_after(open_app: OpenApp, fake: FakeTelegram, driver: str) -> None:
    async with open_app() as app, connected(app, fake, driver, "polling") as (_, user, _client):
        fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
        await user.say("/start")
        attempts = fake.called("sendMessage")
        assert len(attempts) == 2 and attempts[1].at - attempts[0].at >= 0.95
        assert "您好" in user.text


@pytest.mark.parametrize("driver", DRIVERS)
async def test_long_texts_are_split_on_line_breaks(open_app: OpenApp, fake: FakeTelegram, driver: str) -> None:
    async with open_app() as app:
        channel = TelegramChannel(settings(fake, driver, "polling"), app, fast_limiter())
        try:
            lines = [f"第{i}行：" + "井" * 90 for i in range(100)]  # ~9,500 characters
            await channel.send("5123456789", Outbound("\n".join(lines), buttons=(Button("好的", "m:help"),)))
            parts = [c.params["text"] for c in fake.sent(5123456789)]
            assert len(parts) == 3 and all(len(p) <= 4096 for p in parts)
            assert "\n".join(parts) == "\n".join(lines)
            assert [bool(c.params.get("reply_markup")) for c in fake.sent(5123456789)] == [False, False, True]
        finally:
            await channel.stop()


@pytest.mark.parametrize("driver", DRIVERS)
async def test_a_photo_that_cannot_be_fetched_keeps_its_platform_id(
    open_app: OpenApp, fake: FakeTelegram, driver: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with open_app() as app, connected(app, fake, driver, "polling") as (_, user, _client):
        await user.say("/start")
        await user.press("我要反映")
        await user.press("投诉")
        await user.say("桂香苑7栋门口的井盖松动了")
        with caplog.at_level(logging.WARNING, logger="bot.channels.photos"):
            await user.photo()  # the fake knows no such file: getFile answers 400
        assert "共 1 张" in user.text  # the message was handled all the same
        assert any("could not be fetched" in r.getMessage() and LARGE_PHOTO[:20] in r.getMessage() for r in caplog.records)
        fake.files["AgACAgUAAxkBAAIBZ2c-large"] = b"GIF89a not really an image"
        with caplog.at_level(logging.WARNING, logger="bot.channels.photos"):
            await user.photo()  # fetched, but not an image: the platform id again
        assert "共 2 张" in user.text and any("not a readable image" in r.getMessage() or "not a photo" in r.getMessage() for r in caplog.records)
        await user.press("说完了")
        await user.say("桂香苑7栋")
        await user.press("确认")
        await user.contact("+8613912345678")
        await user.press("提交")
        case = await _only_case(app)
        assert case.photos == [LARGE_PHOTO, LARGE_PHOTO]


@pytest.mark.parametrize("driver", DRIVERS)
async def test_a_pushed_reports_stored_chart_is_uploaded_as_a_photo(open_app: OpenApp, fake: FakeTelegram, driver: str) -> None:
    from datetime import UTC, datetime

    from bot.channels.media import with_local_images
    from handlers.messages import outbound_from_payload
    from scheduler.reports import weekly_report
    from scheduler.wiring import JobDeps
    from storage.media.store import get_media, media_hash
    from storage.models.chat import OutboxMessage

    async with open_app() as app:
        await weekly_report(JobDeps(session_factory=app.session_factory, settings=app.config), datetime(2026, 11, 23, 0, 5, tzinfo=UTC))
        async with app.session_factory() as session:
            row = (await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "report").limit(1))).one()
            sha = media_hash(row.payload["image"])
            assert sha is not None
            stored = await get_media(session, sha)
            assert stored is not None
        channel = TelegramChannel(settings(fake, driver, "polling"), app, fast_limiter())
        try:  # as the outbox sender delivers it: the stored image as a local copy, uploaded
            await channel.send("5123456789", await with_local_images(app.session_factory, outbound_from_payload(row.payload)))
            sent = fake.called("sendPhoto")[-1].params
            assert str(sent["photo"]).startswith(("upload:", "attach://"))
            assert stored.data in fake.uploads.values()
        finally:
            await channel.stop()


@pytest.mark.parametrize("driver", DRIVERS)
async def test_a_local_chart_is_uploaded_as_a_photo(open_app: OpenApp, fake: FakeTelegram, driver: str, tmp_path: Path) -> None:
    chart = tmp_path / "week-2026-W47-district.png"
    chart.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 200)
    async with open_app() as app:
        channel = TelegramChannel(settings(fake, driver, "polling"), app, fast_limiter())
        try:
            await channel.send("5123456789", Outbound("【周报】受理 12 件", image=str(chart)))
            sent = fake.called("sendPhoto")[-1].params
            assert str(sent["photo"]).startswith(("upload:", "attach://")) and sent["caption"] == "【周报】受理 12 件"
            assert chart.read_bytes() in fake.uploads.values()
        finally:
            await channel.stop()
