"""Normalise resident text before scoring: clean, simplify, fix common typos, bound the length."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from nlp.errors import NlpInputError

MAX_CHARS = 600
_SPACE = re.compile(r"\s+")
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufffe\uffff]")


def load_t2s(path: Path) -> dict[str, str]:
    """Read the traditional→simplified table (pairs like 門门, '#' starts a comment line)."""
    table: dict[str, str] = {}
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise NlpInputError(f"无法读取繁简对照表 {path}: {exc}") from exc
    for line in lines:
        if line.lstrip().startswith("#"):
            continue
        for pair in line.split():
            if len(pair) == 2 and pair[0] != pair[1]:
                table[pair[0]] = pair[1]
    return table


@dataclass(frozen=True)
class Normaliser:
    """Turn raw chat text into the canonical form the lexicon, rules and model expect."""

    t2s: Mapping[str, str]
    variants: Mapping[str, str]
    max_chars: int = MAX_CHARS
    _table: Mapping[int, str] = field(init=False, repr=False, compare=False)
    _pattern: re.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Precompile the character table and the variant pattern (longest first)."""
        object.__setattr__(self, "_table", {ord(k): v for k, v in self.t2s.items()})
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
        clean = clean.translate(self._table)
        if self._pattern is not None:
            variants = self.variants
            clean = self._pattern.sub(lambda m: variants[m.group(0)], clean)
        return clean[: self.max_chars]
