"""WeChat through wechatpy: signed (and encrypted) callbacks in, passive replies and API pushes out."""

from __future__ import annotations

import asyncio
import io
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from PIL import Image
from sqlalchemy import func, select

from bot.app import App
from bot.channels.delivery import OutsideServiceWindow, PermanentFailure, TemporaryFailure
from bot.channels.registry import add_channel_routes
from bot.channels.settings import WeChatChannel as WeChatSettings
from bot.channels.wechat.channel import WeChatChannel, signature
from bot.outbox.sender import OutboxSender
from bot.web.server import build_web_app
from handlers.messages import Button, Inbound, Outbound
from storage.geo import GCJ02, to_stored
from storage.media.store import get_media, media_hash
from storage.models.cases import Case
from storage.models.chat import InboundUpdate, OutboxMessage
from tests.bot.test_sim_front_door import jpeg_with_gps
from tests.channels.conftest import OpenApp, fast_limiter
from tests.channels.fake_wechat import FakeWeChat
from tests.channels.wechat_harness import WeChatUser, callback_xml
from tests.handlers.chat import Chat

AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
MEDIA_ID = "7bVnIGmXh2Xa0fakeMediaId"  # the MediaId of fixtures/wechat/image.xml
MODES = {"plain": "", "aes": AES_KEY}


@pytest.fixture
async def fake() -> AsyncIterator[FakeWeChat]:
    """A fake WeChat API on a random local port."""
    server = FakeWeChat()
    await server.start()
    yield server
    await server.close()


def settings(fake: FakeWeChat, aes_key: str = "", budget: float = 3.0, window: int = 300) -> WeChatSettings:
    """Return an official account's settings pointing at the fake API."""
    return WeChatSettings(
        name="wechat",
        app_id="wx5d3a1c9f7e2b4a60",
        app_secret="3f0c5e8a9b7d6c4e2a1f0e9d8c7b6a59",
        token="QunGongCallbackToken2026",
        aes_key=aes_key,
        path="/wechat",
        api_base_url=fake.base_url,
        reply_budget_seconds=budget,
        replay_window_seconds=window,
        templates={"case_light": "TPL-case-light-0001", "explanation_request": "TPL-explain-0002"},
    )


@asynccontextmanager
async def account(
    app: App, fake: FakeWeChat, aes_key: str = "", budget: float = 3.0, *, window: int = 300, now: Callable[[], float] = time.time,
) -> AsyncIterator[WeChatUser]:
    """Mount an official account on the app's web server (on the clock NOW) and return a follower."""
    channel = WeChatChannel(settings(fake, aes_key, budget, window), app, fast_limiter(), now=now)
    web_app = build_web_app(app)
    add_channel_routes(web_app, [channel])
    client: TestClient[Any, Any] = TestClient(TestServer(web_app))
    await client.start_server()
    await channel.start()
    try:
        yield WeChatUser(client, channel)
    finally:
        await channel.stop()
        await client.close()


async def _count(app: App, model: Any) -> int:
    async with app.uow() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(model)) or 0)


async def test_url_verification(open_app: OpenApp, fake: FakeWeChat) -> None:
    async with open_app() as app, account(app, fake) as user:
        timestamp, nonce = str(int(time.time())), "2128297152"
        good = {"signature": signature("QunGongCallbackToken2026", timestamp, nonce), "timestamp": timestamp, "nonce": nonce, "echostr": "6739261742339446377"}
        response = await user.client.get("/wechat", params=good)
        assert response.status == 200 and await response.text() == "6739261742339446377"
        response = await user.client.get("/wechat", params=good | {"signature": "0" * 40})
        assert response.status == 403


@pytest.mark.parametrize("mode", list(MODES))
async def test_report_conversation(open_app: OpenApp, fake: FakeWeChat, mode: str, caplog: pytest.LogCaptureFixture) -> None:
    kept = mode == "plain"  # in safe mode the fake has lost the media: the photo keeps WeChat's PicUrl
    if kept:
        fake.media[MEDIA_ID] = jpeg_with_gps()
    async with open_app() as app, account(app, fake, MODES[mode]) as user:
        await user.event("subscribe")
        assert "您好" in user.last.text and "回复数字：" in user.last.text
        await user.choose("我要反映")
        assert "哪一类" in user.last.text
        await user.choose("投诉")
        await user.say("桂香苑7栋门口的井盖松动了，晚上有人踩空差点摔倒")
        with caplog.at_level(logging.WARNING, logger="bot.channels.photos"):
            await user.image()
        assert "共 1 张" in user.last.text
        assert [query["media_id"] for name, _, query in fake.calls if name == "media/get"] == [MEDIA_ID]
        await user.choose("说完了")
        assert "发生在哪里" in user.last.text
        await user.say("桂香苑7栋")
        assert "将转交" in user.last.text
        await user.choose("确认")
        await user.choose("不留电话")
        await user.choose("提交")
        assert "已受理！编号 QG-20261123-0001" in user.last.text
        async with app.uow() as uow:
            case = (await uow.session.scalars(select(Case))).one()
        assert case.department_code == "shizheng"
        if not kept:
            assert case.photos == ["http://mmbiz.qpic.cn/mmbiz_jpg/5Zq1b0fake/0"]
            assert any("could not be fetched" in r.getMessage() and "40007" in r.getMessage() for r in caplog.records)
        else:
            assert len(case.photos) == 1 and case.photos[0].startswith("media:")
            sha = media_hash(case.photos[0])
            assert sha is not None
            async with app.uow() as uow:
                stored = await get_media(uow.session, sha)
            assert stored is not None and stored.origin == "wechat:http://mmbiz.qpic.cn/mmbiz_jpg/5Zq1b0fake/0"
            assert dict(Image.open(io.BytesIO(stored.data)).getexif()) == {}  # the GPS position is gone
            card = await Chat(app, "dept-shizheng").send_raw(f"sc:{case.id}")
            assert card[0].image == case.photos[0]  # staff see our copy on the card
        assert fake.called("message/custom/send") == []  # everything went back as passive replies


async def test_menu_click_and_location(open_app: OpenApp, fake: FakeWeChat) -> None:
    async with open_app() as app, account(app, fake) as user:
        await user.event("click", key="m:report")
        assert "哪一类" in user.last.text
        await user.choose("不确定")
        await user.say("路灯坏了一排，晚上黑漆漆的")
        await user.choose("说完了")
        await user.post(callback_xml("location", openid=user.openid, time=int(time.time()), msg_id=24601999000000001))
        assert "将转交" in user.last.text
        await user.choose("确认")
        await user.choose("不留电话")
        assert "地点：柳岸社区第1网格" in user.last.text
        await user.choose("提交")
        async with app.uow() as uow:
            case = (await uow.session.scalars(select(Case))).one()
        # WeChat shares GCJ-02: the case keeps the point in WGS-84, converted once at the channel's edge
        assert case.jurisdiction_source == "coordinate" and (case.lat, case.lon) == pytest.approx(to_stored(30.63, 114.31, GCJ02))


async def test_a_number_without_a_menu_is_just_text(open_app: OpenApp, fake: FakeWeChat) -> None:
    async with open_app() as app, account(app, fake) as user:
        await user.say("7")  # no menu shown yet: a short text gets the start menu
        assert "回复数字：" in user.last.text
        await user.say("9")  # out of range: not a button either
        assert "回复数字：" in user.last.text


@pytest.mark.parametrize("mode", list(MODES))
async def test_a_forged_signature_is_refused(open_app: OpenApp, fake: FakeWeChat, mode: str) -> None:
    async with open_app() as app, account(app, fake, MODES[mode]) as user:
        await user.post(callback_xml("text", openid=user.openid, time=1, content="/start", msg_id=1), forged=True)
        assert user.last.status == 403
        response = await user.client.post("/wechat", data=b"<xml></xml>")
        assert response.status == 403
        assert await _count(app, InboundUpdate) == 0


class Clock:
    """The channel's clock, set by the test."""

    def __init__(self) -> None:
        self.at = float(int(time.time()))

    def __call__(self) -> float:
        return self.at

    def shifted(self, seconds: int) -> str:
        """Return the WeChat timestamp SECONDS from now."""
        return str(int(self.at) + seconds)


def _spy(app: App) -> list[Inbound]:
    """Record what reaches the dispatcher."""
    dispatcher = app.running_dispatcher()
    handle, seen = dispatcher.handle, []

    async def spying(inbound: Inbound) -> list[Outbound]:
        seen.append(inbound)
        return await handle(inbound)

    dispatcher.handle = spying  # type: ignore[method-assign]
    return seen


@pytest.mark.parametrize("mode", list(MODES))
async def test_a_fresh_timestamp_is_handled(open_app: OpenApp, fake: FakeWeChat, mode: str) -> None:
    clock = Clock()
    async with open_app() as app, account(app, fake, MODES[mode], now=clock) as user:
        seen = _spy(app)
        await user.post(callback_xml("event_subscribe", openid=user.openid, time=next(user.clock)), timestamp=clock.shifted(-299))
        assert user.last.status == 200 and "您好" in user.last.text
        await user.post(callback_xml("event_click", openid=user.openid, time=next(user.clock), key="m:report"), timestamp=clock.shifted(299))
        assert user.last.status == 200 and "哪一类" in user.last.text
        assert len(seen) == 2 and await _count(app, InboundUpdate) == 2


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("offset", [-600, 600], ids=["10-minutes-old", "10-minutes-ahead"])
async def test_a_callback_signed_ten_minutes_off_is_refused(
    open_app: OpenApp, fake: FakeWeChat, caplog: pytest.LogCaptureFixture, mode: str, offset: int,
) -> None:
    clock = Clock()
    async with open_app() as app, account(app, fake, MODES[mode], now=clock) as user:
        seen = _spy(app)
        with caplog.at_level(logging.WARNING, logger="bot.channels.wechat"):
            await user.post(callback_xml("event_subscribe", openid=user.openid, time=next(user.clock)), timestamp=clock.shifted(offset))
            assert (user.last.status, user.last.body) == (403, "forbidden: timestamp outside the replay window")
            await user.post(callback_xml("text", openid=user.openid, time=next(user.clock), content="/start", msg_id=24601777000000001), timestamp=clock.shifted(offset))
            assert user.last.status == 403
        warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert len(warnings) == 2
        assert all(w.startswith("wechat channel wechat: POST") and f"{offset:+d} s from now" in w for w in warnings), warnings
        assert seen == [] and await _count(app, InboundUpdate) == 0
        assert fake.calls == []


async def test_a_captured_callback_replayed_later_is_refused(open_app: OpenApp, fake: FakeWeChat) -> None:
    clock = Clock()
    async with open_app() as app, account(app, fake, AES_KEY, now=clock) as user:
        seen = _spy(app)
        captured = user.signed(callback_xml("event_click", openid=user.openid, time=next(user.clock), key="m:report"), clock.shifted(0))
        assert (await user.send(*captured)).status == 200 and "哪一类" in user.last.text
        clock.at += 301
        assert (await user.send(*captured)).status == 403
        assert len(seen) == 1 and await _count(app, InboundUpdate) == 1


@pytest.mark.parametrize("timestamp", ["", "soon", "1795827600.0", "-1795827600", " 1795827600", "1_795_827_600", "１７９５８２７６００", "9" * 40])
async def test_a_non_numeric_timestamp_is_refused(
    open_app: OpenApp, fake: FakeWeChat, caplog: pytest.LogCaptureFixture, timestamp: str,
) -> None:
    async with open_app() as app, account(app, fake) as user:
        seen = _spy(app)
        with caplog.at_level(logging.WARNING, logger="bot.channels.wechat"):
            await user.post(callback_xml("event_subscribe", openid=user.openid, time=next(user.clock)), timestamp=timestamp)
        assert (user.last.status, user.last.body) == (403, "forbidden: timestamp outside the replay window")
        assert any("non-numeric timestamp" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
        assert seen == [] and await _count(app, InboundUpdate) == 0


async def test_url_verification_is_subject_to_the_window(open_app: OpenApp, fake: FakeWeChat, caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    async with open_app() as app, account(app, fake, now=clock) as user:

        async def verify(timestamp: str) -> tuple[int, str]:
            nonce = "2128297152"
            params = {"signature": signature("QunGongCallbackToken2026", timestamp, nonce), "timestamp": timestamp, "nonce": nonce, "echostr": "6739261742339446377"}
            response = await user.client.get("/wechat", params=params)
            return response.status, await response.text()

        assert await verify(clock.shifted(-60)) == (200, "6739261742339446377")
        with caplog.at_level(logging.WARNING, logger="bot.channels.wechat"):
            for timestamp in (clock.shifted(-600), clock.shifted(600), "now"):
                assert await verify(timestamp) == (403, "forbidden: timestamp outside the replay window")
        warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert len(warnings) == 3 and all(w.startswith("wechat channel wechat: GET") for w in warnings), warnings
        assert "-600 s from now" in warnings[0] and "+600 s from now" in warnings[1]


@pytest.mark.parametrize(("window", "age", "status"), [(30, 60, 403), (30, 25, 200), (3600, 600, 200), (3600, 3601, 403)])
async def test_the_replay_window_is_configurable(open_app: OpenApp, fake: FakeWeChat, window: int, age: int, status: int) -> None:
    clock = Clock()
    async with open_app() as app, account(app, fake, window=window, now=clock) as user:
        await user.post(callback_xml("event_subscribe", openid=user.openid, time=next(user.clock)), timestamp=clock.shifted(-age))
        assert user.last.status == status
        assert await _count(app, InboundUpdate) == (1 if status == 200 else 0)


async def test_the_same_msgid_three_times_opens_one_case(open_app: OpenApp, fake: FakeWeChat) -> None:
    async with open_app() as app, account(app, fake, AES_KEY) as user:
        await user.say("我要反映")
        await user.choose("投诉")
        await user.say("东湖路上有个大坑，车开过去很危险")
        await user.choose("说完了")
        await user.say("桂香苑7栋")
        await user.choose("确认")
        await user.choose("不留电话")
        submit = user.number("提交")
        answers = [await user.say(submit, msg_id=24601888000000001) for _ in range(3)]
        assert "已受理" in answers[0].text
        assert [a.body for a in answers[1:]] == ["success", "success"]
        assert await _count(app, Case) == 1


async def test_a_slow_answer_is_pushed_through_customer_service(open_app: OpenApp, fake: FakeWeChat) -> None:
    async with open_app() as app, account(app, fake, budget=0.2) as user:
        dispatcher = app.running_dispatcher()
        handle = dispatcher.handle

        async def slow(inbound: Inbound) -> list[Outbound]:
            await asyncio.sleep(0.6)
            return await handle(inbound)

        dispatcher.handle = slow  # type: ignore[method-assign]
        started = time.monotonic()
        await user.say("/start")
        assert user.last.body == "success" and time.monotonic() - started < 0.5
        pushed = await fake.wait_for("message/custom/send")
        assert pushed[0]["touser"] == user.openid and pushed[0]["msgtype"] == "text"
        assert "您好" in pushed[0]["text"]["content"] and "1. 我要反映" in pushed[0]["text"]["content"]
        dispatcher.handle = handle  # type: ignore[method-assign]
        await user.say("1")  # the pushed menu was stored like any other
        assert "哪一类" in user.last.text
        tokens = fake.called("stable_token")
        assert len(tokens) == 1 and tokens[0]["force_refresh"] is False and tokens[0]["appid"] == "wx5d3a1c9f7e2b4a60"


async def test_send_maps_wechat_errors(open_app: OpenApp, fake: FakeWeChat) -> None:
    async with open_app() as app:
        channel = WeChatChannel(settings(fake), app, fast_limiter())
        message = Outbound("【办结】QG-20261123-0001 已办结，请评价", buttons=(Button("已解决", "m:cases"), Button("未解决", "m:help")))
        for code, error in [(45015, OutsideServiceWindow), (45047, OutsideServiceWindow), (43004, PermanentFailure), (-1, TemporaryFailure)]:
            fake.fail_next("message/custom/send", code)
            with pytest.raises(error):
                await channel.send("oXyZ3s1QunGongFollower00001", message)
        await channel.send("oXyZ3s1QunGongFollower00001", message)
        content = fake.called("message/custom/send")[-1]["text"]["content"]
        assert content.endswith("回复数字：\n1. 已解决\n2. 未解决")


async def test_a_local_chart_is_uploaded_then_sent_as_an_image(open_app: OpenApp, fake: FakeWeChat, tmp_path: Path) -> None:
    chart = tmp_path / "week-2026-W47-district.png"
    chart.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 300)
    async with open_app() as app:
        channel = WeChatChannel(settings(fake), app, fast_limiter())
        await channel.send("oXyZ3s1QunGongFollower00001", Outbound("【周报】受理 12 件", image=str(chart)))
        assert fake.called("media/upload") == [{"media_size": 308}]
        sent = fake.called("message/custom/send")
        assert sent[0]["text"]["content"] == "【周报】受理 12 件"
        assert sent[1]["msgtype"] == "image" and sent[1]["image"]["media_id"] == "MEDIA_CHART_1"


async def test_outside_the_window_a_template_message_goes_instead(open_app: OpenApp, fake: FakeWeChat) -> None:
    async with open_app() as app:
        channel = WeChatChannel(settings(fake), app, fast_limiter())
        now = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
        payload: dict[str, Any] = {
            "text": "【黄灯】QG-20261123-0001 已超过 24 小时未办结",
            "buttons": [],
            "image": None,
            "template": {"id": "case_light", "data": {"number": "QG-20261123-0001", "light": "yellow"}},
        }
        async with app.uow() as uow:
            uow.session.add(OutboxMessage(dedupe_key="light:1:yellow", channel="wechat", chat_id="oXyZ3s1QunGongFollower00001", kind="light_yellow",
                                          payload=payload, status="pending", attempts=0, next_attempt_at=now, created_at=now))
            await uow.commit()
        fake.fail_next("message/custom/send", 45015)
        sender = OutboxSender(app.session_factory, {"wechat": channel}, app.config.outbox, limiter=fast_limiter(), now=lambda: now)
        assert await sender.drain_once() == 1
        sent = fake.called("message/template/send")
        assert sent == [{
            "touser": "oXyZ3s1QunGongFollower00001",
            "template_id": "TPL-case-light-0001",
            "data": {"number": {"value": "QG-20261123-0001"}, "light": {"value": "yellow"}},
        }]
        async with app.uow() as uow:
            row = (await uow.session.scalars(select(OutboxMessage))).one()
        assert row.status == "sent"
        with pytest.raises(PermanentFailure, match="no template id"):
            await channel.send_template("oXyZ3s1QunGongFollower00001", {"id": "weekly_report", "data": {}})


async def test_install_menu(open_app: OpenApp, fake: FakeWeChat) -> None:
    async with open_app() as app:
        channel = WeChatChannel(settings(fake), app, fast_limiter())
        await channel.install_menu()
        assert fake.called("menu/create") == [{"button": [
            {"type": "click", "name": "我要反映", "key": "m:report"},
            {"type": "click", "name": "我的诉求", "key": "m:cases"},
            {"type": "click", "name": "帮助", "key": "m:help"},
        ]}]
