"""A local fake of the WeChat API (aiohttp): stable token, customer-service and template messages, menu, and the
temporary media put in `media` (GET media/get; an unknown media id answers errcode 40007)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TOKEN = "ACCESS_TOKEN_FAKE_0001"


@dataclass
class FakeWeChat:
    """The fake API's state; start() serves it and returns the API base URL (ending in /cgi-bin/)."""

    base_url: str = ""
    calls: list[tuple[str, dict[str, Any], dict[str, str]]] = field(default_factory=list)
    errcodes: dict[str, list[int]] = field(default_factory=dict)  # endpoint → errcodes to answer next
    media: dict[str, bytes] = field(default_factory=dict)  # media id → bytes, for media/get
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)
    _runner: web.AppRunner | None = None

    async def start(self) -> str:
        """Serve on a random local port."""
        app = web.Application()
        app.router.add_post("/cgi-bin/{endpoint:.+}", self._handle)
        app.router.add_get("/cgi-bin/media/get", self._media_get)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}/cgi-bin/"
        return self.base_url

    async def close(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            await self._runner.cleanup()

    def fail_next(self, endpoint: str, errcode: int) -> None:
        """Answer the next call of ENDPOINT with this errcode."""
        self.errcodes.setdefault(endpoint, []).append(errcode)

    def called(self, endpoint: str) -> list[dict[str, Any]]:
        """Return the JSON bodies posted to an endpoint."""
        return [body for name, body, _ in self.calls if name == endpoint]

    async def wait_for(self, endpoint: str, count: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Wait until ENDPOINT was called COUNT times."""
        async with asyncio.timeout(timeout):
            while len(self.called(endpoint)) < count:
                self._arrived.clear()
                await self._arrived.wait()
        return self.called(endpoint)

    async def _media_get(self, request: web.Request) -> web.Response:
        """Answer a temporary media download: the bytes, or WeChat's JSON error."""
        self.calls.append(("media/get", {}, dict(request.query)))
        self._arrived.set()
        if request.query.get("access_token") != TOKEN:
            return web.json_response({"errcode": 40001, "errmsg": "invalid credential"})
        data = self.media.get(request.query.get("media_id", ""))
        if data is None:
            return web.json_response({"errcode": 40007, "errmsg": "invalid media_id"})
        return web.Response(body=data, content_type="image/jpeg", headers={"Content-disposition": 'attachment; filename="photo.jpg"'})

    async def _handle(self, request: web.Request) -> web.Response:
        endpoint = request.match_info["endpoint"]
        if request.content_type.startswith("multipart/"):  # media/upload: record the file's size
            form = await request.post()
            media = form.get("media")
            body = {"media_size": len(media.file.read()) if isinstance(media, web.FileField) else 0}
        else:
            body = json.loads(await request.text() or "{}")
        self.calls.append((endpoint, body, dict(request.query)))
        self._arrived.set()
        if endpoint != "stable_token" and request.query.get("access_token") != TOKEN:
            return web.json_response({"errcode": 40001, "errmsg": "invalid credential"})
        queued = self.errcodes.get(endpoint)
        if queued:
            code = queued.pop(0)
            return web.json_response({"errcode": code, "errmsg": f"fake error {code}"})
        if endpoint == "stable_token":
            return web.json_response({"access_token": TOKEN, "expires_in": 7200})
        if endpoint == "media/upload":
            return web.json_response({"type": request.query.get("type"), "media_id": "MEDIA_CHART_1", "created_at": 1763700000})
        return web.json_response({"errcode": 0, "errmsg": "ok", "msgid": 200228332})
