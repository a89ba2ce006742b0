"""The WeChat Work API as the channel uses it: wechatpy's enterprise client, off the event loop, with the
shared token, throttling mapped to a pause, and one token refresh per call.

    40014 / 42001 (token invalid / expired) → refresh the shared token once, call again; a second refusal fails
    45009 / 45033 (frequency / concurrency limits) → TemporaryFailure with retry_after = throttle_seconds,
                    so the outbox sender pauses the channel and backs off
    -1, HTTP errors, timeouts → TemporaryFailure; anything else → PermanentFailure

wechatpy's own retry on token errors is off (it retries without limit). `message/send` that names a member
outside the application's visible range answers errcode 0 with `invaliduser`: that is a permanent failure.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import requests
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from wechatpy.enterprise import WeChatClient
from wechatpy.exceptions import WeChatClientException

from bot.channels.delivery import PermanentFailure, TemporaryFailure
from bot.channels.settings import WeComChannel as WeComSettings
from bot.channels.wecom.token import TokenStore
from bot.dispatcher import utcnow

log = logging.getLogger(__name__)
T = TypeVar("T")
TOKEN_ERRORS = {40014, 42001}
THROTTLED = {45009, 45033}
TEMPORARY = {-1}
PERMANENT_HINTS = {
    60111: "unknown UserID",
    81013: "no valid member, department or tag",
    40007: "unknown media id",
    45002: "message too long",
    301002: "no permission for this member",
}


class UnknownMedia(PermanentFailure):
    """The API does not know the media id (40007): e.g. a photo id from another platform."""


class WeComClient(WeChatClient):  # type: ignore[misc]  # wechatpy has no type hints
    """wechatpy's enterprise client on a configurable API base, without its unbounded token retry."""

    def __init__(self, corp_id: str, secret: str, api_base_url: str, timeout: float = 10.0) -> None:
        super().__init__(corp_id, secret, timeout=timeout, auto_retry=False)
        self.API_BASE_URL = api_base_url  # wechatpy reads the base from the instance

    def fetch_access_token(self) -> dict[str, Any]:
        """Fetch an access token from the configured base (wechatpy's names the public host)."""
        result: dict[str, Any] = self._fetch_access_token(
            url=f"{self.API_BASE_URL}gettoken", params={"corpid": self.corp_id, "corpsecret": self.secret}
        )
        return result


def describe(exc: Exception) -> str:
    """Return a short description of a wechatpy or requests error."""
    if isinstance(exc, requests.RequestException):
        return type(exc).__name__
    return f"{getattr(exc, 'errcode', None)} {getattr(exc, 'errmsg', '') or ''}".strip()


class WeComApi:
    """Calls of one application: POST an endpoint with the shared token, map errors to delivery errors."""

    def __init__(
        self,
        settings: WeComSettings,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        client: WeComClient | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.settings = settings
        self.client = client or WeComClient(settings.corp_id, settings.secret, settings.api_base_url)
        self.tokens = TokenStore(session_factory, f"{settings.corp_id}:{settings.agent_id}", self._fetch_token, clock=clock)

    async def _fetch_token(self) -> tuple[str, int]:
        """Ask WeChat Work for a token (run by the TokenStore under its lease)."""
        try:
            result = await asyncio.to_thread(self.client.fetch_access_token)
        except (WeChatClientException, requests.RequestException) as exc:
            raise TemporaryFailure(f"wecom: no access token: {describe(exc)}") from exc
        log.info("wecom channel %s: fetched an access token", self.settings.name)
        return str(result["access_token"]), int(result.get("expires_in", 7200))

    def _raise(self, exc: Exception) -> NoReturn:
        """Raise the delivery error that stands for a wechatpy or requests error."""
        if isinstance(exc, requests.RequestException):
            raise TemporaryFailure(f"wecom: {describe(exc)}") from exc
        code = getattr(exc, "errcode", None)
        if code in THROTTLED:
            raise TemporaryFailure(f"wecom: throttled ({describe(exc)})", retry_after=self.settings.throttle_seconds) from exc
        if code is None or code in TEMPORARY or code in TOKEN_ERRORS:
            raise TemporaryFailure(f"wecom: {describe(exc)}") from exc
        if code == 40007:
            raise UnknownMedia(f"wecom: {describe(exc)} ({PERMANENT_HINTS[code]})") from exc
        raise PermanentFailure(f"wecom: {describe(exc)} ({PERMANENT_HINTS.get(code, 'refused')})") from exc

    def _post(self, endpoint: str, token: str, data: dict[str, Any] | None, params: dict[str, Any], upload: Path | None) -> dict[str, Any]:
        """POST one call (in a worker thread); an upload opens its file afresh on every try."""
        query = {**params, "access_token": token}
        if upload is None:
            return dict(self.client.post(endpoint, params=query, data=data or {}))
        with upload.open("rb") as fh:
            return dict(self.client.post(endpoint, params=query, files={"media": fh}))

    def _get_media(self, media_id: str, token: str) -> bytes:
        """GET a temporary media's bytes (in a worker thread); wechatpy raises WeChat Work's JSON errors."""
        response = self.client.get("media/get", params={"media_id": media_id, "access_token": token})
        content = getattr(response, "content", None)
        if not isinstance(content, bytes):
            raise PermanentFailure(f"wecom: media {media_id[:40]} answered {str(response)[:80]}")
        return content

    async def call(self, endpoint: str, data: dict[str, Any] | None = None, *, params: dict[str, Any] | None = None, upload: Path | None = None) -> dict[str, Any]:
        """Call an endpoint; a refused token is refreshed once (for every process) and the call made again."""
        return await self._with_token(endpoint, lambda token: self._post(endpoint, token, data, params or {}, upload))

    async def _with_token(self, endpoint: str, work: Callable[[str], T]) -> T:
        """Run WORK(token) in a worker thread; a refused token is refreshed once (for every process) and WORK run again."""
        token = await self.tokens.token()
        for attempt in (1, 2):
            try:
                return await asyncio.to_thread(work, token)
            except (WeChatClientException, requests.RequestException) as exc:
                if attempt == 1 and getattr(exc, "errcode", None) in TOKEN_ERRORS:
                    log.info("wecom channel %s: %s refused the access token (%s); refreshing it once", self.settings.name, endpoint, describe(exc))
                    token = await self.tokens.token(stale=token)
                    continue
                self._raise(exc)
        raise AssertionError("unreachable")  # pragma: no cover

    async def download(self, media_id: str) -> bytes:
        """Return a temporary media's bytes (media/get), e.g. a member's photo."""
        return await self._with_token("media/get", lambda token: self._get_media(media_id, token))

    async def send(self, user_id: str, message: dict[str, Any]) -> dict[str, Any]:
        """Send an application message to one member (`message` holds msgtype and its object)."""
        result = await self.call("message/send", {"touser": user_id, "agentid": self.settings.agent_id, **message})
        if result.get("invaliduser"):
            raise PermanentFailure("wecom: the member is not in the application's visible range (invaliduser)")
        return result

    async def upload_image(self, path: Path) -> str:
        """Upload a local image as temporary media and return its media id."""
        result = await self.call("media/upload", params={"type": "image"}, upload=path)
        return str(result["media_id"])

    async def update_card(self, user_id: str, response_code: str, replace_name: str) -> None:
        """Turn a pressed card's buttons into one inactive button saying what was done."""
        body = {"userids": [user_id], "agentid": self.settings.agent_id, "response_code": response_code, "button": {"replace_name": replace_name}}
        await self.call("message/update_template_card", body)

    async def create_menu(self, menu: dict[str, Any]) -> None:
        """Install the application menu."""
        await self.call("menu/create", menu, params={"agentid": self.settings.agent_id})
