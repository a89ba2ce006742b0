"""Photos in the simulator: the page uploads an image (checked, cleaned, kept in the media store) and shows stored ones.

    POST /sim/api/upload            the image's bytes (Content-Type image/* or application/octet-stream, at most 10 MB)
                                    → {"photo": "media:HASH", "src", "thumb"}; then send {"as", "photo": "media:HASH"}
    GET  /sim/media/HASH[/thumb]    a stored image or its thumbnail

The type is read from the content, never from the name or the header; the image is re-encoded (EXIF,
GPS position included, is dropped) before it is kept, so what is stored and shown is only pixels.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from datetime import UTC, datetime

from aiohttp import web

from bot.web.guard import BadBody, read_body, refuse
from bot.web.simulator.access import APP_KEY, CSRF_HEADER, GATE_KEY, Denied, csrf_token
from bot.web.simulator.shown import picture
from storage.media.images import MAX_BYTES, BadImage, prepare
from storage.media.store import HASH, get_media, put_media

log = logging.getLogger(__name__)
UPLOAD_TYPES = ("image/", "application/octet-stream")  # neither is a type a cross-site form can send without asking


async def upload(request: web.Request) -> web.Response:
    """Keep an uploaded photo and return its reference."""
    app, gate = request.app[APP_KEY], request.app[GATE_KEY]
    try:
        caller = await gate.caller(request)
        if not request.content_type.startswith(UPLOAD_TYPES):
            raise Denied("send the image's bytes as image/* or application/octet-stream", 415)
        if caller.via_cookie and caller.token is not None:
            given = request.headers.get(CSRF_HEADER, "")
            if not hmac.compare_digest(given.encode(), csrf_token(caller.token).encode()):
                raise Denied("missing or wrong CSRF token", 403)
        raw = await read_body(request, MAX_BYTES)
        image = await asyncio.to_thread(prepare, raw)
    except Denied as exc:
        return refuse(request, exc.reason, exc.status)
    except BadBody as exc:
        return refuse(request, exc.reason, exc.status)
    except BadImage as exc:
        return refuse(request, str(exc), 415)
    async with app.uow() as uow:
        ref = await put_media(uow.session, image, datetime.now(UTC))
        await uow.commit()
    shown = picture(app, ref) or {}
    log.info("simulator: photo %s kept (%d bytes, %dx%d)", ref[:18], len(image.data), image.width, image.height)
    return web.json_response({"photo": ref, **shown})


async def media_file(request: web.Request) -> web.StreamResponse:
    """Serve a stored image (or its thumbnail) by its hash."""
    app, gate = request.app[APP_KEY], request.app[GATE_KEY]
    try:
        await gate.caller(request)
    except Denied as exc:
        return refuse(request, exc.reason, exc.status)
    sha = request.match_info["sha"]
    if not HASH.fullmatch(sha):
        raise web.HTTPNotFound()
    async with app.uow() as uow:
        media = await get_media(uow.session, sha)
    if media is None:
        raise web.HTTPNotFound()
    thumb = request.match_info.get("size") == "thumb"
    body, mime = (media.thumb, "image/jpeg") if thumb else (media.data, media.mime)
    return web.Response(body=body, content_type=mime, headers={"Cache-Control": "private, max-age=31536000, immutable"})
