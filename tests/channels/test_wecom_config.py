"""[[channels]] kind = "wecom": settings with secrets from the environment, every problem at once; the
commands `qungong wecom menu` and `qungong people bind --wecom`; the default [outbox.rate.wecom]."""

from __future__ import annotations

import asyncio
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import build_app
from bot.channels.registry import build_channels
from bot.channels.settings import WeComChannel
from bot.channels.wecom.channel import WeComChannel as WeCom
from bot.cli.main import main
from bot.config.loader import ConfigError, load_config
from bot.outbox.rate_limit import Limit
from bot.outbox.sender import limits_from
from storage.models.people import ChannelAccount, Person
from tests.channels.fake_wecom import CORP_ID, SECRET, FakeWeCom
from tests.databases import sqlite_url

WECOM = """
[app]
demo = false

[[channels]]
name = "wecom"
kind = "wecom"
corp_id = "ww7c3e1a5b9d2f4a60"
agent_id = 1000002
path = "/wecom"
resident_account = "江岸群工"
"""
SECRETS = {
    "QUNGONG_CHANNELS__WECOM__SECRET": SECRET,
    "QUNGONG_CHANNELS__WECOM__TOKEN": "QunGongWeComToken2026",
    "QUNGONG_CHANNELS__WECOM__AES_KEY": "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR",
}


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_wecom_channel_with_secrets_from_the_environment(tmp_path: Path) -> None:
    (wecom,) = load_config(_write(tmp_path, WECOM), environ=SECRETS | {"QUNGONG_CHANNELS__WECOM__AGENT_ID": "1000003"}).channels
    assert wecom == WeComChannel(
        corp_id=CORP_ID, agent_id=1000003, secret=SECRET, token="QunGongWeComToken2026", aes_key=SECRETS["QUNGONG_CHANNELS__WECOM__AES_KEY"],
        resident_account="江岸群工",
    )


def test_every_wecom_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = WECOM.replace("agent_id = 1000002", "agent_id = 0\naes_key = \"short\"\nreply_budget_seconds = 5\nthrottle_seconds = 0")
    with pytest.raises(ConfigError) as caught:
        load_config(_write(tmp_path, text), environ={"QUNGONG_CHANNELS__WECOM__TOKEN": "t"})
    problems = "\n".join(caught.value.problems)
    for expected in [
        "channels.wecom.secret: required",
        "channels.wecom.agent_id: expected the application's AgentId",
        "channels.wecom.aes_key: expected the 43-character EncodingAESKey (WeChat Work always encrypts)",
        "channels.wecom.reply_budget_seconds: expected more than 0 and less than 5",
        "channels.wecom.throttle_seconds: expected more than 0",
    ]:
        assert expected in problems, problems


def test_wecom_is_paced_at_30_a_minute_per_member() -> None:
    config = load_config(None, environ={})
    whole, member = limits_from(config.outbox)("wecom")
    assert whole == Limit(50, 1.02) and member == Limit(30, 60.02)


def _district(demo_template: Path, tmp_path: Path, base: str) -> dict[str, str]:
    """Return the environment of commands on a copy of the demo district with the application configured."""
    shutil.copyfile(demo_template, tmp_path / "district.db")
    path = _write(tmp_path, WECOM.replace('path = "/wecom"', f'path = "/wecom"\napi_base_url = "{base}"'))
    return SECRETS | {"QUNGONG_CONFIG": str(path), "QUNGONG_STORAGE__URL": sqlite_url(tmp_path / "district.db")}


async def test_wecom_menu_and_people_bind_commands(demo_template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake = FakeWeCom()
    env = _district(demo_template, tmp_path, await fake.start())
    try:
        with pytest.MonkeyPatch.context() as patch:
            for key, value in env.items():
                patch.setenv(key, value)
            assert await asyncio.to_thread(main, ["wecom", "menu"]) == 0
            assert await asyncio.to_thread(main, ["people", "bind", "--wecom", "WangWangge", "--person", "dept-shizheng"]) == 0
            assert await asyncio.to_thread(main, ["people", "bind", "--wecom", "WangWangge", "--person", "dept-shizheng"]) == 0
            assert await asyncio.to_thread(main, ["people", "bind", "--wecom", "王 网格", "--person", "dept-shizheng"]) == 1
        out = capsys.readouterr().out
        assert "installed the menu of wecom: 我的任务 (sm:tasks), 工作菜单 (sm:menu), 驾驶舱 [本周报告 (sm:report_week), 本月报告 (sm:report_month)]" in out
        assert ": created" in out and ": unchanged" in out and "is not a WeChat Work UserID" in out
        assert fake.called("menu/create")[0].query["agentid"] == "1000002"
        app = build_app(load_config(env["QUNGONG_CONFIG"], environ=env))
        try:
            async with app.uow() as uow:
                account = await uow.session.scalar(select(ChannelAccount).where(ChannelAccount.channel == "wecom"))
                assert account is not None and account.external_id == account.chat_id == "WangWangge"
                person = await uow.people.get(account.person_id)
                assert person is not None and person.demo_key == "dept-shizheng"
            assert [type(c) for c in build_channels(app)] == [WeCom]
        finally:
            await app.close()
    finally:
        await fake.close()


async def test_a_member_who_wrote_first_is_moved_to_the_person(demo_template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    env = _district(demo_template, tmp_path, "http://127.0.0.1:9/cgi-bin/")
    app = build_app(load_config(env["QUNGONG_CONFIG"], environ=env))
    try:
        async with app.uow() as uow:
            stray = uow.people.add(Person(name="新居民", created_at=datetime.now(UTC)))
            await uow.flush()
            uow.people.add_account(ChannelAccount(channel="wecom", external_id="LiSi", chat_id="LiSi", person_id=stray.id, created_at=stray.created_at))
            await uow.commit()
        with pytest.MonkeyPatch.context() as patch:
            for key, value in env.items():
                patch.setenv(key, value)
            assert await asyncio.to_thread(main, ["people", "bind", "--wecom", "LiSi", "--person", "grid-guixiang-1"]) == 0
        assert ": moved" in capsys.readouterr().out
        async with app.uow() as uow:
            account = await uow.session.scalar(select(ChannelAccount).where(ChannelAccount.external_id == "LiSi"))
            person = await uow.people.get(account.person_id) if account else None
            assert person is not None and person.demo_key == "grid-guixiang-1"
    finally:
        await app.close()


def test_commands_without_a_wecom_channel(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("QUNGONG_CONFIG", str(_write(tmp_path, "")))
        assert main(["wecom", "menu"]) == 2
        assert main(["people", "bind", "--wecom", "WangWangge", "--person", "1"]) == 1
    captured = capsys.readouterr()
    assert "no WeChat Work channel" in captured.err and "no WeChat Work channel" in captured.out
