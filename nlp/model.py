"""A multinomial naive Bayes model over sparse features, trained in pure Python and kept as JSON."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from nlp.errors import NlpInputError

FORMAT = "qungong-nlp-model"
VERSION = 1


@dataclass(frozen=True)
class NaiveBayes:
    """Per-label log weights of features; unknown features are ignored."""

    labels: tuple[str, ...]
    prior: tuple[float, ...]
    base: tuple[float, ...]
    weights: Mapping[str, tuple[tuple[int, float], ...]]
    alpha: float

    def scores(self, feats: Iterable[str]) -> tuple[list[float], list[str]]:
        """Return the log joint score per label and the known features that contributed."""
        totals = list(self.prior)
        known: list[str] = []
        weights = self.weights
        for feat in feats:
            row = weights.get(feat)
            if row is None:
                continue
            known.append(feat)
            for idx, value in row:
                totals[idx] += value
        n = len(known)
        return [t + n * b for t, b in zip(totals, self.base, strict=True)], known

    def contribution(self, feat: str, label: int) -> float:
        """Return how much one feature favours label over the average label."""
        row = dict(self.weights.get(feat, ()))
        mean = sum(row.values()) / len(self.labels)
        return row.get(label, 0.0) + self.base[label] - mean - sum(self.base) / len(self.labels)

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict of the model."""
        return {
            "labels": list(self.labels),
            "prior": [round(p, 5) for p in self.prior],
            "base": [round(b, 5) for b in self.base],
            "alpha": self.alpha,
            "weights": {
                f: [[i, round(v, 4)] for i, v in row] for f, row in sorted(self.weights.items())
            },
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> NaiveBayes:
        """Rebuild a model from its JSON dict."""
        try:
            return cls(
                labels=tuple(str(x) for x in data["labels"]),
                prior=tuple(float(x) for x in data["prior"]),
                base=tuple(float(x) for x in data["base"]),
                alpha=float(data["alpha"]),
                weights={
                    str(f): tuple((int(i), float(v)) for i, v in row)
                    for f, row in data["weights"].items()
                },
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise NlpInputError(f"模型文件格式不对: {exc}") from exc


def train_naive_bayes(
    docs: Sequence[tuple[frozenset[str], str]],
    labels: Sequence[str],
    alpha: float = 0.1,
    prior_strength: float = 0.0,
) -> NaiveBayes:
    """Fit a binarised multinomial naive Bayes model (Laplace smoothing alpha)."""
    index = {label: i for i, label in enumerate(labels)}
    counts: dict[str, dict[int, int]] = {}
    totals = [0] * len(labels)
    docs_per = [0] * len(labels)
    for feats, label in docs:
        li = index[label]
        docs_per[li] += 1
        totals[li] += len(feats)
        for feat in feats:
            row = counts.setdefault(feat, {})
            row[li] = row.get(li, 0) + 1
    vocab = max(len(counts), 1)
    base = tuple(math.log(alpha / (totals[i] + alpha * vocab)) for i in range(len(labels)))
    n_docs = max(sum(docs_per), 1)
    prior = tuple(
        prior_strength * math.log((docs_per[i] + 1) / (n_docs + len(labels)))
        for i in range(len(labels))
    )
    weights = {
        feat: tuple((i, math.log1p(c / alpha)) for i, c in sorted(row.items()))
        for feat, row in counts.items()
    }
    return NaiveBayes(tuple(labels), prior, base, weights, alpha)


@dataclass(frozen=True)
class ScoringParams:
    """How the learned scores, lexicon weights and rule bonuses combine into one logit.

    Defaults were chosen by 5-fold cross-validation (see nlp/README_NLP.md): the
    curated lexicon carries most of the weight, the learned naive Bayes scores
    (divided by the number of known features) settle what the lexicon leaves open.
    """

    nb_weight: float = 0.5
    lexicon_weight: float = 2.0
    lexicon_power: float = 0.5
    rule_weight: float = 1.0
    temperature: float = 1.0
    length_power: float = 1.0

    def to_json(self) -> dict[str, float]:
        """Return a JSON-ready dict."""
        return dict(self.__dict__)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ScoringParams:
        """Rebuild from a JSON dict, keeping defaults for missing keys."""
        known = {k: float(v) for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


@dataclass(frozen=True)
class RoutingModel:
    """The learned part of the classifier: department and request-type models plus scoring params."""

    department: NaiveBayes
    request_type: NaiveBayes
    params: ScoringParams
    trained_on: int

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict with a format marker."""
        return {
            "format": FORMAT,
            "version": VERSION,
            "trained_on": self.trained_on,
            "params": self.params.to_json(),
            "department": self.department.to_json(),
            "request_type": self.request_type.to_json(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RoutingModel:
        """Rebuild a model from its JSON dict, refusing other formats."""
        if not isinstance(data, Mapping) or data.get("format") != FORMAT:
            raise NlpInputError("不是群工分类模型文件（format 字段不对）")
        if data.get("version") != VERSION:
            raise NlpInputError(f"模型文件版本 {data.get('version')} 不受支持（需要 {VERSION}）")
        return cls(
            department=NaiveBayes.from_json(data["department"]),
            request_type=NaiveBayes.from_json(data["request_type"]),
            params=ScoringParams.from_json(data.get("params", {})),
            trained_on=int(data.get("trained_on", 0)),
        )
