"""Problem categories (问题类别): what a request is about, across departments (noise, manhole covers, lifts...).

The categories and their terms are nlp/data/categories.toml. A text gets the category whose terms it
contains most (each found term weighs its length, so 道路破损 outweighs 破损); a tie goes to a category
of the case's department; a text without any term gets its department's default category, else
`other`. The codes are stored with each case; reports, the cockpit and the public page name them.
"""

from __future__ import annotations

import tomllib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from nlp.errors import NlpInputError
from nlp.settings import PACKAGE_DATA

CATEGORIES_PATH = PACKAGE_DATA / "categories.toml"
OTHER = "other"
DEPARTMENT_BONUS = 0.5  # breaks a tie in favour of the case's department's categories


@dataclass(frozen=True)
class Category:
    """One problem category: its stable code, its names and the terms that mark it."""

    code: str
    name_zh: str
    name_en: str
    terms: tuple[str, ...] = ()
    departments: frozenset[str] = frozenset()

    def name(self, language: str) -> str:
        """Return the category's name in a language (zh or en)."""
        return self.name_en if language == "en" and self.name_en else self.name_zh


@dataclass(frozen=True)
class Categories:
    """Every category, and the default category of each department."""

    items: tuple[Category, ...]
    defaults: dict[str, str] = field(default_factory=dict)

    @property
    def codes(self) -> list[str]:
        """Return every category code, in the file's order."""
        return [c.code for c in self.items]

    def get(self, code: str | None) -> Category | None:
        """Return a category by code (None for an unknown or missing code)."""
        return next((c for c in self.items if c.code == code), None)

    def names(self, language: str) -> dict[str, str]:
        """Return every category's name by code, in a language."""
        return {c.code: c.name(language) for c in self.items}

    def categorise(self, text: str, department: str | None = None) -> str:
        """Return the category code of a request text (and the department it went to, if known)."""
        folded = unicodedata.normalize("NFKC", text or "").lower()
        best, best_score = None, 0.0
        for category in self.items:
            score = float(sum(len(term) * folded.count(term) for term in category.terms))
            if score and department in category.departments:
                score += DEPARTMENT_BONUS
            if score > best_score:
                best, best_score = category.code, score
        if best is not None:
            return best
        return self.defaults.get(department or "", OTHER)

    def categorise_all(self, rows: Iterable[tuple[str, str | None]]) -> list[str]:
        """Return the category of each (text, department) pair."""
        return [self.categorise(text, department) for text, department in rows]


def load_categories(path: Path = CATEGORIES_PATH) -> Categories:
    """Read the categories file; raise NlpInputError when it is unreadable or inconsistent."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise NlpInputError(f"cannot read the categories file {path}: {exc}") from exc
    items: list[Category] = []
    defaults: dict[str, str] = {}
    for entry in data.get("category", []):
        code = str(entry["code"])
        terms = tuple(unicodedata.normalize("NFKC", str(t)).lower() for t in entry.get("terms", []))
        items.append(Category(code, str(entry["name_zh"]), str(entry.get("name_en", "")), terms, frozenset(entry.get("departments", []))))
        for department in entry.get("default_for", []):
            defaults[str(department)] = code
    codes = [c.code for c in items]
    if len(set(codes)) != len(codes) or OTHER not in codes:
        raise NlpInputError(f"{path}: category codes must be unique and include {OTHER!r}")
    if any(len(code) > 32 for code in codes):
        raise NlpInputError(f"{path}: category codes are at most 32 characters")
    return Categories(tuple(items), defaults)


@lru_cache(maxsize=1)
def packaged_categories() -> Categories:
    """Return the packaged categories, read once."""
    return load_categories()
