"""The simulator is no open door: not served outside demo mode unless asked for, then only to trainers
signed in with a one-time link and only as training people; in demo mode a new resident belongs to the
browser that made it; every page sends security headers; a cookie-borne POST needs its CSRF token."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import build_app, start_app
from bot.config.loader import load_config
from bot.web.server import build_web_app
from nlp import Classifier
from storage.models.people import ChannelAccount
from storage.sim_access import PassError, issue_pass
from tests.districts import District, start_district

SIM_API = ["/sim/api/people", "/sim/api/inbox?as=dispatcher-1", "/sim/api/session"]
LIVE_CONFIG = """
[app]
demo = false

[[channels]]
name = "telegram:main"
kind = "telegram"
mode = "webhook"
webhook_url = "https://qungong.example/telegram/main"
webhook_path = "/telegram/main"
"""


async def _live_client(db_url: str, tmp_path: Path, classifier: Classifier, simulator: str) -> tuple[TestClient, object]:
    config_file = tmp_path / "config.toml"
    config_file.write_text(LIVE_CONFIG, encoding="utf-8")
    env = {
        "QUNGONG_STORAGE__URL": db_url,
        "QUNGONG_WEB__SIMULATOR": simulator,
        "QUNGONG_CHANNELS__TELEGRAM_MAIN__TOKEN": "123:abc",
        "QUNGONG_CHANNELS__TELEGRAM_MAIN__WEBHOOK_SECRET": "secret",
    }
    app = build_app(load_config(config_file, environ=env))
    await start_app(app, classifier)
    client = TestClient(TestServer(build_web_app(app)))
    await client.start_server()
    return client, app


@pytest.fixture
async def live(sqlite_district_db: str, tmp_path: Path, classifier: Classifier) -> AsyncIterator[TestClient]:
    """A live district (not demo mode) with a Telegram channel and the default simulator setting."""
    client, app = await _live_client(sqlite_district_db, tmp_path, classifier, "auto")
    yield client
    await client.close()
    await app.close()  # type: ignore[attr-defined]


@pytest.fixture
async def training(sqlite_district_db: str, tmp_path: Path, classifier: Classifier) -> AsyncIterator[tuple[TestClient, object]]:
    """A live district with the simulator on for trainers."""
    client, app = await _live_client(sqlite_district_db, tmp_path, classifier, "on")
    yield client, app
    await client.close()
    await app.close()  # type: ignore[attr-defined]


async def test_outside_demo_mode_nothing_under_the_simulator_answers(live: TestClient) -> None:
    assert (await live.get("/")).status == 404
    for path in SIM_API:
        assert (await live.get(path)).status == 404, path
    assert (await live.post("/sim/api/send", json={"as": "dispatcher-1", "text": "菜单"})).status == 404
    health = await live.get("/healthz")
    assert health.status == 200 and await health.json() == {"status": "ok"}


async def _link(app: object, identities: list[str], *, hours: float = 24, allow_new: bool = False) -> str:
    async with app.uow() as uow:  # type: ignore[attr-defined]
        trainer = await uow.people.by_demo_key("admin")
        issued = await issue_pass(uow.session, trainer, identities, datetime.now(UTC), timedelta(hours=hours), allow_new=allow_new)
        await uow.commit()
        return issued.code


async def test_a_trainer_signs_in_with_a_one_time_link_and_acts_only_as_the_people_it_names(training: tuple[TestClient, object]) -> None:
    client, app = training
    assert (await client.get("/")).status == 401
    for path in SIM_API:
        assert (await client.get(path)).status == 401, path
    code = await _link(app, ["resident-1", "grid-guixiang-1"])
    page = await client.get("/sim/login", params={"code": code})
    assert page.status == 200 and "一次性培训链接" in await page.text()  # a GET (a link preview) does not use the code up
    signed_in = await client.post("/sim/login", data={"code": code}, allow_redirects=False)
    assert signed_in.status == 303 and "HttpOnly" in signed_in.headers["Set-Cookie"] and "SameSite=Strict" in signed_in.headers["Set-Cookie"]
    assert (await client.get("/")).status == 200
    people = await (await client.get("/sim/api/people")).json()
    assert sorted(p["key"] for p in people) == ["grid-guixiang-1", "resident-1"]
    csrf = (await (await client.get("/sim/api/session")).json())["csrf"]
    sent = await client.post("/sim/api/send", json={"as": "resident-1", "text": "菜单"}, headers={"X-CSRF-Token": csrf})
    assert sent.status == 200
    for who in ("dispatcher-1", "new:someone"):
        refused = await client.post("/sim/api/send", json={"as": who, "text": "菜单"}, headers={"X-CSRF-Token": csrf})
        assert refused.status == 403, who
    assert (await client.get("/sim/api/inbox", params={"as": "dispatcher-1"})).status == 403
    again = await client.post("/sim/login", data={"code": code}, allow_redirects=False)
    assert again.status == 403  # the link worked once


async def test_expired_links_and_real_staff_are_refused(training: tuple[TestClient, object]) -> None:
    client, app = training
    expired = await _link(app, ["resident-1"], hours=-1)
    assert (await client.post("/sim/api/login", json={"code": expired})).status == 403
    async with app.uow() as uow:  # type: ignore[attr-defined]
        person = await uow.people.by_demo_key("dept-shizheng")
        uow.people.add_account(ChannelAccount(channel="telegram:main", external_id="42", chat_id="42", person_id=person.id, created_at=datetime.now(UTC)))
        await uow.commit()
    with pytest.raises(PassError, match="real channel"):
        await _link(app, ["dept-shizheng"])
    code = await _link(app, ["resident-1"])
    signed = await (await client.post("/sim/api/login", json={"code": code})).json()
    bearer = {"Authorization": f"Bearer {signed['token']}"}
    async with aiohttp.ClientSession() as script:  # a script: the token, no cookie, no CSRF token needed
        response = await script.post(str(client.make_url("/sim/api/send")), json={"as": "resident-1", "text": "菜单"}, headers=bearer)
        assert response.status == 200


@pytest.fixture
async def demo(sqlite_district_db: str, classifier: Classifier) -> AsyncIterator[tuple[District, TestServer]]:
    """The demo district in demo mode, served."""
    district = await start_district(sqlite_district_db, classifier, QUNGONG_APP__DEMO="true")
    server = TestServer(build_web_app(district.app))
    await server.start_server()
    yield district, server
    await server.close()
    await district.app.close()


class Browser:
    """A browser: its own cookie jar, the page's CSRF token on every POST."""

    def __init__(self, server: TestServer) -> None:
        self.server = server
        self.session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.csrf = ""

    async def open(self) -> Browser:
        await self.session.get(str(self.server.make_url("/")))
        self.csrf = (await (await self.session.get(str(self.server.make_url("/sim/api/session")))).json())["csrf"]
        return self

    async def send(self, who: str, text: str) -> int:
        response = await self.session.post(str(self.server.make_url("/sim/api/send")), json={"as": who, "text": text}, headers={"X-CSRF-Token": self.csrf})
        return response.status

    async def inbox(self, who: str) -> int:
        return (await self.session.get(str(self.server.make_url("/sim/api/inbox")), params={"as": who})).status


async def test_in_demo_mode_a_new_resident_belongs_to_the_browser_that_made_it(demo: tuple[District, TestServer]) -> None:
    _, server = demo
    first, second = await Browser(server).open(), await Browser(server).open()
    try:
        assert await first.send("new:mine", "你好") == 200
        assert await second.send("new:mine", "你好") == 403
        assert await second.inbox("new:mine") == 403
        assert await first.inbox("new:mine") == 200
        async with aiohttp.ClientSession() as script:  # no cookie: a script on this machine, not the browser
            response = await script.get(str(server.make_url("/sim/api/inbox")), params={"as": "new:mine"})
            assert response.status == 403
            assert (await script.post(str(server.make_url("/sim/api/send")), json={"as": "new:scripted", "text": "你好"})).status == 200
        assert await first.send("new:scripted", "你好") == 403
        assert await second.send("dispatcher-1", "菜单") == 200  # the demo's invented people are for everyone
    finally:
        await first.session.close()
        await second.session.close()


async def test_a_post_riding_on_the_cookie_needs_its_csrf_token(demo: tuple[District, TestServer]) -> None:
    _, server = demo
    browser = await Browser(server).open()
    try:
        url = str(server.make_url("/sim/api/send"))
        assert (await browser.session.post(url, json={"as": "resident-1", "text": "菜单"})).status == 403
        assert (await browser.session.post(url, data={"as": "resident-1", "text": "菜单"})).status == 415
        wrong = await browser.session.post(url, json={"as": "resident-1", "text": "菜单"}, headers={"X-CSRF-Token": "0" * 32})
        assert wrong.status == 403
        assert await browser.send("resident-1", "菜单") == 200
    finally:
        await browser.session.close()


async def test_every_page_sends_security_headers(demo: tuple[District, TestServer]) -> None:
    _, server = demo
    async with aiohttp.ClientSession() as http:
        for path in ("/", "/sim/static/sim.js", "/sim/api/people", "/healthz", "/sim/login?code=" + "a" * 24, "/nowhere"):
            response = await http.get(str(server.make_url(path)))
            headers = response.headers
            assert "frame-ancestors 'none'" in headers["Content-Security-Policy"] and "script-src 'self'" in headers["Content-Security-Policy"], path
            assert headers["X-Content-Type-Options"] == "nosniff" and headers["Referrer-Policy"] == "no-referrer", path
        page = await (await http.get(str(server.make_url("/")))).text()
    assert "<script>" not in page and "<style>" not in page and 'src="/sim/static/sim.js"' in page
