"""What every request to QunGong's web server goes through: bounded JSON bodies and security headers.

`read_json_object` refuses, with a 4xx and a warning in the log, what would otherwise cost memory,
recursion or a database error further in: bodies over a size, JSON nested deeper than a limit,
numbers too long to be a coordinate or an id, NaN and Infinity, invalid UTF-8, anything but an object.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from aiohttp import web

log = logging.getLogger(__name__)
MAX_JSON_BYTES = 64 * 1024
MAX_JSON_DEPTH = 16
MAX_NUMBER_CHARS = 32
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class BadBody(Exception):
    """A request body that is refused; `status` is the HTTP status to answer with."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


def json_depth(text: str) -> int:
    """Return how deeply arrays and objects nest in a JSON text (strings do not count)."""
    if text.count("[") + text.count("{") <= MAX_JSON_DEPTH:
        return text.count("[") + text.count("{")  # cannot be deeper than the brackets it has
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_STRINGS.sub('""', text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _number(text: str) -> Any:
    """Parse a JSON number of sensible length (a coordinate, an id), refusing longer ones."""
    if len(text) > MAX_NUMBER_CHARS:
        raise ValueError("a number longer than anything QunGong takes")
    return float(text) if any(c in text for c in ".eE") else int(text)


def _no_constant(name: str) -> Any:
    """Refuse NaN, Infinity and -Infinity, which JSON does not allow."""
    raise ValueError(f"{name} is not allowed")


def parse_json_object(raw: bytes, *, max_depth: int = MAX_JSON_DEPTH) -> dict[str, Any]:
    """Parse a bounded JSON object from bytes, or raise BadBody."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadBody("the body is not UTF-8") from exc
    if json_depth(text) > max_depth:
        raise BadBody(f"the JSON nests deeper than {max_depth} levels")
    try:
        value = json.loads(text, parse_int=_number, parse_float=_number, parse_constant=_no_constant)
    except ValueError as exc:  # JSONDecodeError is a ValueError
        raise BadBody(f"the body is not valid JSON: {str(exc)[:80]}") from exc
    if not isinstance(value, dict):
        raise BadBody("the body must be a JSON object")
    return value


async def read_body(request: web.Request, max_bytes: int) -> bytes:
    """Read a request body of at most MAX_BYTES, or raise BadBody (413)."""
    if request.content_length is not None and request.content_length > max_bytes:
        raise BadBody(f"the body is larger than {max_bytes} bytes", 413)
    raw = await request.content.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise BadBody(f"the body is larger than {max_bytes} bytes", 413)
    return raw


async def read_json_object(
    request: web.Request, *, max_bytes: int = MAX_JSON_BYTES, max_depth: int = MAX_JSON_DEPTH
) -> dict[str, Any]:
    """Read and parse a bounded JSON object body, or raise BadBody."""
    return parse_json_object(await read_body(request, max_bytes), max_depth=max_depth)


def refuse(request: web.Request, reason: str, status: int = 400) -> web.Response:
    """Answer a refused request with a JSON error, and log it as a warning."""
    log.warning("%s %s refused (%d): %s", request.method, request.path, status, reason)
    return web.json_response({"error": reason}, status=status)


async def add_security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """Give every response the security headers (a response may set its own first)."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
