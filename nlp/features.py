"""Turn a normalised text and its words into the sparse features the learned model uses."""

from __future__ import annotations

from collections.abc import Iterable


def _is_cjk(ch: str) -> bool:
    """Say whether ch is a CJK ideograph."""
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def _useful(word: str, stopwords: frozenset[str]) -> bool:
    """Say whether a word carries meaning (not a stopword, digit run or punctuation)."""
    if word in stopwords or word.isdigit():
        return False
    return any(_is_cjk(ch) or ch.isalpha() for ch in word)


def char_bigrams(text: str) -> Iterable[str]:
    """Yield the bigrams of each run of CJK characters in text."""
    prev = ""
    for ch in text:
        if _is_cjk(ch):
            if prev:
                yield prev + ch
            prev = ch
        else:
            prev = ""


def extract(text: str, words: Iterable[str], stopwords: frozenset[str]) -> frozenset[str]:
    """Return the set of word ("w:") and character-bigram ("b:") features of a text."""
    feats = {"w:" + w for w in words if _useful(w, stopwords)}
    feats.update("b:" + b for b in char_bigrams(text))
    return frozenset(feats)
