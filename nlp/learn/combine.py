"""Calibration fitted on held-out folds: a multinomial logistic combiner, and the threshold for a target precision.

The combiner turns the cross-fitted scores of the two text models (LinearSVC decision values,
naive Bayes log-likelihoods) plus the lexicon and rule cues into probabilities:
``softmax(a_svm·svm + a_nb·nb + b_lex·√lexicon + b_rule·rules + bias)``. Its few weights are shared
by every department (a department with no lexicon words simply has no lexicon cue), fitted by
maximum likelihood on predictions the text models made for texts they were not trained on. The
rule weight is capped, so no rule alone can make a wrong department certain.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize

Matrix = npt.NDArray[np.float64]
RULE_CAP = 2.5
BIAS_PENALTY = 0.05


@dataclass(frozen=True)
class Combiner:
    """The fitted calibration: weights of the two text scores and the two cues, and one bias per label."""

    svm: float
    nb: float
    lexicon: float
    rule: float
    bias: tuple[float, ...]

    def logits(self, svm: Matrix, nb: Matrix, lexicon: Matrix, rules: Matrix) -> Matrix:
        """Return the calibrated logits."""
        out: Matrix = self.svm * svm + self.nb * nb + self.lexicon * lexicon + self.rule * rules + np.asarray(self.bias)
        return out

    def probabilities(self, svm: Matrix, nb: Matrix, lexicon: Matrix, rules: Matrix) -> Matrix:
        """Return the calibrated probabilities (rows sum to 1)."""
        return softmax_rows(self.logits(svm, nb, lexicon, rules))


def softmax_rows(z: Matrix) -> Matrix:
    """Return the row-wise softmax of a matrix."""
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(axis=1, keepdims=True))


def fit_combiner(svm: Matrix, nb: Matrix, lexicon: Matrix, rules: Matrix, y: npt.NDArray[np.int64]) -> Combiner:
    """Fit the combiner by penalised maximum likelihood (L-BFGS-B, weights ≥ 0, rule weight ≤ RULE_CAP)."""
    n, k = svm.shape
    inputs = (svm, nb, lexicon, rules)
    rows = np.arange(n)

    def loss(theta: Matrix) -> tuple[float, Matrix]:
        weights, bias = theta[:4], theta[4:]
        z = sum(w * m for w, m in zip(weights, inputs, strict=True)) + bias
        z = z - z.max(axis=1, keepdims=True)
        lse = np.log(np.exp(z).sum(axis=1))
        value = float(-(z[rows, y] - lse).sum() + BIAS_PENALTY * (bias**2).sum())
        grad = np.exp(z - lse[:, None])
        grad[rows, y] -= 1.0
        g = [float((grad * m).sum()) for m in inputs] + list(grad.sum(axis=0) + 2 * BIAS_PENALTY * bias)
        return value, np.asarray(g)

    start = np.array([1.0, 0.1, 1.0, 1.0] + [0.0] * k)
    bounds = [(0.0, None), (0.0, None), (0.0, None), (0.0, RULE_CAP)] + [(None, None)] * k
    result = minimize(loss, start, jac=True, method="L-BFGS-B", bounds=bounds)
    x = result.x
    return Combiner(float(x[0]), float(x[1]), float(x[2]), float(x[3]), tuple(float(b) for b in x[4:]))


def choose_threshold(
    probs: Matrix, y: npt.NDArray[np.int64], decided: npt.NDArray[np.bool_], target: float, min_routed: int = 20
) -> float:
    """Return the lowest confidence at which the routed predictions reach the target precision.

    decided marks the rows the classifier would send to the command center whatever their
    confidence (the command center is the best guess, or several departments are named): they are
    never routed. The routed set at threshold t is every other row with confidence ≥ t; the answer
    is the lowest t whose routed set (at least min_routed rows) has precision ≥ target, or 1.0.
    """
    best = probs.argmax(axis=1)
    conf = probs.max(axis=1)
    candidates = np.where(~decided)[0]
    order = candidates[np.argsort(-conf[candidates], kind="stable")]
    correct = (best[order] == y[order]).astype(np.float64)
    precision = np.cumsum(correct) / np.arange(1, len(order) + 1)
    threshold = 1.0
    for i in range(len(order)):
        last_of_tie = i + 1 == len(order) or conf[order[i + 1]] < conf[order[i]]
        if last_of_tie and i + 1 >= min_routed and precision[i] >= target:
            threshold = float(conf[order[i]])
    return threshold
