"""Prepare a text once for scoring: normalise, cut, count n-grams, find lexicon terms and rules."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from nlp.features import char_ngrams, word_tokens
from nlp.lexicon import Hit, Lexicon, TermMatcher
from nlp.rules import BoundaryRule, RuleFiring, fire, negated
from nlp.text import Normaliser
from nlp.tokenizer import Tokenizer

TermTable = Mapping[str, tuple[tuple[str, float], ...]]


@dataclass(frozen=True)
class Prepared:
    """Everything the scorers need to know about one text."""

    text: str
    words: tuple[str, ...]
    grams: tuple[str, ...]
    tokens: tuple[str, ...]
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
        terms: TermTable | None = None,
    ) -> None:
        """Keep the collaborators and index the department terms (the lexicon's, or a model's own)."""
        self.lexicon = lexicon
        self.normaliser = normaliser
        self.tokenizer = tokenizer
        self.rules = tuple(rules)
        self.terms: TermTable = lexicon.department_terms if terms is None else terms
        self._dept_matcher = TermMatcher(self.terms)
        self._type_matcher = TermMatcher(lexicon.type_terms)

    def with_terms(self, terms: TermTable) -> Featurizer:
        """Return a featurizer sharing everything but the department term table."""
        return Featurizer(self.lexicon, self.normaliser, self.tokenizer, self.rules, terms)

    def prepare(self, raw: str, *, types: bool = True) -> Prepared:
        """Normalise raw text and collect words, n-grams, lexicon hits and fired rules (types: the request-type cues too)."""
        text = self.normaliser(raw if isinstance(raw, str) else "")
        words = tuple(self.tokenizer.cut(text)) if text else ()
        return Prepared(
            text=text,
            words=words,
            grams=tuple(char_ngrams(text)),
            tokens=tuple(word_tokens(words, self.lexicon.stopwords)),
            hits=tuple(h for h in self._dept_matcher.find(text) if not negated(text, h.start)),
            type_hits=tuple(self._type_matcher.find(text)) if types else (),
            firings=fire(self.rules, text),
        )
