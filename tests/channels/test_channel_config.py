"""[[channels]] in the config: typed, env-overridable, every problem at once; built into running channels."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import pytest

from bot.channels.registry import adapters, build_channels
from bot.channels.settings import TelegramChannel, WeChatChannel
from bot.channels.telegram.channel import TelegramChannel as Telegram
from bot.channels.wechat.channel import WeChatChannel as WeChat
from bot.cli.main import main
from bot.config.loader import ConfigError, load_config
from tests.channels.conftest import OpenApp
from tests.channels.fake_wechat import FakeWeChat

TWO_CHANNELS = """
[[channels]]
name = "telegram:main"
kind = "telegram"
driver = "aiogram"
mode = "webhook"
webhook_url = "https://qungong.example/telegram/main"
webhook_path = "/telegram/main"

[[channels]]
name = "wechat"
kind = "wechat"
app_id = "wx5d3a1c9f7e2b4a60"
path = "/wechat"

[channels.templates]
case_light = "TPL-1"
"""
SECRETS = {
    "QUNGONG_CHANNELS__TELEGRAM_MAIN__TOKEN": "123456789:AAFakeToken",
    "QUNGONG_CHANNELS__TELEGRAM_MAIN__WEBHOOK_SECRET": "s3cret",
    "QUNGONG_CHANNELS__WECHAT__APP_SECRET": "appsecret",
    "QUNGONG_CHANNELS__WECHAT__TOKEN": "token",
    "QUNGONG_CHANNELS__WECHAT__REPLY_BUDGET_SECONDS": "4",
}


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_no_channels_by_default() -> None:
    assert load_config(None, environ={}).channels == ()


def test_channels_with_secrets_from_the_environment(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, TWO_CHANNELS), environ=SECRETS)
    telegram, wechat = config.channels
    assert telegram == TelegramChannel(
        name="telegram:main", driver="aiogram", token="123456789:AAFakeToken", mode="webhook",
        webhook_url="https://qungong.example/telegram/main", webhook_path="/telegram/main", webhook_secret="s3cret",
    )
    assert isinstance(wechat, WeChatChannel)
    assert (wechat.app_secret, wechat.token, wechat.reply_budget_seconds, wechat.templates) == ("appsecret", "token", 4.0, {"case_light": "TPL-1"})


def test_every_channel_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = TWO_CHANNELS.replace('driver = "aiogram"', 'driver = "telethon"\ncolour = "blue"') + """
[[channels]]
name = "wechat"
kind = "wechat"
app_id = "wx2"
app_secret = "s"
token = "t"
aes_key = "too-short"
path = "/wechat"

[[channels]]
kind = "line"
"""
    with pytest.raises(ConfigError) as caught:
        load_config(_write(tmp_path, text), environ=SECRETS | {"QUNGONG_CHANNELS__NOPE__TOKEN": "x"})
    problems = "\n".join(caught.value.problems)
    for expected in [
        "environment variable QUNGONG_CHANNELS__NOPE__TOKEN: no channel named NOPE",
        "channels.telegram:main.colour: unknown key",
        "channels.telegram:main.driver: expected one of ptb, aiogram, got 'telethon'",
        "channels[3].kind: expected one of telegram, wechat",
        "channels.wechat.name: two channels have this name",
        "channels.wechat: path /wechat is used by another channel",
        "channels.wechat.aes_key: expected the 43-character EncodingAESKey",
    ]:
        assert expected in problems, problems


def test_the_wechat_replay_window(tmp_path: Path) -> None:
    wechat = load_config(_write(tmp_path, TWO_CHANNELS), environ=SECRETS).channels[1]
    assert isinstance(wechat, WeChatChannel) and wechat.replay_window_seconds == 300
    wechat = load_config(_write(tmp_path, TWO_CHANNELS), environ=SECRETS | {"QUNGONG_CHANNELS__WECHAT__REPLAY_WINDOW_SECONDS": "120"}).channels[1]
    assert isinstance(wechat, WeChatChannel) and wechat.replay_window_seconds == 120


@pytest.mark.parametrize(("line", "env", "problem"), [
    ("replay_window_seconds = -5", "", "channels.wechat.replay_window_seconds: expected more than 0"),
    ("replay_window_seconds = 0", "", "channels.wechat.replay_window_seconds: expected more than 0"),
    ("replay_window_seconds = 1.5", "", "channels.wechat.replay_window_seconds: expected a whole number"),
    ("", "-300", "channels.wechat.replay_window_seconds: expected more than 0"),
    ("", "five minutes", "channels.wechat.replay_window_seconds: expected a whole number"),
])
def test_a_bad_wechat_replay_window_is_refused(tmp_path: Path, line: str, env: str, problem: str) -> None:
    text = TWO_CHANNELS.replace('path = "/wechat"', f'path = "/wechat"\n{line}')
    environ = SECRETS | ({"QUNGONG_CHANNELS__WECHAT__REPLAY_WINDOW_SECONDS": env} if env else {})
    with pytest.raises(ConfigError) as caught:
        load_config(_write(tmp_path, text), environ=environ)
    assert any(p.startswith(problem) for p in caught.value.problems), caught.value.problems


def test_a_webhook_needs_its_secret(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="webhook_secret"):
        load_config(_write(tmp_path, TWO_CHANNELS), environ={k: v for k, v in SECRETS.items() if "WEBHOOK_SECRET" not in k})


async def test_build_channels_from_the_config(open_app: OpenApp, tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, TWO_CHANNELS), environ=SECRETS)
    async with open_app() as app:
        assert build_channels(app) == []  # no [[channels]]: the simulator only
        app.config = dataclasses.replace(app.config, channels=config.channels)
        channels = build_channels(app)
        assert [type(c) for c in channels] == [Telegram, WeChat]
        assert list(adapters(channels)) == ["telegram:main", "wechat"]


async def test_wechat_menu_command(tmp_path: Path) -> None:
    fake = FakeWeChat()
    base = await fake.start()
    try:
        path = _write(tmp_path, TWO_CHANNELS.replace('path = "/wechat"', f'path = "/wechat"\napi_base_url = "{base}"'))
        env = {"QUNGONG_CONFIG": str(path)}
        with pytest.MonkeyPatch.context() as patch:
            for key, value in (SECRETS | env).items():
                patch.setenv(key, value)
            code = await asyncio.to_thread(main, ["wechat", "menu"])
        assert code == 0
        assert [b["key"] for b in fake.called("menu/create")[0]["button"]] == ["m:report", "m:cases", "m:help"]
    finally:
        await fake.close()


def test_wechat_menu_without_a_wechat_channel(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("QUNGONG_CONFIG", str(_write(tmp_path, "")))
        assert main(["wechat", "menu"]) == 2
    assert "no WeChat channel" in capsys.readouterr().err


def test_a_telegram_driver_that_is_not_installed_is_named_with_its_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.channels.settings as channel_settings

    real = channel_settings.importlib.util.find_spec
    monkeypatch.setattr(channel_settings.importlib.util, "find_spec", lambda name, *a: None if name == "aiogram" else real(name, *a))
    channel = channel_settings.TelegramChannel(name="telegram:main", driver="aiogram", token="1:a")
    problems = channel_settings.channel_problems((channel,))
    assert problems == ['channels.telegram:main.driver: aiogram is not installed; pip install "qungong[telegram-aiogram]"']
