"""The scored place matcher: free text → the grid (or community, or street) a resident means, or a question.

Every way a place is written is tried, strongest first: its name and aliases as typed; its core with
another generic ending (柳岸小区 → 柳岸新村); the same as pinyin (柳按新村, or liuanxincun typed in
Latin letters); and, when nothing else matched, a fuzzy score (rapidfuzz) for typos. A number after
a name picks the building range (柳岸新村7栋) or the road section (东湖路23号) it falls in. Names of
different places that point to the same grid support each other (东湖路湖畔人家).

The answer is FOUND (one unit, sure enough), ASK (two to five candidates close together, or only weak
ones: the resident picks), VAGUE (too many alike: ask for more detail) or NONE.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace

from rapidfuzz import fuzz, process

from nlp.places.gazetteer import COMMUNITY, GRID, Gazetteer, PlaceEntry
from nlp.places.index import CORE, Entry, FormIndex, pairs, syllables
from nlp.places.text import fold, number_at
from nlp.places.words import PlaceWords, default_place_words

FOUND, ASK, VAGUE, NONE = "found", "ask", "vague", "none"
MAX_CHARS = 80
ACCEPT = 0.78  # a best candidate below this is only suggested (asked about), never taken
MARGIN = 0.05  # candidates this close to the best are asked about together
MAX_OPTIONS = 5
EXACT, CORE_ENDING, CORE_LONG, CORE_SHORT = 1.0, 0.9, 0.8, 0.62
PINYIN, PINYIN_CORE_ENDING, PINYIN_CORE, LATIN = 0.86, 0.8, 0.6, 0.8
FUZZY_CUTOFF, FUZZY_LOW, FUZZY_SPAN = 70.0, 0.45, 0.25
NUMBER_BONUS, SUPPORT_BONUS = 0.08, 0.1
KIND_BONUS = {"building": 0.07, "compound": 0.06, "landmark": 0.06, GRID: 0.05}
FUZZY_CANDIDATES = 300
_NUMBERED = re.compile(r"\d+(?:号楼|栋|幢|座|单元|号|弄|室|层|楼|户|#)?|-")
_LATIN = re.compile(r"[a-z]{5,}")


@dataclass(frozen=True)
class Candidate:
    """A unit the text may mean, with the place that matched, what was matched, and how sure it is."""

    level: str
    code: str
    name: str
    kind: str
    place: PlaceEntry | None
    matched: str
    score: float
    how: str


@dataclass(frozen=True)
class PlaceAnswer:
    """The matcher's answer: FOUND, ASK, VAGUE or NONE, with its candidates (best first)."""

    outcome: str
    candidates: tuple[Candidate, ...] = ()

    @property
    def best(self) -> Candidate | None:
        """Return the best candidate, if any."""
        return self.candidates[0] if self.candidates else None


@dataclass
class _Hit:
    """A form found in the text: which entry, where, how strongly and how."""

    entry: int
    start: int
    end: int
    score: float
    how: str


@dataclass
class _Target:
    """A unit the hits point to, scored by its best hit plus the support of other names."""

    level: str
    code: str
    hit: _Hit
    score: float
    names: set[str] = field(default_factory=set)


class PlaceMatcher:
    """Scores free text against a gazetteer; build once, then `match(text)` many times."""

    def __init__(self, gazetteer: Gazetteer, words: PlaceWords | None = None) -> None:
        self.gazetteer = gazetteer
        self.words = words or default_place_words()
        self.index = FormIndex(gazetteer, self.words)

    def match(self, text: str) -> PlaceAnswer:
        """Return what TEXT names."""
        folded = fold(text)[:MAX_CHARS]
        if len(folded) < 2:
            return PlaceAnswer(NONE)
        hits = self._exact(folded)
        if not any(h.score >= ACCEPT for h in hits):
            hits += self._pinyin(folded, {(h.entry, h.start, h.end) for h in hits})
        hits = self._numbered(folded, _outermost(_best_per_entry(hits)))
        if not hits:
            return self._fuzzy(folded)
        return self._decide(folded, hits)

    def is_filler(self, text: str) -> bool:
        """Tell whether TEXT is a word typed to get past a question (确认, 好的, ok), not a place."""
        folded = fold(text)
        return not folded or folded in self.words.fillers or folded.isdigit()

    def is_unsure(self, text: str) -> bool:
        """Tell whether TEXT means "I cannot say where" (不知道, 说不清)."""
        return fold(text) in self.words.unsure

    def _ending(self, folded: str, at: int, kind: str) -> str:
        """Return the generic ending of KIND written at position AT, or ''."""
        for suffix in self.words.suffixes_for(kind):
            if folded.startswith(suffix, at):
                return suffix
        return ""

    def _core_hit(self, folded: str, entry: int, start: int, end: int, *, pinyin: bool) -> _Hit:
        """Score a core found in the text: stronger when another generic ending follows it."""
        ending = self._ending(folded, end, self.index.entries[entry].kind)
        if ending:
            return _Hit(entry, start, end + len(ending), PINYIN_CORE_ENDING if pinyin else CORE_ENDING, "core")
        if pinyin:
            return _Hit(entry, start, end, PINYIN_CORE, "pinyin")
        return _Hit(entry, start, end, CORE_LONG if end - start >= 3 else CORE_SHORT, "core")

    def _exact(self, folded: str) -> list[_Hit]:
        """Find every name, alias and core written as it is in the gazetteer."""
        hits: list[_Hit] = []
        index = self.index
        for start in range(len(folded) - 1):
            for number in index.by_head.get(folded[start : start + 2], ()):
                form = index.forms[number]
                if not folded.startswith(form.text, start):
                    continue
                end = start + len(form.text)
                if form.how == CORE:
                    hits.append(self._core_hit(folded, form.entry, start, end, pinyin=False))
                else:
                    hits.append(_Hit(form.entry, start, end, EXACT, form.how))
        return hits

    def _pinyin(self, folded: str, seen: set[tuple[int, int, int]]) -> list[_Hit]:
        """Find names written with other characters of the same sound, or typed as pinyin in Latin letters."""
        spoken = syllables(folded)
        hits: list[_Hit] = []
        index = self.index
        if len(spoken) == len(folded):
            for start in range(len(spoken) - 1):
                for form_syllables, number in index.by_syllables.get((spoken[start], spoken[start + 1]), ()):
                    end = start + len(form_syllables)
                    if spoken[start:end] != form_syllables:
                        continue
                    form = index.forms[number]
                    if (form.entry, start, end) in seen or folded[start:end] == form.text:
                        continue
                    if form.how == CORE:
                        hits.append(self._core_hit(folded, form.entry, start, end, pinyin=True))
                    else:
                        hits.append(_Hit(form.entry, start, end, PINYIN, "pinyin"))
        for run in _LATIN.finditer(folded):
            hits += self._latin(run.group(0), run.start())
        return hits

    def _latin(self, run: str, offset: int) -> list[_Hit]:
        """Find names typed as pinyin in Latin letters (liuanxincun) inside a run of letters."""
        hits: list[_Hit] = []
        for start in range(len(run)):
            for end in range(start + 5, len(run) + 1):
                for number in self.index.by_joined_pinyin.get(run[start:end], ()):
                    form = self.index.forms[number]
                    hits.append(_Hit(form.entry, offset + start, offset + end, LATIN if form.how != CORE else PINYIN_CORE, "pinyin"))
        return hits

    def _numbered(self, folded: str, hits: list[_Hit]) -> list[_Hit]:
        """Keep, of a place split into ranges, the parts whose range holds the number written after its name."""
        places = self.gazetteer.places
        covering: dict[str, bool] = {}
        verdicts: dict[int, bool | None] = {}
        for position, hit in enumerate(hits):
            place_index = self.index.entries[hit.entry].place
            place = places[place_index] if place_index is not None else None
            verdicts[position] = None
            if place is None or not place.ranged:
                continue
            at = hit.end + (1 if folded.startswith("的", hit.end) else 0)
            number = number_at(folded, at)
            if number is None or (place.kind == "road" and number.building):
                continue
            verdicts[position] = place.covers(number.value)
            covering[place.name] = covering.get(place.name, False) or bool(verdicts[position])
        kept: list[_Hit] = []
        for position, hit in enumerate(hits):
            verdict = verdicts[position]
            if verdict is True:
                hit.score += NUMBER_BONUS
            place_index = self.index.entries[hit.entry].place
            name = places[place_index].name if place_index is not None else ""
            if verdict is False and covering.get(name):
                continue
            kept.append(hit)
        return kept

    def _decide(self, folded: str, hits: list[_Hit]) -> PlaceAnswer:
        """Rank the units the hits point to and answer FOUND, ASK or VAGUE."""
        targets = self._targets(folded, hits)
        ranked = sorted(targets, key=lambda t: (-t.score, -self.index.level_rank(self.index.entries[t.hit.entry]), -(t.hit.end - t.hit.start)))
        top = ranked[0]
        if top.score < ACCEPT:
            close = [t for t in ranked if t.score >= top.score - 0.15 and (t is top or not self.gazetteer.related(t.code, top.code))]
            return PlaceAnswer(ASK, tuple(self._candidate(folded, t) for t in close[:MAX_OPTIONS]))
        rivals = [t for t in ranked[1:] if t.score >= top.score - MARGIN and not self.gazetteer.related(t.code, top.code)]
        if not rivals:
            return PlaceAnswer(FOUND, (self._candidate(folded, top),))
        tied = [top, *rivals]
        if len(tied) <= MAX_OPTIONS:
            return PlaceAnswer(ASK, tuple(self._candidate(folded, t) for t in tied))
        communities = {self.gazetteer.up_to(t.code, COMMUNITY) for t in tied}
        if len(communities) == 1 and None not in communities:
            community = communities.pop()
            assert community is not None
            unit = self.gazetteer.units[community]
            shared = Candidate(COMMUNITY, community, unit.name, COMMUNITY, None, folded[top.hit.start : top.hit.end], round(top.score * 0.8, 3), "shared")
            return PlaceAnswer(FOUND, (shared,))
        return PlaceAnswer(VAGUE, tuple(self._candidate(folded, t) for t in tied[:MAX_OPTIONS]))

    def _targets(self, folded: str, hits: list[_Hit]) -> list[_Target]:
        """Group the hits by the unit they point to; other names pointing to the same unit add support."""
        targets: dict[tuple[str, str], _Target] = {}
        for hit in hits:
            entry = self.index.entries[hit.entry]
            score = hit.score + KIND_BONUS.get(entry.kind, 0.0)
            key = (entry.level, entry.code)
            known = targets.get(key)
            if known is None or score > known.score:
                targets[key] = _Target(entry.level, entry.code, hit, score)
        for target in targets.values():
            for hit in hits:
                if hit.end <= target.hit.start or hit.start >= target.hit.end:
                    entry = self.index.entries[hit.entry]
                    name = folded[hit.start : hit.end]
                    if name and entry.code in (target.code, *self.gazetteer.ancestors(target.code)):
                        target.names.add(name)
            target.score += SUPPORT_BONUS * len(target.names)
        return list(targets.values())

    def _candidate(self, folded: str, target: _Target) -> Candidate:
        """Turn a target into a candidate for the caller."""
        entry: Entry = self.index.entries[target.hit.entry]
        place = self.gazetteer.places[entry.place] if entry.place is not None else None
        matched = folded[target.hit.start : target.hit.end]
        return Candidate(target.level, target.code, entry.name, entry.kind, place, matched, round(target.score, 3), target.hit.how)

    def _fuzzy(self, folded: str) -> PlaceAnswer:
        """Suggest names close to the text (typos): only ever asked about, never taken."""
        rest = folded
        for word in self.words.location_words:
            rest = rest.replace(word, "")
        rest = _NUMBERED.sub("", rest)
        if len(rest) < 2:
            return PlaceAnswer(NONE)
        index = self.index
        votes = Counter(slot for pair in pairs(rest) for slot in index.by_pair.get(pair, ()))
        slots = [slot for slot, _ in votes.most_common(FUZZY_CANDIDATES)]
        found = process.extract(rest, [index.fuzzy_choices[s] for s in slots], scorer=fuzz.partial_ratio, score_cutoff=FUZZY_CUTOFF, limit=MAX_OPTIONS * 2)
        if not found:
            return PlaceAnswer(NONE)
        best = found[0][1]
        hits = [
            _Hit(index.forms[number].entry, 0, 0, FUZZY_LOW + FUZZY_SPAN * (score - FUZZY_CUTOFF) / (100 - FUZZY_CUTOFF), "fuzzy")
            for _, score, position in found
            if score >= best - 10
            for number in index.fuzzy_forms[slots[position]]
        ]
        targets = self._targets(folded, hits)
        ranked = sorted(targets, key=lambda t: -t.score)
        candidates = tuple(replace(self._candidate(folded, t), matched=index.entries[t.hit.entry].name) for t in ranked[:MAX_OPTIONS])
        alike = [t for t in ranked if t.score >= ranked[0].score - 0.01]
        return PlaceAnswer(VAGUE if len(alike) > MAX_OPTIONS else ASK, candidates)  # 农贸市场: one of a dozen


def _best_per_entry(hits: list[_Hit]) -> list[_Hit]:
    """Keep each entry's strongest hit (the longest when two are as strong)."""
    best: dict[int, _Hit] = {}
    for hit in hits:
        known = best.get(hit.entry)
        if known is None or (hit.score, hit.end - hit.start) > (known.score, known.end - known.start):
            best[hit.entry] = hit
    return list(best.values())


def _outermost(hits: list[_Hit]) -> list[_Hit]:
    """Drop hits lying inside a longer hit that is about as strong (东湖 inside 东湖花园)."""
    return [
        hit
        for hit in hits
        if not any(
            other.start <= hit.start and hit.end <= other.end and other.end - other.start > hit.end - hit.start and other.score >= hit.score - 0.25
            for other in hits
        )
    ]
