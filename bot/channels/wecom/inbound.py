"""WeChat Work callback XML → Inbound, through a table of message and event kinds.

    text                      → TEXT, COMMAND when it starts with "/"
    image                     → PHOTO (PicUrl, else MediaId)
    location                  → LOCATION (Location_X = latitude, Location_Y = longitude)
    event enter_agent         → COMMAND "/start", at most once a day per member (see below)
    event click               → BUTTON with the menu key as payload (the application menu carries button payloads)
    event LOCATION            → LOCATION (the periodic location report, when the application asks for it)
    event template_card_event → BUTTON with the pressed button's key (the same payload as on Telegram)

platform_id: "msg:<MsgId>" for messages; "ev:<UserID>:<CreateTime>:<Event>" for events, as WeChat Work
repeats them on a retry; "card:<UserID>:<CreateTime>:<digest of TaskId and EventKey>" for card presses;
"enter:<UserID>:<day>" for enter_agent, which WeChat Work sends whenever a member opens the application:
the dispatcher then greets once a day (days begin at 00:00 UTC, 08:00 in China) and drops the rest.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from typing import Any

from wechatpy.enterprise import parse_message

from bot.channels.datum import in_stored_datum
from bot.channels.settings import WECOM_USER_ID as USER_ID
from handlers.messages import Inbound, InboundKind
from storage.geo import GCJ02

DAY_SECONDS = 86_400
Parsed = Any  # a wechatpy message or event object (wechatpy has no type hints)


def _field(message: Parsed, name: str) -> str:
    """Return one raw field of the callback ("" when absent)."""
    value = message._data.get(name)  # noqa: SLF001 - wechatpy keeps the parsed XML fields there
    return "" if value is None else str(value)


def _event(message: Parsed) -> str | None:
    """Return the event's name in lower case, or None for a message (wechatpy leaves events it does not know untyped)."""
    if _field(message, "MsgType").lower() != "event":
        return None
    return _field(message, "Event").lower()


def _platform_id(message: Parsed) -> str:
    """Return the id WeChat Work repeats when it retries this callback."""
    event = _event(message)
    if event is None:
        return f"msg:{int(message.id)}"
    if event == "enter_agent":
        return f"enter:{message.source}:{int(message.time) // DAY_SECONDS}"
    if event == "template_card_event":
        digest = hashlib.sha256(f"{_field(message, 'TaskId')}\n{_field(message, 'EventKey')}".encode()).hexdigest()[:24]
        return f"card:{message.source}:{int(message.time)}:{digest}"
    return f"ev:{message.source}:{int(message.time)}:{event}"


def _make(channel: str, message: Parsed, kind: InboundKind, payload: str, **extra: Any) -> Inbound:
    """Build an Inbound; a WeChat Work chat with the application is the member's UserID."""
    user = str(message.source or "")
    if not USER_ID.fullmatch(user):
        raise ValueError("FromUserName is not a WeChat Work UserID")
    raw = dict(message._data)  # noqa: SLF001 - wechatpy keeps the parsed XML fields there
    return Inbound(channel, user, user, kind, payload, _platform_id(message), raw=raw, **extra)


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
    """A location picked in the chat."""
    lat, lon = _point(float(message.location_x), float(message.location_y))
    return _make(channel, message, InboundKind.LOCATION, f"{lat},{lon}", location=(lat, lon))


def _enter(channel: str, message: Parsed) -> Inbound:
    """A member opened the application: greet (staff get their work menu, others the staff-only notice)."""
    return _make(channel, message, InboundKind.COMMAND, "/start")


def _click(channel: str, message: Parsed) -> Inbound:
    """A tap on the application menu: its key is a button payload."""
    return _make(channel, message, InboundKind.BUTTON, str(message.key or ""))


def _location_event(channel: str, message: Parsed) -> Inbound:
    """A periodic location report."""
    lat, lon = _point(float(message.latitude), float(message.longitude))
    return _make(channel, message, InboundKind.LOCATION, f"{lat},{lon}", location=(lat, lon))


def _card(channel: str, message: Parsed) -> Inbound:
    """A button pressed on a template card: its key is the button payload."""
    if not _field(message, "TaskId"):
        raise ValueError("a card event without a TaskId")
    return _make(channel, message, InboundKind.BUTTON, _field(message, "EventKey"))


MESSAGE_KINDS: dict[str, Callable[[str, Parsed], Inbound]] = {
    "text": _text,
    "image": _image,
    "location": _location,
}
EVENT_KINDS: dict[str, Callable[[str, Parsed], Inbound]] = {
    "enter_agent": _enter,
    "click": _click,
    "location": _location_event,
    "template_card_event": _card,
}


def to_inbound(channel: str, xml: str, datum: str = GCJ02) -> Inbound | None:
    """Translate a decrypted callback XML into an Inbound (its location in the stored datum), or None for kinds we do not use."""
    try:
        message = parse_message(xml)
    except Exception as exc:  # xmltodict raises ExpatError, KeyError on a missing MsgType
        raise ValueError(f"not a WeChat Work message: {type(exc).__name__}") from exc
    if message is None:
        raise ValueError("empty body")
    event = _event(message)
    build = MESSAGE_KINDS.get(_field(message, "MsgType").lower()) if event is None else EVENT_KINDS.get(event)
    if build is None:
        return None
    try:
        return in_stored_datum(build(channel, message), datum)
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        raise ValueError(f"malformed {event or 'message'} callback: {type(exc).__name__}") from exc


def card_press(inbound: Inbound) -> tuple[str, str] | None:
    """Return (task id, response code) when the update is a press on a template card."""
    if str(inbound.raw.get("Event", "")).lower() != "template_card_event":
        return None
    return str(inbound.raw.get("TaskId") or ""), str(inbound.raw.get("ResponseCode") or "")
