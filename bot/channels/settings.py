"""Typed settings of the [[channels]] list: one table per channel instance, its kind picks the type."""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass, field
from typing import Any

from storage.geo import DATUMS, GCJ02, WGS84

TELEGRAM_DRIVERS = ("ptb", "aiogram")
DRIVER_MODULES = {"ptb": "telegram", "aiogram": "aiogram"}  # what each driver imports (an extra of the package)
TELEGRAM_MODES = ("polling", "webhook")
RESERVED_NAMES = ("sim",)
NAME = re.compile(r"[A-Za-z0-9_.:\-]{1,64}")
WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_\-]{1,256}")  # what Telegram accepts as secret_token
AES_KEY_LENGTH = 43
WECHAT_BUDGET_LIMIT = 5.0  # WeChat waits five seconds for an answer
WECOM_USER_ID = re.compile(r"[A-Za-z0-9_@.\-]{1,64}")  # what WeChat Work allows in a member's UserID


@dataclass(frozen=True)
class TelegramChannel:
    """[[channels]] kind = "telegram": a bot, through python-telegram-bot or aiogram."""

    name: str = "telegram"
    kind: str = "telegram"
    driver: str = "ptb"
    token: str = ""
    mode: str = "polling"
    api_base_url: str = "https://api.telegram.org"
    poll_timeout_seconds: int = 30
    webhook_url: str = ""
    webhook_path: str = "/telegram/webhook"
    webhook_secret: str = ""
    location_datum: str = WGS84  # Telegram sends GPS coordinates

    @property
    def paths(self) -> tuple[str, ...]:
        """Return the HTTP paths this channel mounts on the app's server."""
        return (self.webhook_path,) if self.mode == "webhook" else ()


@dataclass(frozen=True)
class WeChatChannel:
    """[[channels]] kind = "wechat": an official account, through wechatpy."""

    name: str = "wechat"
    kind: str = "wechat"
    app_id: str = ""
    app_secret: str = ""
    token: str = ""
    aes_key: str = ""
    path: str = "/wechat"
    api_base_url: str = "https://api.weixin.qq.com/cgi-bin/"
    reply_budget_seconds: float = 4.5
    replay_window_seconds: int = 300
    templates: dict[str, str] = field(default_factory=dict)
    location_datum: str = GCJ02  # WeChat's shared locations are in China's GCJ-02

    @property
    def paths(self) -> tuple[str, ...]:
        """Return the HTTP paths this channel mounts on the app's server."""
        return (self.path,)


@dataclass(frozen=True)
class WeComChannel:
    """[[channels]] kind = "wecom": a self-built application (自建应用) in a WeChat Work corp, for staff."""

    name: str = "wecom"
    kind: str = "wecom"
    corp_id: str = ""
    agent_id: int = 0
    secret: str = ""
    token: str = ""
    aes_key: str = ""
    path: str = "/wecom"
    api_base_url: str = "https://qyapi.weixin.qq.com/cgi-bin/"
    reply_budget_seconds: float = 4.5
    replay_window_seconds: int = 300
    resident_account: str = ""
    throttle_seconds: float = 60.0
    location_datum: str = GCJ02  # WeChat Work's locations, like WeChat's, are in GCJ-02

    @property
    def paths(self) -> tuple[str, ...]:
        """Return the HTTP paths this channel mounts on the app's server."""
        return (self.path,)


ChannelSettings = TelegramChannel | WeChatChannel | WeComChannel
CHANNEL_KINDS: dict[str, type[Any]] = {"telegram": TelegramChannel, "wechat": WeChatChannel, "wecom": WeComChannel}
STAFF_ONLY_KINDS = ("wecom",)  # channels whose users are staff: others are told to use the official account


def env_name(channel_name: str) -> str:
    """Return how a channel is named in environment variables: "telegram:main" → TELEGRAM_MAIN."""
    return re.sub(r"[^A-Za-z0-9]", "_", channel_name).upper()


def channel_problems(channels: tuple[ChannelSettings, ...]) -> list[str]:
    """Check the channels' values and that names and paths do not clash."""
    problems: list[str] = []
    seen_names: set[str] = set()
    seen_paths: set[str] = set()
    for channel in channels:
        where = f"channels.{channel.name}"
        if not NAME.fullmatch(channel.name) or channel.name in RESERVED_NAMES:
            problems.append(f"{where}.name: expected 1-64 letters, digits, _ . : - and not 'sim'")
        if channel.name in seen_names or env_name(channel.name) in {env_name(n) for n in seen_names}:
            problems.append(f"{where}.name: two channels have this name")
        seen_names.add(channel.name)
        for path in channel.paths:
            if path in seen_paths:
                problems.append(f"{where}: path {path} is used by another channel")
            seen_paths.add(path)
        found = _problems_of(channel)
        if channel.location_datum not in DATUMS:
            found.append(f"location_datum: expected one of {', '.join(DATUMS)}, got {channel.location_datum!r}")
        problems.extend(f"{where}.{problem}" for problem in found)
    return problems


def _problems_of(channel: ChannelSettings) -> list[str]:
    """Check one channel with the check of its kind."""
    if isinstance(channel, TelegramChannel):
        return _telegram_problems(channel)
    if isinstance(channel, WeComChannel):
        return _wecom_problems(channel)
    return _wechat_problems(channel)


def _telegram_problems(channel: TelegramChannel) -> list[str]:
    """Check one Telegram channel."""
    problems = []
    if channel.driver not in TELEGRAM_DRIVERS:
        problems.append(f"driver: expected one of {', '.join(TELEGRAM_DRIVERS)}, got {channel.driver!r}")
    elif importlib.util.find_spec(DRIVER_MODULES[channel.driver]) is None:
        problems.append(f"driver: {channel.driver} is not installed; pip install \"qungong[telegram-{channel.driver}]\"")
    if channel.mode not in TELEGRAM_MODES:
        problems.append(f"mode: expected one of {', '.join(TELEGRAM_MODES)}, got {channel.mode!r}")
    if not re.fullmatch(r"\d+:[A-Za-z0-9_\-]+", channel.token):
        problems.append("token: expected the bot token from @BotFather (digits:letters)")
    if not channel.api_base_url.startswith(("http://", "https://")):
        problems.append("api_base_url: expected an http(s) URL")
    if channel.poll_timeout_seconds < 0:
        problems.append("poll_timeout_seconds: expected 0 or more")
    if channel.mode == "webhook":
        if not channel.webhook_url.startswith(("https://", "http://")):
            problems.append("webhook_url: expected the public https URL Telegram calls")
        if not WEBHOOK_SECRET.fullmatch(channel.webhook_secret):
            problems.append("webhook_secret: expected 1-256 letters, digits, _ and -")
        if not channel.webhook_path.startswith("/"):
            problems.append("webhook_path: expected a path starting with /")
    return problems


def _wechat_problems(channel: WeChatChannel) -> list[str]:
    """Check one WeChat channel."""
    problems = [f"{key}: required" for key in ("app_id", "app_secret", "token") if not getattr(channel, key)]
    if channel.aes_key and len(channel.aes_key) != AES_KEY_LENGTH:
        problems.append(f"aes_key: expected the {AES_KEY_LENGTH}-character EncodingAESKey, or empty for plain mode")
    if not channel.path.startswith("/"):
        problems.append("path: expected a path starting with /")
    if not channel.api_base_url.startswith(("http://", "https://")) or not channel.api_base_url.endswith("/"):
        problems.append("api_base_url: expected an http(s) URL ending with /")
    if not 0 < channel.reply_budget_seconds < WECHAT_BUDGET_LIMIT:
        problems.append(f"reply_budget_seconds: expected more than 0 and less than {WECHAT_BUDGET_LIMIT:g}")
    if channel.replay_window_seconds <= 0:
        problems.append("replay_window_seconds: expected more than 0")
    return problems


def _wecom_problems(channel: WeComChannel) -> list[str]:
    """Check one WeChat Work application."""
    problems = [f"{key}: required" for key in ("corp_id", "secret", "token") if not getattr(channel, key)]
    if not 0 < channel.agent_id <= 2**31 - 1:
        problems.append("agent_id: expected the application's AgentId (a whole number above 0)")
    if len(channel.aes_key) != AES_KEY_LENGTH:
        problems.append(f"aes_key: expected the {AES_KEY_LENGTH}-character EncodingAESKey (WeChat Work always encrypts)")
    if not channel.path.startswith("/"):
        problems.append("path: expected a path starting with /")
    if not channel.api_base_url.startswith(("http://", "https://")) or not channel.api_base_url.endswith("/"):
        problems.append("api_base_url: expected an http(s) URL ending with /")
    if not 0 < channel.reply_budget_seconds < WECHAT_BUDGET_LIMIT:
        problems.append(f"reply_budget_seconds: expected more than 0 and less than {WECHAT_BUDGET_LIMIT:g}")
    if channel.replay_window_seconds <= 0:
        problems.append("replay_window_seconds: expected more than 0")
    if channel.throttle_seconds <= 0:
        problems.append("throttle_seconds: expected more than 0")
    return problems
