"""Combine learned weights, lexicon hits and boundary rules into a routing decision."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from nlp.lexicon import Hit, Lexicon
from nlp.model import NaiveBayes, RoutingModel, ScoringParams
from nlp.pipeline import Prepared
from nlp.taxonomy import FALLBACK, Taxonomy

TOP_N = 3
MAX_EVIDENCE = 4
QUESTION_MARKS = ("?", "吗", "么", "呢")


@dataclass(frozen=True)
class Candidate:
    """One possible department with its probability."""

    code: str
    name_zh: str
    score: float


@dataclass(frozen=True)
class Classification:
    """Where a request goes, how sure we are, the runners-up and why."""

    department: str
    department_zh: str
    confidence: float
    guess: str
    alternatives: tuple[Candidate, ...]
    evidence: tuple[str, ...]
    rule: str | None
    reason_zh: str

    @property
    def routed(self) -> bool:
        """Say whether the request goes straight to a department (not the command center)."""
        return self.department != FALLBACK

    def display_zh(self) -> str:
        """Return the one-line routing note, e.g. 将转交：区市政设施管理处（依据：井盖、破损）."""
        if self.department == FALLBACK and self.guess != FALLBACK and not self.evidence:
            return f"将转交：{self.department_zh}人工分拨（未识别出诉求内容）"
        if self.department == FALLBACK and self.guess != FALLBACK:
            maybe = "、".join(f"{c.name_zh} {c.score:.0%}" for c in self.alternatives)
            return f"将转交：{self.department_zh}人工分拨（把握不足；可能是：{maybe}）"
        return f"将转交：{self.department_zh}（依据：{self.reason_zh}）"


def softmax(logits: Sequence[float]) -> list[float]:
    """Return the softmax of logits (numerically stable)."""
    top = max(logits)
    exps = [math.exp(x - top) for x in logits]
    total = sum(exps)
    return [e / total for e in exps]


def _length_scaled(scores: list[float], n_known: int, power: float) -> list[float]:
    """Centre naive Bayes scores on their maximum and damp them for long texts."""
    if n_known == 0:
        return [0.0] * len(scores)
    top = max(scores)
    scale = n_known**power
    return [(s - top) / scale for s in scores]


def _sum_hits(
    hits: Sequence[Hit], table: Mapping[str, tuple[tuple[str, float], ...]], labels: Sequence[str]
) -> list[float]:
    """Add up the lexicon weights per label."""
    index = {label: i for i, label in enumerate(labels)}
    totals = [0.0] * len(labels)
    for hit in hits:
        for owner, weight in table.get(hit.term, ()):
            i = index.get(owner)
            if i is not None:
                totals[i] += weight
    return totals


class Scorer:
    """Score prepared texts with one trained model, one lexicon and one threshold."""

    def __init__(
        self, taxonomy: Taxonomy, lexicon: Lexicon, model: RoutingModel, threshold: float
    ) -> None:
        """Keep the parts the decision needs."""
        self.taxonomy = taxonomy
        self.lexicon = lexicon
        self.model = model
        self.threshold = threshold
        self.labels = model.department.labels

    def logits(self, doc: Prepared) -> list[float]:
        """Return one logit per department label."""
        params: ScoringParams = self.model.params
        nb_scores, known = self.model.department.scores(doc.features)
        nb = _length_scaled(nb_scores, len(known), params.length_power)
        lex = _sum_hits(doc.hits, self.lexicon.department_terms, self.labels)
        rules = [0.0] * len(self.labels)
        for firing in doc.firings:
            if firing.rule.target in self.labels:
                rules[self.labels.index(firing.rule.target)] += firing.rule.bonus
        return [
            (params.nb_weight * a + params.lexicon_weight * b**params.lexicon_power + params.rule_weight * c)
            / params.temperature
            for a, b, c in zip(nb, lex, rules, strict=True)
        ]

    def classify(self, doc: Prepared) -> Classification:
        """Decide the department for a prepared text, falling back below the threshold."""
        probs = softmax(self.logits(doc))
        order = sorted(range(len(probs)), key=lambda i: -probs[i])
        best = order[0]
        guess = self.labels[best]
        confidence = probs[best]
        department = guess if confidence >= self.threshold else FALLBACK
        alternatives = tuple(
            Candidate(self.labels[i], self.taxonomy.name_zh(self.labels[i]), round(probs[i], 4))
            for i in order[:TOP_N]
        )
        evidence, rule, reason = self._explain(doc, guess, best)
        if department == FALLBACK and guess != FALLBACK:
            reason = f"把握不足（{confidence:.0%}）"
        return Classification(
            department=department,
            department_zh=self.taxonomy.name_zh(department),
            confidence=round(confidence, 4),
            guess=guess,
            alternatives=alternatives,
            evidence=evidence,
            rule=rule,
            reason_zh=reason,
        )

    def _explain(self, doc: Prepared, guess: str, index: int) -> tuple[tuple[str, ...], str | None, str]:
        """Return the deciding words, the rule name (if one fired for guess) and a Chinese reason."""
        weighted = [
            (weight, hit.start, hit.term)
            for hit in doc.hits
            for owner, weight in self.lexicon.department_terms.get(hit.term, ())
            if owner == guess
        ]
        words = [term for _w, _s, term in sorted(weighted, key=lambda x: (-x[0], x[1]))]
        firing = next((f for f in doc.firings if f.rule.target == guess), None)
        if firing is not None:
            words = [*firing.terms, *words]
        if not words:
            words = self._learned_words(doc, index)
        evidence = tuple(dict.fromkeys(words))[:MAX_EVIDENCE]
        if firing is not None:
            return evidence, firing.rule.name, firing.reason_zh()
        reason = "、".join(evidence) if evidence else "没有可识别的关键词"
        return evidence, None, reason

    def _learned_words(self, doc: Prepared, index: int) -> list[str]:
        """Return the words the learned model weighs most towards the chosen label."""
        model: NaiveBayes = self.model.department
        scored = [
            (model.contribution(f, index), f[2:]) for f in doc.features if f.startswith("w:") and len(f) > 3
        ]
        return [w for s, w in sorted(scored, reverse=True) if s > 0][:3]

    def request_type(self, doc: Prepared) -> str:
        """Guess the request type (help/complaint/suggestion/consultation) of a prepared text."""
        model = self.model.request_type
        labels = model.labels
        nb_scores, known = model.scores(doc.features)
        nb = _length_scaled(nb_scores, len(known), self.model.params.length_power)
        cues = _sum_hits(doc.type_hits, self.lexicon.type_terms, labels)
        if "consultation" in labels and any(m in doc.text[-6:] for m in QUESTION_MARKS):
            cues[labels.index("consultation")] += 1.0
        logits = [a + b for a, b in zip(nb, cues, strict=True)]
        if not doc.text or max(logits) == min(logits):
            return "complaint" if "complaint" in labels else labels[0]
        return labels[max(range(len(labels)), key=lambda i: logits[i])]
