"""Platform photos into the media store: named by their origin, fetched once, kept as they came when that fails."""

from __future__ import annotations

import logging

import pytest

from bot.channels.photos import ORIGIN_LENGTH, keep_photo, origin_of
from handlers.messages import Inbound, InboundKind
from storage.media.store import get_media, media_hash
from tests.bot.test_sim_front_door import jpeg_with_gps
from tests.channels.conftest import OpenApp


def _photo(reference: str, channel: str = "wechat") -> Inbound:
    return Inbound(channel, "o1", "o1", InboundKind.PHOTO, "", "msg:1", photo=reference)


def test_a_long_reference_is_named_by_its_hash() -> None:
    short = _photo("http://mmbiz.qpic.cn/mmbiz_jpg/abc/0")
    assert origin_of(short) == "wechat:http://mmbiz.qpic.cn/mmbiz_jpg/abc/0"
    first, second = _photo("http://x/" + "a" * 300 + "1"), _photo("http://x/" + "a" * 300 + "2")
    assert len(origin_of(first)) <= ORIGIN_LENGTH and origin_of(first).startswith("wechat:sha256:")
    assert origin_of(first) != origin_of(second)


async def test_a_photo_is_fetched_once_and_other_updates_pass_untouched(open_app: OpenApp, caplog: pytest.LogCaptureFixture) -> None:
    fetched: list[str] = []

    async def fetch(reference: str) -> bytes:
        fetched.append(reference)
        return jpeg_with_gps()

    async with open_app() as app:
        photo = _photo("http://mmbiz.qpic.cn/mmbiz_jpg/once/0")
        kept = await keep_photo(app.session_factory, photo, fetch, reference="MEDIA-1")
        again = await keep_photo(app.session_factory, photo, fetch, reference="MEDIA-1")  # WeChat's retry
        assert kept.photo == again.photo and fetched == ["MEDIA-1"]
        sha = media_hash(kept.photo)
        assert sha is not None
        async with app.session_factory() as session:
            stored = await get_media(session, sha)
        assert stored is not None and stored.kind == "photo" and stored.origin == "wechat:http://mmbiz.qpic.cn/mmbiz_jpg/once/0"
        text = Inbound("wechat", "o1", "o1", InboundKind.TEXT, "你好", "msg:2")
        assert await keep_photo(app.session_factory, text, fetch) is text
        assert await keep_photo(app.session_factory, kept, fetch) is kept  # already ours
        assert fetched == ["MEDIA-1"]

        async def broken(reference: str) -> bytes:
            raise ConnectionResetError("the platform hung up")

        lost = _photo("http://mmbiz.qpic.cn/mmbiz_jpg/lost/0")
        with caplog.at_level(logging.WARNING, logger="bot.channels.photos"):
            assert await keep_photo(app.session_factory, lost, broken) is lost
        assert any("ConnectionResetError" in r.getMessage() for r in caplog.records)
