"""Prepare a text once for scoring: normalise, cut, extract features, find lexicon terms and rules."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from nlp.features import extract
from nlp.lexicon import Hit, Lexicon, TermMatcher
from nlp.rules import BoundaryRule, RuleFiring, fire
from nlp.text import Normaliser
from nlp.tokenizer import Tokenizer


@dataclass(frozen=True)
class Prepared:
    """Everything the scorers need to know about one text."""

    text: str
    words: tuple[str, ...]
    features: frozenset[str]
    hits: tuple[Hit, ...]
    type_hits: tuple[Hit, ...]
    firings: tuple[RuleFiring, ...]


class Featurizer:
    """Turn raw text into a Prepared record using the lexicon, tokenizer and rules."""

    def __init__(
        self,
        lexicon: Lexicon,
        normaliser: Normaliser,
        tokenizer: Tokenizer,
        rules: Sequence[BoundaryRule],
    ) -> None:
        """Keep the collaborators and index the lexicon terms."""
        self.lexicon = lexicon
        self.normaliser = normaliser
        self.tokenizer = tokenizer
        self.rules = tuple(rules)
        self._dept_matcher = TermMatcher(lexicon.department_terms)
        self._type_matcher = TermMatcher(lexicon.type_terms)

    def prepare(self, raw: str) -> Prepared:
        """Normalise raw text and collect words, features, lexicon hits and fired rules."""
        text = self.normaliser(raw if isinstance(raw, str) else "")
        words = tuple(self.tokenizer.cut(text)) if text else ()
        return Prepared(
            text=text,
            words=words,
            features=extract(text, words, self.lexicon.stopwords),
            hits=tuple(self._dept_matcher.find(text)),
            type_hits=tuple(self._type_matcher.find(text)),
            firings=fire(self.rules, text),
        )
