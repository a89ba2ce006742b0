"""The simulator's JSON API, served by the real aiohttp app."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.web.server import build_web_app
from tests.handlers.conftest import District


@pytest.fixture
async def client(demo_district: District) -> AsyncIterator[TestClient]:
    """An HTTP client for the app's web server."""
    async with TestClient(TestServer(build_web_app(demo_district.app))) as http:
        yield http


async def _send(client: TestClient, body: dict[str, object]) -> list[dict[str, object]]:
    response = await client.post("/sim/api/send", json=body)
    assert response.status == 200, await response.text()
    replies: list[dict[str, object]] = (await response.json())["replies"]
    return replies


async def test_people_cover_every_role(client: TestClient) -> None:
    response = await client.get("/sim/api/people")
    people = await response.json()
    roles = {p["role"] for p in people}
    assert {"resident", "grid_member", "community", "street", "department", "command_center", "party_member", "leader", "admin"} <= roles
    assert all(set(p) >= {"key", "name", "role"} for p in people)
    assert people[0]["role"] == "resident"


async def test_a_report_through_the_api_and_the_pushed_notice(client: TestClient) -> None:
    replies = await _send(client, {"as": "resident-1", "text": "我要反映"})
    complaint = next(b["payload"] for b in replies[0]["buttons"] if b["label"] == "投诉")  # type: ignore[index, union-attr]
    await _send(client, {"as": "resident-1", "button": complaint})
    replies = await _send(client, {"as": "resident-1", "text": "东湖路上有个大坑，车开过去很危险"})
    done = replies[0]["buttons"][0]["payload"]  # type: ignore[index]
    await _send(client, {"as": "resident-1", "button": done})
    replies = await _send(client, {"as": "resident-1", "location": {"lat": 30.61, "lon": 114.31}})
    assert "将转交：区市政设施管理处" in str(replies[0]["text"])
    for label in ("确认", "不留电话", "提交"):
        payload = next(b["payload"] for r in replies for b in r["buttons"] if b["label"] == label)  # type: ignore[union-attr]
        replies = await _send(client, {"as": "resident-1", "button": payload})
    assert "已受理" in str(replies[0]["text"])
    inbox = await (await client.get("/sim/api/inbox", params={"as": "dept-shizheng"})).json()
    assert len(inbox["messages"]) == 1 and "【新派单】" in inbox["messages"][0]["text"]
    again = await (await client.get("/sim/api/inbox", params={"as": "dept-shizheng"})).json()
    assert again["messages"] == []


async def test_new_resident_and_client_ids(client: TestClient) -> None:
    first = await _send(client, {"as": "new:visitor", "text": "/start", "id": "m1"})
    assert str(first[0]["text"]).startswith("您好！") and "居民" not in str(first[0]["text"])
    assert await _send(client, {"as": "new:visitor", "text": "/start", "id": "m1"}) == []


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"as": "nobody", "text": "hi"}, "unknown identity"),
        ({"as": "new:bad key", "text": "hi"}, '"as" must name'),
        ({"text": "hi"}, '"as" must name'),
        ({"as": "resident-1"}, "send one of"),
        ({"as": "resident-1", "location": {"lat": "x"}}, "numeric"),
        ({"as": "resident-1", "location": {"lat": 200, "lon": 0}}, "outside the globe"),
        ({"as": "resident-1", "text": "hi", "id": "a b"}, '"id" must be'),
        ([1, 2], "JSON object"),
    ],
)
async def test_bad_requests_get_400_with_a_reason(client: TestClient, body: object, reason: str) -> None:
    response = await client.post("/sim/api/send", json=body)
    assert response.status == 400
    assert reason in (await response.json())["error"]


async def test_non_json_and_oversized_bodies(client: TestClient) -> None:
    response = await client.post("/sim/api/send", data=b"not json", headers={"Content-Type": "application/json"})
    assert response.status == 400
    response = await client.post("/sim/api/send", data=io.BytesIO(b"x" * (3 * 1024 * 1024)), headers={"Content-Type": "application/json"})
    assert response.status == 413
    response = await client.post("/sim/api/send", data=b'{"as": "resident-1", "text": "hi"}')
    assert response.status == 415


async def test_the_page_and_health(client: TestClient) -> None:
    page = await client.get("/")
    assert page.status == 200 and "聊天模拟器" in await page.text()
    health = await client.get("/healthz")
    assert (await health.json()) == {"status": "ok"}


async def test_a_pushed_report_shows_its_chart(sqlite_district_db: str, classifier: object, tmp_path: object) -> None:
    from datetime import UTC, datetime
    from pathlib import Path

    from scheduler.reports import weekly_report
    from scheduler.wiring import JobDeps
    from tests.districts import start_district

    folder = Path(str(tmp_path)) / "charts"
    district = await start_district(sqlite_district_db, classifier, QUNGONG_REPORTS__FOLDER=str(folder), QUNGONG_APP__DEMO="true")  # type: ignore[arg-type]
    try:
        deps = JobDeps(session_factory=district.app.session_factory, settings=district.app.config)
        await weekly_report(deps, datetime(2026, 11, 23, 0, 5, tzinfo=UTC))  # Monday 08:05 in Shanghai
        async with TestClient(TestServer(build_web_app(district.app))) as http:
            inbox = await (await http.get("/sim/api/inbox", params={"as": "leader-district"})).json()
            assert len(inbox["messages"]) == 1
            image = inbox["messages"][0]["image"]
            assert image.startswith("/sim/media/")  # the chart is in the media store, not in a folder
            chart = await http.get(image)
            assert chart.status == 200 and chart.content_type == "image/png" and (await chart.read()).startswith(b"\x89PNG")
            assert inbox["messages"][0]["pictures"] == [{"src": image, "thumb": f"{image}/thumb"}]
            assert not folder.exists() or not any(folder.iterdir())
            for bad in ("/sim/files/..%2F..%2Fetc%2Fpasswd", "/sim/files/nothere.png", "/sim/files/x.txt"):
                assert (await http.get(bad)).status == 404
    finally:
        await district.app.close()
