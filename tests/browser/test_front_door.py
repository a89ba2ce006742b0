"""The simulator as the front door, in headless Chromium against `qungong run` (its sender on), at phone and desktop size.

A resident is greeted on first opening, reports a problem with a real photo (picked through the file input, uploaded,
its EXIF position stripped) and a pin dropped on the district's map; the department's unread badge appears; on a phone
the identity drawer opens; the department sees the photo on the case card and enlarges it; a resident switches to
English and back. No request leaves the server. Screenshots are saved under the test's tmp_path (look at them).
"""

from __future__ import annotations

import io
import json
import urllib.request
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.browser.test_simulator_page import CHROMIUM, CHROMIUM_ARGS
from tests.e2e.process import Server

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium here (Debian: apt-get install chromium; .ci/run installs it)")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`qungong run` in demo mode (web, scheduler and sender) on a fresh SQLite database."""
    folder = tmp_path_factory.mktemp("front-door")
    running = Server(folder, f"sqlite:///{folder / 'qungong.db'}").start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    """A headless Chromium."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


def photo_with_gps(path: Path) -> Path:
    """Write a JPEG photo carrying an EXIF GPS position (which must not survive the upload)."""
    image = Image.new("RGB", (1600, 1200), (120, 140, 160))
    for x in range(0, 1600, 40):
        image.paste((200, 90, 60), (x, 500, x + 20, 700))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (30.0, 36.0, 0.0), 3: "E", 4: (114.0, 18.0, 0.0)}
    image.save(path, format="JPEG", exif=exif.tobytes())
    return path


def foreign(requests: list[str], base: str) -> list[str]:
    """Return the requests that went anywhere but the server (data: and blob: stay in the page)."""
    return [url for url in requests if not url.startswith((base, "data:", "blob:"))]


async def new_page(browser: Any, viewport: dict[str, int], requests: list[str], errors: list[str]) -> Any:
    """Open a page that records every request and every script error."""
    page = await browser.new_page(viewport=viewport)
    page.on("request", lambda request: requests.append(request.url))
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page


async def ready(page: Any, base: str) -> None:
    """Open the simulator and wait for its greeting and its font."""
    await page.goto(base + "/")
    await page.locator(".row.bot .bubble").first.wait_for()
    await page.evaluate("document.fonts.ready")


async def no_sideways_scroll(page: Any) -> None:
    """The page is never wider than the window."""
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways"


async def say(page: Any, text: str) -> None:
    """Type and send a message."""
    await page.fill("#text", text)
    await page.click("#send")


async def press(page: Any, label: str) -> None:
    """Press the newest button with this label."""
    before = await page.locator(".row").count()
    await page.locator("#log .buttons").get_by_role("button", name=label, exact=True).last.click()
    await page.locator(".row").nth(before).wait_for()


async def choose(page: Any, key: str) -> None:
    """Pick an identity (on a phone, through the drawer)."""
    if await page.locator("#open-drawer").is_visible():
        await page.click("#open-drawer")
    await page.click(f'.person[data-key="{key}"]')
    await page.locator(".row.bot, .row.push").first.wait_for()


async def test_a_report_with_a_photo_and_a_pin_reaches_the_department(server: Server, browser: Any, tmp_path: Path) -> None:
    requests: list[str] = []
    errors: list[str] = []
    page = await new_page(browser, PHONE, requests, errors)
    await ready(page, server.base)
    greeting = await page.locator(".row.bot .bubble").first.inner_text()
    assert "您好" in greeting and "我要反映" in greeting
    await no_sideways_scroll(page)
    await page.screenshot(path=str(tmp_path / "phone-1-greeting.png"))

    await say(page, "我要反映")
    await press(page, "投诉")
    await say(page, "桂香苑门口的井盖松动了，晚上很危险")
    await page.set_input_files("#photo-file", str(photo_with_gps(tmp_path / "manhole.jpg")))
    await page.locator(".row.bot", has_text="已收到照片（共 1 张）").wait_for()
    await press(page, "说完了")
    await page.click("#send-location")
    grid = page.locator(".grid-shape", has=page.locator("title", has_text="桂香苑社区第1网格"))
    await grid.click()
    await page.locator("#map-where", has_text="桂香苑社区第1网格").wait_for()
    await page.screenshot(path=str(tmp_path / "phone-2-map.png"))
    await page.click("#map-send")
    await page.locator(".row.me", has_text="桂香苑社区第1网格").wait_for()
    await page.locator("text=将转交").last.wait_for()
    await press(page, "确认")
    await press(page, "不留电话")
    await press(page, "提交")
    accepted = page.locator(".row.bot .bubble", has_text="已受理")
    await accepted.wait_for()
    await no_sideways_scroll(page)
    await page.screenshot(path=str(tmp_path / "phone-3-submitted.png"))

    badge = page.locator('.person[data-key="dept-shizheng"] .badge')
    await page.wait_for_function("() => { const b = document.querySelector('.person[data-key=\"dept-shizheng\"] .badge'); return b && !b.hidden; }", timeout=15_000)
    assert int(await badge.inner_text()) >= 1
    assert await page.locator("#unread-dot").is_visible()
    await page.click("#open-drawer")
    await page.locator('.person[data-key="dept-shizheng"]').scroll_into_view_if_needed()
    await page.wait_for_timeout(300)  # the drawer slides in
    await page.screenshot(path=str(tmp_path / "phone-4-drawer-badge.png"))
    await page.click('.person[data-key="dept-shizheng"]')
    pushed = page.locator(".row.push .bubble", has_text="新派单")
    await pushed.wait_for(timeout=10_000)
    await pushed.last.get_by_role("button", name="查看").click()
    photo = page.locator(".row.bot .bubble.card .pictures img").last
    await photo.wait_for()
    await page.screenshot(path=str(tmp_path / "phone-5-card-photo.png"))
    await photo.click()
    await page.locator("#lightbox img").wait_for()
    await page.wait_for_function("document.querySelector('#lightbox img').naturalWidth > 0")
    await page.screenshot(path=str(tmp_path / "phone-6-enlarged.png"))

    src = await page.locator("#lightbox img").get_attribute("src")
    assert src is not None and src.startswith("/sim/media/")
    with urllib.request.urlopen(server.base + src, timeout=10) as response:  # noqa: S310 - the local test server
        kept = Image.open(io.BytesIO(response.read()))
    assert kept.format == "JPEG" and max(kept.size) <= 2560
    assert dict(kept.getexif()) == {}, "the EXIF (and its GPS position) must be gone"
    assert foreign(requests, server.base) == []
    assert errors == []


async def test_history_survives_a_reload_and_a_resident_switches_to_english_and_back(server: Server, browser: Any, tmp_path: Path) -> None:
    requests: list[str] = []
    errors: list[str] = []
    page = await new_page(browser, DESKTOP, requests, errors)
    await ready(page, server.base)
    await choose(page, "resident-2")
    await page.locator(".row.bot .bubble", has_text="李四").first.wait_for()
    await press(page, "语言 / Language")
    await press(page, "English")
    await page.locator(".row.bot .bubble", has_text="from now on I will write to you in English").wait_for()
    await page.locator(".row.bot .buttons button", has_text="Report an issue").last.wait_for()
    await say(page, "/menu")
    await page.locator(".row.bot .bubble", has_text="Hello, 李四").last.wait_for()
    await no_sideways_scroll(page)
    await page.screenshot(path=str(tmp_path / "desktop-1-english.png"))

    await page.reload()
    await page.locator(".row.bot .bubble").first.wait_for()
    await choose(page, "resident-2")
    await page.locator(".row.bot .bubble", has_text="Hello, 李四").last.wait_for()  # read back from the server
    await press(page, "Language / 语言")
    await press(page, "中文")
    await page.locator(".row.bot .bubble", has_text="以后用中文").wait_for()
    await page.locator(".row.bot .buttons button", has_text="我要反映").last.wait_for()
    await page.screenshot(path=str(tmp_path / "desktop-2-back-to-chinese.png"))

    await choose(page, "dept-shizheng")
    await page.screenshot(path=str(tmp_path / "desktop-3-department.png"))
    narrow = await new_page(browser, {"width": 320, "height": 640}, requests, errors)
    await ready(narrow, server.base)
    await no_sideways_scroll(narrow)
    await narrow.screenshot(path=str(tmp_path / "narrow-320.png"))
    assert foreign(requests, server.base) == []
    assert errors == []
    unread = json.loads(urllib.request.urlopen(server.base + "/sim/api/unread?as=resident-2,dept-shizheng", timeout=10).read())  # noqa: S310
    assert set(unread) == {"unread"}
