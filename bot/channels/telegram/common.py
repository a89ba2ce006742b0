"""What both Telegram drivers share: Bot API update JSON → Inbound (a table), and Outbound → sends.

Both drivers hand updates over in the Bot API's own JSON shape (a dict), so one table maps every
update kind we use, whichever library received it:

    message.text        → TEXT, or COMMAND when it starts with a bot_command entity ("/start@bot" → "/start")
    message.photo       → PHOTO (file_id of the largest size; the caption is kept in the payload)
    message.location    → LOCATION ("lat,lon")
    message.contact     → TEXT carrying the phone number, which the report flow's contact step reads
    callback_query      → BUTTON (callback_data is our codec payload)

Anything else (edited messages, stickers, channel posts, ...) is ignored.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.channels.datum import in_stored_datum
from handlers.messages import Button, Inbound, InboundKind, Outbound
from storage.geo import WGS84

MAX_TEXT = 4096
MAX_CAPTION = 1024
SHORT_LABEL = 14  # display columns (a CJK character counts 2): two such buttons share a row

Update = Mapping[str, Any]
Keyboard = tuple[tuple[Button, ...], ...]


def _user(source: Mapping[str, Any]) -> tuple[str, str | None]:
    """Return the sender's id and display name from a `from` object."""
    sender = source.get("from") or {}
    name = " ".join(str(p) for p in (sender.get("first_name"), sender.get("last_name")) if p) or None
    return str(sender.get("id", "")), name


def _message_inbound(channel: str, update: Update, message: Mapping[str, Any], kind: InboundKind, payload: str, **extra: Any) -> Inbound:
    """Build an Inbound from a message update."""
    user_id, name = _user(message)
    chat_id = str((message.get("chat") or {}).get("id", user_id))
    return Inbound(channel, chat_id, user_id, kind, payload, str(update["update_id"]), user_name=name, raw=update, **extra)


def _text(channel: str, update: Update, message: Mapping[str, Any]) -> Inbound:
    """A text, or a command when it opens with a bot_command entity."""
    text = str(message["text"])
    entities = message.get("entities") or []
    if any(e.get("type") == "bot_command" and e.get("offset") == 0 for e in entities) or text.startswith("/"):
        command, _, rest = text.partition(" ")
        command = command.split("@", 1)[0]
        return _message_inbound(channel, update, message, InboundKind.COMMAND, f"{command} {rest}".strip())
    return _message_inbound(channel, update, message, InboundKind.TEXT, text)


def _photo(channel: str, update: Update, message: Mapping[str, Any]) -> Inbound:
    """A photo: the largest size's file_id."""
    largest = max(message["photo"], key=lambda size: (size.get("width", 0) * size.get("height", 0), size.get("file_size", 0)))
    caption = str(message.get("caption", ""))
    return _message_inbound(channel, update, message, InboundKind.PHOTO, caption, photo=str(largest["file_id"]))


def _location(channel: str, update: Update, message: Mapping[str, Any]) -> Inbound:
    """A shared location."""
    lat, lon = float(message["location"]["latitude"]), float(message["location"]["longitude"])
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError("a location outside the globe")
    return _message_inbound(channel, update, message, InboundKind.LOCATION, f"{lat},{lon}", location=(lat, lon))


def _contact(channel: str, update: Update, message: Mapping[str, Any]) -> Inbound:
    """A shared contact: its phone number as a text, as if typed."""
    return _message_inbound(channel, update, message, InboundKind.TEXT, str(message["contact"].get("phone_number", "")))


MESSAGE_KINDS: dict[str, Callable[[str, Update, Mapping[str, Any]], Inbound]] = {
    "text": _text,
    "photo": _photo,
    "location": _location,
    "contact": _contact,
}


def _message(channel: str, update: Update) -> Inbound | None:
    """A message: the first content field we know decides its kind."""
    message = update["message"]
    for key, build in MESSAGE_KINDS.items():
        if message.get(key):
            return build(channel, update, message)
    return None


def _callback(channel: str, update: Update) -> Inbound | None:
    """A button press."""
    query = update["callback_query"]
    data = query.get("data")
    if not data:
        return None  # a game or an inline-mode button: not ours
    user_id, name = _user(query)
    chat = ((query.get("message") or {}).get("chat") or {}).get("id", user_id)
    return Inbound(channel, str(chat), user_id, InboundKind.BUTTON, str(data), str(update["update_id"]), user_name=name, raw=update)


UPDATE_KINDS: dict[str, Callable[[str, Update], Inbound | None]] = {
    "message": _message,
    "callback_query": _callback,
}
ALLOWED_UPDATES = list(UPDATE_KINDS)


def to_inbound(channel: str, update: Update, datum: str = WGS84) -> Inbound | None:
    """Translate one Bot API update into an Inbound, or None when it is not a kind we use.

    Raises ValueError for an update whose fields are not what the Bot API sends (missing, mistyped).
    """
    for key, build in UPDATE_KINDS.items():
        if update.get(key):
            try:
                inbound = build(channel, update)
                return None if inbound is None else in_stored_datum(inbound, datum)
            except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
                raise ValueError(f"malformed {key} update: {type(exc).__name__}: {exc}") from exc
    return None


def pressed_message(update: Update) -> tuple[str, str, int] | None:
    """Return (callback query id, chat id, message id) when the update is a button press."""
    query = update.get("callback_query")
    if not query:
        return None
    try:
        message = query.get("message") or {}
        chat = (message.get("chat") or {}).get("id")
        return str(query["id"]), str(chat), int(message.get("message_id", 0))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ValueError(f"malformed callback_query: {type(exc).__name__}") from exc


def width(label: str) -> int:
    """Return a label's display width (wide characters count two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in label)


def layout(buttons: tuple[Button, ...]) -> Keyboard:
    """Lay buttons out: two short ones share a row, a long one has its own."""
    rows: list[tuple[Button, ...]] = []
    pending: Button | None = None
    for button in buttons:
        if width(button.label) > SHORT_LABEL:
            rows.extend([(pending,)] if pending else [])
            rows.append((button,))
            pending = None
        elif pending is None:
            pending = button
        else:
            rows.append((pending, button))
            pending = None
    if pending is not None:
        rows.append((pending,))
    return tuple(rows)


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split a text into parts of at most LIMIT characters, on line breaks where possible."""
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit + 1)
        if cut <= 0:
            cut = limit
        parts.append(rest[:cut])
        rest = rest[cut:].lstrip("\n")
    parts.append(rest)
    return [p for p in parts if p] or [""]


@dataclass(frozen=True)
class Send:
    """One Bot API call that shows part of a message: a text or a photo, maybe with the keyboard."""

    text: str
    photo: str | None = None
    keyboard: Keyboard = ()


def render(message: Outbound) -> list[Send]:
    """Plan the calls that show a message; the keyboard goes with the last one."""
    sends: list[Send] = []
    text = message.text
    if message.image:
        caption = text if len(text) <= MAX_CAPTION else ""
        sends.append(Send(caption, photo=message.image))
        text = "" if caption else text
    if text or not sends:
        sends.extend(Send(part) for part in split_text(text))
    if message.buttons:
        last = sends[-1]
        sends[-1] = Send(last.text, last.photo, layout(message.buttons))
    return sends
