"""The simulator page in headless Chromium: a resident reports a problem by clicking through it."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from bot.web.server import build_web_app
from tests.districts import District

CHROMIUM = os.environ.get("QUNGONG_TEST_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium here (Debian: apt-get install chromium; .ci/run installs it)"
)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
async def served(demo_district: District) -> AsyncIterator[str]:
    """Serve the app's web server on a free loopback port and return its URL."""
    runner = web.AppRunner(build_web_app(demo_district.app))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}/"
    await runner.cleanup()


async def test_report_happy_path_in_the_browser(served: str, demo_district: District, tmp_path: Path) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page()
            await page.goto(served)
            await page.wait_for_selector(".person", state="attached")
            await page.click('.person[data-key="resident-1"]')
            await page.locator("#log .msg.bot").first.wait_for()

            async def say(text: str) -> None:
                await page.fill("#text", text)
                await page.click("#send")

            async def press(label: str) -> None:
                await page.locator("#log .buttons").get_by_role("button", name=label, exact=True).last.click()

            await say("我要反映")
            await press("投诉")
            await say("桂香苑7栋门口的井盖松动了")
            await press("说完了")
            await say("桂香苑7栋")
            await page.wait_for_selector("text=将转交：区市政设施管理处")
            await press("确认")
            await press("不留电话")
            await press("提交")
            accepted = page.locator("#log .msg.bot", has_text="已受理")
            await accepted.wait_for()
            assert "QG-" in (await accepted.inner_text())
            await page.screenshot(path=str(tmp_path / "simulator.png"))

            await page.click('.person[data-key="dept-shizheng"]')
            pushed = page.locator("#log .msg.push", has_text="【新派单】")
            await pushed.wait_for(timeout=10_000)
        finally:
            await browser.close()


async def test_the_page_keeps_polling_after_a_failed_fetch(served: str, demo_district: District) -> None:
    from playwright.async_api import Route, async_playwright

    from handlers.messages import Outbound
    from handlers.pushes import push_to_person

    failed: list[str] = []

    async def fail_once(route: Route) -> None:
        if not failed:
            failed.append(route.request.url)
            await route.abort()
        else:
            await route.continue_()

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page()
            await page.route("**/sim/api/inbox*", fail_once)
            await page.goto(served)
            await page.wait_for_selector(".person", state="attached")
            await page.click('.person[data-key="dept-shizheng"]')
            for _ in range(50):  # until the first poll has failed
                if failed:
                    break
                await page.wait_for_timeout(100)
            assert failed
            async with demo_district.app.uow() as uow:
                person = await uow.people.by_demo_key("dept-shizheng")
                assert person is not None
                await push_to_person(uow, person.id, Outbound(text="轮询恢复后的推送"), "poll-test", demo_district.clock())
                await uow.commit()
            await page.locator("#log .msg.push", has_text="轮询恢复后的推送").wait_for(timeout=10_000)
        finally:
            await browser.close()
