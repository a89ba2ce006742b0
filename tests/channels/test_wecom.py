"""WeChat Work through wechatpy: encrypted, signed callbacks in; passive replies, cards and pushes out;
staff only."""

from __future__ import annotations

import asyncio
import logging
import time
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.app import App
from nlp import Classifier
from storage.invites import issue_invite
from storage.models.chat import InboundUpdate
from storage.models.people import ChannelAccount
from tests.channels.fake_wecom import FakeWeCom
from tests.channels.test_wechat import Clock
from tests.channels.wecom_app import RESIDENT_ACCOUNT, demo_copy, wecom_site
from tests.channels.wecom_harness import NONCE, callback_xml, envelope
from tests.handlers.chat import Clock as DispatchClock


@pytest.fixture
async def fake() -> AsyncIterator[FakeWeCom]:
    """A fake WeChat Work API on a random local port."""
    server = FakeWeCom()
    await server.start()
    yield server
    await server.close()


@pytest.fixture
def url(demo_template: Path, tmp_path: Path) -> str:
    """A fresh copy of the demo district."""
    return demo_copy(demo_template, tmp_path)


async def _count(app: App, model: Any) -> int:
    async with app.uow() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(model)) or 0)


async def invite(app: App, role: str, unit: str, name: str) -> str:
    """Issue a staff invite code."""
    async with app.uow() as uow:
        issued = await issue_invite(uow, role, unit, DispatchClock().now, timedelta(hours=72), person_name=name)
        await uow.commit()
    return issued.code


async def test_url_verification(url: str, classifier: Classifier, fake: FakeWeCom, caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    async with wecom_site(url, classifier, fake, now=clock) as site:
        timestamp = clock.shifted(0)
        encrypted = site.wecom.crypto.encrypt_message("5927782489442352469", NONCE, timestamp)
        root = ET.fromstring(encrypted)
        echostr, msg_signature = root.findtext("Encrypt"), root.findtext("MsgSignature")
        good = {"msg_signature": msg_signature, "timestamp": timestamp, "nonce": NONCE, "echostr": echostr}
        response = await site.client.get("/wecom", params=good)
        assert response.status == 200 and await response.text() == "5927782489442352469"
        with caplog.at_level(logging.WARNING, logger="bot.channels.wecom"):
            assert (await site.client.get("/wecom", params=good | {"msg_signature": "0" * 40})).status == 403
            clock.at += 301
            response = await site.client.get("/wecom", params=good)
            assert (response.status, await response.text()) == (403, "forbidden: timestamp outside the replay window")
        warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert "wrong msg_signature" in warnings[0] and "+0 s" not in warnings[1] and "-301 s from now" in warnings[1], warnings


async def test_a_forged_or_malformed_callback_changes_nothing(url: str, classifier: Classifier, fake: FakeWeCom, caplog: pytest.LogCaptureFixture) -> None:
    async with wecom_site(url, classifier, fake) as site:
        member = site.member()
        xml = callback_xml("text", user=member.user, time=int(time.time()), content="我的任务", msg_id=1, agent=1000002)
        with caplog.at_level(logging.WARNING, logger="bot.channels.wecom"):
            assert (await member.post(xml, forged=True)).status == 403
            query, _ = member.signed(xml)
            assert (await member.send(query, xml)).status == 400  # plain XML: no <Encrypt>
            assert (await member.send(query, "<xml><Encrypt>bm90IG91cnM=</Encrypt></xml>")).status == 403  # signed for another body
            body, signature = envelope(site.wecom, "<xml><oops", query["timestamp"])
            assert (await member.send(query | {"msg_signature": signature}, body)).status == 400
            assert (await member.post(xml.replace("WangWangge", "王 网格"))).status == 400  # not a UserID
        assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 5
        assert await _count(site.app, InboundUpdate) == 0 and fake.sent() == []


async def test_a_captured_callback_replayed_later_is_refused(url: str, classifier: Classifier, fake: FakeWeCom) -> None:
    clock = Clock()
    async with wecom_site(url, classifier, fake, now=clock) as site:
        member = site.member()
        captured = member.signed(callback_xml("text", user=member.user, time=int(clock.at), content="你好", msg_id=7301999, agent=1000002), clock.shifted(0))
        assert (await member.send(*captured)).status == 200
        clock.at += 301
        answer = await member.send(*captured)
        assert (answer.status, answer.body) == (403, "forbidden: timestamp outside the replay window")
        assert await _count(site.app, InboundUpdate) == 1


async def test_someone_without_a_staff_role_is_sent_to_the_official_account(url: str, classifier: Classifier, fake: FakeWeCom) -> None:
    async with wecom_site(url, classifier, fake) as site:
        member = site.member("ZhangSan")
        await member.event("enter_agent")
        assert "只对网格员" in member.text and f"公众号「{RESIDENT_ACCOUNT}」" in member.text
        assert member.last.text  # a passive reply: no API call
        await member.event("enter_agent")  # opened again the same day: no second greeting
        assert member.last.body == "" and member.text == ""
        await member.say("东湖路上有个大坑，车开过去很危险")
        assert f"公众号「{RESIDENT_ACCOUNT}」" in member.text  # no complaint is opened here
        await member.event("click", key="sm:tasks")
        assert f"公众号「{RESIDENT_ACCOUNT}」" in member.text
        assert fake.sent() == []


async def test_a_bind_code_makes_a_member_staff(url: str, classifier: Classifier, fake: FakeWeCom) -> None:
    async with wecom_site(url, classifier, fake) as site:
        code = await invite(site.app, "department", "shizheng", "王网格")
        member = site.member()
        await member.say(f"绑定 {code}")
        assert "绑定成功" in member.text or "已绑定" in member.text, member.text
        await member.event("click", key="sm:menu")
        assert "我的任务" in member.text and "我是谁" in member.text
        card = member.messages[-1]["template_card"]
        assert card["card_type"] == "button_interaction" and {b["key"] for b in card["button_list"]} >= {"sm:tasks", "sm:whoami"}
        await member.press("我是谁")
        assert "您是王网格" in member.text and "区市政设施管理处" in member.text
        updates = fake.called("message/update_template_card")
        assert [u.body["button"]["replace_name"] for u in updates] == ["王网格：我是谁"]
        async with site.app.uow() as uow:
            account = await uow.session.scalar(select(ChannelAccount).where(ChannelAccount.channel == "wecom"))
            assert account is not None and account.external_id == "WangWangge"


async def _staff(site: Any, user: str = "WangWangge", name: str = "王网格") -> Any:
    """Return a member bound as the department shizheng's staff, with the work menu shown."""
    member = site.member(user)
    await member.say(f"绑定 {await invite(site.app, 'department', 'shizheng', name)}")
    await member.event("click", key="sm:menu")
    return member


async def test_a_press_must_match_its_card(url: str, classifier: Classifier, fake: FakeWeCom, caplog: pytest.LogCaptureFixture) -> None:
    async with wecom_site(url, classifier, fake) as site:
        member = await _staff(site)
        other = await _staff(site, "LiSi", "李四")
        before = await _count(site.app, InboundUpdate)
        with caplog.at_level(logging.WARNING, logger="bot.channels.wecom"):
            assert (await other.post(member.press_xml("我是谁").replace("WangWangge", "LiSi"))).status == 403  # another member's card
            assert (await member.post(member.press_xml("我是谁", key="so:complete:1"))).status == 400  # a key the card never had
        assert await _count(site.app, InboundUpdate) == before
        assert sum("refused" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING) == 2
        press = member.signed(member.press_xml("我是谁"))
        assert (await member.send(*press)).status == 200 and "您是王网格" in member.text
        assert (await member.send(*press)).status == 200 and member.text == ""  # WeChat Work's retry: handled once
        assert len(fake.called("message/update_template_card")) == 1


async def test_a_slow_answer_is_pushed_and_a_throttled_reply_retried(url: str, classifier: Classifier, fake: FakeWeCom) -> None:
    async with wecom_site(url, classifier, fake, reply_budget_seconds=0.2, throttle_seconds=0.3) as site:
        member = await _staff(site)
        dispatcher = site.app.running_dispatcher()
        handle = dispatcher.handle

        async def slow(inbound: Any) -> Any:
            await asyncio.sleep(0.5)
            return await handle(inbound)

        dispatcher.handle = slow  # type: ignore[method-assign]
        fake.fail_next("message/send", 45009)
        started = time.monotonic()
        answer = await member.say("我是谁")
        assert (answer.status, answer.body) == (200, "")
        assert "您是王网格" in member.text and time.monotonic() - started >= 0.8  # 0.5 s late, then 0.3 s throttled
        assert [c.answer["errcode"] for c in fake.called("message/send")][-2:] == [45009, 0]


async def test_a_callback_for_another_application_is_ignored(url: str, classifier: Classifier, fake: FakeWeCom, caplog: pytest.LogCaptureFixture) -> None:
    async with wecom_site(url, classifier, fake) as site:
        member = site.member()
        with caplog.at_level(logging.WARNING, logger="bot.channels.wecom"):
            answer = await member.post(callback_xml("text", user=member.user, time=int(time.time()), content="你好", msg_id=5, agent=1000099))
        assert (answer.status, answer.body) == (200, "")
        assert any("not 1000002" in r.getMessage() for r in caplog.records) and await _count(site.app, InboundUpdate) == 0
