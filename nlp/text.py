"""Normalise resident text before scoring: clean, simplify (OpenCC's phrase-level traditional → simplified),
fix common typos, bound the length."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from opencc import OpenCC

MAX_CHARS = 600
_SPACE = re.compile(r"\s+")
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufffe\uffff]")


def opencc_simplify() -> Callable[[str], str]:
    """Return OpenCC's traditional → simplified conversion (phrase-level: 頭髮 → 头发, 狼藉 stays 狼藉)."""
    return OpenCC("t2s").convert


@dataclass(frozen=True)
class Normaliser:
    """Turn raw chat text into the canonical form the lexicon, rules and model expect."""

    simplify: Callable[[str], str]
    variants: Mapping[str, str]
    max_chars: int = MAX_CHARS
    _pattern: re.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Precompile the variant pattern (longest first)."""
        keys = sorted(self.variants, key=len, reverse=True)
        pattern = re.compile("|".join(re.escape(k) for k in keys)) if keys else None
        object.__setattr__(self, "_pattern", pattern)

    def __call__(self, text: str) -> str:
        """Return the normalised text: NFKC, lower case, simplified, typos fixed, bounded."""
        if not text:
            return ""
        clipped = text[: self.max_chars * 2]
        clean = _CONTROLS.sub(" ", unicodedata.normalize("NFKC", clipped))
        clean = _SPACE.sub(" ", clean).strip().lower()
        clean = self.simplify(clean)
        if self._pattern is not None:
            variants = self.variants
            clean = self._pattern.sub(lambda m: variants[m.group(0)], clean)
        return clean[: self.max_chars]
