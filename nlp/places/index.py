"""The matcher's indexes over a gazetteer: every way a place may be written, looked up by its first characters,
its first syllables (pinyin) or its character pairs (for typos)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from typing import Any

from nlp.places.gazetteer import COMMUNITY, GRID, STREET, Gazetteer
from nlp.places.text import fold
from nlp.places.words import PlaceWords

NAME, ALIAS, CORE = "name", "alias", "core"
MIN_PREFIX = 3  # the start of a place's name, this long or longer, is taken like its core
PREFIXED_KINDS = ("compound", "building", "landmark")
GENERIC_PAIR_LIMIT = 400  # a character pair found in more names than this (小区, 花园) picks no candidates


def _each_character(chars: str) -> Any:
    """Return characters without pinyin one by one (pypinyin accepts a list, though its hints say str)."""
    return list(chars)


@cache
def _pinyin() -> Any:
    """Return pypinyin's converter, imported on first use (its phrase table takes a third of a second to load)."""
    from pypinyin import lazy_pinyin  # noqa: PLC0415 - keeps every `qungong` command from paying for it at start

    return lazy_pinyin


def syllables(folded: str) -> tuple[str, ...]:
    """Return one toneless pinyin syllable per character (other characters stand for themselves)."""
    return tuple(_pinyin()(folded, errors=_each_character))


def pairs(text: str) -> set[str]:
    """Return the character pairs of a text, adjacent and with one character skipped (for typo candidates)."""
    found = {text[i : i + 2] for i in range(len(text) - 1)}
    found |= {text[i] + "_" + text[i + 2] for i in range(len(text) - 2)}
    return found


@dataclass(frozen=True)
class Entry:
    """What a match resolves to: a unit (level and code), and the place behind it if a place matched."""

    level: str
    code: str
    name: str
    kind: str
    place: int | None  # index into the gazetteer's places


@dataclass(frozen=True)
class Form:
    """One way an entry is written: its name, an alias, or its core (the name without a generic ending)."""

    text: str
    entry: int
    how: str


class FormIndex:
    """Every form of every entry, with the three lookups the matcher uses."""

    def __init__(self, gazetteer: Gazetteer, words: PlaceWords) -> None:
        self.gazetteer = gazetteer
        self.words = words
        self.entries: list[Entry] = []
        self.forms: list[Form] = []
        self.by_head: dict[str, list[int]] = defaultdict(list)
        self.by_syllables: dict[tuple[str, str], list[tuple[tuple[str, ...], int]]] = defaultdict(list)
        self.by_joined_pinyin: dict[str, list[int]] = defaultdict(list)
        self.fuzzy_choices: list[str] = []
        self.fuzzy_forms: list[list[int]] = []
        self.by_pair: dict[str, list[int]] = defaultdict(list)
        self._build()

    def _add_entry(self, entry: Entry, names: list[str]) -> None:
        """Add an entry with its name and aliases (and their cores)."""
        index = len(self.entries)
        self.entries.append(entry)
        seen: set[str] = set()
        for position, raw in enumerate(names):
            text = fold(raw)
            if len(text) < 2 or text in seen:
                continue
            seen.add(text)
            self.forms.append(Form(text, index, NAME if position == 0 else ALIAS))
            core = self.words.core(text, entry.kind)
            if core is not None and core not in seen:
                seen.add(core)
                self.forms.append(Form(core, index, CORE))
            if entry.kind in PREFIXED_KINDS:  # 和平里 may be any of 和平里东区, 和平里西区
                for length in range(MIN_PREFIX, len(text)):
                    if text[:length] not in seen:
                        seen.add(text[:length])
                        self.forms.append(Form(text[:length], index, CORE))

    def _build(self) -> None:
        """Index the units' names and the places' names and aliases."""
        for code, unit in self.gazetteer.units.items():
            self._add_entry(Entry(unit.level, code, unit.name, unit.level, None), [unit.name])
        for position, place in enumerate(self.gazetteer.places):
            self._add_entry(Entry(GRID, place.grid, place.name, place.kind, position), [place.name, *place.aliases])
        choices: dict[str, int] = {}
        for number, form in enumerate(self.forms):
            self.by_head[form.text[:2]].append(number)
            spoken = syllables(form.text)
            self.by_syllables[(spoken[0], spoken[1])].append((spoken, number))
            self.by_joined_pinyin["".join(spoken)].append(number)
            if form.how != CORE and len(form.text) >= 3:
                slot = choices.setdefault(form.text, len(self.fuzzy_choices))
                if slot == len(self.fuzzy_choices):
                    self.fuzzy_choices.append(form.text)
                    self.fuzzy_forms.append([])
                self.fuzzy_forms[slot].append(number)
        for bucket in self.by_head.values():
            bucket.sort(key=lambda n: -len(self.forms[n].text))
        for slot, text in enumerate(self.fuzzy_choices):
            for pair in pairs(text):
                self.by_pair[pair].append(slot)
        for pair in [p for p, slots in self.by_pair.items() if len(slots) > GENERIC_PAIR_LIMIT]:
            del self.by_pair[pair]

    def level_rank(self, entry: Entry) -> int:
        """Return how precise an entry is: a place or grid 2, a community 1, a street 0."""
        return {GRID: 2, COMMUNITY: 1, STREET: 0}.get(entry.level, 0)
