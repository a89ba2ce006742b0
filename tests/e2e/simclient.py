"""A client of the simulator's JSON API, as a script (or a browser, with its cookie) would use it."""

from __future__ import annotations

import http.cookiejar
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any

Message = dict[str, Any]


class ApiError(Exception):
    """A non-2xx answer of the simulator API."""

    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"HTTP {status}: {body[:300]}")
        self.status = status
        self.body = body


@dataclass
class SimClient:
    """Talks to one running app's simulator; `browser=True` keeps cookies and sends the CSRF token like the page."""

    base: str
    pause: float = 1.5  # longer than the outbox sender's poll: a push taken by anyone else would be gone by then
    browser: bool = False
    token: str | None = None  # a trainer's session token outside demo mode (sent as Authorization: Bearer)
    last: dict[str, list[Message]] = field(default_factory=dict)
    _opener: urllib.request.OpenerDirector = field(init=False)
    _csrf: str | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        handlers: list[urllib.request.BaseHandler] = [urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())] if self.browser else []
        self._opener = urllib.request.build_opener(*handlers)
        if self.browser:
            self._csrf = self.call("GET", "/sim/api/session")["csrf"]

    def call(self, method: str, path: str, body: object = None, headers: dict[str, str] | None = None) -> Any:
        """Make one API call and return its decoded JSON (ApiError for a non-2xx answer)."""
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
        sent = {"Content-Type": "application/json"} if data is not None else {}
        if self._csrf and method == "POST":
            sent["X-CSRF-Token"] = self._csrf
        if self.token:
            sent["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.base + path, data=data, method=method, headers={**sent, **(headers or {})})
        try:
            with self._opener.open(request, timeout=30) as response:
                return json.loads(response.read().decode())
        except urllib.error.HTTPError as exc:
            raise ApiError(exc.code, exc.read().decode(errors="replace")) from exc

    def people(self) -> list[Message]:
        """List the identities."""
        return list(self.call("GET", "/sim/api/people"))

    def send(self, who: str, **body: Any) -> list[Message]:
        """Send as WHO and keep the replies as WHO's last messages."""
        replies = list(self.call("POST", "/sim/api/send", {"as": who, **body})["replies"])
        self.last[who] = replies
        return replies

    def say(self, who: str, text: str) -> list[Message]:
        """Send a text."""
        return self.send(who, text=text)

    def press(self, who: str, label: str, among: list[Message] | None = None) -> list[Message]:
        """Press the button whose label contains LABEL on WHO's last messages (or AMONG)."""
        return self.send(who, button=self.button(who, label, among))

    def button(self, who: str, label: str, among: list[Message] | None = None) -> str:
        """Return the payload of the button whose label contains LABEL."""
        messages = self.last.get(who, []) if among is None else among
        for message in reversed(messages):
            for button in message.get("buttons") or []:
                if label in button["label"]:
                    return str(button["payload"])
        labels = [b["label"] for m in messages for b in m.get("buttons") or []]
        raise AssertionError(f"{who}: no button {label!r} among {labels}")

    def inbox(self, who: str) -> list[Message]:
        """Read (and so take) what was pushed to WHO since the last read."""
        return list(self.call("GET", "/sim/api/inbox?as=" + urllib.parse.quote(who))["messages"])

    def wait_for(self, who: str, containing: str, *, timeout: float = 20.0) -> Message:
        """Wait a pause, then read WHO's inbox until a push containing the text arrives; make it WHO's last message."""
        deadline = time.monotonic() + timeout
        seen: list[str] = []
        while True:
            time.sleep(self.pause)
            for message in self.inbox(who):
                seen.append(str(message.get("text", ""))[:80])
                if containing in str(message.get("text", "")):
                    self.last[who] = [message]
                    return message
            if time.monotonic() > deadline:
                raise AssertionError(f"{who}: no push containing {containing!r} within {timeout} s; pushed: {seen}")

    @staticmethod
    def text(messages: list[Message]) -> str:
        """Join the texts of messages."""
        return "\n".join(str(m.get("text", "")) for m in messages)
