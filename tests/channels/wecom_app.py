"""An app on a copy of the demo district with a WeChat Work application (and optionally an official account)
configured and mounted, against the fake APIs."""

from __future__ import annotations

import dataclasses
import shutil
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from bot.app import App, build_app, start_app
from bot.channels.registry import add_channel_routes
from bot.channels.settings import WeChatChannel as WeChatSettings
from bot.channels.settings import WeComChannel as WeComSettings
from bot.channels.wechat.channel import WeChatChannel
from bot.channels.wecom.channel import WeComChannel
from bot.outbox.sender import OutboxSender
from bot.web.server import build_web_app
from nlp import Classifier
from tests.channels.conftest import fast_limiter
from tests.channels.fake_wecom import CORP_ID, SECRET, FakeWeCom
from tests.channels.wechat_harness import WeChatUser
from tests.channels.wecom_harness import WeComMember
from tests.databases import sqlite_url
from tests.handlers.chat import Clock
from tests.settings import config_for

AES_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
AGENT_ID = 1000002
RESIDENT_ACCOUNT = "江岸群工"


def wecom_settings(fake: FakeWeCom, **changes: Any) -> WeComSettings:
    """Return the application's settings pointing at the fake API."""
    settings = WeComSettings(
        name="wecom", corp_id=CORP_ID, agent_id=AGENT_ID, secret=SECRET, token="QunGongWeComToken2026", aes_key=AES_KEY,
        path="/wecom", api_base_url=fake.base_url, reply_budget_seconds=3.0, resident_account=RESIDENT_ACCOUNT, throttle_seconds=30.0,
    )
    return dataclasses.replace(settings, **changes)


@dataclass
class Site:
    """The started app, its WeChat Work channel (and official account), and its HTTP client."""

    app: App
    wecom: WeComChannel
    client: TestClient[Any, Any]
    fake: FakeWeCom
    clock: Clock
    wechat: WeChatChannel | None = None

    def member(self, user: str = "WangWangge") -> WeComMember:
        """Return a member of the corp talking to the application."""
        return WeComMember(self.client, self.wecom, self.fake, user=user)

    def sender(self, **options: Any) -> OutboxSender:
        """Return an outbox sender for the configured channels, on the dispatcher's clock."""
        adapters: dict[str, Any] = {"wecom": self.wecom, **({"wechat": self.wechat} if self.wechat else {})}
        return OutboxSender(self.app.session_factory, adapters, self.app.config.outbox, limiter=fast_limiter(), now=self.clock, rng=lambda: 0.5, **options)

    def follower(self) -> WeChatUser:
        """Return a follower of the official account (only when one is configured)."""
        assert self.wechat is not None
        return WeChatUser(self.client, self.wechat)


@asynccontextmanager
async def wecom_site(
    url: str, classifier: Classifier, fake: FakeWeCom, *, wechat: WeChatSettings | None = None,
    now: Callable[[], float] = time.time, **changes: Any,
) -> AsyncIterator[Site]:
    """Start an app on URL with the application (and an official account) in its config, mounted on a test server."""
    settings = wecom_settings(fake, **changes)
    config = dataclasses.replace(config_for(url), channels=(settings,) if wechat is None else (settings, wechat))
    app = build_app(config)
    clock = Clock()
    await start_app(app, classifier, clock)
    wecom = WeComChannel(settings, app, fast_limiter(), now=now)
    official = WeChatChannel(wechat, app, fast_limiter()) if wechat is not None else None
    web_app = build_web_app(app)
    add_channel_routes(web_app, [wecom, *([official] if official else [])])
    client: TestClient[Any, Any] = TestClient(TestServer(web_app))
    await client.start_server()
    try:
        yield Site(app, wecom, client, fake, clock, official)
    finally:
        await wecom.stop()
        await client.close()
        await app.close()


def demo_copy(demo_template: Path, tmp_path: Path, name: str = "district") -> str:
    """Return the URL of a fresh copy of the demo district on SQLite."""
    target = tmp_path / f"{name}.db"
    shutil.copyfile(demo_template, target)
    return sqlite_url(target)
