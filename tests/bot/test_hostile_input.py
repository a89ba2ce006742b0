"""Hostile input at the edge: each case found by probing the simulator API gets a 4xx or a polite
answer, a warning in the log at most, and changes nothing — on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from bot.web.server import build_web_app
from nlp import Classifier
from storage.models.cases import Case
from storage.models.chat import InboundUpdate
from tests.districts import District, start_district

UNKNOWN_BUTTON = "这个按钮无法识别"


@pytest.fixture
async def demo_site(district_db: str, classifier: Classifier) -> AsyncIterator[tuple[District, TestClient]]:
    """The demo district in demo mode on each backend, with its web server."""
    district = await start_district(district_db, classifier, QUNGONG_APP__DEMO="true")
    async with TestClient(TestServer(build_web_app(district.app))) as http:
        yield district, http
    await district.app.close()


def _no_errors(caplog: pytest.LogCaptureFixture) -> None:
    """Nothing above a warning was logged."""
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


async def _send(http: TestClient, body: object) -> tuple[int, dict[str, object]]:
    response = await http.post("/sim/api/send", json=body)
    return response.status, await response.json()


async def test_a_latitude_with_four_hundred_zeros_is_refused(demo_site: tuple[District, TestClient], caplog: pytest.LogCaptureFixture) -> None:
    _, http = demo_site
    raw = b'{"as": "resident-1", "location": {"lat": 1' + b"0" * 400 + b', "lon": 114.3}}'
    response = await http.post("/sim/api/send", data=raw, headers={"Content-Type": "application/json"})
    assert response.status == 400
    for lat in (1e308, "1e400", "NaN", float("inf")):
        status, _ = await _send(http, {"as": "resident-1", "location": {"lat": lat, "lon": 114.3}})
        assert status == 400
    _no_errors(caplog)


async def test_json_nested_five_thousand_deep_is_refused(demo_site: tuple[District, TestClient], caplog: pytest.LogCaptureFixture) -> None:
    _, http = demo_site
    body = '{"as": "resident-1", "text": ' + "[" * 5000 + "]" * 5000 + "}"
    response = await http.post("/sim/api/send", data=body.encode(), headers={"Content-Type": "application/json"})
    assert response.status == 400 and "deeper" in (await response.json())["error"]
    _no_errors(caplog)


@pytest.mark.parametrize("key", ["resident-1\x00", "new:a\x00b", "\x00", "resident\u0000-1"])
async def test_a_nul_in_the_identity_is_refused(demo_site: tuple[District, TestClient], key: str, caplog: pytest.LogCaptureFixture) -> None:
    _, http = demo_site
    status, body = await _send(http, {"as": key, "text": "你好"})
    assert status == 400 and "must name an identity" in str(body["error"])
    response = await http.get("/sim/api/inbox", params={"as": key})
    assert response.status == 400
    _no_errors(caplog)


async def test_a_nul_in_a_message_is_removed_before_it_is_stored(demo_site: tuple[District, TestClient], caplog: pytest.LogCaptureFixture) -> None:
    district, http = demo_site
    status, body = await _send(http, {"as": "resident-1", "text": "东湖路\x00上有个大坑，车开过去很危险", "id": "nul-1"})
    assert status == 200 and "已记下" in str(body["replies"])
    async with district.app.uow() as uow:
        update = await uow.inbound.get("sim", "resident-1:nul-1")
        assert update is not None and "\x00" not in str(update.payload)
    _no_errors(caplog)


@pytest.mark.parametrize(
    "payload",
    ["cv:2147483648", "rv:2147483648:1:1:1", "rv:1:2147483648:1:1", "sc:99999999999", "wc:2147483648", "so:sign:2147483648", "co:add:9999999999999999999"],
)
async def test_button_ids_beyond_the_database_range_get_a_polite_answer(
    demo_site: tuple[District, TestClient], payload: str, caplog: pytest.LogCaptureFixture
) -> None:
    district, http = demo_site
    status, body = await _send(http, {"as": "dispatcher-1", "button": payload})
    assert status == 200 and UNKNOWN_BUTTON in str(body["replies"])
    async with district.app.uow() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(InboundUpdate).where(InboundUpdate.status == "failed")) == 0
    _no_errors(caplog)


async def test_a_huge_community_id_typed_into_a_wish_gets_a_polite_answer(
    demo_site: tuple[District, TestClient], caplog: pytest.LogCaptureFixture
) -> None:
    district, http = demo_site
    for step in ({"text": "微心愿"}, {"button": "wm:post"}, {"button": "c:wish.category:elderly"}, {"text": "想要一台收音机"},
                 {"button": "c:wish.photo:skip"}, {"button": "c:wish.by:month"}, {"text": "王大爷 13900001111"}):
        status, body = await _send(http, {"as": "new:wisher", **step})
        assert status == 200
    assert "住在哪个小区或社区" in str(body["replies"])  # the chat is at the place question (state wish.place)
    for forged in ("c:wish.place:99999999999999999999", "c:wish.place:２", "c:wish.place:-1"):
        status, body = await _send(http, {"as": "new:wisher", "button": forged})
        assert status == 200 and "过期" in str(body["replies"]), body
    async with district.app.uow() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(Case)) == 0
    _no_errors(caplog)
