"""The cockpit's web server on the demo district, and signing in as a demo person."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import App
from bot.web.server import build_web_app
from storage.cockpit_access import issue_link
from tests.districts import District

CARD = re.compile(r'data-card="(\w+)">\s*<div class="label">[^<]*</div>\s*<div class="value" data-value>([^<]*)</div>')


@pytest.fixture
async def web(district: District) -> AsyncIterator[TestClient]:
    """A client of the district's web server (the cockpit and the public page), with a cookie jar."""
    client = TestClient(TestServer(build_web_app(district.app)))
    await client.start_server()
    yield client
    await client.close()


async def link_code(app: App, who: str, *, hours: float = 12, now: datetime | None = None) -> str:
    """Issue a cockpit link for a demo person and return its code."""
    async with app.uow() as uow:
        person = await uow.people.by_demo_key(who)
        assert person is not None
        issued = await issue_link(uow.session, person.id, now or datetime.now(UTC), timedelta(hours=hours), via="test")
        await uow.commit()
    return issued.code


async def sign_in(client: TestClient, app: App, who: str) -> None:
    """Sign a demo person in: a link, then the sign-in button."""
    code = await link_code(app, who)
    response = await client.post("/cockpit/login", data={"code": code}, allow_redirects=False)
    assert response.status == 303, await response.text()
    assert response.headers["Location"] == "/cockpit/"


def cards(html: str) -> dict[str, str]:
    """Return the headline cards of an overview page: key → value as shown."""
    return dict(CARD.findall(html))
