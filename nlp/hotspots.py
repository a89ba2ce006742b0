"""Hotspots (热点): the top and fastest-rising categories, places and keywords of a period.

Keywords are ranked by TF-IDF: how often a word is used in the period's case texts, times how
rare it is across this period's and the previous period's texts, so words every request uses
sink. Words are cut by the project's jieba tokenizer (a private
jieba.Tokenizer over the routing dictionary, never jieba's global one) and filtered by the
shipped stop-word list. A rise compares the number of cases with the previous period of the same
length; below a minimum volume nothing ranks, so noise (1 → 3) stays out.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from nlp.lexicon import load_lexicon
from nlp.settings import PACKAGE_DATA, NlpSettings
from nlp.tokenizer import Tokenizer, load_jieba

STOPWORDS_PATH = PACKAGE_DATA / "stopwords.txt"
_WORD = re.compile(r"^[\u4e00-\u9fffA-Za-z][\u4e00-\u9fffA-Za-z0-9]*$")
# A number with a measure word (三点, 一楼, 好几个, 每个, 整条): a count or a time, never a topic.
_COUNTED = re.compile(r"^[一二三四五六七八九十百千万两几半好多每整][一二三四五六七八九十百千万两几]*[点天次个年周月辆层条排片段堆脚楼号份件块]")


@dataclass(frozen=True)
class Hot:
    """One hotspot: its name, cases now and in the previous period, and its ranking score."""

    name: str
    current: int
    previous: int
    score: float = 0.0

    @property
    def change(self) -> int:
        """Return how many more cases than in the previous period."""
        return self.current - self.previous


def load_stopwords(path: Path = STOPWORDS_PATH, extra: Iterable[str] = ()) -> frozenset[str]:
    """Read the stop-word list (one word per line, # comments) plus EXTRA words."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip() for w in [*lines, *extra] if w.strip() and not w.startswith("#"))


def load_keyword_tokenizer(settings: NlpSettings) -> tuple[Tokenizer, frozenset[str]]:
    """Return the project's jieba tokenizer (routing dictionary) and the stop words, lexicon's included."""
    lexicon = load_lexicon(settings.lexicon_path)
    return load_jieba(settings.cache_dir, lexicon.words()), load_stopwords(extra=lexicon.stopwords)


def terms(text: str, tokenizer: Tokenizer, stopwords: frozenset[str]) -> list[str]:
    """Return the keyword candidates of a text: words of two or more characters, no stop words."""
    return [w for w in tokenizer.cut(text) if len(w) >= 2 and _WORD.match(w) and not _COUNTED.match(w) and w not in stopwords]


def keyword_tag(tokenizer: Tokenizer, stopwords: frozenset[str]) -> str:
    """Return what keywords are cut with (the tokenizer's dictionary, the stop words, the filters): stored keywords keep it."""
    dictionary = getattr(tokenizer, "dictionary", None)
    source = Path(dictionary).name if dictionary is not None else type(tokenizer).__qualname__
    parts = [source, _WORD.pattern, _COUNTED.pattern, *sorted(stopwords)]
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:32]


def keyword_hotspots(
    current: Sequence[str],
    previous: Sequence[str],
    tokenizer: Tokenizer,
    stopwords: frozenset[str],
    *,
    limit: int = 10,
    min_volume: int = 3,
) -> tuple[list[Hot], list[Hot]]:
    """Return the period's top keywords by TF-IDF, and the keywords that rose most (by cases using them)."""
    now_docs = [terms(text, tokenizer, stopwords) for text in current]
    df_now = Counter(w for doc in now_docs for w in set(doc))
    df_before = Counter(w for text in previous for w in set(terms(text, tokenizer, stopwords)))
    tf = Counter(w for doc in now_docs for w in doc)
    return rank_keywords(df_now, df_before, tf, len(now_docs) + len(previous), limit=limit, min_volume=min_volume)


def rank_keywords(
    df_now: Mapping[str, int],
    df_before: Mapping[str, int],
    tf: Mapping[str, int],
    total_docs: int,
    *,
    limit: int = 10,
    min_volume: int = 3,
) -> tuple[list[Hot], list[Hot]]:
    """Rank keywords counted already: cases using each now (DF_NOW) and before (DF_BEFORE), uses now (TF), cases in both periods."""
    scored = [
        Hot(word, df_now[word], df_before.get(word, 0), weight * (math.log((total_docs + 1) / (df_now[word] + df_before.get(word, 0) + 1)) + 1))
        for word, weight in tf.items()
    ]
    best = sorted(scored, key=lambda h: (-h.score, -h.current, h.name))[:limit]
    return best, rising(df_now, df_before, min_volume, limit)


def top(current: Mapping[str, int], previous: Mapping[str, int], limit: int = 5) -> list[Hot]:
    """Return the names with the most cases now, with their previous counts."""
    ranked = sorted(current.items(), key=lambda item: (-item[1], item[0]))[:limit]
    return [Hot(name, count, previous.get(name, 0), float(count)) for name, count in ranked if count > 0]


def rising(current: Mapping[str, int], previous: Mapping[str, int], min_volume: int, limit: int = 5) -> list[Hot]:
    """Return the names that rose most (by cases, then by ratio) among those with at least MIN_VOLUME now."""
    found = []
    for name, count in current.items():
        before = previous.get(name, 0)
        if count >= min_volume and count > before:
            found.append(Hot(name, count, before, (count - before) / max(before, 1)))
    return sorted(found, key=lambda h: (-h.change, -h.score, h.name))[:limit]
