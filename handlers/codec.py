"""Typed, size-checked button payloads: `prefix:field:field`, at most 64 bytes, unpacked strictly.

One codec serves Telegram callback data, WeChat menu keys and the simulator. Declare a payload
as a frozen dataclass subclassing `ButtonData` with a unique `prefix`; its fields may be `int`
(0 to 2³¹ − 1, the range of a database id) or `str` (letters, digits, `_`, `-` and `.`).
"""

from __future__ import annotations

import dataclasses
import re
import typing
from typing import Any, ClassVar, Self

MAX_BYTES = 64
SEPARATOR = ":"
_TOKEN = re.compile(r"[A-Za-z0-9_.\-]{1,40}")
_INT = re.compile(r"0|[1-9][0-9]{0,9}")
MAX_INT = 2**31 - 1  # ids are 32-bit integers in the database: a larger one cannot name a row


class CodecError(ValueError):
    """A button payload that is not one of ours (unknown, malformed, oversized or forged)."""


_REGISTRY: dict[str, type[ButtonData]] = {}
_FIELDS: dict[type, list[tuple[str, type]]] = {}  # each payload class's fields, worked out once


@dataclasses.dataclass(frozen=True)
class ButtonData:
    """Base of every button payload type."""

    prefix: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.prefix or not _TOKEN.fullmatch(cls.prefix):
            raise TypeError(f"{cls.__name__} needs a prefix made of letters, digits, _ - .")
        if cls.prefix in _REGISTRY and _REGISTRY[cls.prefix].__qualname__ != cls.__qualname__:
            raise TypeError(f"button prefix {cls.prefix!r} is used by {_REGISTRY[cls.prefix].__name__} already")
        _REGISTRY[cls.prefix] = cls

    def pack(self) -> str:
        """Return the payload string, refusing values that would not unpack to the same object."""
        parts = [self.prefix]
        for field, kind in _fields(type(self)):
            value = getattr(self, field)
            text = str(value)
            if kind is int and (not isinstance(value, int) or isinstance(value, bool) or parse_id(text) is None):
                raise CodecError(f"{type(self).__name__}.{field} must be a whole number from 0 to {MAX_INT}, got {value!r}")
            if kind is str and not (isinstance(value, str) and _TOKEN.fullmatch(text)):
                raise CodecError(f"{type(self).__name__}.{field} has characters a payload cannot carry: {value!r}")
            parts.append(text)
        packed = SEPARATOR.join(parts)
        if len(packed.encode()) > MAX_BYTES:
            raise CodecError(f"payload {packed!r} is longer than {MAX_BYTES} bytes")
        return packed

    @classmethod
    def unpack(cls, payload: str) -> Self:
        """Unpack a payload of exactly this type, or raise CodecError."""
        data = unpack(payload)
        if not isinstance(data, cls):
            raise CodecError(f"expected a {cls.__name__} payload, got {type(data).__name__}")
        return data


def _fields(cls: type[ButtonData]) -> list[tuple[str, type]]:
    """Return a payload class's fields and their types (int or str), worked out once per class."""
    known = _FIELDS.get(cls)
    if known is not None:
        return known
    hints = typing.get_type_hints(cls)
    result = []
    for field in dataclasses.fields(cls):
        kind = hints[field.name]
        if kind not in (int, str):
            raise TypeError(f"{cls.__name__}.{field.name}: payload fields are int or str")
        result.append((field.name, kind))
    _FIELDS[cls] = result
    return result


def parse_id(text: str) -> int | None:
    """Return TEXT as a database id (ASCII digits, 0 to 2³¹ − 1), or None."""
    if not _INT.fullmatch(text):
        return None
    number = int(text)
    return number if number <= MAX_INT else None


def unpack(payload: str) -> ButtonData:
    """Unpack any registered payload strictly: unknown prefix, wrong arity or bad values raise."""
    if not isinstance(payload, str) or len(payload.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise CodecError("payload missing or longer than 64 bytes")
    prefix, *values = payload.split(SEPARATOR)
    cls = _REGISTRY.get(prefix)
    if cls is None:
        raise CodecError(f"unknown payload prefix {prefix[:16]!r}")
    fields = _fields(cls)
    if len(values) != len(fields):
        raise CodecError(f"{cls.__name__} takes {len(fields)} fields, got {len(values)}")
    kwargs: dict[str, Any] = {}
    for (name, kind), text in zip(fields, values, strict=True):
        if kind is int:
            number = parse_id(text)
            if number is None:
                raise CodecError(f"{cls.__name__}.{name} is not a whole number from 0 to {MAX_INT}")
            kwargs[name] = number
        else:
            if not _TOKEN.fullmatch(text):
                raise CodecError(f"{cls.__name__}.{name} is malformed")
            kwargs[name] = text
    return cls(**kwargs)
