"""The normalised message types every channel translates to and from."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any


class InboundKind(StrEnum):
    """What a resident or staff member sent."""

    TEXT = "text"
    BUTTON = "button"
    PHOTO = "photo"
    LOCATION = "location"
    COMMAND = "command"


@dataclass(frozen=True)
class Inbound:
    """One update from a channel, normalised; `raw` keeps the platform's payload."""

    channel: str
    chat_id: str
    user_id: str
    kind: InboundKind
    payload: str
    platform_id: str
    location: tuple[float, float] | None = None  # (lat, lon)
    photo: str | None = None  # a platform file id or URL
    user_name: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Button:
    """A tappable choice: what it says and the codec-packed payload it sends back."""

    label: str
    payload: str


@dataclass(frozen=True)
class Target:
    """Where a message goes: a channel instance and a chat on it."""

    channel: str
    chat_id: str


@dataclass(frozen=True)
class Outbound:
    """A message to show: text, optional buttons and image; target None means 'reply here'.

    `gallery` holds further images (a case's other photos) for channels that show several; `language`
    is the language the text was written in, for what a channel adds itself (WeChat's "reply with a
    number"); None means the district's.
    """

    text: str
    buttons: tuple[Button, ...] = ()
    image: str | None = None
    target: Target | None = None
    gallery: tuple[str, ...] = ()
    language: str | None = None


def local_image(image: str | None) -> Path | None:
    """Return the file of an image given as an absolute local path (e.g. a report chart), else None.

    An image is otherwise a URL or a platform's file/media id, which channels pass on as they are.
    """
    if not image or not os.path.isabs(image):
        return None
    path = Path(image)
    return path if path.is_file() else None


def outbound_to_payload(message: Outbound) -> dict[str, Any]:
    """Serialise a message's content for the outbox (the target is stored in its own columns)."""
    payload: dict[str, Any] = {
        "text": message.text,
        "buttons": [{"label": b.label, "payload": b.payload} for b in message.buttons],
        "image": message.image,
    }
    if message.gallery:
        payload["gallery"] = list(message.gallery)
    if message.language:
        payload["language"] = message.language
    return payload


def outbound_from_payload(payload: Mapping[str, Any], target: Target | None = None) -> Outbound:
    """Rebuild a message from its outbox payload."""
    return Outbound(
        text=str(payload.get("text", "")),
        buttons=tuple(Button(str(b["label"]), str(b["payload"])) for b in payload.get("buttons", [])),
        image=payload.get("image"),
        target=target,
        gallery=tuple(str(g) for g in payload.get("gallery", ()) if isinstance(g, str)),
        language=payload["language"] if isinstance(payload.get("language"), str) else None,
    )
