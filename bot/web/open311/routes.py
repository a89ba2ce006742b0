"""The Open311 GeoReport v2 routes: discovery, services, service definitions, and filing and reading requests.

Every request is logged with its key's name (or "public"); errors answer in the spec's shape with the right code.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import urllib.parse
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from aiohttp import web

from bot.app import App
from bot.web.open311.keys import HEADER, Client, KeyLimits, KeyRefused, client_for
from bot.web.open311.render import FORMATS, JSON, answer, error
from bot.web.open311.settings import MAX_PAGE_SIZE
from handlers.core import Services
from handlers.intake.catalogue import attributes, service_codes, services
from handlers.intake.open311 import (
    MAX_NAME,
    MAX_PHONE,
    ApiRequest,
    Filed,
    IntakeError,
    file_request,
    view,
)
from storage.intake import Search, search
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)
PREFIX = "/open311/v2"
APP = web.AppKey("open311_app", App)
LIMITS = web.AppKey("open311_limits", KeyLimits)
SPEC = "http://wiki.open311.org/GeoReport_v2"
CLIENT = web.RequestKey("open311_client", str)  # the key's name, for the log
MAX_IDS = 50
Handler = Callable[[web.Request, str], Awaitable[web.Response]]


class Refusal(Exception):
    """A request answered with an error in the spec's shape."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


def add_open311(web_app: web.Application, app: App) -> None:
    """Mount the API at /open311/v2/ (JSON or XML by the path's extension)."""
    web_app[APP] = app
    web_app[LIMITS] = KeyLimits(app.config.limits.url)
    fmt = "{fmt:(json|xml)}"
    routes: list[tuple[str, str, Handler]] = [
        ("GET", f"{PREFIX}/discovery.{fmt}", discovery),
        ("GET", f"{PREFIX}/services.{fmt}", service_list),
        ("GET", f"{PREFIX}/services/{{code:[A-Za-z0-9_.-]+}}.{fmt}", service_definition),
        ("POST", f"{PREFIX}/requests.{fmt}", post_request),
        ("GET", f"{PREFIX}/requests.{fmt}", get_requests),
        ("GET", f"{PREFIX}/requests/{{number:[A-Za-z0-9_-]+}}.{fmt}", get_request),
    ]
    for method, path, handler in routes:
        web_app.router.add_route(method, path, _guarded(handler))


def _guarded(handler: Handler) -> Callable[[web.Request], Awaitable[web.Response]]:
    """Wrap a handler: pick the format, answer refusals in the spec's shape, log the outcome with the key's name."""

    async def run(request: web.Request) -> web.Response:
        app = request.app[APP]
        fmt = request.match_info.get("fmt", JSON)
        fmt = fmt if fmt in FORMATS else JSON
        request[CLIENT] = "public"
        try:
            response = await handler(request, fmt)
        except Refusal as exc:
            response = error(exc.code, exc.description, fmt, app.config.tz)
        except IntakeError as exc:
            response = error(exc.code, exc.description, fmt, app.config.tz)
        log.info("open311 %s %s by %s: %d", request.method, request.path, request[CLIENT], response.status)
        return response

    return run


def _services_of(app: App) -> Services:
    """Return the handlers' services (the app is started in every web process)."""
    return app.running_dispatcher().services


async def _client(request: web.Request, form: dict[str, str] | None = None, *, required: bool) -> Client | None:
    """Return the calling client system from its key (form, query or header), counting the request against its rate."""
    app = request.app[APP]
    presented = (form or {}).get("api_key") or request.query.get("api_key") or request.headers.get(HEADER)
    if not presented and not required:
        return None
    try:
        async with app.uow() as uow:
            client = await client_for(uow, presented)
    except KeyRefused as exc:
        raise Refusal(403 if presented else 401, str(exc)) from exc
    request[CLIENT] = client.name
    if not await request.app[LIMITS].allow(client):
        raise Refusal(429, f"rate limit {client.rate} exceeded for this api_key: retry later")
    return client


async def discovery(request: web.Request, fmt: str) -> web.Response:
    """GET discovery: where the API is, its formats, and whom to ask for a key."""
    app = request.app[APP]
    base = f"{request.scheme}://{request.host}{PREFIX}/"
    body = {
        "changeset": "2026-12-02T00:00:00Z",
        "contact": app.texts.t("open311.contact"),
        "key_service": app.texts.t("open311.key_service"),
        "endpoints": [
            {"specification": SPEC, "url": base, "changeset": "2026-12-02T00:00:00Z", "type": "production", "formats": ["application/json", "text/xml"]}
        ],
    }
    return answer("discovery", body, fmt, app.config.tz)


async def service_list(request: web.Request, fmt: str) -> web.Response:
    """GET services: the request categories a client may file, from the routing taxonomy."""
    app = request.app[APP]
    await _client(request, required=False)
    body = [
        {
            "service_code": s.code,
            "service_name": s.name,
            "description": s.description,
            "metadata": True,
            "type": "realtime",
            "keywords": ",".join(s.keywords),
            "group": s.group,
        }
        for s in services(app.running_routing().taxonomy, app.texts)
    ]
    return answer("services", body, fmt, app.config.tz)


async def service_definition(request: web.Request, fmt: str) -> web.Response:
    """GET services/{code}: a service's attributes."""
    app = request.app[APP]
    await _client(request, required=False)
    code = request.match_info["code"]
    if code not in service_codes(app.running_routing().taxonomy):
        raise Refusal(404, f"service_code {code!r} not found")
    body = {
        "service_code": code,
        "attributes": [
            {
                "variable": True,
                "code": a.code,
                "datatype": "singlevaluelist",
                "required": a.required,
                "datatype_description": None,
                "order": a.order,
                "description": a.description,
                "values": [{"key": key, "name": name} for key, name in a.values],
            }
            for a in attributes(app.texts)
        ],
    }
    return answer("service_definition", body, fmt, app.config.tz)


async def _form(request: web.Request) -> dict[str, str]:
    """Read a POST body (form-encoded or JSON), refusing one over [open311] max_body_kb."""
    limit = request.app[APP].config.open311.max_body_kb * 1024
    if request.content_length is not None and request.content_length > limit:
        raise Refusal(413, f"request body larger than {limit} bytes")
    raw = await request.content.read(limit + 1)
    if len(raw) > limit:
        raise Refusal(413, f"request body larger than {limit} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Refusal(400, "request body is not UTF-8") from exc
    if request.content_type == "application/json":
        try:
            loaded = json.loads(text or "{}")
        except ValueError as exc:
            raise Refusal(400, "request body is not valid JSON") from exc
        if not isinstance(loaded, dict):
            raise Refusal(400, "request body must be a JSON object")
        return {str(k): str(v) for k, v in loaded.items() if v is not None and not isinstance(v, dict | list)}
    if request.content_type not in ("application/x-www-form-urlencoded", "", "application/octet-stream"):
        raise Refusal(415, "send the request as application/x-www-form-urlencoded or application/json")
    return dict(urllib.parse.parse_qsl(text, keep_blank_values=False))


def _number(form: dict[str, str], name: str) -> float | None:
    """Return a form field as a number, or None when absent."""
    value = form.get(name, "").strip()
    if not value:
        return None
    try:
        return float(value)
    except ValueError as exc:
        raise Refusal(400, f"{name} must be a number") from exc


def caller_name(first: str, last: str) -> str:
    """Return the caller's full name: a Chinese one surname first without a space (王 + 芳 → 王芳), else "first last"."""
    if first and last and all(not part.isascii() for part in (first, last)):
        return last + first
    return " ".join(p for p in (first, last) if p)


def _api_request(form: dict[str, str], client: Client, request_id: str | None) -> ApiRequest:
    """Turn a POST form into the use case's request."""
    name = caller_name(form.get("first_name", "").strip(), form.get("last_name", "").strip())
    phone = form.get("phone", "").strip()[:MAX_PHONE] or None
    prefix, suffix = "attribute[", "]"
    attrs = {k[len(prefix) : -len(suffix)]: v for k, v in form.items() if k.startswith(prefix) and k.endswith(suffix)}
    key = (request_id or form.get("external_id") or "").strip()
    if len(key) > 128:
        raise Refusal(400, "X-Request-Id / external_id longer than 128 characters")
    return ApiRequest(
        source=client.source,
        api_key_id=client.id,
        description=form.get("description", ""),
        service_code=form.get("service_code", "").strip() or None,
        idempotency_key=key or None,
        lat=_number(form, "lat"),
        lon=_number(form, "long"),
        address=form.get("address_string", "").strip() or None,
        media_url=form.get("media_url", "").strip() or None,
        caller_name=name[:MAX_NAME] or None,
        phone=phone,
        attributes=attrs,
    )


async def post_request(request: web.Request, fmt: str) -> web.Response:
    """POST requests: file a case through the same use case as the chat report, once per idempotency key."""
    app = request.app[APP]
    form = await _form(request)
    client = await _client(request, form, required=True)
    assert client is not None
    wanted = _api_request(form, client, request.headers.get("X-Request-Id"))
    dispatcher = app.running_dispatcher()
    codes = service_codes(app.running_routing().taxonomy)

    async def work(uow: UnitOfWork, now: datetime) -> Filed:
        return await file_request(uow, dispatcher.services, wanted, codes, now)

    filed = await dispatcher.write(work)
    if filed.created:
        log.info("open311: %s filed %s (%s)", client.name, filed.case.number, filed.case.department_code)
    notice = app.texts.t("open311.received", number=filed.case.number)
    body = [{"service_request_id": filed.case.number, "service_notice": notice, "account_id": None}]
    return answer("requests", body, fmt, app.config.tz, status=201 if filed.created else 200)


def _codes(value: str) -> tuple[str, ...]:
    """Split a comma-separated list."""
    return tuple(p.strip() for p in value.split(",") if p.strip())


def _moment(value: str | None, name: str) -> datetime | None:
    """Parse a W3C date-time (2010-01-01T00:00:00Z) or None."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise Refusal(400, f"{name} must be a W3C date-time such as 2026-01-01T00:00:00Z") from exc
    if moment.tzinfo is None:
        raise Refusal(400, f"{name} needs a time zone (e.g. Z)")
    return moment


async def _search(request: web.Request, wanted: Search) -> list[dict[str, Any]]:
    """Run a search and return the requests' views (only the key's own cases when reads are not public)."""
    app = request.app[APP]
    client = await _client(request, required=not app.config.open311.public_reads)
    if client is not None and not app.config.open311.public_reads:
        wanted = dataclasses.replace(wanted, api_key_id=client.id)
    async with app.uow() as uow:
        found = await search(uow.session, wanted)
        return [await view(uow, _services_of(app), case, filed) for case, filed in found]


async def get_requests(request: web.Request, fmt: str) -> web.Response:
    """GET requests: by ids, or by service_code, status and start/end date, one page at a time."""
    app = request.app[APP]
    query = request.query
    status = query.get("status", "").strip() or None
    if status not in (None, "open", "closed"):
        raise Refusal(400, "status must be open or closed")
    numbers = _codes(query.get("service_request_id", ""))
    if len(numbers) > MAX_IDS:
        raise Refusal(400, f"at most {MAX_IDS} service_request_id at once")
    try:
        page = int(query.get("page", "1"))
        size = int(query.get("page_size", str(app.config.open311.page_size)))
    except ValueError as exc:
        raise Refusal(400, "page and page_size must be whole numbers") from exc
    if page < 1 or not 1 <= size <= MAX_PAGE_SIZE:
        raise Refusal(400, f"page must be 1 or more and page_size 1-{MAX_PAGE_SIZE}")
    wanted = Search(
        numbers=numbers,
        service_codes=_codes(query.get("service_code", "")),
        status=status,
        start=_moment(query.get("start_date"), "start_date"),
        end=_moment(query.get("end_date"), "end_date"),
        page=page,
        page_size=size,
    )
    return answer("requests", await _search(request, wanted), fmt, app.config.tz)


async def get_request(request: web.Request, fmt: str) -> web.Response:
    """GET requests/{id}: one request, as a list of one."""
    app = request.app[APP]
    found = await _search(request, Search(numbers=(request.match_info["number"],), page_size=1))
    if not found:
        raise Refusal(404, f"service_request_id {request.match_info['number']!r} not found")
    return answer("requests", found, fmt, app.config.tz)
