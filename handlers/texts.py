"""User-facing copy: a Chinese catalogue with an English one beside it (handlers/locales/*.toml)."""

from __future__ import annotations

import string
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

LOCALES = Path(__file__).resolve().parent / "locales"
DEFAULT_LANGUAGE = "zh"


def load_catalogue(language: str) -> dict[str, str]:
    """Load one language's catalogue as a flat {dotted.key: template} map."""
    with (LOCALES / f"{language}.toml").open("rb") as fh:
        return _flatten(tomllib.load(fh))


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """Flatten nested tables into dotted keys."""
    flat: dict[str, str] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = str(value)
    return flat


def placeholders(template: str) -> set[str]:
    """Return the {names} a template uses."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@dataclass(frozen=True)
class Texts:
    """One language's copy; `t(key, **params)` fills a template."""

    language: str
    catalogue: dict[str, str]

    def t(self, key: str, **params: Any) -> str:
        """Return the text for a key, filled with params (a missing key is a programming error)."""
        return self.catalogue[key].format(**params)

    def has(self, key: str) -> bool:
        """Tell whether the catalogue has a key."""
        return key in self.catalogue


def load_texts(language: str = DEFAULT_LANGUAGE) -> Texts:
    """Load the texts of a language."""
    return Texts(language=language, catalogue=load_catalogue(language))


@cache
def texts_for(language: str) -> Texts:
    """Return a language's copy, loaded once per process (Chinese when the language has no catalogue)."""
    known = (LOCALES / f"{language}.toml").is_file()
    return load_texts(language if known else DEFAULT_LANGUAGE)
