"""A local fake of the Telegram Bot API (aiohttp): enough of it for the real PTB and aiogram clients.

It serves queued updates to getUpdates (long polling), records every call, answers sendMessage,
sendPhoto, editMessage*, answerCallbackQuery, setWebhook and deleteWebhook, serves the files put in
`files` (getFile, then GET /file/bot<token>/<file_path>; an unknown file id is a 400), and can be told to
fail the next calls of a method (e.g. HTTP 429 with retry_after). With `limit_per_second` it refuses, as
Telegram does, any message that would make more than that many in a sliding second (429, retry_after 1).

It also runs as a process of its own, for tests of the running app (`GET /_fake/calls` lists the
calls it received as JSON):

    python -m tests.channels.fake_telegram --token TOKEN --port PORT [--limit-per-second N]

`GET /_fake/stats` answers {"accepted": N, "refused": N, "peak": N, "span": S} (peak: most messages in any
second; span: seconds from the first accepted message to the last).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

BOT_USER = {"id": 7000000001, "is_bot": True, "first_name": "群工", "username": "qungong_test_bot",
            "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}
JSON_FIELDS = ("reply_markup", "allowed_updates", "entities", "caption_entities", "link_preview_options")


class FakeError(Exception):
    """A Bot API error a method answers with."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status, self.description = status, description


@dataclass
class Call:
    """One Bot API call the fake received."""

    method: str
    params: dict[str, Any]
    at: float
    result_id: int = 0  # the message id the fake gave a sent message


@dataclass
class FakeTelegram:
    """The fake server's state; start() serves it on 127.0.0.1 and returns the API base URL."""

    token: str
    base_url: str = ""
    calls: list[Call] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    uploads: dict[str, bytes] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)  # file_id → bytes, for getFile and the download
    downloads: list[str] = field(default_factory=list)  # the file paths downloaded
    failures: dict[str, list[tuple[int, dict[str, Any]]]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(500))
    _update_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(800_000_001))
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)
    _runner: web.AppRunner | None = None
    limit_per_second: int = 0  # 0: no limit
    accepted: list[float] = field(default_factory=list)  # when each message was accepted
    refused: int = 0

    async def start(self, port: int = 0) -> str:
        """Serve on a local port (0: a random one) and return the base URL to configure."""
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file)
        app.router.add_get("/_fake/calls", self._calls)
        app.router.add_get("/_fake/stats", self._stats)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"
        return self.base_url

    async def close(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            await self._runner.cleanup()

    def next_update_id(self) -> int:
        """Return a fresh update id."""
        return next(self._update_ids)

    def push(self, update: dict[str, Any]) -> None:
        """Queue an update for getUpdates."""
        self.updates.append(update)
        self._arrived.set()

    def fail_next(self, method: str, status: int, description: str, times: int = 1, **parameters: Any) -> None:
        """Make the next TIMES calls of METHOD fail with this status (parameters e.g. retry_after=1)."""
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        self.failures.setdefault(method, []).extend([(status, body)] * times)

    def sent(self, chat_id: int | None = None) -> list[Call]:
        """Return the sendMessage and sendPhoto calls (to one chat)."""
        return [
            c for c in self.calls
            if c.method in ("sendMessage", "sendPhoto") and (chat_id is None or str(c.params.get("chat_id")) == str(chat_id))
        ]

    def called(self, method: str) -> list[Call]:
        """Return the calls of one method."""
        return [c for c in self.calls if c.method == method]

    async def _calls(self, request: web.Request) -> web.Response:
        """List the calls received so far (for a test that runs the fake as a process)."""
        calls = [{"method": c.method, "params": c.params, "result_id": c.result_id} for c in self.calls]
        return web.json_response(calls, dumps=lambda value: json.dumps(value, ensure_ascii=False, default=str))

    async def _stats(self, request: web.Request) -> web.Response:
        """Answer how many messages were accepted and refused, and the most accepted in any second."""
        times, peak, start = self.accepted, 0, 0
        for end, at in enumerate(times):
            while times[start] <= at - 1.0:
                start += 1
            peak = max(peak, end - start + 1)
        span = times[-1] - times[0] if len(times) > 1 else 0.0
        return web.json_response({"accepted": len(times), "refused": self.refused, "peak": peak, "span": span})

    def _over_limit(self, now: float) -> bool:
        """Tell whether one more message now would break the per-second limit."""
        if not self.limit_per_second:
            return False
        recent = sum(1 for at in self.accepted[-self.limit_per_second :] if at > now - 1.0)
        return recent >= self.limit_per_second

    async def _params(self, request: web.Request) -> dict[str, Any]:
        """Read the parameters from the query and a JSON, form or multipart body."""
        params: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            params.update(await request.json())
        elif request.can_read_body:
            form = await request.post()
            params.update({k: v for k, v in form.items() if isinstance(v, str)})
            for key, value in form.items():  # an uploaded file: the drivers send it as attach://NAME
                if isinstance(value, web.FileField):
                    self.uploads[key] = value.file.read()
                    params[key] = f"upload:{value.filename}"
        for key in JSON_FIELDS:
            if isinstance(params.get(key), str) and params[key][:1] in "[{":
                params[key] = json.loads(params[key])
        return params

    async def _handle(self, request: web.Request) -> web.Response:
        """Answer one Bot API call."""
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        params = await self._params(request)
        call = Call(method, params, time.monotonic())
        if method != "getUpdates":
            self.calls.append(call)
        queued = self.failures.get(method)
        if queued:
            status, body = queued.pop(0)
            return web.json_response(body, status=status)
        if method in ("sendMessage", "sendPhoto"):
            if self._over_limit(call.at):
                self.refused += 1
                body = {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 1", "parameters": {"retry_after": 1}}
                return web.json_response(body, status=429)
            self.accepted.append(call.at)
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found: method not found"}, status=404)
        try:
            result = await handler(params)
        except FakeError as exc:
            return web.json_response({"ok": False, "error_code": exc.status, "description": exc.description}, status=exc.status)
        if isinstance(result, dict) and "message_id" in result:
            call.result_id = result["message_id"]
        return web.json_response({"ok": True, "result": result})

    async def _file(self, request: web.Request) -> web.Response:
        """Serve a file's bytes at the path getFile gave for it."""
        path = request.match_info["path"]
        file_id = path.removeprefix("photos/").removesuffix(".jpg")
        if request.match_info["token"] != self.token or file_id not in self.files:
            return web.Response(status=404, text="Not Found")
        self.downloads.append(path)
        return web.Response(body=self.files[file_id], content_type="application/octet-stream")

    async def _m_getFile(self, params: dict[str, Any]) -> Any:
        file_id = str(params.get("file_id", ""))
        if file_id not in self.files:
            raise FakeError(400, "Bad Request: invalid file_id")
        data = self.files[file_id]
        return {"file_id": file_id, "file_unique_id": f"u-{file_id[-12:]}", "file_size": len(data), "file_path": f"photos/{file_id}.jpg"}

    async def _m_getMe(self, params: dict[str, Any]) -> Any:
        return BOT_USER

    async def _m_getUpdates(self, params: dict[str, Any]) -> Any:
        offset = int(params.get("offset") or 0)
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        while True:
            pending = [u for u in self.updates if u["update_id"] >= offset]
            if pending or time.monotonic() >= deadline:
                return pending[:100]
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), timeout=max(0.01, deadline - time.monotonic()))

    def _message(self, params: dict[str, Any], **content: Any) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        message = {"message_id": next(self._ids), "date": int(time.time()), "from": BOT_USER,
                   "chat": {"id": chat_id, "type": "private", "first_name": "居民"}, **content}
        if isinstance(params.get("reply_markup"), dict):
            message["reply_markup"] = params["reply_markup"]
        return message

    async def _m_sendMessage(self, params: dict[str, Any]) -> Any:
        return self._message(params, text=params["text"])

    async def _m_sendPhoto(self, params: dict[str, Any]) -> Any:
        photo = [{"file_id": str(params["photo"]), "file_unique_id": "AQADfake", "width": 1280, "height": 960, "file_size": 1000}]
        extra = {"caption": params["caption"]} if params.get("caption") else {}
        photo_id = str(params["photo"])
        if photo_id.startswith("attach://"):
            photo_id = f"upload:{photo_id.removeprefix('attach://')}"
        photo[0]["file_id"] = photo_id
        return self._message(params, photo=photo, **extra)

    async def _m_editMessageReplyMarkup(self, params: dict[str, Any]) -> Any:
        return self._message(params, text="(edited)") | {"message_id": int(params["message_id"])}

    async def _m_editMessageText(self, params: dict[str, Any]) -> Any:
        return self._message(params, text=params["text"]) | {"message_id": int(params["message_id"])}

    async def _m_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        return True

    async def _m_setWebhook(self, params: dict[str, Any]) -> Any:
        return True

    async def _m_deleteWebhook(self, params: dict[str, Any]) -> Any:
        return True

    async def _m_getWebhookInfo(self, params: dict[str, Any]) -> Any:
        return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}

    async def _m_close(self, params: dict[str, Any]) -> Any:
        return True


async def _serve(token: str, port: int, limit_per_second: int) -> None:
    """Serve the fake until the process is stopped."""
    fake = FakeTelegram(token, limit_per_second=limit_per_second)
    print(await fake.start(port), flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await fake.close()


def main() -> None:
    """Run the fake Bot API as a process: --token TOKEN --port PORT."""
    import argparse

    parser = argparse.ArgumentParser(description="a local fake of the Telegram Bot API")
    parser.add_argument("--token", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--limit-per-second", type=int, default=0, help="refuse messages beyond this many a second (429)")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.token, args.port, args.limit_per_second))


if __name__ == "__main__":
    main()
