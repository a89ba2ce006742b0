"""Hostile and repeated input on the platform channels (Telegram, WeChat, WeChat Work): a 4xx or nothing at all, a warning, no change."""

from __future__ import annotations

import io
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from nlp import Classifier
from storage.models.chat import InboundUpdate
from tests.channels.conftest import OpenApp
from tests.channels.fake_telegram import FakeTelegram
from tests.channels.fake_wechat import FakeWeChat
from tests.channels.fake_wecom import FakeWeCom
from tests.channels.test_telegram import SECRET, connected
from tests.channels.test_wechat import AES_KEY, _count, account
from tests.channels.wechat_harness import callback_xml
from tests.channels.wecom_app import demo_copy, wecom_site
from tests.channels.wecom_harness import callback_xml as wecom_xml


@pytest.fixture
async def fake() -> AsyncIterator[FakeWeChat]:
    """A fake WeChat API on a random local port."""
    server = FakeWeChat()
    await server.start()
    yield server
    await server.close()


def _errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


async def test_safe_mode_with_a_plain_body_is_refused(open_app: OpenApp, fake: FakeWeChat, caplog: pytest.LogCaptureFixture) -> None:
    async with open_app() as app, account(app, fake, AES_KEY) as user:
        xml = callback_xml("text", openid=user.openid, time=1, content="你好", msg_id=24601777000000001)
        query, _ = user.signed(xml)
        query |= {"encrypt_type": "aes", "msg_signature": "0" * 40}
        answer = await user.send(query, xml)  # correctly signed, but the body is plain XML with no <Encrypt>
        assert answer.status == 400
        assert await _count(app, InboundUpdate) == 0
    assert _errors(caplog) == [] and any("no encrypted message" in r.getMessage() for r in caplog.records)


async def test_an_oversized_or_non_utf8_callback_is_refused(open_app: OpenApp, fake: FakeWeChat, caplog: pytest.LogCaptureFixture) -> None:
    async with open_app() as app, account(app, fake) as user:
        xml = callback_xml("text", openid=user.openid, time=1, content="长" * 40_000, msg_id=24601777000000002)
        assert (await user.post(xml)).status == 413
        query, _ = user.signed("x")
        response = await user.client.post(user.path, params=query, data=b"<xml>\xff\xfe</xml>")
        assert response.status == 400
        assert await _count(app, InboundUpdate) == 0
    assert _errors(caplog) == []


async def test_a_message_delivered_again_keeps_the_chats_numbered_menu(open_app: OpenApp, fake: FakeWeChat) -> None:
    async with open_app() as app, account(app, fake) as user:
        await user.say("我要反映", msg_id=24601777000000010)
        complaint = user.number("投诉")
        again = await user.say("我要反映", msg_id=24601777000000010)  # WeChat's retry of the same MsgId
        assert again.body == "success"
        await user.say(complaint)  # the menu shown for the first delivery still stands
        assert "请描述您遇到的问题" in user.last.text
        assert await _count(app, InboundUpdate) == 2


@pytest.mark.parametrize("driver", ["ptb", "aiogram"])
async def test_telegram_webhook_bodies_nested_deep_or_oversized_are_refused(
    open_app: OpenApp, driver: str, caplog: pytest.LogCaptureFixture
) -> None:
    server = FakeTelegram("123456789:AAFakeTokenForTests_0123456789abcdef")
    await server.start()
    try:
        async with open_app(driver) as app, connected(app, server, driver, "webhook") as (_, _user, client):
            headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
            deep = '{"update_id": 1, "message": ' + "[" * 5000 + "]" * 5000 + "}"
            assert (await client.post("/telegram/test", data=deep.encode(), headers=headers)).status == 400
            huge = b'{"update_id": 1' + b"0" * 400 + b"}"
            assert (await client.post("/telegram/test", data=huge, headers=headers)).status == 400
            big = b'{"update_id": 1, "x": "' + b"a" * (2 * 1024 * 1024) + b'"}'
            assert (await client.post("/telegram/test", data=io.BytesIO(big), headers=headers)).status == 413
            assert await _count(app, InboundUpdate) == 0
    finally:
        await server.close()
    assert _errors(caplog) == []


async def test_wecom_callbacks_oversized_non_utf8_or_not_xml_are_refused(
    demo_template: Path, tmp_path: Path, classifier: Classifier, caplog: pytest.LogCaptureFixture
) -> None:
    wecom = FakeWeCom()
    await wecom.start()
    try:
        async with wecom_site(demo_copy(demo_template, tmp_path), classifier, wecom) as site:
            member = site.member()
            query, _ = member.signed("<xml/>")
            for body, status in [(b"<xml><Encrypt>" + b"A" * 70_000 + b"</Encrypt></xml>", 413), (b"<xml>\xff\xfe</xml>", 400), (b"{}", 400), (b"", 400)]:
                response = await member.client.post(member.path, params=query, data=body)
                assert response.status == status, (body[:20], response.status)
            xml = wecom_xml("text", user=member.user, time=1, content="长" * 40_000, msg_id=1, agent=1000002)
            assert (await member.post(xml)).status == 413
            assert await _count(site.app, InboundUpdate) == 0
    finally:
        await wecom.close()
    assert _errors(caplog) == []
