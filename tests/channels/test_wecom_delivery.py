"""Pushes to WeChat Work: texts, cards, charts; errors mapped for the outbox sender; a 45009 throttle and a
token expiry in the middle of a burst; one token refresh shared by every process."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import App
from bot.channels.delivery import PermanentFailure, TemporaryFailure
from bot.channels.wecom.api import WeComApi
from handlers.messages import Button, Outbound, outbound_to_payload
from nlp import Classifier
from storage.models.chat import OutboxMessage
from tests.channels.fake_wecom import FakeWeCom
from tests.channels.wecom_app import Site, demo_copy, wecom_settings, wecom_site

USER = "WangWangge"


@pytest.fixture
async def fake() -> AsyncIterator[FakeWeCom]:
    """A fake WeChat Work API on a random local port."""
    server = FakeWeCom()
    await server.start()
    yield server
    await server.close()


@pytest.fixture
async def site(demo_template: Path, tmp_path: Path, classifier: Classifier, fake: FakeWeCom) -> AsyncIterator[Site]:
    """The demo district with the application configured."""
    async with wecom_site(demo_copy(demo_template, tmp_path), classifier, fake) as started:
        yield started


async def queue(app: App, site: Site, count: int, prefix: str = "burst") -> None:
    """Queue COUNT pushes to the member, due now."""
    async with app.uow() as uow:
        for n in range(count):
            message = Outbound(f"【提醒】第 {n + 1} 条", buttons=(Button("查看办理", f"sc:{n + 1}"),) if n % 2 else ())
            await uow.outbox.enqueue(f"{prefix}:{n}", "notice", outbound_to_payload(message), site.clock(), channel="wecom", chat_id=USER)
        await uow.commit()


async def test_texts_cards_and_a_chart(site: Site, fake: FakeWeCom, tmp_path: Path) -> None:
    chart = tmp_path / "week-2026-W47-district.png"
    chart.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 300)
    await site.wecom.send(USER, Outbound("【周报】受理 12 件", image=str(chart)))
    buttons = tuple(Button(f"单位{n}", f"st:transfer:1:{n}") for n in range(1, 9))
    await site.wecom.send(USER, Outbound("请选择转办单位：", buttons=buttons))
    assert [c.body for c in fake.called("media/upload")] == [{"media_size": 308}]
    sent = fake.sent(USER)
    assert sent[0]["text"]["content"] == "【周报】受理 12 件"
    assert sent[1]["msgtype"] == "image" and sent[1]["image"]["media_id"] .startswith("3a8asd892asd8asd_chart_")
    first, second = sent[2]["template_card"], sent[3]["template_card"]
    assert first["main_title"]["title"] == "请选择转办单位：" and len(first["button_list"]) == 6
    assert [b["key"] for b in second["button_list"]] == ["st:transfer:1:7", "st:transfer:1:8"]
    assert "更多选项（2/2）" in second["sub_title_text"] and first["task_id"] != second["task_id"]


async def test_errors_are_mapped_for_the_sender(site: Site, fake: FakeWeCom) -> None:
    message = Outbound("【新派单】QG-20261123-0001")
    for code, error in [(60111, PermanentFailure), (-1, TemporaryFailure), (45033, TemporaryFailure), (45009, TemporaryFailure)]:
        fake.fail_next("message/send", code)
        with pytest.raises(error) as caught:
            await site.wecom.send(USER, message)
        if code in (45009, 45033):
            assert isinstance(caught.value, TemporaryFailure) and caught.value.retry_after == 30.0
    with pytest.raises(PermanentFailure, match="visible range"):
        await site.wecom.send("outsider-1", message)  # errcode 0, but the member is not in the application's range
    fake.fail_call("message/send", 2, 40007)  # the text goes, the image is refused
    await site.wecom.send(USER, Outbound("照片", image="AgACAgUAAxkBAAIBe2VtelegramFileId"))  # not a WeChat Work media id: left out


async def test_a_throttle_and_a_token_expiry_in_the_middle_of_a_burst(
    demo_template: Path, tmp_path: Path, classifier: Classifier, fake: FakeWeCom
) -> None:
    async with wecom_site(demo_copy(demo_template, tmp_path), classifier, fake, throttle_seconds=1.0) as site:
        await _burst(site, fake)


async def _burst(site: Site, fake: FakeWeCom) -> None:
    await queue(site.app, site, 20)
    fake.expire_after = 8  # the token expires after the 8th message
    fake.fail_call("message/send", 5, 45009)  # the 5th call is throttled
    sender = site.sender()
    started = time.monotonic()
    assert await sender.drain_once() == 20
    assert time.monotonic() - started >= 1.0  # the rest of the burst waited out the pause (throttle_seconds)
    assert [c.query["corpid"] for c in fake.called("gettoken")] == ["ww7c3e1a5b9d2f4a60"] * 2  # one refresh for the whole burst
    assert {c.answer["errcode"] for c in fake.called("message/send")} == {0, 45009, 42001}
    async with site.app.uow() as uow:
        rows = (await uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
    throttled = [r for r in rows if r.status == "pending"]
    assert len(throttled) == 1 and "45009" in (throttled[0].last_error or "")
    assert throttled[0].next_attempt_at >= site.clock() + timedelta(seconds=1)
    site.clock.advance(minutes=2)
    assert await site.sender().drain_once() == 1
    texts = [str(m.get("text", {}).get("content") or m.get("template_card", {}).get("main_title", {}).get("title")) for m in fake.sent(USER)]
    assert sorted(texts) == sorted(f"【提醒】第 {n} 条" for n in range(1, 21))  # each exactly once


async def test_two_processes_share_one_token_and_one_refresh(site: Site, fake: FakeWeCom) -> None:
    settings = wecom_settings(fake)
    first, second = WeComApi(settings, site.app.session_factory), WeComApi(settings, site.app.session_factory)
    assert await first.tokens.token() == await second.tokens.token()
    assert len(fake.called("gettoken")) == 1
    refused = fake.token
    fake.expire_token()
    renewed = await asyncio.gather(first.tokens.token(stale=refused), second.tokens.token(stale=refused))
    assert renewed[0] == renewed[1] != refused
    assert len(fake.called("gettoken")) == 2 and first.tokens.fetches + second.tokens.fetches == 2


async def test_a_token_refused_twice_is_a_temporary_failure(site: Site, fake: FakeWeCom) -> None:
    await site.wecom.send(USER, Outbound("一"))
    fake.fail_next("message/send", 42001, times=2)
    with pytest.raises(TemporaryFailure, match="42001"):
        await site.wecom.send(USER, Outbound("二"))
    assert len(fake.called("gettoken")) == 2  # refreshed once, not in a loop


async def test_install_menu(site: Site, fake: FakeWeCom) -> None:
    await site.wecom.install_menu()
    (call,) = fake.called("menu/create")
    assert call.query["agentid"] == "1000002"
    assert call.body == {"button": [
        {"type": "click", "name": "我的任务", "key": "sm:tasks"},
        {"type": "click", "name": "工作菜单", "key": "sm:menu"},
        {"name": "驾驶舱", "sub_button": [
            {"type": "click", "name": "本周报告", "key": "sm:report_week"},
            {"type": "click", "name": "本月报告", "key": "sm:report_month"},
        ]},
    ]}
