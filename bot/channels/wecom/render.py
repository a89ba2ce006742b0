"""Outbound → what a WeChat Work application shows: texts, images and template cards with buttons.

A message with buttons becomes a button_interaction template card whose buttons carry the same payloads as
on Telegram (a card holds at most six; more go on further cards). The card shows the text itself when it
fits a card's title and subtitle; a longer text goes first as a text message and the card follows with a
short title. A photo given as a URL becomes a link; a local file (a report chart) or a media id is sent as
an image message.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from bot.channels.telegram.common import split_text
from handlers.messages import Button, Outbound
from handlers.texts import texts_for

MAX_CHARS = 600  # a text message takes at most 2048 bytes; 600 CJK characters stay below
CARD_BUTTONS = 6  # a button_interaction card takes at most six buttons
TITLE_CHARS = 26  # main_title.title: at most 26 characters shown
SUBTITLE_CHARS = 112  # sub_title_text: at most 112 characters shown
LABEL_COLUMNS = 20  # a button shows about ten CJK characters (a wide character counts two columns)
ELLIPSIS = "…"


@dataclass(frozen=True)
class Text:
    """A text message."""

    content: str


@dataclass(frozen=True)
class Image:
    """An image message: a local file to upload, or a media id."""

    image: str


@dataclass(frozen=True)
class Card:
    """A button_interaction template card."""

    title: str
    text: str
    buttons: tuple[Button, ...]


Part = Text | Image | Card


def _columns(text: str) -> int:
    """Return a text's display width (wide characters count two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def shorten(text: str, limit: int) -> str:
    """Return TEXT cut to LIMIT characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def label(text: str) -> str:
    """Return a button label that fits a card's button."""
    if _columns(text) <= LABEL_COLUMNS:
        return text
    cut = ""
    for ch in text:
        if _columns(cut + ch) > LABEL_COLUMNS - 1:
            break
        cut += ch
    return cut + ELLIPSIS


def _unique(buttons: tuple[Button, ...]) -> list[Button]:
    """Return the buttons without repeated payloads (a card's keys must differ)."""
    seen: set[str] = set()
    kept = []
    for button in buttons:
        if button.payload not in seen:
            seen.add(button.payload)
            kept.append(button)
    return kept


def render(message: Outbound, language: str) -> list[Part]:
    """Plan the messages that show one Outbound: texts, then images, then cards carrying the buttons (in its reader's language)."""
    copy = texts_for(message.language or language)
    text = message.text
    link = message.image if message.image and message.image.startswith(("http://", "https://")) else None
    images = [Image(message.image)] if message.image and link is None else []
    if link is not None:
        text = "\n".join(filter(None, [text, f'<a href="{link}">{copy.t("channels.wecom.view_photo")}</a>']))
    buttons = _unique(message.buttons)
    if not buttons:
        return [*(Text(part) for part in split_text(text, MAX_CHARS) if part), *images]
    head, _, rest = text.partition("\n")
    parts: list[Part] = []
    if link is None and len(head) <= TITLE_CHARS and len(rest) <= SUBTITLE_CHARS:
        title, subtitle = head or copy.t("channels.wecom.choose"), rest
    else:
        parts += [Text(part) for part in split_text(text, MAX_CHARS) if part]
        title, subtitle = shorten(head, TITLE_CHARS) or copy.t("channels.wecom.choose"), copy.t("channels.wecom.choose")
    parts += images
    chunks = [tuple(buttons[i : i + CARD_BUTTONS]) for i in range(0, len(buttons), CARD_BUTTONS)]
    for number, chunk in enumerate(chunks, start=1):
        if number == 1:
            parts.append(Card(title, subtitle, chunk))
        else:
            parts.append(Card(shorten(title, TITLE_CHARS - 8), copy.t("channels.wecom.more", page=number, pages=len(chunks)), chunk))
    return parts


def card_json(card: Card, task_id: str) -> dict[str, object]:
    """Return the template_card object of a card (its buttons' keys are their payloads)."""
    body: dict[str, object] = {
        "card_type": "button_interaction",
        "main_title": {"title": card.title},
        "task_id": task_id,
        "button_list": [
            {"text": label(button.label), "style": 1 if index == 0 else 2, "key": button.payload}
            for index, button in enumerate(card.buttons)
        ],
    }
    if card.text:
        body["sub_title_text"] = card.text
    return body
