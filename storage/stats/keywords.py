"""Each case's keywords, cut once: its words (cut by nlp's jieba tokenizer, passed in) and the compounds it names.

The `case_keywords` job (and `qungong keywords`) cuts the cases not cut yet, `fill_keywords`, and stores one
row per word or compound and case (case_keywords, with the case's created_at), so a report adds rows up
in the database (GROUP BY word) instead of re-cutting every text of a year. What the rows were cut with
(the dictionary and stop words; the gazetteer's compound names) is kept as two digests in keyword_state:
when either changes, the job drops every row and cuts again. A report counts from the rows only what
they were cut with agrees with its own (else it cuts the period's texts itself, as before), and cuts the
cases not cut yet (those of the last minute) itself, in the same statement, so its figures are exact
whenever the job last ran. Storage does not import nlp: the cutter comes from the caller.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, delete, false, func, literal, null, select, true, union_all, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models.cases import Case
from storage.models.reports import CaseKeyword, KeywordState
from storage.stats.directory import Directory, Scope, scope_filter
from storage.stats.period import Period

WORD, COMPOUND = "w", "c"
WORDS_STATE, COMPOUNDS_STATE = "case_keywords:words", "case_keywords:compounds"
BATCH = 2000
LONGEST = 64  # longer "words" (a run of letters or digits) are not stored and not counted: never a topic
Cut = Callable[[str], list[str]]


def compounds_of(directory: Directory) -> tuple[str, ...]:
    """Return the gazetteer's compound names, longest first (so 桂香苑小区 wins over 桂香苑)."""
    names = {
        str(name)
        for unit in directory.by_id.values()
        if unit.gazetteer
        for name in unit.gazetteer.get("compounds", [])
    }
    return tuple(sorted(names, key=lambda n: (-len(n), n)))


def find_compounds(text: str, names: Iterable[str]) -> tuple[str, ...]:
    """Return the compounds named in a text, without one that is part of a longer match."""
    found: list[str] = []
    for name in names:
        if name in text and not any(name in longer for longer in found):
            found.append(name)
    return tuple(found)


def _digest(parts: Iterable[str]) -> str:
    """Return a short digest of some strings."""
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class Vocabulary:
    """How a case's keywords are found: the word cutter and what it cuts with (TAG; None: no words), and the compound names."""

    compounds: tuple[str, ...]
    cut: Cut | None = None
    tag: str | None = None

    @property
    def words_digest(self) -> str | None:
        """Return the digest of what the words are cut with (None without a cutter)."""
        return _digest(["words", self.tag or ""]) if self.cut is not None else None

    @property
    def compounds_digest(self) -> str:
        """Return the digest of the compound names."""
        return _digest(["compounds", *self.compounds])


@dataclass
class KeywordCounts:
    """A period's keywords: cases using each word (docs), its uses (uses), and cases naming each compound."""

    docs: Counter[str] = field(default_factory=Counter)
    uses: Counter[str] = field(default_factory=Counter)
    compounds: Counter[str] = field(default_factory=Counter)


class _Cutter:
    """Cuts texts with a vocabulary, each distinct text once."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        self.words: dict[str, Counter[str]] = {}

    def words_of(self, text: str) -> Counter[str]:
        """Return the keyword candidates of a text and how often each is used."""
        found = self.words.get(text)
        if found is None:
            cut = self.vocabulary.cut
            found = Counter(w for w in cut(text) if len(w) <= LONGEST) if cut is not None else Counter()
            self.words[text] = found
        return found

    def compounds_of(self, text: str, address: str | None) -> tuple[str, ...]:
        """Return the compounds a case names (in its text or address)."""
        return find_compounds(f"{text} {address or ''}", self.vocabulary.compounds)

    def add(self, counts: KeywordCounts, text: str, address: str | None, *, words: bool, compounds: bool) -> None:
        """Count one case's words and compounds."""
        if words:
            found = self.words_of(text)
            counts.docs.update(found.keys())
            counts.uses.update(found)
        if compounds:
            counts.compounds.update(self.compounds_of(text, address))


async def _states(session: AsyncSession) -> dict[str, str]:
    """Return the stored digests by state name."""
    rows = (await session.execute(select(KeywordState.name, KeywordState.digest))).all()
    return {row.name: row.digest for row in rows}


async def _start_over(session: AsyncSession, vocabulary: Vocabulary, now: datetime) -> None:
    """Make the stored digests the vocabulary's, dropping every row cut otherwise (the caller commits)."""
    wanted = {COMPOUNDS_STATE: vocabulary.compounds_digest, WORDS_STATE: vocabulary.words_digest or ""}
    stored = await _states(session)
    if stored == wanted:
        return
    if stored:
        await session.execute(delete(CaseKeyword))
        cases = cast(Table, Case.__table__)
        await session.execute(update(cases).where(cases.c.keywords_cut == true()).values(keywords_cut=False))
        await session.execute(delete(KeywordState))
    session.add_all([KeywordState(name=name, digest=digest, changed_at=now) for name, digest in wanted.items()])
    await session.flush()


async def fill_keywords(session: AsyncSession, vocabulary: Vocabulary, now: datetime, *, batch: int = BATCH) -> int:
    """Cut the keywords of up to BATCH cases not cut yet and store them; return how many cases (the caller commits)."""
    await _start_over(session, vocabulary, now)
    query = (
        select(Case.id, Case.text, Case.address, Case.created_at)
        .where(Case.keywords_cut == false())
        .order_by(Case.id)
        .limit(batch)
    )
    rows = (await session.execute(query)).all()
    if not rows:
        return 0
    cutter = _Cutter(vocabulary)
    found: list[dict[str, Any]] = []
    for row in rows:
        base = {"case_id": row.id, "created_at": row.created_at}
        found.extend(base | {"kind": WORD, "word": word, "n": n} for word, n in cutter.words_of(row.text).items())
        found.extend(base | {"kind": COMPOUND, "word": name, "n": 1} for name in cutter.compounds_of(row.text, row.address))
    ids = [row.id for row in rows]
    await session.execute(delete(CaseKeyword).where(CaseKeyword.case_id.in_(ids)))
    if found:
        await session.execute(cast(Table, CaseKeyword.__table__).insert(), found)
    cases = cast(Table, Case.__table__)
    await session.execute(update(cases).where(cases.c.id.in_(ids)).values(keywords_cut=True))  # not updated_at: no figure changed
    return len(rows)


async def forget_keywords(session: AsyncSession, case_ids: list[int]) -> None:
    """Drop the keywords of cases whose text changed (they are cut again; the caller commits)."""
    if case_ids:
        await session.execute(delete(CaseKeyword).where(CaseKeyword.case_id.in_(case_ids)))
        cases = cast(Table, Case.__table__)
        await session.execute(update(cases).where(cases.c.id.in_(case_ids)).values(keywords_cut=False))


async def count_keywords(session: AsyncSession, vocabulary: Vocabulary, period: Period, scope: Scope) -> KeywordCounts:
    """Return a period's keyword counts for a scope: from the stored rows where they agree, cutting the rest here."""
    stored = await _states(session)
    words = vocabulary.cut is not None
    words_stored = words and stored.get(WORDS_STATE) == vocabulary.words_digest
    compounds_stored = stored.get(COMPOUNDS_STATE) == vocabulary.compounds_digest
    received = (Case.created_at >= period.start) & (Case.created_at < period.end) & scope_filter(scope)
    counts, cutter = KeywordCounts(), _Cutter(vocabulary)
    if not (words_stored or compounds_stored):
        every = [(row.text, row.address, words, True) for row in (await session.execute(select(Case.text, Case.address).where(received))).all()]
        await _cut_all(cutter, counts, every)
        return counts
    kinds = [kind for kind, usable in ((WORD, words_stored), (COMPOUND, compounds_stored)) if usable]
    rows = select(
        CaseKeyword.kind, CaseKeyword.word, func.count().label("docs"), func.sum(CaseKeyword.n).label("uses"),
        null().label("text"), null().label("address"), literal(False).label("pending"),
    ).where(CaseKeyword.created_at >= period.start, CaseKeyword.created_at < period.end, CaseKeyword.kind.in_(kinds))
    if scope.kind != "district":
        rows = rows.join(Case, Case.id == CaseKeyword.case_id).where(scope_filter(scope))
    # Cases not cut yet (pending) or whose kind of rows cannot be used: cut here. One statement, one snapshot.
    every_text = (words and not words_stored) or not compounds_stored
    others = received if every_text else received & (Case.keywords_cut == false())
    texts = select(
        null().label("kind"), null().label("word"), literal(0).label("docs"), literal(0).label("uses"),
        Case.text, Case.address, (Case.keywords_cut == false()).label("pending"),
    ).where(others)
    to_cut: list[tuple[str, str | None, bool, bool]] = []
    found: list[Any] = list((await session.execute(union_all(rows.group_by(CaseKeyword.kind, CaseKeyword.word), texts))).all())
    for row in found:
        if row.kind == WORD:
            counts.docs[row.word] += row.docs
            counts.uses[row.word] += int(row.uses)
        elif row.kind == COMPOUND:
            counts.compounds[row.word] += row.docs
        else:
            pending = bool(row.pending)
            to_cut.append((row.text, row.address, words and (pending or not words_stored), pending or not compounds_stored))
    await _cut_all(cutter, counts, to_cut)
    return counts


INLINE = 200  # more texts than this are cut off the event loop


async def _cut_all(cutter: _Cutter, counts: KeywordCounts, texts: list[tuple[str, str | None, bool, bool]]) -> None:
    """Count the words and compounds of (text, address, words?, compounds?) cases, off the event loop when they are many."""

    def work() -> None:
        for text, address, words, compounds in texts:
            cutter.add(counts, text, address, words=words, compounds=compounds)

    if len(texts) > INLINE:
        await asyncio.to_thread(work)
    else:
        work()
