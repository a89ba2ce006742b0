"""Open311 answers as JSON or XML, in the spec's shapes: lists of services, service requests and errors."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo
from typing import Any
from xml.etree import ElementTree

from aiohttp import web

JSON, XML = "json", "xml"
FORMATS = (JSON, XML)
# The XML root and item element of each kind of list (the spec's names).
LISTS = {
    "services": ("services", "service"),
    "requests": ("service_requests", "request"),
    "errors": ("errors", "error"),
}


def plain(value: Any, tz: tzinfo) -> Any:
    """Return a value as JSON has it: times in W3C format in the district's time zone."""
    if isinstance(value, datetime):
        return value.astimezone(tz).isoformat(timespec="seconds")
    if isinstance(value, Mapping):
        return {k: plain(v, tz) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v, tz) for v in value]
    return value


def _xml_value(parent: ElementTree.Element, name: str, value: Any) -> None:
    """Append VALUE under PARENT as element NAME (a list repeats its items' element; None stays empty)."""
    element = ElementTree.SubElement(parent, name)
    if isinstance(value, Mapping):
        for key, item in value.items():
            _xml_value(element, key, item)
    elif isinstance(value, list):
        item_name = "value" if name == "values" else name.rstrip("s") or "item"
        for item in value:
            _xml_value(element, item_name, item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)


def to_xml(root: str, item: str | None, body: Any) -> bytes:
    """Return BODY as an XML document under ROOT (a list's entries each as ITEM)."""
    top = ElementTree.Element(root)
    if item is not None:
        for entry in body:
            _xml_value(top, item, entry)
    else:
        for key, value in body.items():
            _xml_value(top, key, value)
    document: bytes = ElementTree.tostring(top, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="utf-8"?>' + document


def answer(kind: str, body: Sequence[Any] | Mapping[str, Any], fmt: str, tz: tzinfo, *, status: int = 200) -> web.Response:
    """Return a response with BODY as JSON or XML; KIND names the XML root (services, requests, errors, or a root)."""
    data = plain(body, tz)
    if fmt == XML:
        root, item = LISTS.get(kind, (kind, None))
        return web.Response(body=to_xml(root, item, data), status=status, content_type="text/xml", charset="utf-8")
    return web.Response(text=json.dumps(data, ensure_ascii=False), status=status, content_type="application/json", charset="utf-8")


def error(code: int, description: str, fmt: str, tz: tzinfo) -> web.Response:
    """Return an error in the spec's shape: [{"code": 400, "description": "…"}]."""
    return answer("errors", [{"code": code, "description": description}], fmt, tz, status=code)
