"""A cookie-keeping HTTP client of the running app's data cockpit, as a signed-in browser is."""

from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
LINK = re.compile(r"(http://\S+/cockpit/login\?code=[\w-]+)")


class Browser:
    """A cookie-keeping HTTP client, as a browser signed in to the cockpit."""

    def __init__(self) -> None:
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, url: str) -> tuple[int, str]:
        """GET a page; return its status and text."""
        try:
            with self.opener.open(url, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def sign_in(self, link: str) -> tuple[int, str]:
        """Open a link and press its sign-in button; return where that led."""
        status, _ = self.get(link)
        assert status == 200
        code = urllib.parse.parse_qs(urllib.parse.urlparse(link).query)["code"][0]
        form = urllib.parse.urlencode({"code": code}).encode()
        request = urllib.request.Request(link.split("?", maxsplit=1)[0], data=form, headers={"Content-Type": "application/x-www-form-urlencoded"})
        try:
            with self.opener.open(request, timeout=60) as response:  # follows the 303 to the overview
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()


def last_month() -> tuple[str, str, str]:
    """Return last month's first and last day (the page's from and to), and the report's --period."""
    first_this = datetime.now(SHANGHAI).date().replace(day=1)
    last = first_this - timedelta(days=1)
    first = last.replace(day=1)
    return first.isoformat(), last.isoformat(), f"{first.isoformat()}..{first_this.isoformat()}"
