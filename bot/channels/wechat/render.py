"""Outbound → what a WeChat official account can show: texts with buttons as a numbered menu.

WeChat has no buttons in chat, so buttons degrade on purpose into "回复数字：1. 确认 2. 换一个部门";
the payloads behind the numbers are returned so the channel can store the menu and map "1" back.
A photo given as a URL becomes a link; any other image is a media id sent as an image message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.channels.telegram.common import split_text
from handlers.messages import Outbound
from handlers.texts import texts_for

MAX_CHARS = 600  # WeChat takes at most 2048 bytes of text per message; 600 CJK characters stay below


@dataclass(frozen=True)
class Rendered:
    """The texts and image media ids to send, in order, and the menu's payloads by number."""

    texts: tuple[str, ...]
    images: tuple[str, ...]
    payloads: tuple[str, ...]

    def fits_one_message(self) -> bool:
        """Tell whether everything fits in one passive reply (a single text message)."""
        return len(self.texts) == 1 and not self.images


def render(messages: Sequence[Outbound], language: str) -> Rendered:
    """Render replies as WeChat texts: each with its buttons numbered on, one numbering for all.

    What the channel adds ("回复数字") is in the reader's language when the messages carry one, else LANGUAGE."""
    copy = texts_for(next((m.language for m in messages if m.language), language))
    blocks: list[str] = []
    images: list[str] = []
    payloads: list[str] = []
    for message in messages:
        lines = [message.text] if message.text else []
        if message.image and message.image.startswith(("http://", "https://")):
            lines.append(f'<a href="{message.image}">{copy.t("channels.wechat.view_photo")}</a>')
        elif message.image:
            images.append(message.image)
        if message.buttons:
            lines.append(copy.t("channels.wechat.reply_with_number"))
            for button in message.buttons:
                payloads.append(button.payload)
                lines.append(f"{len(payloads)}. {button.label}")
        if lines:
            blocks.append("\n".join(lines))
    texts = split_text("\n\n".join(blocks), MAX_CHARS) if blocks else []
    return Rendered(tuple(t for t in texts if t), tuple(images), tuple(payloads))
