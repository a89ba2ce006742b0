"""Shared locations in the datum their platform uses: WeChat's GCJ-02 is converted once, at the edge, to the
WGS-84 the grids are stored in; Telegram's and the browser's WGS-84 pass as they are. A point some 150 m
inside a grid edge, shared in WeChat, lands in that grid — not 500 m away in the neighbouring one."""

from __future__ import annotations

import copy
import json

import pytest

from bot.channels.telegram.common import to_inbound as telegram_inbound
from bot.channels.wechat.inbound import to_inbound as wechat_inbound
from storage.geo import GCJ02, WGS84, from_stored, to_stored
from tests.channels.conftest import FIXTURES
from tests.channels.wechat_harness import callback_xml
from tests.districts import District

NEAR_THE_EAST_EDGE = (30.61, 114.3185)  # WGS-84, 150 m inside guixiang-1 (114.30-114.32 E)


def _wechat_location(lat: float, lon: float) -> str:
    """The recorded WeChat location callback, at the given (GCJ-02) point."""
    xml = callback_xml("location", openid="oDatum", time=1795827611, msg_id=24601555000000001)
    return xml.replace("<Location_X>30.63</Location_X>", f"<Location_X>{lat}</Location_X>").replace(
        "<Location_Y>114.31</Location_Y>", f"<Location_Y>{lon}</Location_Y>"
    )


def test_gcj02_round_trips_to_within_a_metre() -> None:
    lat, lon = to_stored(*from_stored(*NEAR_THE_EAST_EDGE, GCJ02), GCJ02)
    assert abs(lat - NEAR_THE_EAST_EDGE[0]) < 1e-5 and abs(lon - NEAR_THE_EAST_EDGE[1]) < 1e-5
    assert to_stored(30.61, 114.3185, WGS84) == (30.61, 114.3185)
    with pytest.raises(ValueError, match="unknown datum"):
        to_stored(0, 0, "bd09")


async def test_a_wechat_location_near_a_grid_edge_lands_in_its_grid(local_district: District) -> None:
    places = local_district.app.running_dispatcher()._services.places  # noqa: SLF001 - the resolver the flows use
    shown_by_wechat = from_stored(*NEAR_THE_EAST_EDGE, GCJ02)
    inbound = wechat_inbound("wechat", _wechat_location(*shown_by_wechat))
    assert inbound is not None and inbound.location is not None
    assert places.by_coordinate(*inbound.location).label == places.by_coordinate(*NEAR_THE_EAST_EDGE).label
    unconverted = places.by_coordinate(*shown_by_wechat)
    assert unconverted.label != places.by_coordinate(*NEAR_THE_EAST_EDGE).label  # the 500 m shift crossed the edge


async def test_a_telegram_location_is_used_as_it_is(local_district: District) -> None:
    update = copy.deepcopy(json.loads((FIXTURES / "telegram" / "location.json").read_text(encoding="utf-8")))
    update["message"]["location"] = {"latitude": NEAR_THE_EAST_EDGE[0], "longitude": NEAR_THE_EAST_EDGE[1]}
    inbound = telegram_inbound("telegram:main", update)
    assert inbound is not None and inbound.location == NEAR_THE_EAST_EDGE
