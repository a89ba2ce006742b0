"""Design matrices: the two TF-IDF blocks of prepared texts, and the per-department lexicon and rule cues."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from nlp.pipeline import Prepared, TermTable
from nlp.scoring import rule_flags, term_scores

Matrix = npt.NDArray[np.float64]


def _grams(doc: Prepared) -> Sequence[str]:
    """Return the character n-grams of a prepared text (the first block's analyzer)."""
    return doc.grams


def _tokens(doc: Prepared) -> Sequence[str]:
    """Return the words of a prepared text (the second block's analyzer)."""
    return doc.tokens


@dataclass
class Blocks:
    """The two fitted TF-IDF vectorizers (character n-grams, words), as the model exports them."""

    chars: TfidfVectorizer
    words: TfidfVectorizer

    @classmethod
    def fit(cls, docs: Sequence[Prepared], min_df: int = 1) -> Blocks:
        """Fit both vectorizers on prepared texts."""
        chars = TfidfVectorizer(analyzer=_grams, binary=True, min_df=min_df, dtype=np.float32)
        words = TfidfVectorizer(analyzer=_tokens, binary=True, min_df=min_df, dtype=np.float32)
        chars.fit(docs)
        try:
            words.fit(docs)
        except ValueError:  # no word at all (e.g. texts of digits only): an empty block
            words = TfidfVectorizer(analyzer=_tokens, binary=True, min_df=1, dtype=np.float32)
            words.fit([*docs, _placeholder()])
        return cls(chars, words)

    def transform(self, docs: Sequence[Prepared]) -> sp.csr_matrix:
        """Return the stacked TF-IDF matrix of prepared texts."""
        return sp.hstack([self.chars.transform(docs), self.words.transform(docs)], format="csr")

    def vocabularies(self) -> tuple[dict[str, int], dict[str, int], npt.NDArray[np.float32]]:
        """Return the character and word vocabularies (rows of the stacked matrix) and the idf of every row."""
        chars = {str(k): int(v) for k, v in self.chars.vocabulary_.items()}
        offset = len(chars)
        words = {str(k): int(v) + offset for k, v in self.words.vocabulary_.items()}
        idf = np.concatenate([self.chars.idf_, self.words.idf_]).astype(np.float32)
        return chars, words, idf


def _placeholder() -> Prepared:
    """Return a prepared text with one dummy word, so an empty word block can still be fitted."""
    return Prepared(text="", words=(), grams=(), tokens=("\x00",), hits=(), type_hits=(), firings=())


def cue_matrices(
    docs: Sequence[Prepared], terms: TermTable, topics: dict[str, tuple[str, ...]], labels: Sequence[str]
) -> tuple[Matrix, Matrix]:
    """Return √(lexicon weight) and rule flags per text and label."""
    lex = np.array([term_scores(d, terms, labels) for d in docs], dtype=np.float64).reshape(len(docs), len(labels))
    rules = np.array([rule_flags(d, topics, labels) for d in docs], dtype=np.float64).reshape(len(docs), len(labels))
    return np.sqrt(lex), rules
