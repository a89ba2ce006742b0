"""The simulator's front-door API: photos are checked by content, cleaned of EXIF and kept by hash; chats are greeted
once and read back; unread counts come in one summary, only for identities the caller may use; the map and its grid
look-up answer from the district's own boundaries."""

from __future__ import annotations

import binascii
import io
import struct
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer
from PIL import Image

from bot.web.server import build_web_app
from nlp import Classifier
from storage.media.images import THUMB_SIDE, BadImage, prepare
from storage.media.store import media_hash
from tests.districts import District, start_district


def jpeg_with_gps(size: tuple[int, int] = (800, 600), orientation: int | None = None) -> bytes:
    """Return a JPEG carrying an EXIF GPS position (and an orientation, if given)."""
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (30.0, 36.0, 0.0), 3: "E", 4: (114.0, 18.0, 0.0)}
    if orientation:
        exif[0x0112] = orientation
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """Return a tiny PNG whose header claims WIDTH × HEIGHT pixels (a decompression bomb's header)."""
    out = io.BytesIO()
    Image.new("L", (1, 1)).save(out, format="PNG")
    data = bytearray(out.getvalue())
    ihdr = struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", binascii.crc32(b"IHDR" + ihdr) & 0xFFFFFFFF)
    return bytes(data)


def test_a_photo_is_re_encoded_without_exif_upright_and_with_a_thumbnail() -> None:
    prepared = prepare(jpeg_with_gps(orientation=6))  # 6: the camera was turned; stored upright
    image = Image.open(io.BytesIO(prepared.data))
    assert prepared.mime == "image/jpeg" and dict(image.getexif()) == {}
    assert (prepared.width, prepared.height) == (600, 800) == image.size
    thumb = Image.open(io.BytesIO(prepared.thumb))
    assert max(thumb.size) == THUMB_SIDE and thumb.format == "JPEG"
    assert prepare(jpeg_with_gps()).data == prepare(jpeg_with_gps()).data  # the same photo, the same hash


def test_a_drawing_with_transparency_stays_png() -> None:
    out = io.BytesIO()
    Image.new("RGBA", (50, 40), (255, 0, 0, 128)).save(out, format="PNG")
    assert prepare(out.getvalue()).mime == "image/png"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"%PDF-1.4 not a photo", "not a readable image"),
        (b"GIF89a" + b"\0" * 10, "not a readable image"),
        (png_claiming(100_000, 100_000), "too many pixels"),
        (b"\xff\xd8\xff" + b"\0" * (10 * 1024 * 1024), "larger than 10 MB"),
    ],
)
def test_what_is_not_a_photo_is_refused(body: bytes, reason: str) -> None:
    with pytest.raises(BadImage, match=reason):
        prepare(body)


@pytest.fixture
async def client(district_db: str, classifier: Classifier) -> AsyncIterator[tuple[District, TestClient]]:
    """The demo district in demo mode, served, on each backend."""
    district = await start_district(district_db, classifier, QUNGONG_APP__DEMO="true")
    test_client = TestClient(TestServer(build_web_app(district.app)))
    await test_client.start_server()
    yield district, test_client
    await test_client.close()
    await district.app.close()


async def test_an_uploaded_photo_travels_as_a_photo_and_shows_on_the_staff_card(client: tuple[District, TestClient]) -> None:
    district, http = client
    uploaded = await http.post("/sim/api/upload", data=jpeg_with_gps(), headers={"Content-Type": "image/jpeg"})
    assert uploaded.status == 200
    body = await uploaded.json()
    sha = media_hash(body["photo"])
    assert sha is not None and body["thumb"] == f"/sim/media/{sha}/thumb"
    stored = await http.get(f"/sim/media/{sha}")
    assert stored.content_type == "image/jpeg" and dict(Image.open(io.BytesIO(await stored.read())).getexif()) == {}
    assert (await http.get(f"/sim/media/{sha}/thumb")).status == 200
    assert (await http.get(f"/sim/media/{'0' * 64}")).status == 404
    assert (await http.get("/sim/media/not-a-hash")).status == 404

    async def say(who: str, **body: object) -> list[dict[str, object]]:
        answer = await http.post("/sim/api/send", json={"as": who, **body})
        assert answer.status == 200, await answer.text()
        return list((await answer.json())["replies"])

    await say("resident-1", text="我要反映")
    await say("resident-1", text="桂香苑7栋门口的井盖松动了")
    replies = await say("resident-1", photo=body["photo"], shown="")
    assert any("照片" in str(r["text"]) for r in replies)
    async with district.app.uow() as uow:
        person = await uow.people.by_demo_key("resident-1")
        assert person is not None
    lines = (await (await http.get("/sim/api/history?as=resident-1")).json())["lines"]
    assert lines[-2]["side"] == "me" and lines[-2]["message"]["pictures"][0]["src"] == f"/sim/media/{sha}"


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b'{"as": "resident-1"}', "application/json", 415),
        (b"hello", "text/plain", 415),
        (b"not an image at all", "image/jpeg", 415),
        (b"\0" * (10 * 1024 * 1024 + 1), "image/png", 413),
    ],
)
async def test_an_upload_that_is_not_a_photo_is_refused(client: tuple[District, TestClient], body: bytes, content_type: str, status: int) -> None:
    _, http = client
    answer = await http.post("/sim/api/upload", data=io.BytesIO(body), headers={"Content-Type": content_type})
    assert answer.status == status


async def test_a_browser_upload_needs_the_csrf_token(client: tuple[District, TestClient]) -> None:
    _, http = client
    session = await (await http.get("/sim/api/session")).json()
    refused = await http.post("/sim/api/upload", data=jpeg_with_gps(), headers={"Content-Type": "image/jpeg"})
    assert refused.status == 403
    allowed = await http.post("/sim/api/upload", data=jpeg_with_gps(), headers={"Content-Type": "image/jpeg", "X-CSRF-Token": session["csrf"]})
    assert allowed.status == 200


async def test_a_chat_is_greeted_once_and_unread_counts_only_what_the_caller_may_see(client: tuple[District, TestClient]) -> None:
    _, http = client
    first = (await (await http.post("/sim/api/open", json={"as": "resident-3"})).json())["lines"]
    again = (await (await http.post("/sim/api/open", json={"as": "resident-3"})).json())["lines"]
    assert len(first) == len(again) >= 1 and first[0]["side"] == "bot" and "您好" in first[0]["message"]["text"]
    await http.post("/sim/api/send", json={"as": "new:alice", "text": "你好"})
    await http.post("/sim/api/send", json={"as": "resident-1", "text": "我要反映"})
    for text in ("投诉", "桂香苑7栋门口的井盖松动了"):
        await http.post("/sim/api/send", json={"as": "resident-1", "text": text})
    unread = (await (await http.get("/sim/api/unread?as=dept-shizheng,new:alice,new:bob,nobody")).json())["unread"]
    assert set(unread) <= {"dept-shizheng"}
    people = await (await http.get("/sim/api/people")).json()
    assert {"key": "new:alice", "new": True}.items() <= next(p for p in people if p["key"] == "new:alice").items()


async def test_the_map_is_drawn_from_the_grids_and_a_point_finds_its_grid(client: tuple[District, TestClient]) -> None:
    district, http = client
    drawn = await (await http.get("/sim/api/map")).json()
    assert len(drawn["grids"]) == 16 and len(drawn["communities"]) == 8 and len(drawn["streets"]) == 3
    assert all(g["path"].startswith("M") and g["path"].endswith("Z") for g in drawn["grids"])
    assert max(drawn["width"], drawn["height"]) == pytest.approx(1000, abs=1)
    assert any(p["name"] for p in drawn["places"])
    async with district.app.uow() as uow:
        grid = await uow.units.by_code("guixiang-1")
        assert grid is not None and grid.centre_lat is not None and grid.centre_lon is not None
        lat, lon, grid_id = grid.centre_lat, grid.centre_lon, grid.id
    found = await (await http.get(f"/sim/api/where?lat={lat}&lon={lon}")).json()
    assert found["known"] and found["grid"] == grid_id
    assert (await http.get("/sim/api/where?lat=nan&lon=1")).status == 400
    assert (await http.get("/sim/api/where?lat=91&lon=1")).status == 400
