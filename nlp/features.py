"""Turn a normalised text and its words into the token streams the learned model counts.

Two streams, each weighed by TF-IDF and normalised on its own: character 1- to 3-grams within
runs of letters (CJK, Latin or digits), and the jieba words that carry meaning.
"""

from __future__ import annotations

from collections.abc import Iterable

MAX_N = 3


def _is_cjk(ch: str) -> bool:
    """Say whether ch is a CJK ideograph."""
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def _is_letter(ch: str) -> bool:
    """Say whether ch belongs to a run the character n-grams are taken from."""
    return _is_cjk(ch) or ch.isalnum()


def useful(word: str, stopwords: frozenset[str]) -> bool:
    """Say whether a word carries meaning (not a stopword, digit run or punctuation)."""
    if word in stopwords or word.isdigit():
        return False
    return any(_is_cjk(ch) or ch.isalpha() for ch in word)


def runs(text: str) -> list[str]:
    """Return the runs of letters in text (CJK characters, Latin letters, digits)."""
    found: list[str] = []
    start = -1
    for i, ch in enumerate(text):
        if _is_letter(ch):
            if start < 0:
                start = i
        elif start >= 0:
            found.append(text[start:i])
            start = -1
    if start >= 0:
        found.append(text[start:])
    return found


def char_ngrams(text: str, max_n: int = MAX_N) -> list[str]:
    """Return the character 1- to max_n-grams of each run of letters, in order, with repeats."""
    grams: list[str] = []
    for run in runs(text):
        size = len(run)
        for n in range(1, max_n + 1):
            grams.extend(run[i : i + n] for i in range(size - n + 1))
    return grams


def word_tokens(words: Iterable[str], stopwords: frozenset[str]) -> list[str]:
    """Return the meaningful words, in order, with repeats."""
    return [w for w in words if useful(w, stopwords)]
