"""Figures of a trained model on its own held-out (cross-fitted) predictions."""

from __future__ import annotations

from typing import Any

import numpy as np

from nlp.evaluate import Outcome, Report
from nlp.learn.fit import Fitted
from nlp.taxonomy import FALLBACK


def held_out_report(fitted: Fitted, calibrated_only: bool = True) -> Report:
    """Return the report of the cross-fitted predictions at the model's threshold (calibration rows only, by default)."""
    labels = fitted.labels
    threshold = fitted.model.threshold
    outcomes = []
    for i in range(len(fitted.y)):
        if calibrated_only and not fitted.calibrated[i]:
            continue
        probs = fitted.probabilities[i]
        best = int(np.argmax(probs))
        guess = labels[best]
        routed = not fitted.decided[i] and probs[best] >= threshold
        answer = guess if routed else FALLBACK
        outcomes.append(Outcome("", labels[int(fitted.y[i])], guess, answer, float(probs[best])))
    return Report(tuple(outcomes), labels, threshold)


def held_out_figures(fitted: Fitted) -> dict[str, Any]:
    """Return the headline figures of the held-out predictions (what `qungong nlp train` reports)."""
    report = held_out_report(fitted)
    data = report.to_json()
    return {k: data[k] for k in ("n", "accuracy", "top1", "macro_f1", "coverage", "accuracy_routed", "ece")}
