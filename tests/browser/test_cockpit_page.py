"""The data cockpit in headless Chromium at a desktop's and a phone's size: sign in with a personal link, read
the headline, click a grid on the map, open a case's history, export the evaluation as XLSX, see the page
refresh itself; and a used, an expired or a resident's link refused. Screenshots are kept in tmp_path."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web
from sqlalchemy import delete

from bot.web.server import build_web_app
from nlp import Classifier
from nlp.categories import packaged_categories
from storage.cases.categories import fill_categories
from storage.demo.history import load_demo_history
from storage.models.people import RoleBinding
from tests.browser.test_simulator_page import CHROMIUM, CHROMIUM_ARGS
from tests.cockpit.conftest import link_code
from tests.districts import District, start_district
from tests.reports.fixture_data import TZ

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium here (Debian: apt-get install chromium)")
VIEWPORTS = {"desktop": (1280, 800), "phone": (390, 844)}


@pytest.fixture
async def history(sqlite_district_db: str, classifier: Classifier) -> AsyncIterator[District]:
    """The demo district with 40 days of history up to now, refreshing its cockpit every 5 seconds."""
    district = await start_district(sqlite_district_db, classifier, QUNGONG_COCKPIT__REFRESH_SECONDS="5")
    async with district.app.uow() as uow:
        await load_demo_history(uow.session, datetime.now(UTC), TZ, days=40)
        await fill_categories(uow.session, packaged_categories().categorise)
        await uow.commit()
    yield district
    await district.app.close()


@pytest.fixture
async def served(history: District) -> AsyncIterator[str]:
    """Serve the web server on a free loopback port and return its address."""
    runner = web.AppRunner(build_web_app(history.app))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    await runner.cleanup()


@pytest.mark.parametrize("size", sorted(VIEWPORTS))
async def test_a_leader_walks_the_cockpit(served: str, history: District, tmp_path: Path, size: str) -> None:
    from openpyxl import load_workbook
    from playwright.async_api import async_playwright

    width, height = VIEWPORTS[size]
    code = await link_code(history.app, "leader-district")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
            page = await context.new_page()
            problems: list[str] = []
            page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
            await page.goto(f"{served}/cockpit/login?code={code}")
            await page.click("#sign-in")
            await page.wait_for_selector('[data-card="received"]')
            received = int(await page.inner_text('[data-card="received"] [data-value]'))
            assert received > 0
            assert "%" in await page.inner_text('[data-card="completion_rate"] [data-value]')
            await page.wait_for_selector("#live[data-refreshed]", state="attached", timeout=15_000)  # refreshed in place
            await page.screenshot(path=str(tmp_path / f"cockpit-{size}.png"), full_page=True)

            busiest = page.locator("svg.map a.grid-link").first
            name = await busiest.get_attribute("data-grid")
            await busiest.click()
            await page.wait_for_url(f"**/cockpit/cases?**grid={name}**")
            assert await page.locator("table.cases a.case-link").count() > 0
            await page.screenshot(path=str(tmp_path / f"cases-{size}.png"), full_page=True)

            await page.locator("table.cases a.case-link").first.click()
            await page.wait_for_selector("ol.timeline li")
            assert await page.locator("ol.timeline li").count() >= 2
            await page.screenshot(path=str(tmp_path / f"case-{size}.png"), full_page=True)

            await page.goto(f"{served}/cockpit/")
            async with page.expect_download() as waiting:
                await page.click("#export-xlsx")
            download = await waiting.value
            book = load_workbook(io.BytesIO(Path(await download.path()).read_bytes()))
            assert book.sheetnames == ["街道", "社区", "网格", "部门"]
            assert problems == [], problems  # no blocked script or style, no failed request
        finally:
            await browser.close()


async def test_used_expired_and_residents_links_are_refused(served: str, history: District, tmp_path: Path) -> None:
    from playwright.async_api import async_playwright

    used = await link_code(history.app, "leader-dh")
    stale = await link_code(history.app, "leader-dh", now=datetime.now(UTC) - timedelta(hours=13))
    demoted = await link_code(history.app, "leader-district")
    async with history.app.uow() as uow:  # 赵甲 is no leader any more: only a resident
        person = await uow.people.by_demo_key("leader-district")
        assert person is not None
        await uow.session.execute(delete(RoleBinding).where(RoleBinding.person_id == person.id))
        await uow.commit()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(viewport={"width": 390, "height": 844})
            await page.goto(f"{served}/cockpit/login?code={used}")
            await page.click("#sign-in")
            await page.wait_for_selector('[data-card="received"]')
            for code, name, title in ((used, "used", "链接已失效"), (stale, "expired", "链接已失效"), (demoted, "resident", "无权查看")):
                fresh = await browser.new_page(viewport={"width": 390, "height": 844})
                await fresh.goto(f"{served}/cockpit/login?code={code}")
                await fresh.click("#sign-in")
                await fresh.wait_for_selector("h1")
                assert title in await fresh.inner_text("h1"), name
                await fresh.screenshot(path=str(tmp_path / f"refused-{name}.png"))
                assert await fresh.locator('[data-card="received"]').count() == 0
        finally:
            await browser.close()
