"""Load the curated keyword lexicon and find its terms in normalised text."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from nlp.errors import NlpInputError

DEFAULT_WEIGHTS = {"strong": 3.0, "medium": 2.0, "weak": 1.0}


@dataclass(frozen=True)
class Hit:
    """One lexicon term found in a text, with its position."""

    term: str
    start: int
    end: int


@dataclass(frozen=True)
class Lexicon:
    """Weighted words per department and per request type, plus typo and dialect variants."""

    department_terms: Mapping[str, tuple[tuple[str, float], ...]]
    type_terms: Mapping[str, tuple[tuple[str, float], ...]]
    variants: Mapping[str, str]
    stopwords: frozenset[str]

    def words(self) -> set[str]:
        """Return every term worth adding to the tokenizer's dictionary."""
        return {t for t in (*self.department_terms, *self.type_terms) if len(t) > 1}


def _weighted(
    section: Mapping[str, object], weights: Mapping[str, float], owner: str
) -> Iterable[tuple[str, str, float]]:
    """Yield (owner, term, weight) for each term list of one lexicon section."""
    for level, terms in section.items():
        if level not in weights or not isinstance(terms, list):
            raise NlpInputError(f"词库 {owner} 中的 {level} 不是已知的权重级别")
        for term in terms:
            yield owner, str(term).strip().lower(), weights[level]


def _index(entries: Iterable[tuple[str, str, float]]) -> dict[str, tuple[tuple[str, float], ...]]:
    """Group (owner, term, weight) rows by term, keeping the largest weight per owner.

    A row with an empty owner marks a neutral term: it is matched (so shorter terms
    inside it do not count) but favours no one.
    """
    table: dict[str, dict[str, float]] = {}
    for owner, term, weight in entries:
        if term:
            per_term = table.setdefault(term, {})
            per_term[owner] = max(weight, per_term.get(owner, 0.0))
    return {
        term: tuple((o, w) for o, w in owners.items() if o) for term, owners in table.items()
    }


def load_lexicon(path: Path) -> Lexicon:
    """Read the lexicon TOML file (departments, request types, variants, stopwords)."""
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise NlpInputError(f"无法读取词库 {path}: {exc}") from exc
    weights = {**DEFAULT_WEIGHTS, **{k: float(v) for k, v in raw.get("weights", {}).items()}}
    dept_rows = [
        row
        for code, section in raw.get("department", {}).items()
        for row in _weighted(section, weights, code)
    ]
    type_rows = [
        row
        for code, section in raw.get("request_type", {}).items()
        for row in _weighted(section, weights, code)
    ]
    neutral = [("", str(w).lower(), 0.0) for w in raw.get("neutral", {}).get("words", ())]
    variants = {str(k).lower(): str(v).lower() for k, v in raw.get("variants", {}).items()}
    stopwords = frozenset(str(w) for w in raw.get("stopwords", {}).get("words", ()))
    return Lexicon(
        department_terms=_index([*dept_rows, *neutral]),
        type_terms=_index(type_rows),
        variants=variants,
        stopwords=stopwords,
    )


class TermMatcher:
    """Find lexicon terms in a text by prefix walking, longest match winning on overlaps."""

    def __init__(self, terms: Iterable[str]) -> None:
        """Index the terms and all their prefixes."""
        self._terms = frozenset(terms)
        self._prefixes = frozenset(t[:i] for t in self._terms for i in range(1, len(t) + 1))

    def find(self, text: str) -> list[Hit]:
        """Return the hits in text, dropping any hit contained in a longer one."""
        found: list[Hit] = []
        n = len(text)
        prefixes, terms = self._prefixes, self._terms
        for i in range(n):
            j = i + 1
            longest = 0
            while j <= n and text[i:j] in prefixes:
                if text[i:j] in terms:
                    longest = j
                j += 1
            if longest:
                found.append(Hit(text[i:longest], i, longest))
        return _drop_contained(found)


def _drop_contained(hits: list[Hit]) -> list[Hit]:
    """Keep hits not lying inside a longer hit (hits arrive sorted by start)."""
    kept: list[Hit] = []
    reach = -1
    for hit in hits:
        if hit.end <= reach:
            continue
        kept.append(hit)
        reach = max(reach, hit.end)
    return kept
