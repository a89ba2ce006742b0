"""Score a prepared text with the exported model and decide where it goes (or that it is unsure)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from nlp.model import RoutingModel, Vector
from nlp.pipeline import Prepared
from nlp.taxonomy import FALLBACK, Taxonomy

TOP_N = 3
MAX_EVIDENCE = 4
QUESTION_MARKS = ("?", "吗", "么", "呢")
MULTI_DEPARTMENTS = 3
MULTI_RULE = "dispatch.multi"


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
    ranked: tuple[Candidate, ...] = ()

    @property
    def routed(self) -> bool:
        """Say whether the request goes straight to a department (not the command center)."""
        return self.department != FALLBACK

    def display_zh(self) -> str:
        """Return the one-line routing note, e.g. 将转交：区市政设施管理处（依据：井盖、破损）."""
        if self.department == FALLBACK and not self.evidence and self.rule is None:
            return f"将转交：{self.department_zh}人工分拨（未识别出诉求内容）"
        if self.department == FALLBACK and self.guess != FALLBACK:
            maybe = "、".join(f"{c.name_zh} {c.score:.0%}" for c in self.alternatives)
            return f"将转交：{self.department_zh}人工分拨（{self.reason_zh}；可能是：{maybe}）"
        return f"将转交：{self.department_zh}（依据：{self.reason_zh}）"


def _is_cjk(ch: str) -> bool:
    """Say whether ch is a CJK ideograph."""
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def softmax(logits: Sequence[float] | Vector) -> list[float]:
    """Return the softmax of logits (numerically stable)."""
    top = max(logits)
    exps = [math.exp(float(x) - top) for x in logits]
    total = sum(exps)
    return [e / total for e in exps]


def encode(model: RoutingModel, doc: Prepared) -> tuple[list[int], Vector]:
    """Return the rows and TF-IDF values of a text's known features (binary tf × idf, each block l2-normalised)."""
    chars = set(map(model.chars.get, doc.grams))
    words = set(map(model.words.get, doc.tokens))
    chars.discard(None)
    words.discard(None)
    rows: list[int] = [*chars, *words]  # type: ignore[list-item]  # None was discarded
    if not rows:
        return rows, np.zeros(0, dtype=np.float32)
    values: Vector = model.idf[rows]
    split = len(chars)
    squares = values * values
    head, tail = float(squares[:split].sum()), float(squares[split:].sum())
    if head > 0:
        values[:split] /= math.sqrt(head)
    if tail > 0:
        values[split:] /= math.sqrt(tail)
    return rows, values


def term_scores(
    doc: Prepared, terms: Mapping[str, tuple[tuple[str, float], ...]], labels: Sequence[str], index: Mapping[str, int] | None = None
) -> Vector:
    """Return the summed lexicon weight per label (index: the labels' positions, if already known)."""
    if index is None:
        index = {label: i for i, label in enumerate(labels)}
    totals = np.zeros(len(labels), dtype=np.float32)
    for hit in doc.hits:
        for owner, weight in terms.get(hit.term, ()):
            i = index.get(owner)
            if i is not None:
                totals[i] += weight
    return totals


def rule_flags(doc: Prepared, topics: Mapping[str, tuple[str, ...]], labels: Sequence[str]) -> Vector:
    """Return 1 for each label owning the topic of a rule that fired (capped at 1), else 0."""
    flags = np.zeros(len(labels), dtype=np.float32)
    for firing in doc.firings:
        for owner in topics.get(firing.rule.topic, ()):
            if owner in labels:
                flags[labels.index(owner)] = 1.0
    return flags


def strong_departments(
    doc: Prepared,
    terms: Mapping[str, tuple[tuple[str, float], ...]],
    topics: Mapping[str, tuple[str, ...]],
    labels: Sequence[str],
    strong_cue: float,
) -> list[str]:
    """Return the departments with a strong cue in the text: a rule they own, or lexicon weight ≥ strong_cue."""
    lex = term_scores(doc, terms, labels)
    rules = rule_flags(doc, topics, labels)
    return [c for i, c in enumerate(labels) if c != FALLBACK and (lex[i] >= strong_cue or rules[i] > 0)]


class Scorer:
    """Score prepared texts with one exported model and one threshold."""

    def __init__(self, taxonomy: Taxonomy, model: RoutingModel, threshold: float | None = None) -> None:
        """Keep the parts the decision needs (threshold None: the model's calibrated one)."""
        self.taxonomy = taxonomy
        self.model = model
        self.threshold = model.threshold if threshold is None else threshold
        self.labels = model.labels
        self._index = {label: i for i, label in enumerate(self.labels)}
        self._names = {code: taxonomy.name_zh(code) for code in (*self.labels, FALLBACK)}

    def logits(self, doc: Prepared) -> Vector:
        """Return one logit per department label."""
        return self._logits(doc, term_scores(doc, self.model.terms, self.labels, self._index), rule_flags(doc, self.model.topics, self.labels))

    def _logits(self, doc: Prepared, lex: Vector, flags: Vector) -> Vector:
        """Return the logits given the text's lexicon weights and rule flags."""
        model = self.model
        head = model.department
        rows, values = encode(model, doc)
        logits = head.bias.copy()
        if rows:
            logits += values @ head.weights[rows]
        logits += model.lexicon_weight * np.sqrt(lex) + model.rule_weight * flags
        return logits

    def probabilities(self, doc: Prepared) -> list[float]:
        """Return the calibrated probability of each department label."""
        return softmax(self.logits(doc))

    def classify(self, doc: Prepared) -> Classification:
        """Decide the department for a prepared text: the command center below the threshold or for several departments."""
        if not any(_is_cjk(ch) for ch in doc.text) and not doc.hits:
            return self._unrecognised()
        model = self.model
        lex = term_scores(doc, model.terms, self.labels, self._index)
        flags = rule_flags(doc, model.topics, self.labels)
        probs = softmax(self._logits(doc, lex, flags))
        order = sorted(range(len(probs)), key=lambda i: -probs[i])
        best = order[0]
        guess = self.labels[best]
        confidence = probs[best]
        names = self._names
        ranked = tuple(Candidate(self.labels[i], names[self.labels[i]], round(probs[i], 4)) for i in order)
        alternatives = ranked[:TOP_N]
        evidence, rule, reason = self._explain(doc, guess, best)
        department = guess
        strong = [c for i, c in enumerate(self.labels) if c != FALLBACK and (lex[i] >= model.strong_cue or flags[i] > 0)]
        if guess != FALLBACK and len(strong) >= MULTI_DEPARTMENTS:
            department, rule = FALLBACK, MULTI_RULE
            reason = "涉及多个部门（" + "、".join(names[c] for c in strong) + "）"
        elif guess != FALLBACK and confidence < self.threshold:
            department = FALLBACK
            reason = f"把握不足（{confidence:.0%}）"
        return Classification(
            department=department,
            department_zh=names[department],
            confidence=round(confidence, 4),
            guess=guess,
            alternatives=alternatives,
            evidence=evidence,
            rule=rule,
            reason_zh=reason,
            ranked=ranked,
        )

    def _unrecognised(self) -> Classification:
        """Return the answer for a text with nothing to go on (empty, emoji, digits, no Chinese): the command center, confidence 0."""
        probs = softmax(self.model.department.bias)
        order = sorted(range(len(probs)), key=lambda i: -probs[i])[:TOP_N]
        return Classification(
            department=FALLBACK,
            department_zh=self.taxonomy.name_zh(FALLBACK),
            confidence=0.0,
            guess=FALLBACK,
            alternatives=tuple(Candidate(self.labels[i], self.taxonomy.name_zh(self.labels[i]), 0.0) for i in order),
            evidence=(),
            rule=None,
            reason_zh="未识别出诉求内容",
        )

    def _explain(self, doc: Prepared, guess: str, index: int) -> tuple[tuple[str, ...], str | None, str]:
        """Return the deciding words, the rule (if one of guess's topics fired) and a Chinese reason."""
        weighted = [
            (weight, hit.start, hit.term)
            for hit in doc.hits
            for owner, weight in self.model.terms.get(hit.term, ())
            if owner == guess
        ]
        words = [term for _w, _s, term in sorted(weighted, key=lambda x: (-x[0], x[1]))]
        firing = next((f for f in doc.firings if guess in self.model.topics.get(f.rule.topic, ())), None)
        if firing is not None:
            words = [*firing.terms, *words]
        if not words:
            words = self._learned_words(doc, index)
        evidence = tuple(dict.fromkeys(words))[:MAX_EVIDENCE]
        if firing is not None:
            return evidence, firing.rule.topic, firing.reason_zh()
        reason = "、".join(evidence) if evidence else "没有可识别的关键词"
        return evidence, None, reason

    def _learned_words(self, doc: Prepared, index: int) -> list[str]:
        """Return the words whose learned weight favours the chosen label most."""
        model = self.model
        weights = model.department.weights
        scored = []
        for word in dict.fromkeys(doc.tokens):
            row = model.words.get(word)
            if row is not None and len(word) > 1:
                lift = float(weights[row, index] - weights[row].mean())
                if lift > 0:
                    scored.append((lift, word))
        return [w for _s, w in sorted(scored, reverse=True)[:3]]

    def request_type(self, doc: Prepared, type_terms: Mapping[str, tuple[tuple[str, float], ...]]) -> str:
        """Guess the request type (help/complaint/suggestion/consultation) of a prepared text."""
        head = self.model.request_type
        labels = head.labels
        if not labels:
            return "complaint"
        cues = np.zeros(len(labels), dtype=np.float32)
        index = {label: i for i, label in enumerate(labels)}
        for hit in doc.type_hits:
            for owner, weight in type_terms.get(hit.term, ()):
                if owner in index:
                    cues[index[owner]] += weight
        if "consultation" in index and any(m in doc.text[-6:] for m in QUESTION_MARKS):
            cues[index["consultation"]] += 1.0
        if not doc.text or (not cues.any() and not doc.grams):
            return "complaint" if "complaint" in index else labels[0]
        rows, values = encode(self.model, doc)
        logits = head.bias.copy()
        if rows:
            logits += values @ head.weights[rows]
        if head.cues.size:
            logits += cues @ head.cues
        return labels[int(np.argmax(logits))]
