"""A local fake of the WeChat Work API (aiohttp), answering with recorded payloads (fixtures/wecom/api/).

It serves gettoken, message/send (text, image, template_card — checked against WeChat Work's rules),
message/update_template_card, media/upload and menu/create; records every call; refuses a token it did
not issue (40014) or one it has expired (42001); can be told to answer the next calls of an endpoint with
an errcode (e.g. 45009), or to expire its token now or after N more calls.

It also runs as a process of its own, for tests of the running app:

    python -m tests.channels.fake_wecom --port PORT

with `GET /_fake/calls` (the calls as JSON) and `POST /_fake/expire` (expire the token now).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import re
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.channels.conftest import FIXTURES

CORP_ID = "ww7c3e1a5b9d2f4a60"
SECRET = "Qw3rTy-fake-app-secret-0123456789abcdefABCD"
TASK_ID = re.compile(r"[A-Za-z0-9_\-@]{1,128}")
API = FIXTURES / "wecom" / "api"
ERRORS: dict[str, str] = json.loads((API / "errors.json").read_text(encoding="utf-8"))


def recorded(name: str, **values: Any) -> dict[str, Any]:
    """Load a recorded API answer and fill in its {placeholders}."""
    text = (API / f"{name}.json").read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace("{" + key + "}", str(value))
    data: dict[str, Any] = json.loads(text)
    return data


def error(code: int) -> dict[str, Any]:
    """Return WeChat Work's answer for an errcode."""
    return {"errcode": code, "errmsg": ERRORS.get(str(code), f"error {code}")}


@dataclass
class Call:
    """One API call the fake received."""

    endpoint: str
    query: dict[str, str]
    body: dict[str, Any]
    answer: dict[str, Any]


@dataclass
class FakeWeCom:
    """The fake API's state; start() serves it and returns the API base URL (ending in /cgi-bin/)."""

    base_url: str = ""
    calls: list[Call] = field(default_factory=list)
    errcodes: dict[str, list[int]] = field(default_factory=dict)
    token: str = ""
    expired: set[str] = field(default_factory=set)
    expire_after: int | None = None  # expire the token after this many more successful calls
    media: dict[str, bytes] = field(default_factory=dict)  # media id → bytes, for GET media/get
    _tokens: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)
    _nth: dict[str, dict[int, int]] = field(default_factory=dict)
    _runner: web.AppRunner | None = None

    async def start(self, port: int = 0) -> str:
        """Serve on a local port (0: a random one)."""
        app = web.Application()
        app.router.add_get("/cgi-bin/gettoken", self._gettoken)
        app.router.add_get("/cgi-bin/media/get", self._media_get)
        app.router.add_post("/cgi-bin/{endpoint:.+}", self._handle)
        app.router.add_get("/_fake/calls", self._calls)
        app.router.add_post("/_fake/expire", self._expire)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}/cgi-bin/"
        return self.base_url

    async def close(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            await self._runner.cleanup()

    def fail_next(self, endpoint: str, errcode: int, times: int = 1) -> None:
        """Answer the next TIMES calls of ENDPOINT with this errcode."""
        self.errcodes.setdefault(endpoint, []).extend([errcode] * times)

    def fail_call(self, endpoint: str, nth: int, errcode: int) -> None:
        """Answer the NTH call of ENDPOINT from now on (1: the next one) with this errcode."""
        self._nth.setdefault(endpoint, {})[len(self.called(endpoint)) + nth] = errcode

    def expire_token(self) -> None:
        """Expire the current token: calls with it get 42001 until a new one is fetched."""
        if self.token:
            self.expired.add(self.token)
            self.token = ""

    def called(self, endpoint: str) -> list[Call]:
        """Return the calls of an endpoint."""
        return [c for c in self.calls if c.endpoint == endpoint]

    def sent(self, user: str | None = None) -> list[dict[str, Any]]:
        """Return the messages accepted by message/send (to one member, or to all)."""
        return [c.body for c in self.called("message/send") if c.answer.get("errcode") == 0 and (user is None or c.body.get("touser") == user)]

    async def wait_for(self, endpoint: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Wait until ENDPOINT was called COUNT times."""
        async with asyncio.timeout(timeout):
            while len(self.called(endpoint)) < count:
                self._arrived.clear()
                await self._arrived.wait()
        return self.called(endpoint)

    def _record(self, endpoint: str, query: dict[str, str], body: dict[str, Any], answer: dict[str, Any]) -> web.Response:
        self.calls.append(Call(endpoint, query, body, answer))
        self._arrived.set()
        return web.json_response(answer)

    async def _gettoken(self, request: web.Request) -> web.Response:
        query = dict(request.query)
        if query.get("corpid") != CORP_ID or query.get("corpsecret") != SECRET:
            return self._record("gettoken", query, {}, error(40001))
        if not self.token:
            self.token = f"WWTOKEN-{next(self._tokens):04d}-fake"
        return self._record("gettoken", query, {}, recorded("gettoken", token=self.token))

    async def _media_get(self, request: web.Request) -> web.Response:
        """Answer a temporary media download: the bytes, or the API's JSON error (40007 for an unknown id)."""
        query = dict(request.query)
        given = query.get("access_token", "")
        if given in self.expired:
            return self._record("media/get", query, {}, error(42001))
        if not given or given != self.token:
            return self._record("media/get", query, {}, error(40014))
        data = self.media.get(query.get("media_id", ""))
        if data is None:
            return self._record("media/get", query, {}, error(40007))
        self.calls.append(Call("media/get", query, {}, {"errcode": 0, "size": len(data)}))
        self._arrived.set()
        return web.Response(body=data, content_type="image/jpeg")

    async def _handle(self, request: web.Request) -> web.Response:
        endpoint = request.match_info["endpoint"]
        query = dict(request.query)
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            media = form.get("media")
            body: dict[str, Any] = {"media_size": len(media.file.read()) if isinstance(media, web.FileField) else 0}
        else:
            body = json.loads(await request.text() or "{}")
        given = query.get("access_token", "")
        if given in self.expired:
            return self._record(endpoint, query, body, error(42001))
        if not given or given != self.token:
            return self._record(endpoint, query, body, error(40014))
        planned = self._nth.get(endpoint, {}).pop(len(self.called(endpoint)) + 1, None)
        if planned is not None:
            return self._record(endpoint, query, body, error(planned))
        queued = self.errcodes.get(endpoint)
        if queued:
            return self._record(endpoint, query, body, error(queued.pop(0)))
        answer = self._answer(endpoint, query, body)
        if answer.get("errcode") == 0 and self.expire_after is not None:
            self.expire_after -= 1
            if self.expire_after <= 0:
                self.expire_after = None
                self.expire_token()
        return self._record(endpoint, query, body, answer)

    def _answer(self, endpoint: str, query: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        answer = {
            "message/send": self._send,
            "message/update_template_card": self._update_card,
            "media/upload": self._upload,
            "menu/create": self._menu,
        }.get(endpoint)
        return error(40058) if answer is None else answer(next(self._ids), query, body)

    def _send(self, n: int, query: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        problem = message_problem(body)
        if problem:
            return {"errcode": 40058, "errmsg": f"{ERRORS['40058']} ({problem})"}
        if str(body.get("touser", "")).startswith("outsider"):
            return recorded("message_send_invaliduser", user=body["touser"], msgid=f"msg{n}")
        if body.get("msgtype") == "template_card":
            return recorded("message_send_card", msgid=f"msg{n}", response_code=f"SEND-RC-{n}")
        return recorded("message_send", msgid=f"msg{n}")

    def _update_card(self, n: int, query: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        if not body.get("response_code") or not body.get("userids") or not (body.get("button") or {}).get("replace_name"):
            return error(40058)
        return recorded("ok")

    def _upload(self, n: int, query: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        return recorded("media_upload", n=n) if query.get("type") == "image" and body.get("media_size") else error(40058)

    def _menu(self, n: int, query: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        return recorded("ok") if query.get("agentid") and body.get("button") else error(40058)

    async def _calls(self, request: web.Request) -> web.Response:
        return web.json_response([{"endpoint": c.endpoint, "query": c.query, "body": c.body, "answer": c.answer} for c in self.calls])

    async def _expire(self, request: web.Request) -> web.Response:
        self.expire_token()
        return web.json_response({"ok": True})


def message_problem(body: dict[str, Any]) -> str | None:
    """Return what WeChat Work would refuse in a message/send body, or None."""
    kind = body.get("msgtype")
    if not body.get("touser") or not isinstance(body.get("agentid"), int):
        return "touser and agentid required"
    if kind == "text":
        content = str((body.get("text") or {}).get("content", ""))
        return None if content and len(content.encode()) <= 2048 else "text content empty or over 2048 bytes"
    if kind == "image":
        return None if (body.get("image") or {}).get("media_id") else "image media_id required"
    if kind == "template_card":
        return card_problem(body.get("template_card") or {})
    return f"msgtype {kind!r} not supported by the fake"


def card_problem(card: dict[str, Any]) -> str | None:
    """Return what WeChat Work would refuse in a button_interaction card, or None."""
    buttons = card.get("button_list") or []
    keys = [str(b.get("key", "")) for b in buttons]
    checks = [
        (card.get("card_type") == "button_interaction", "card_type must be button_interaction"),
        (bool(TASK_ID.fullmatch(str(card.get("task_id", "")))), "task_id: 1-128 of letters, digits, _ - @"),
        (bool((card.get("main_title") or {}).get("title") or card.get("sub_title_text")), "main_title.title or sub_title_text required"),
        (1 <= len(buttons) <= 6, "button_list takes 1-6 buttons"),
        (all(0 < len(k.encode()) <= 1024 for k in keys) and len(set(keys)) == len(keys), "button keys: 1-1024 bytes, all different"),
        (all(b.get("text") for b in buttons), "every button needs a text"),
    ]
    return next((message for ok, message in checks if not ok), None)


def main() -> None:
    """Serve the fake as a process until killed."""
    parser = argparse.ArgumentParser(description="A fake WeChat Work API for tests")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()

    async def serve() -> None:
        fake = FakeWeCom()
        await fake.start(args.port)
        await asyncio.Event().wait()

    asyncio.run(serve())


if __name__ == "__main__":
    main()
