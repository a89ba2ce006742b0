"""Measure routing quality: accuracy, macro-F1, per-department figures, coverage at the threshold, calibration."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from nlp.pipeline import Prepared
from nlp.scoring import Classification, Scorer
from nlp.taxonomy import FALLBACK, Taxonomy
from nlp.training import LabelledRow


@dataclass(frozen=True)
class Outcome:
    """One evaluated example: its label, the top guess and the answer at the threshold."""

    text: str
    label: str
    guess: str
    answer: str
    confidence: float

    @property
    def correct(self) -> bool:
        """Say whether the top guess is right (a dispatch label also accepts a dispatch answer)."""
        return self.guess == self.label or (self.label == FALLBACK and self.answer == FALLBACK)


@dataclass(frozen=True)
class Report:
    """Aggregate figures over a list of outcomes."""

    outcomes: tuple[Outcome, ...]
    labels: tuple[str, ...]
    threshold: float

    @property
    def n(self) -> int:
        """Return the number of examples."""
        return len(self.outcomes)

    @property
    def accuracy(self) -> float:
        """Return top-1 accuracy (a command-center label also accepts a command-center answer)."""
        return _ratio(sum(o.correct for o in self.outcomes), self.n)

    @property
    def top1(self) -> float:
        """Return the share of texts whose best guess is exactly their label."""
        return _ratio(sum(o.guess == o.label for o in self.outcomes), self.n)

    def calibration(self) -> tuple[list[dict[str, float]], float]:
        """Return the reliability table of the best guess's confidence and the expected calibration error."""
        return reliability([o.confidence for o in self.outcomes], [o.guess == o.label for o in self.outcomes])

    def _predicted(self, o: Outcome) -> str:
        """Return the prediction used for precision/recall (dispatch answers count as dispatch)."""
        return o.label if o.correct else o.guess

    def precision_recall(self) -> dict[str, tuple[float, float, int]]:
        """Return precision, recall and support per label."""
        result: dict[str, tuple[float, float, int]] = {}
        for label in self.labels:
            tp = sum(1 for o in self.outcomes if o.label == label and self._predicted(o) == label)
            pred = sum(1 for o in self.outcomes if self._predicted(o) == label)
            support = sum(1 for o in self.outcomes if o.label == label)
            result[label] = (_ratio(tp, pred), _ratio(tp, support), support)
        return result

    @property
    def macro_f1(self) -> float:
        """Return the mean F1 over labels that occur in the data."""
        f1s = [
            (2 * p * r / (p + r)) if p + r else 0.0
            for p, r, support in self.precision_recall().values()
            if support
        ]
        return _ratio(sum(f1s), len(f1s))

    @property
    def routed(self) -> list[Outcome]:
        """Return the outcomes answered with a department (not dispatch)."""
        return [o for o in self.outcomes if o.answer != FALLBACK]

    @property
    def coverage(self) -> float:
        """Return the share of examples routed automatically at the threshold."""
        return _ratio(len(self.routed), self.n)

    @property
    def accuracy_routed(self) -> float:
        """Return the accuracy among automatically routed examples."""
        routed = self.routed
        return _ratio(sum(o.answer == o.label for o in routed), len(routed))

    def confusions(self, top: int = 10) -> list[tuple[str, str, int]]:
        """Return the most frequent (label, guess, count) mistakes."""
        counts = Counter((o.label, o.guess) for o in self.outcomes if not o.correct)
        return [(a, b, c) for (a, b), c in counts.most_common(top)]

    def to_json(self) -> dict[str, Any]:
        """Return the figures as one JSON-ready dict."""
        table, ece = self.calibration()
        return {
            "n": self.n,
            "threshold": round(self.threshold, 4),
            "accuracy": round(self.accuracy, 4),
            "macro_f1": round(self.macro_f1, 4),
            "coverage": round(self.coverage, 4),
            "accuracy_routed": round(self.accuracy_routed, 4),
            "top1": round(self.top1, 4),
            "ece": round(ece, 4),
            "reliability": table,
            "per_department": {
                k: {"precision": round(p, 4), "recall": round(r, 4), "support": s}
                for k, (p, r, s) in self.precision_recall().items()
                if s
            },
            "confusions": [{"label": a, "guess": b, "count": c} for a, b, c in self.confusions()],
        }

    def format_zh(self, taxonomy: Taxonomy) -> str:
        """Return a readable multi-line summary."""
        lines = [
            f"样本数: {self.n}",
            f"准确率 (top-1): {self.accuracy:.1%}",
            f"宏平均 F1: {self.macro_f1:.3f}",
            f"阈值 {self.threshold:.2f} 下自动分拨比例: {self.coverage:.1%}，其中正确: {self.accuracy_routed:.1%}",
            f"期望校准误差 (ECE): {self.calibration()[1]:.3f}",
            "",
            f"{'部门':<10}{'精确率':>8}{'召回率':>8}{'样本':>6}  名称",
        ]
        for code, (p, r, s) in self.precision_recall().items():
            if s:
                lines.append(f"{code:<10}{p:>9.1%}{r:>9.1%}{s:>7}  {taxonomy.name_zh(code)}")
        lines += ["", "可靠性（置信度区间: 样本 平均置信度 实际准确率）:"]
        lines += [
            f"  {r['from']:.1f}-{r['to']:.1f}: {r['n']:>4}  {r['confidence']:.2f}  {r['accuracy']:.2f}"
            for r in self.calibration()[0]
            if r["n"]
        ]
        mistakes = self.confusions()
        if mistakes:
            lines += ["", "最常见的混淆（应为 → 判为: 次数）:"]
            lines += [f"  {a} → {b}: {c}" for a, b, c in mistakes]
        return "\n".join(lines)


def _ratio(a: float, b: float) -> float:
    """Return a / b, or 0 when b is 0."""
    return a / b if b else 0.0


def outcome(row: LabelledRow, result: Classification) -> Outcome:
    """Pair a labelled row with the classifier's answer."""
    return Outcome(row.text, row.department, result.guess, result.department, result.confidence)


def evaluate_prepared(scorer: Scorer, docs: Sequence[tuple[Prepared, LabelledRow]]) -> Report:
    """Evaluate a scorer on prepared, labelled examples."""
    outcomes = tuple(outcome(row, scorer.classify(doc)) for doc, row in docs)
    return Report(outcomes, scorer.labels, scorer.threshold)


def reliability(conf: Sequence[float], correct: Sequence[bool], bins: int = 10) -> tuple[list[dict[str, float]], float]:
    """Return the reliability table (confidence deciles: count, mean confidence, accuracy) and the ECE."""
    table: list[dict[str, float]] = []
    total = len(conf)
    ece = 0.0
    for b in range(bins):
        low, high = b / bins, (b + 1) / bins
        members = [i for i, c in enumerate(conf) if low <= c < high or (b == bins - 1 and c >= high)]
        row = {"from": round(low, 2), "to": round(high, 2), "n": len(members), "confidence": 0.0, "accuracy": 0.0}
        if members:
            mean_conf = sum(conf[i] for i in members) / len(members)
            accuracy = sum(1 for i in members if correct[i]) / len(members)
            ece += len(members) / total * abs(mean_conf - accuracy)
            row.update(confidence=round(mean_conf, 4), accuracy=round(accuracy, 4))
        table.append(row)
    return table, ece


def crossval(
    rows: Sequence[LabelledRow],
    classify: Callable[[Sequence[LabelledRow]], Callable[[LabelledRow], Classification]],
    labels: Sequence[str],
    *,
    folds: int = 5,
    seed: int = 13,
) -> Report:
    """Train on k-1 folds with the whole recipe (its own calibration included) and evaluate on the held-out fold, k times."""
    k = max(2, min(folds, len(rows)))
    outcomes: list[Outcome] = []
    threshold = 0.0
    for held in folds_of(len(rows), k, seed):
        held_set = set(held)
        trained = classify([r for i, r in enumerate(rows) if i not in held_set])
        results = [(rows[i], trained(rows[i])) for i in held]
        outcomes.extend(outcome(row, result) for row, result in results)
    return Report(tuple(outcomes), tuple(labels), threshold)


def folds_of(n: int, k: int, seed: int = 13) -> list[list[int]]:
    """Split range(n) into k shuffled folds of near-equal size."""
    order = list(range(n))
    random.Random(seed).shuffle(order)
    return [order[i::k] for i in range(k)]
