"""The matcher's own vocabulary: generic name endings, words around a place, fillers (nlp/data/place_words.toml)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from nlp.errors import NlpInputError
from nlp.places.text import fold
from nlp.settings import PACKAGE_DATA

PLACE_WORDS = PACKAGE_DATA / "place_words.toml"


@dataclass(frozen=True)
class PlaceWords:
    """Folded word lists, longest first where the longest must be tried first."""

    compound_suffixes: tuple[str, ...]
    community_suffixes: tuple[str, ...]
    street_suffixes: tuple[str, ...]
    location_words: tuple[str, ...]
    fillers: frozenset[str]
    unsure: frozenset[str]

    def suffixes_for(self, kind: str) -> tuple[str, ...]:
        """Return the generic endings that a name of this kind may carry."""
        if kind == "community":
            return self.community_suffixes
        if kind == "street":
            return self.street_suffixes
        if kind in ("compound", "building", "landmark"):
            return self.compound_suffixes
        return ()

    def core(self, folded_name: str, kind: str) -> str | None:
        """Return the name without its generic ending (柳岸新村 → 柳岸), or None when nothing is left to match."""
        for suffix in self.suffixes_for(kind):
            if folded_name.endswith(suffix) and len(folded_name) - len(suffix) >= 2:
                return folded_name[: -len(suffix)]
        return None


def _folded(values: object, name: str, path: Path) -> tuple[str, ...]:
    """Return a list of words folded, longest first."""
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise NlpInputError(f"{path}: {name} must be a list of words")
    return tuple(sorted({fold(v) for v in values if fold(v)}, key=len, reverse=True))


def load_place_words(path: Path = PLACE_WORDS) -> PlaceWords:
    """Read the vocabulary file."""
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise NlpInputError(f"cannot read the place words {path}: {exc}") from exc
    lists = {key: _folded(raw.get(key, []), key, path) for key in ("compound_suffixes", "community_suffixes", "street_suffixes", "location_words", "fillers", "unsure")}
    return PlaceWords(
        compound_suffixes=lists["compound_suffixes"],
        community_suffixes=lists["community_suffixes"],
        street_suffixes=lists["street_suffixes"],
        location_words=lists["location_words"],
        fillers=frozenset(lists["fillers"]),
        unsure=frozenset(lists["unsure"]),
    )


@cache
def default_place_words() -> PlaceWords:
    """Return the packaged vocabulary, read once per process."""
    return load_place_words()
