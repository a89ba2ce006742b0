"""The Open311 API served by the real aiohttp app on the demo district, and keys made as `qungong apikey create` makes them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.web.server import build_web_app
from storage.apikeys import create_key, revoke_key
from tests.districts import District

API = "/open311/v2"


@pytest.fixture
async def client(district: District) -> AsyncIterator[TestClient]:
    """An HTTP client of the app's web server (SQLite and PostgreSQL)."""
    async with TestClient(TestServer(build_web_app(district.app))) as http:
        yield http


async def make_key(district: District, name: str, rate: str = "100/s") -> str:
    """Make an API key and return it."""
    async with district.app.uow() as uow:
        _, key = await create_key(uow.session, name, rate, datetime.now(UTC))
        await uow.commit()
    return key


async def revoke(district: District, name: str) -> None:
    """Revoke an API key."""
    async with district.app.uow() as uow:
        await revoke_key(uow.session, name, datetime.now(UTC))
        await uow.commit()
