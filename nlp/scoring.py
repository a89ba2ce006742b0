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
    """Return the rows and TF-IDF values of a text's known features (each block l2-normalised)."""
    rows: list[int] = []
    values: list[Vector] = []
    for tokens, vocab in ((doc.grams, model.chars), (doc.tokens, model.words)):
        counts: dict[int, int] = {}
        for token in tokens:
            row = vocab.get(token)
            if row is not None:
                counts[row] = counts.get(row, 0) + 1
        if not counts:
            continue
        ids = list(counts)
        tf = np.fromiter(counts.values(), dtype=np.float32, count=len(ids))
        block: Vector = ((1.0 + np.log(tf)) * model.idf[ids]).astype(np.float32)
        norm = float(np.sqrt(block @ block))
        rows.extend(ids)
        values.append(block / norm if norm else block)
    return rows, (np.concatenate(values) if values else np.zeros(0, dtype=np.float32))


def term_scores(doc: Prepared, terms: Mapping[str, tuple[tuple[str, float], ...]], labels: Sequence[str]) -> Vector:
    """Return the summed lexicon weight per label."""
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

    def logits(self, doc: Prepared) -> Vector:
        """Return one logit per department label."""
        model = self.model
        head = model.department
        rows, values = encode(model, doc)
        logits = head.bias.copy()
        if rows:
            logits += values @ head.weights[rows]
        lex = term_scores(doc, model.terms, self.labels)
        logits += model.lexicon_weight * np.sqrt(lex) + model.rule_weight * rule_flags(doc, model.topics, self.labels)
        return logits

    def probabilities(self, doc: Prepared) -> list[float]:
        """Return the calibrated probability of each department label."""
        return softmax(self.logits(doc))

    def classify(self, doc: Prepared) -> Classification:
        """Decide the department for a prepared text: the command center below the threshold or for several departments."""
        if not any(_is_cjk(ch) for ch in doc.text) and not doc.hits:
            return self._unrecognised()
        probs = self.probabilities(doc)
        order = sorted(range(len(probs)), key=lambda i: -probs[i])
        best = order[0]
        guess = self.labels[best]
        confidence = probs[best]
        alternatives = tuple(
            Candidate(self.labels[i], self.taxonomy.name_zh(self.labels[i]), round(probs[i], 4)) for i in order[:TOP_N]
        )
        evidence, rule, reason = self._explain(doc, guess, best)
        department = guess
        model = self.model
        strong = strong_departments(doc, model.terms, model.topics, self.labels, model.strong_cue)
        if guess != FALLBACK and len(strong) >= MULTI_DEPARTMENTS:
            department, rule = FALLBACK, MULTI_RULE
            reason = "涉及多个部门（" + "、".join(self.taxonomy.name_zh(c) for c in strong) + "）"
        elif guess != FALLBACK and confidence < self.threshold:
            department = FALLBACK
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
