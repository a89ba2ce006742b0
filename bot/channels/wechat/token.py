"""wechatpy's WeChatClient with a configurable API base and the stable access token.

Several QunGong processes may serve one official account. The classic `/cgi-bin/token` call
invalidates the token every other process holds, so each refresh races the others. The
`/cgi-bin/stable_token` endpoint (force_refresh false) returns the same valid token to every
caller until it expires, so processes never invalidate one another; within a process a lock
makes concurrent threads wait for one fetch. The client is synchronous (requests): call it
through asyncio.to_thread only.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from wechatpy import WeChatClient


class StableTokenClient(WeChatClient):  # type: ignore[misc]  # wechatpy has no type hints
    """A WeChatClient that fetches the stable access token from a configurable API base."""

    def __init__(self, app_id: str, app_secret: str, api_base_url: str, timeout: float = 10.0) -> None:
        super().__init__(app_id, app_secret, timeout=timeout)
        self.API_BASE_URL = api_base_url  # wechatpy reads the base from the instance
        self._token_lock = threading.Lock()

    @property
    def access_token(self) -> str:
        """Return a valid access token, fetching the stable one when none is held or it is expiring."""
        with self._token_lock:
            token = self.session.get(self.access_token_key)
            if token and self.expires_at and self.expires_at - time.time() > 60:
                return str(token)
            self.fetch_access_token()
            return str(self.session.get(self.access_token_key))

    def fetch_access_token(self) -> dict[str, Any]:
        """Fetch the stable access token (never force-refreshed, so other processes' tokens stay valid)."""
        result: dict[str, Any] = self._request(
            "post",
            "stable_token",
            params=[],  # a list, so wechatpy adds no access_token: this request is how one gets it
            data={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret, "force_refresh": False},
        )
        expires_in = int(result.get("expires_in", 7200))
        self.session.set(self.access_token_key, result["access_token"], expires_in)
        self.expires_at = int(time.time()) + expires_in
        return result
