"""How the simulator page shows a message: its text, buttons and pictures (each with a thumbnail) as JSON."""

from __future__ import annotations

from typing import Any

from bot.app import App
from handlers.messages import Outbound, local_image
from storage.media.store import media_hash


def picture(app: App, image: str | None) -> dict[str, str] | None:
    """Return where the page finds an image and its thumbnail: a stored photo or a report chart; None for anything else.

    A platform's file id (an old Telegram or WeChat photo never fetched) cannot be shown here.
    """
    sha = media_hash(image)
    if sha is not None:
        return {"src": f"/sim/media/{sha}", "thumb": f"/sim/media/{sha}/thumb"}
    path = local_image(image)
    if path is None:
        return None
    folder = app.config.reports.path.resolve()
    if path.resolve().parent != folder:
        return None
    return {"src": f"/sim/files/{path.name}", "thumb": f"/sim/files/{path.name}"}


def image_url(app: App, image: str | None) -> str | None:
    """Return the URL of a message's main image (kept for scripts reading "image"), or the image as it is."""
    shown = picture(app, image)
    if shown is not None:
        return shown["src"]
    return None if local_image(image) is not None else image


def reply_json(app: App, message: Outbound) -> dict[str, Any]:
    """Return a message in the simulator API's shape: text, buttons, the main image and every picture."""
    pictures = [p for p in (picture(app, i) for i in (message.image, *message.gallery) if i) if p]
    return {
        "text": message.text,
        "buttons": [{"label": b.label, "payload": b.payload} for b in message.buttons],
        "image": image_url(app, message.image),
        "pictures": pictures,
    }
