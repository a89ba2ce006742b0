"""Make what platforms and residents send safe to store and handle."""

from __future__ import annotations

import dataclasses
import json
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from handlers.messages import Inbound

MAX_PAYLOAD_CHARS = 4000
# C0/C1 controls (but tab and newline), zero-width and bidirectional controls (embeddings, overrides and
# isolates), lone surrogates — the same set nlp/text.py strips before classifying.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\ud800-\udfff]")


def clean_text(text: str, limit: int = MAX_PAYLOAD_CHARS) -> str:
    """Return text in NFC with control characters and lone surrogates removed, cut to `limit`."""
    return _UNSAFE.sub("", unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n")))[:limit]


def jsonable(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Return a JSON-safe copy of a raw payload (no lone surrogates, unknown types as text)."""
    text = json.dumps(raw, ensure_ascii=False, default=str)
    cleaned = text.encode("utf-8", "replace").decode("utf-8")
    value = json.loads(cleaned)
    return value if isinstance(value, dict) else {"value": value}


def clean_inbound(inbound: Inbound) -> Inbound:
    """Return the inbound with its payload and identifiers cleaned."""
    return dataclasses.replace(
        inbound,
        payload=clean_text(inbound.payload),
        chat_id=clean_text(inbound.chat_id, 128),
        user_id=clean_text(inbound.user_id, 128),
        platform_id=clean_text(inbound.platform_id, 128),
        user_name=clean_text(inbound.user_name, 64) if inbound.user_name else None,
        photo=clean_text(inbound.photo, 512) if inbound.photo else None,
    )
