"""Raw TOML and environment values → the typed settings dataclasses, recording every problem with its key."""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from typing import Any


class EnvValue(str):
    """A string from the environment, converted to the key's type when validated."""


INVALID = object()


def build_dataclass(cls: type[Any], data: dict[str, Any], where: str, problems: list[str]) -> Any:
    """Build one section dataclass from a table, converting and checking each key."""
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    for key in data:
        if key not in known:
            problems.append(f"{where}.{key}: unknown key (known: {', '.join(sorted(known))})")
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name in data:
            kwargs[f.name] = _convert(data[f.name], hints[f.name], f"{where}.{f.name}", problems)
    try:
        return cls(**{k: v for k, v in kwargs.items() if v is not INVALID})
    except TypeError as exc:  # pragma: no cover - guarded by the checks above
        problems.append(f"[{where}]: {exc}")
        return cls()


def _convert(value: Any, hint: Any, where: str, problems: list[str]) -> Any:
    """Convert a raw value to the type the key expects, or record a problem."""
    origin = typing.get_origin(hint)
    if origin is dict:
        key_type, value_type = typing.get_args(hint)
        if not isinstance(value, dict):
            problems.append(f"{where}: expected a table, got {describe(value)}")
            return INVALID
        if value_type in _SCALARS:
            return {str(k): _convert_scalar(v, value_type, f"{where}.{k}", problems) for k, v in value.items()}
        return {
            str(k): build_dataclass(value_type, v, f"{where}.{k}", problems)
            if isinstance(v, dict)
            else _bad(f"{where}.{k}: expected a table, got {describe(v)}", problems)
            for k, v in value.items()
        }
    if origin in (typing.Union, types.UnionType):  # pragma: no cover - no optional keys yet
        hint = next(a for a in typing.get_args(hint) if a is not type(None))
    return _convert_scalar(value, hint, where, problems)


def _bad(message: str, problems: list[str]) -> Any:
    """Record a problem and return the invalid marker."""
    problems.append(message)
    return INVALID


def _to_bool(value: Any, where: str, problems: list[str]) -> Any:
    """Accept a TOML boolean, or true/false/yes/no/on/off/1/0 from the environment."""
    if isinstance(value, bool):
        return value
    words = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}
    if isinstance(value, EnvValue) and value.strip().lower() in words:
        return words[value.strip().lower()]
    return _bad(f"{where}: expected true or false, got {describe(value)}", problems)


def _to_number(kind: type[int] | type[float]) -> Callable[[Any, str, list[str]], Any]:
    """Return a converter to int or float that refuses booleans and (for int) fractions."""

    def convert(value: Any, where: str, problems: list[str]) -> Any:
        if isinstance(value, EnvValue):
            try:
                return kind(value.strip())
            except ValueError:
                pass
        elif isinstance(value, int | float) and not isinstance(value, bool) and (kind is float or isinstance(value, int)):
            return kind(value)
        expected = "a whole number" if kind is int else "a number"
        return _bad(f"{where}: expected {expected}, got {describe(value)}", problems)

    return convert


def _to_str(value: Any, where: str, problems: list[str]) -> Any:
    """Accept a string."""
    if isinstance(value, str):
        return str(value)
    return _bad(f"{where}: expected a string, got {describe(value)}", problems)


_SCALARS: dict[Any, Callable[[Any, str, list[str]], Any]] = {
    bool: _to_bool,
    int: _to_number(int),
    float: _to_number(float),
    str: _to_str,
}


def _convert_scalar(value: Any, hint: type[Any], where: str, problems: list[str]) -> Any:
    """Convert a scalar (from TOML or the environment) to the key's type."""
    return _SCALARS[hint](value, where, problems)


def describe(value: Any) -> str:
    """Describe a bad value briefly for an error message."""
    if isinstance(value, EnvValue):
        return f"{str(value)!r} (from the environment)"
    return f"{type(value).__name__} {value!r}"
