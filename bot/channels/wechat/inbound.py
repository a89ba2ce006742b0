"""WeChat callback XML → Inbound, through a table of message and event kinds.

    text                → TEXT, COMMAND when it starts with "/"; a bare number picks from the last menu
    image               → PHOTO (PicUrl, else MediaId)
    location            → LOCATION (Location_X = latitude, Location_Y = longitude; GCJ-02 → WGS-84)
    event subscribe     → COMMAND "/start" (the welcome and start menu)
    event CLICK         → BUTTON with the menu key as payload ("m:report" is the same payload as the button)
    event LOCATION      → LOCATION (the periodic location report, when the account asks for it)

platform_id: "msg:<MsgId>" for messages; "ev:<FromUserName>:<CreateTime>:<Event>" for events (WeChat's
documented way to recognise a retried event), so the dispatcher drops WeChat's retries.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import prcoords
from wechatpy import parse_message

from handlers.messages import Inbound, InboundKind

MENU_NUMBER = re.compile(r"\s*([0-9]{1,2})\s*")
Parsed = Any  # a wechatpy message or event object (wechatpy has no type hints)


def _platform_id(message: Parsed) -> str:
    """Return the id WeChat repeats when it retries this callback."""
    if message.type == "event":
        return f"ev:{message.source}:{message.time}:{message.event}"
    return f"msg:{message.id}"


def _make(channel: str, message: Parsed, kind: InboundKind, payload: str, **extra: Any) -> Inbound:
    """Build an Inbound; a WeChat chat is the user's openid."""
    raw = dict(message._data)  # noqa: SLF001 - wechatpy keeps the parsed XML fields there
    return Inbound(channel, message.source, message.source, kind, payload, _platform_id(message), raw=raw, **extra)


def _text(channel: str, message: Parsed) -> Inbound:
    """A text; "/..." is a command."""
    content = str(message.content or "")
    kind = InboundKind.COMMAND if content.startswith("/") else InboundKind.TEXT
    return _make(channel, message, kind, content)


def _image(channel: str, message: Parsed) -> Inbound:
    """A photo."""
    return _make(channel, message, InboundKind.PHOTO, "", photo=str(message.image or message.media_id))


def _point(lat: float, lon: float) -> tuple[float, float]:
    """Return a point on the globe, or raise ValueError."""
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError("a location outside the globe")
    return lat, lon


def _location(channel: str, message: Parsed) -> Inbound:
    """A location picked in the chat: WeChat's map gives GCJ-02 in mainland China; grids are stored in WGS-84."""
    lat, lon = _point(float(message.location_x), float(message.location_y))
    wgs = prcoords.gcj_wgs_bored((lat, lon)) if prcoords.sanity_in_china_p(prcoords.Coords(lat, lon)) else None
    if wgs is not None:
        lat, lon = round(float(wgs.lat), 7), round(float(wgs.lon), 7)
    return _make(channel, message, InboundKind.LOCATION, f"{lat},{lon}", location=(lat, lon))


def _subscribe(channel: str, message: Parsed) -> Inbound:
    """A new follower: greet with the start menu."""
    return _make(channel, message, InboundKind.COMMAND, "/start")


def _click(channel: str, message: Parsed) -> Inbound:
    """A tap on the account's menu: its key is a button payload."""
    return _make(channel, message, InboundKind.BUTTON, str(message.key or ""))


def _location_event(channel: str, message: Parsed) -> Inbound:
    """A periodic location report."""
    lat, lon = _point(float(message.latitude), float(message.longitude))
    return _make(channel, message, InboundKind.LOCATION, f"{lat},{lon}", location=(lat, lon))


MESSAGE_KINDS: dict[str, Callable[[str, Parsed], Inbound]] = {
    "text": _text,
    "image": _image,
    "location": _location,
}
EVENT_KINDS: dict[str, Callable[[str, Parsed], Inbound]] = {
    "subscribe": _subscribe,
    "subscribe_scan": _subscribe,
    "click": _click,
    "location": _location_event,
}


def to_inbound(channel: str, xml: str) -> Inbound | None:
    """Translate a (decrypted) callback XML into an Inbound, or None for kinds we do not use."""
    try:
        message = parse_message(xml)
    except Exception as exc:  # xmltodict raises ExpatError, KeyError on a missing MsgType
        raise ValueError(f"not a WeChat message: {type(exc).__name__}") from exc
    if message is None:
        raise ValueError("empty body")
    if message.type == "event":
        build = EVENT_KINDS.get(str(message.event).lower())
    else:
        build = MESSAGE_KINDS.get(message.type)
    if build is None:
        return None
    try:
        return build(channel, message)
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        raise ValueError(f"malformed {message.type} callback: {type(exc).__name__}") from exc


def menu_number(text: str) -> int | None:
    """Return the number a text consists of (a menu choice), or None."""
    match = MENU_NUMBER.fullmatch(text)
    return int(match.group(1)) if match else None
